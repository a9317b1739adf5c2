#ifndef JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_
#define JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_

#include "jwtd/v1/token_service.grpc.pb.h"
#include "server/service/token_service.h"

namespace jwtd::api {

// The gRPC face of TokenService: checks the request's shape, converts it,
// calls the service, converts the answer and maps the status. Thin by
// design: no business rules live here.
class TokenServiceHandler final
    : public jwtd::v1::TokenService::CallbackService {
 public:
  // `service` must outlive the handler.
  explicit TokenServiceHandler(const service::TokenService* service)
      : service_(service) {}

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
  const service::TokenService* const service_;
};

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_
