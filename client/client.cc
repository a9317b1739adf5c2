#include "client/client.h"

#include <chrono>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/address.h"
#include "client/utf8_fields.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/status.h"

namespace jwtd {
namespace {

// grpc::StatusCode and absl::StatusCode share their numbering (both follow
// google.rpc.Code), so the cast keeps the code.
absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::Status CheckTimeout(absl::Duration timeout) {
  if (timeout <= absl::ZeroDuration() || timeout == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("timeout: must be positive and finite");
  }
  return absl::OkStatus();
}

// Makes one unary call with a fresh context carrying the per-call deadline.
template <typename Response, typename Request, typename Method>
absl::StatusOr<Response> Call(const Request& request, absl::Duration timeout,
                              Method method) {
  absl::Status valid = CheckUtf8Fields(request);
  if (!valid.ok()) return valid;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(timeout));
  Response response;
  absl::Status status = FromGrpcStatus(method(&context, request, &response));
  if (!status.ok()) return status;
  return response;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(
    const ClientOptions& options) {
  absl::Status status = ValidateAddress(options.address);
  if (!status.ok()) return status;
  status = CheckTimeout(options.timeout);
  if (!status.ok()) return status;
  return FromChannel(
      grpc::CreateChannel(options.address, grpc::InsecureChannelCredentials()),
      options.timeout);
}

std::unique_ptr<Client> Client::FromChannel(
    std::shared_ptr<grpc::Channel> channel, absl::Duration timeout) {
  // The constructor is private, so std::make_unique cannot reach it.
  return std::unique_ptr<Client>(new Client(std::move(channel), timeout));
}

Client::Client(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
    : channel_(std::move(channel)),
      stub_(v1::TokenService::NewStub(channel_)),
      timeout_(timeout) {}

Client::~Client() = default;

absl::Status Client::WaitForReady(absl::Duration timeout) {
  const auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout);
  if (channel_->WaitForConnected(deadline)) return absl::OkStatus();
  return absl::DeadlineExceededError(
      absl::StrCat("not connected within ", absl::FormatDuration(timeout)));
}

absl::StatusOr<v1::IssueResponse> Client::Issue(
    const v1::IssueRequest& request) {
  return Call<v1::IssueResponse>(
      request, timeout_, [this](auto* context, const auto& req, auto* resp) {
        return stub_->Issue(context, req, resp);
      });
}

absl::StatusOr<v1::ValidateResponse> Client::Validate(
    const v1::ValidateRequest& request) {
  return Call<v1::ValidateResponse>(
      request, timeout_, [this](auto* context, const auto& req, auto* resp) {
        return stub_->Validate(context, req, resp);
      });
}

absl::StatusOr<v1::IntrospectResponse> Client::Introspect(
    const v1::IntrospectRequest& request) {
  return Call<v1::IntrospectResponse>(
      request, timeout_, [this](auto* context, const auto& req, auto* resp) {
        return stub_->Introspect(context, req, resp);
      });
}

absl::StatusOr<v1::RevokeResponse> Client::Revoke(
    const v1::RevokeRequest& request) {
  return Call<v1::RevokeResponse>(
      request, timeout_, [this](auto* context, const auto& req, auto* resp) {
        return stub_->Revoke(context, req, resp);
      });
}

absl::StatusOr<v1::GetKeySetResponse> Client::GetKeySet(
    const v1::GetKeySetRequest& request) {
  return Call<v1::GetKeySetResponse>(
      request, timeout_, [this](auto* context, const auto& req, auto* resp) {
        return stub_->GetKeySet(context, req, resp);
      });
}

}  // namespace jwtd
