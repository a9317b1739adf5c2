#include "client/client.h"

#include <chrono>
#include <fstream>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/address.h"
#include "client/utf8_fields.h"
#include "grpc/health/v1/health.grpc.pb.h"
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

constexpr size_t kMaxPemBytes = 1 << 20;

absl::StatusOr<std::string> ReadPemFile(absl::string_view option,
                                        const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat(option, ": cannot read ", path));
  }
  std::string text;
  text.resize(kMaxPemBytes + 1);
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  if (text.size() > kMaxPemBytes || text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(option, ": ", path, " is empty or larger than 1 MiB"));
  }
  return text;
}

// The channel's credentials and arguments from the TLS options.
absl::Status TlsChannel(const ClientOptions& options,
                        std::shared_ptr<grpc::ChannelCredentials>* credentials,
                        grpc::ChannelArguments* args) {
  const bool any_tls =
      !options.tls_ca_file.empty() || !options.tls_cert_file.empty() ||
      !options.tls_key_file.empty() || !options.tls_server_name.empty();
  if (!any_tls) {
    *credentials = grpc::InsecureChannelCredentials();
    return absl::OkStatus();
  }
  if (options.tls_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "tls_ca_file: needed with any other TLS option");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls_cert_file and tls_key_file go together");
  }
  if (absl::StartsWith(options.address, "unix:")) {
    return absl::InvalidArgumentError(
        "TLS is for TCP addresses; jwtd serves Unix sockets in plaintext");
  }
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca =
      ReadPemFile("tls_ca_file", options.tls_ca_file);
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *std::move(ca);
  if (!options.tls_cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadPemFile("tls_cert_file", options.tls_cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadPemFile("tls_key_file", options.tls_key_file);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  *credentials = grpc::SslCredentials(ssl);
  if (!options.tls_server_name.empty()) {
    args->SetSslTargetNameOverride(options.tls_server_name);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(
    const ClientOptions& options) {
  absl::Status status = ValidateAddress(options.address);
  if (!status.ok()) return status;
  status = CheckTimeout(options.timeout);
  if (!status.ok()) return status;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments args;
  status = TlsChannel(options, &credentials, &args);
  if (!status.ok()) return status;
  return FromChannel(
      grpc::CreateCustomChannel(options.address, credentials, args),
      options.timeout);
}

absl::StatusOr<bool> Client::CheckHealth(const std::string& service) {
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  std::unique_ptr<grpc::health::v1::Health::Stub> health =
      grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(timeout_));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health->Check(&context, request, &response);
  // NOT_FOUND: the server does not know the service; not serving it.
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
  if (!status.ok()) return FromGrpcStatus(status);
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
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

absl::StatusOr<v1::ValidateBatchResponse> Client::ValidateBatch(
    const v1::ValidateBatchRequest& request) {
  return Call<v1::ValidateBatchResponse>(
      request, timeout_, [this](auto* context, const auto& req, auto* resp) {
        return stub_->ValidateBatch(context, req, resp);
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
