#ifndef JWTD_SERVER_OBSERVABILITY_CALL_OBSERVER_H_
#define JWTD_SERVER_OBSERVABILITY_CALL_OBSERVER_H_

#include <atomic>
#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "server/observability/metrics.h"

namespace jwtd::observability {

struct CallObserverOptions {
  // Write one log line per call (see CallObserverFactory). Metrics are
  // recorded either way.
  bool log_calls = true;
  // With log_calls: false leaves calls that end OK out of the log (they are
  // still counted), so that a busy sidecar logs only what needs a look.
  bool log_ok_calls = true;
  // When set, incremented while a call of a jwtd.v1 method is alive (from
  // its start until gRPC destroys it), so that shutdown can tell when the
  // drain is over without a second interceptor on every call.
  std::atomic<int>* live_api_calls = nullptr;
};

// A gRPC server interceptor factory that observes every call:
//
//  - grpc_server_started_total when the call starts (the interceptor is
//    created as the server matches the call to a method);
//  - grpc_server_handled_total and grpc_server_handling_seconds with the
//    status that is sent (read at PRE_SEND_STATUS), or CANCELLED for a call
//    that ends without sending one (the client went away first);
//  - with log_calls, one line through jwtd::Log per call, written when the
//    status is sent:
//      {"time":...,"level":"info","msg":"rpc",
//       "grpc.method":"/jwtd.v1.TokenService/Validate","grpc.code":"OK",
//       "duration":"0.000183","peer":"ipv4:127.0.0.1:50712"}
//    duration: seconds with microsecond precision, as a string (the logger
//    writes strings). Level by code, as go-grpc-middleware's logging does:
//    info for OK, CANCELLED, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS
//    and UNAUTHENTICATED (the caller's doing); warning for
//    DEADLINE_EXCEEDED, PERMISSION_DENIED, RESOURCE_EXHAUSTED,
//    FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE and UNAVAILABLE; error for
//    UNKNOWN, UNIMPLEMENTED, INTERNAL and DATA_LOSS. Nothing of the request
//    or the status message is logged (no token can appear). A method name
//    the server does not serve is logged as sent, cut to 128 bytes.
//
// Where to register it. In gRPC 1.51 a server runs the interceptors in
// vector order for PRE_SEND_* hooks (so PRE_SEND_STATUS) and in reverse
// order for POST_RECV_* hooks; every factory's interceptor is created for
// every call. To see the status that actually leaves — including one that
// an interceptor before it replaced with ModifySendStatus (e.g. an
// authorization interceptor denying a call) — put this factory LAST in
// SetInterceptorCreators. Placed earlier, it records the status as it was
// when it reached it.
//
// Cheap: one hash lookup per call for the method's series (resolved at
// Metrics construction, no lock), two counter increments, one histogram
// observation, and the log line (skipped, with its fields, below the log
// level).
class CallObserverFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `metrics` is shared by every server's factory; it must outlive the
  // calls (keep it until the servers have been shut down and waited for).
  CallObserverFactory(std::shared_ptr<Metrics> metrics,
                      CallObserverOptions options);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const std::shared_ptr<Metrics> metrics_;
  const CallObserverOptions options_;
};

}  // namespace jwtd::observability

#endif  // JWTD_SERVER_OBSERVABILITY_CALL_OBSERVER_H_
