#ifndef JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_
#define JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "jwtd/v1/token_service.grpc.pb.h"
#include "server/api/blocking_call_pool.h"
#include "server/api/caller_policy.h"
#include "server/service/token_service.h"

namespace jwtd::api {

// What one Validate call decided, for metrics. Holds nothing of the token.
struct ValidationEvent {
  bool valid = false;
  // The jwtd.v1.Reason name ("REASON_EXPIRED"); empty when valid.
  absl::string_view reason;
  // The configured issuer that judged the token; empty when none did.
  absl::string_view issuer;
};

// Told of every Validate verdict (not of calls that fail with a non-OK
// status: those are the request's or the service's fault, and counted per
// gRPC code). Called on the request path, from many threads at once: must
// be thread-safe and cheap.
using ValidationObserver = std::function<void(const ValidationEvent&)>;

// The gRPC face of TokenService: checks the request's shape, converts it,
// calls the service, converts the answer and maps the status. Thin by
// design: no business rules live here. Each listener has its own handler,
// whose CallerPolicy decides who may call what there; a denied call gets
// PERMISSION_DENIED and a log line naming the caller.
//
// Validate, ValidateBatch and Introspect never wait on the network on
// gRPC's threads: a token whose key must first be fetched from its issuer
// is handed to a small BlockingCallPool (UNAVAILABLE, retry, when its queue
// is full), so a hanging issuer holds up only the calls that need it.
// Most requests one ValidateBatch call may carry.
inline constexpr int kMaxBatchSize = 1000;

// Validate and ValidateBatch are served as raw (ByteBuffer) methods: their
// answers are encoded by hand (wire_encoding.h) so that a token's claims
// need not be built as a protobuf Struct on every call. The wire format is
// the proto's; clients see no difference.
using TokenServiceHandlerBase =
    jwtd::v1::TokenService::WithRawCallbackMethod_Validate<
        jwtd::v1::TokenService::WithRawCallbackMethod_ValidateBatch<
            jwtd::v1::TokenService::CallbackService>>;

class TokenServiceHandler final : public TokenServiceHandlerBase {
 public:
  // `service` must outlive the handler. `policy` decides who may call
  // what on this handler's listener. `on_validation`, when set, is told of
  // every Validate verdict.
  TokenServiceHandler(const service::TokenService* service, CallerPolicy policy,
                      ValidationObserver on_validation = nullptr)
      : service_(service),
        policy_(std::move(policy)),
        on_validation_(std::move(on_validation)),
        blocking_(std::make_unique<BlockingCallPool>(kBlockingThreads,
                                                     kMaxBlockingQueued)) {}

  grpc::ServerUnaryReactor* Issue(grpc::CallbackServerContext* context,
                                  const jwtd::v1::IssueRequest* request,
                                  jwtd::v1::IssueResponse* response) override;
  // A jwtd.v1.ValidateRequest in, a jwtd.v1.ValidateResponse out.
  grpc::ServerUnaryReactor* Validate(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override;
  // A jwtd.v1.ValidateBatchRequest in, a ValidateBatchResponse out: each
  // request as Validate answers it, in order; a request that Validate would
  // fail gets its status in place of a verdict. INVALID_ARGUMENT for an
  // empty batch or one beyond kMaxBatchSize.
  grpc::ServerUnaryReactor* ValidateBatch(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
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
  // Threads and queue of the pool for calls that wait on an issuer: each
  // waits at most that issuer's fetch timeout.
  static constexpr int kBlockingThreads = 4;
  static constexpr size_t kMaxBlockingQueued = 1000;

  // Validates one request and appends the encoded ValidateResponse to
  // `wire` (and tells the observer); a non-OK status (nothing appended)
  // when the request or the service is at fault, or
  // service::KeyFetchNeeded() when the key must be fetched and
  // `may_wait_for_keys` is false.
  absl::Status ValidateOne(const jwtd::v1::ValidateRequest& request,
                           bool may_wait_for_keys, std::string* wire) const;

  // Validates one request of a batch into its encoded ValidateBatchResult
  // (`result` replaced). False, `result` untouched, when its key must be
  // fetched and `may_wait_for_keys` is false.
  bool BatchResult(const jwtd::v1::ValidateRequest& request,
                   bool may_wait_for_keys, std::string* result) const;

  // Finishes the call with what `work` returns, run on the blocking pool;
  // UNAVAILABLE at once when the pool's queue is full.
  grpc::ServerUnaryReactor* FinishOnBlockingPool(
      grpc::CallbackServerContext* context, std::function<absl::Status()> work);

  // OK when the caller may make this call; logs a denial.
  absl::Status Authorize(grpc::CallbackServerContext* context,
                         absl::string_view method, bool privileged) const;

  const service::TokenService* const service_;
  const CallerPolicy policy_;
  const ValidationObserver on_validation_;
  // Destroyed first: it runs what is queued, which uses the members above.
  const std::unique_ptr<BlockingCallPool> blocking_;
};

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_TOKEN_SERVICE_HANDLER_H_
