#ifndef JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_
#define JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_

#include <utility>

#include "jwtd/v1/token_service.grpc.pb.h"
#include "server/api/caller_policy.h"
#include "server/service/token_service.h"

namespace jwtd::api {

// The gRPC face of TokenService: checks the request's shape, converts it,
// calls the service, converts the answer and maps the status. Thin by
// design: no business rules live here. Each listener has its own handler,
// whose CallerPolicy decides who may call what there; a denied call gets
// PERMISSION_DENIED and a log line naming the caller.
class TokenServiceHandler final
    : public jwtd::v1::TokenService::CallbackService {
 public:
  // `service` must outlive the handler.
  TokenServiceHandler(const service::TokenService* service, CallerPolicy policy)
      : service_(service), policy_(std::move(policy)) {}

  grpc::ServerUnaryReactor* Issue(grpc::CallbackServerContext* context,
                                  const jwtd::v1::IssueRequest* request,
                                  jwtd::v1::IssueResponse* response) override;
  grpc::ServerUnaryReactor* Validate(
      grpc::CallbackServerContext* context,
      const jwtd::v1::ValidateRequest* request,
      jwtd::v1::ValidateResponse* response) override;
  grpc::ServerUnaryReactor* Introspect(
      grpc::CallbackServerContext* context,
      const jwtd::v1::IntrospectRequest* request,
      jwtd::v1::IntrospectResponse* response) override;
  grpc::ServerUnaryReactor* Revoke(grpc::CallbackServerContext* context,
                                   const jwtd::v1::RevokeRequest* request,
                                   jwtd::v1::RevokeResponse* response) override;
  grpc::ServerUnaryReactor* GetKeySet(
      grpc::CallbackServerContext* context,
      const jwtd::v1::GetKeySetRequest* request,
      jwtd::v1::GetKeySetResponse* response) override;

 private:
  // OK when the caller may make this call; logs a denial.
  absl::Status Authorize(grpc::CallbackServerContext* context,
                         absl::string_view method, bool privileged) const;

  const service::TokenService* const service_;
  const CallerPolicy policy_;
};

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_
