#include "bench/load/token_issuer.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "jwtd/v1/token_service.grpc.pb.h"

namespace jwtd::bench {

absl::StatusOr<std::vector<std::string>> IssueTokens(
    const IssueOptions& options) {
  auto channel =
      grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
  auto stub = jwtd::v1::TokenService::NewStub(channel);
  std::vector<std::string> tokens;
  tokens.reserve(options.count);
  for (int i = 0; i < options.count; ++i) {
    jwtd::v1::IssueRequest request;
    request.set_subject(absl::StrCat(options.subject_prefix, i));
    request.mutable_ttl()->set_seconds(absl::ToInt64Seconds(options.ttl));
    request.set_scope(options.scope);
    jwtd::v1::IssueResponse response;
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    const grpc::Status status = stub->Issue(&context, request, &response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("Issue #", i, " on ", options.target,
                                       ": ", status.error_message()));
    }
    tokens.push_back(response.token());
  }
  return tokens;
}

}  // namespace jwtd::bench
