#include "server/api/token_service_handler.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/api/proto_conversion.h"
#include "server/api/wire_encoding.h"
#include "server/jose/algorithm.h"
#include "server/util/log.h"

namespace jwtd::api {
namespace {

using jwtd::v1::IntrospectResponse;
using jwtd::v1::IssueRequest;
using jwtd::v1::IssueResponse;
using jwtd::v1::ValidateRequest;
using jwtd::v1::ValidateResponse;

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

absl::StatusOr<service::IssueParams> ToIssueParams(
    const IssueRequest& request) {
  service::IssueParams params;
  params.subject = request.subject();
  params.audiences.assign(request.audiences().begin(),
                          request.audiences().end());
  if (request.has_ttl()) {
    absl::StatusOr<absl::Duration> ttl = DurationFromProto(request.ttl());
    if (!ttl.ok()) return ttl.status();
    params.ttl = *ttl;
  }
  params.scope = request.scope();
  if (request.has_claims()) {
    absl::StatusOr<jose::Json> claims = StructToJson(request.claims());
    if (!claims.ok()) return claims.status();
    params.extra_claims = *std::move(claims);
  }
  if (request.has_not_before()) {
    absl::StatusOr<absl::Time> nbf = TimestampToTime(request.not_before());
    if (!nbf.ok()) return nbf.status();
    params.not_before = *nbf;
  }
  return params;
}

service::AccessRequirements ToAccessRequirements(
    const ValidateRequest& request) {
  service::AccessRequirements access;
  access.scopes.assign(request.required_scopes().begin(),
                       request.required_scopes().end());
  for (const auto& claim : request.required_claims()) {
    service::ClaimRequirement requirement;
    requirement.claim = claim.claim();
    requirement.values.assign(claim.values().begin(), claim.values().end());
    requirement.match_all = claim.mode() == jwtd::v1::MATCH_MODE_ALL;
    access.claims.push_back(std::move(requirement));
  }
  return access;
}

// Reads an optional string claim for introspection.
void CopyStringClaim(const jose::Json& claims, absl::string_view name,
                     std::string* out) {
  const jose::Json* value = claims.Find(name);
  if (value != nullptr && value->is_string()) *out = value->string_value();
}

void FillIntrospection(const jose::VerifiedJwt& jwt,
                       IntrospectResponse* response) {
  const jose::RegisteredClaims& registered = jwt.registered();
  response->set_active(true);
  response->set_token_type("Bearer");
  response->set_scope(absl::StrJoin(service::GrantedScopes(jwt.claims()), " "));
  CopyStringClaim(jwt.claims(), "client_id", response->mutable_client_id());
  CopyStringClaim(jwt.claims(), "username", response->mutable_username());
  if (registered.expires_at) {
    TimeToTimestamp(*registered.expires_at, response->mutable_exp());
  }
  if (registered.issued_at) {
    TimeToTimestamp(*registered.issued_at, response->mutable_iat());
  }
  if (registered.not_before) {
    TimeToTimestamp(*registered.not_before, response->mutable_nbf());
  }
  if (registered.subject) response->set_sub(*registered.subject);
  for (const std::string& audience : registered.audiences) {
    response->add_aud(audience);
  }
  if (registered.issuer) response->set_iss(*registered.issuer);
  if (registered.jwt_id) response->set_jti(*registered.jwt_id);
}

// Parses a raw request; false when the bytes are not a `message`.
bool ParseMessage(const grpc::ByteBuffer& buffer,
                  google::protobuf::Message* message) {
  grpc::Slice slice;
  if (!buffer.DumpToSingleSlice(&slice).ok()) return false;
  return message->ParseFromArray(slice.begin(), static_cast<int>(slice.size()));
}

void SetMessage(const std::string& wire, grpc::ByteBuffer* out) {
  grpc::Slice slice(wire);
  *out = grpc::ByteBuffer(&slice, 1);
}

}  // namespace

absl::Status TokenServiceHandler::Authorize(
    grpc::CallbackServerContext* context, absl::string_view method,
    bool privileged) const {
  // The common case, an open RPC on the main listener, needs no identity
  // (reading the auth context costs allocations on every call).
  if (!privileged && policy_.listener() == CallerPolicy::Listener::kMain) {
    return absl::OkStatus();
  }
  const CallerIdentity caller = IdentityOf(*context);
  absl::Status allowed = policy_.Authorize(method, privileged, caller);
  if (!allowed.ok()) {
    Log(LogLevel::kWarning, "call denied",
        {{"grpc.method", std::string(method)},
         {"caller", caller.Describe()},
         {"peer", caller.peer},
         {"listener", policy_.listener() == CallerPolicy::Listener::kMain
                          ? "main"
                          : "privileged"}});
  }
  return allowed;
}

grpc::ServerUnaryReactor* TokenServiceHandler::Issue(
    grpc::CallbackServerContext* context, const IssueRequest* request,
    IssueResponse* response) {
  if (absl::Status allowed = Authorize(context, "Issue", true); !allowed.ok()) {
    return Finish(context, allowed);
  }
  absl::StatusOr<service::IssueParams> params = ToIssueParams(*request);
  if (!params.ok()) return Finish(context, params.status());
  absl::StatusOr<service::IssuedToken> issued = service_->Issue(*params);
  if (!issued.ok()) return Finish(context, issued.status());
  response->set_token(std::move(issued->token));
  response->set_jti(issued->jti);
  response->set_kid(issued->kid);
  response->set_alg(std::string(jose::JwsAlgorithmName(issued->alg)));
  TimeToTimestamp(issued->issued_at, response->mutable_issued_at());
  TimeToTimestamp(issued->expires_at, response->mutable_expires_at());
  Log(LogLevel::kInfo, "token issued",
      {{"jti", issued->jti}, {"kid", issued->kid}});
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* TokenServiceHandler::FinishOnBlockingPool(
    grpc::CallbackServerContext* context, std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The request and response stay valid until Finish.
  if (!blocking_->TrySubmit([reactor, work = std::move(work)] {
        reactor->Finish(ToGrpcStatus(work()));
      })) {
    reactor->Finish(ToGrpcStatus(absl::UnavailableError(
        "too many calls are waiting for issuer keys; retry")));
  }
  return reactor;
}

absl::Status TokenServiceHandler::ValidateOne(const ValidateRequest& request,
                                              bool may_wait_for_keys,
                                              std::string* wire) const {
  service::ValidateParams params;
  params.token = request.token();
  params.audience = request.audience();
  params.access = ToAccessRequirements(request);
  params.may_wait_for_keys = may_wait_for_keys;
  absl::StatusOr<service::Verdict> verdict = service_->Validate(params);
  if (!verdict.ok()) return verdict.status();
  // Every field but the claims through protobuf; the claims, the costly
  // part, encoded straight from the JSON tree and appended (fields may come
  // in any order on the wire).
  ValidateResponse response;
  if (verdict->valid()) {
    const jose::VerifiedJwt& jwt = *verdict->jwt;
    response.set_valid(true);
    response.set_kid(jwt.kid());
    response.set_alg(std::string(jose::JwsAlgorithmName(jwt.alg())));
    if (jwt.registered().expires_at) {
      TimeToTimestamp(*jwt.registered().expires_at,
                      response.mutable_expires_at());
    }
  } else {
    response.set_valid(false);
    response.set_reason(ReasonToProto(*verdict->reason));
    response.set_detail(std::move(verdict->detail));
  }
  response.AppendToString(wire);
  if (verdict->valid()) {
    // Encoded once per verified token; a cached token reuses the bytes.
    AppendMessageField(ValidateResponse::kClaimsFieldNumber,
                       verdict->jwt->EncodedClaims(&AppendStructWire), wire);
  }
  if (on_validation_) {
    on_validation_(ValidationEvent{
        .valid = verdict->valid(),
        .reason = verdict->valid() ? absl::string_view()
                                   : absl::string_view(jwtd::v1::Reason_Name(
                                         ReasonToProto(*verdict->reason))),
        .issuer = verdict->issuer});
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* TokenServiceHandler::Validate(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  if (absl::Status allowed = Authorize(context, "Validate", false);
      !allowed.ok()) {
    return Finish(context, allowed);
  }
  ValidateRequest parsed;
  if (!ParseMessage(*request, &parsed)) {
    return Finish(context, absl::InvalidArgumentError(
                               "request is not a jwtd.v1.ValidateRequest"));
  }
  std::string wire;
  absl::Status status = ValidateOne(parsed, false, &wire);
  if (service::IsKeyFetchNeeded(status)) {
    return FinishOnBlockingPool(
        context, [this, parsed = std::move(parsed), response] {
          std::string wire;
          absl::Status status = ValidateOne(parsed, true, &wire);
          if (status.ok()) SetMessage(wire, response);
          return status;
        });
  }
  if (!status.ok()) return Finish(context, status);
  SetMessage(wire, response);
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* TokenServiceHandler::ValidateBatch(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  if (absl::Status allowed = Authorize(context, "ValidateBatch", false);
      !allowed.ok()) {
    return Finish(context, allowed);
  }
  jwtd::v1::ValidateBatchRequest batch;
  if (!ParseMessage(*request, &batch)) {
    return Finish(context,
                  absl::InvalidArgumentError(
                      "request is not a jwtd.v1.ValidateBatchRequest"));
  }
  if (batch.requests_size() == 0) {
    return Finish(context,
                  absl::InvalidArgumentError("requests: at least one"));
  }
  if (batch.requests_size() > kMaxBatchSize) {
    return Finish(context, absl::InvalidArgumentError(absl::StrCat(
                               "requests: at most ", kMaxBatchSize)));
  }
  // ValidateBatchResponse.results[i] is a ValidateBatchResult whose
  // `verdict` (or `error`) holds the answer to requests[i]. Requests whose
  // key must be fetched are left for the blocking pool.
  auto results = std::make_shared<std::vector<std::string>>(
      static_cast<size_t>(batch.requests_size()));
  std::vector<int> waiting;
  for (int i = 0; i < batch.requests_size(); ++i) {
    if (!BatchResult(batch.requests(i), false, &(*results)[i])) {
      waiting.push_back(i);
    }
  }
  auto respond = [results, response] {
    std::string wire;
    for (const std::string& result : *results) {
      AppendMessageField(jwtd::v1::ValidateBatchResponse::kResultsFieldNumber,
                         result, &wire);
    }
    SetMessage(wire, response);
    return absl::OkStatus();
  };
  if (waiting.empty()) return Finish(context, respond());
  return FinishOnBlockingPool(
      context, [this, batch = std::move(batch), waiting = std::move(waiting),
                results, respond] {
        for (int i : waiting) {
          BatchResult(batch.requests(i), true, &(*results)[i]);
        }
        return respond();
      });
}

bool TokenServiceHandler::BatchResult(const ValidateRequest& request,
                                      bool may_wait_for_keys,
                                      std::string* result) const {
  std::string verdict;
  absl::Status status = ValidateOne(request, may_wait_for_keys, &verdict);
  if (service::IsKeyFetchNeeded(status)) return false;
  result->clear();
  if (status.ok()) {
    AppendMessageField(jwtd::v1::ValidateBatchResult::kVerdictFieldNumber,
                       verdict, result);
  } else {
    jwtd::v1::BatchError error;
    error.set_code(static_cast<int32_t>(status.code()));
    error.set_message(std::string(status.message()));
    AppendMessageField(jwtd::v1::ValidateBatchResult::kErrorFieldNumber,
                       error.SerializeAsString(), result);
  }
  return true;
}

grpc::ServerUnaryReactor* TokenServiceHandler::Introspect(
    grpc::CallbackServerContext* context,
    const jwtd::v1::IntrospectRequest* request, IntrospectResponse* response) {
  if (absl::Status allowed = Authorize(context, "Introspect", false);
      !allowed.ok()) {
    return Finish(context, allowed);
  }
  auto introspect = [this, request, response](bool may_wait_for_keys) {
    absl::StatusOr<std::optional<jose::VerifiedJwt>> jwt =
        service_->Introspect(request->token(), may_wait_for_keys);
    if (!jwt.ok()) return jwt.status();
    if (jwt->has_value()) {
      FillIntrospection(**jwt, response);
    } else {
      response->set_active(false);  // RFC 7662 2.2: nothing else.
    }
    return absl::OkStatus();
  };
  absl::Status status = introspect(false);
  if (service::IsKeyFetchNeeded(status)) {
    return FinishOnBlockingPool(context,
                                [introspect] { return introspect(true); });
  }
  return Finish(context, status);
}

grpc::ServerUnaryReactor* TokenServiceHandler::Revoke(
    grpc::CallbackServerContext* context,
    const jwtd::v1::RevokeRequest* request,
    jwtd::v1::RevokeResponse* response) {
  if (absl::Status allowed = Authorize(context, "Revoke", true);
      !allowed.ok()) {
    return Finish(context, allowed);
  }
  service::RevokeParams params;
  switch (request->target_case()) {
    case jwtd::v1::RevokeRequest::kToken:
      params.token = request->token();
      if (params.token.empty()) {
        return Finish(context, absl::InvalidArgumentError("token is empty"));
      }
      break;
    case jwtd::v1::RevokeRequest::kJti:
      params.jti = request->jti();
      if (params.jti.empty()) {
        return Finish(context, absl::InvalidArgumentError("jti is empty"));
      }
      break;
    case jwtd::v1::RevokeRequest::TARGET_NOT_SET:
      return Finish(context, absl::InvalidArgumentError(
                                 "give a token or a jti to revoke"));
  }
  if (request->has_until()) {
    absl::StatusOr<absl::Time> until = TimestampToTime(request->until());
    if (!until.ok()) return Finish(context, until.status());
    params.until = *until;
  }
  absl::StatusOr<service::Revoked> revoked = service_->Revoke(params);
  if (!revoked.ok()) return Finish(context, revoked.status());
  response->set_jti(revoked->jti);
  TimeToTimestamp(revoked->until, response->mutable_revoked_until());
  // A hash would do too; the jti is not a secret and is what operators grep.
  Log(LogLevel::kInfo, "token revoked", {{"jti", revoked->jti}});
  return Finish(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* TokenServiceHandler::GetKeySet(
    grpc::CallbackServerContext* context,
    const jwtd::v1::GetKeySetRequest* request,
    jwtd::v1::GetKeySetResponse* response) {
  if (absl::Status allowed = Authorize(context, "GetKeySet", false);
      !allowed.ok()) {
    return Finish(context, allowed);
  }
  response->set_jwks(service_->PublicJwks());
  return Finish(context, absl::OkStatus());
}

}  // namespace jwtd::api
