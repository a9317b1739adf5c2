#include "server/observability/call_observer.h"

#include <chrono>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "server/util/log.h"

namespace jwtd::observability {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

// Longest method name logged for a method the server does not serve.
constexpr size_t kMaxLoggedMethodBytes = 128;

RpcType ToRpcType(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return RpcType::kUnary;
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return RpcType::kClientStream;
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return RpcType::kServerStream;
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return RpcType::kBidiStream;
  }
  return RpcType::kUnary;
}

LogLevel LevelFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::UNAUTHENTICATED:
      return LogLevel::kInfo;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::UNAVAILABLE:
      return LogLevel::kWarning;
    default:
      return LogLevel::kError;
  }
}

class CallObserver : public grpc::experimental::Interceptor {
 public:
  CallObserver(Metrics* metrics, ServerRpcInfo* info,
               const CallObserverOptions& options)
      : metrics_(metrics),
        info_(info),
        method_(info->method() != nullptr ? info->method() : ""),
        series_(metrics->Rpc(method_, ToRpcType(info->type()))),
        log_calls_(options.log_calls),
        log_ok_calls_(options.log_ok_calls),
        live_api_calls_(absl::StartsWith(method_, "/jwtd.v1.")
                            ? options.live_api_calls
                            : nullptr),
        start_(std::chrono::steady_clock::now()) {
    metrics_->RpcStarted(*series_);
    if (live_api_calls_ != nullptr) {
      live_api_calls_->fetch_add(1, std::memory_order_acq_rel);
    }
  }

  // A call that never sent a status (the client cancelled or went away
  // before the handler finished) still counts as handled. Runs when the
  // call is destroyed: the server context is not touched any more.
  ~CallObserver() override {
    if (!done_) Done(grpc::StatusCode::CANCELLED, /*with_peer=*/false);
    if (live_api_calls_ != nullptr) {
      live_api_calls_->fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!done_ && methods->QueryInterceptionHookPoint(
                      InterceptionHookPoints::PRE_SEND_STATUS)) {
      Done(methods->GetSendStatus().error_code(), /*with_peer=*/true);
    }
    methods->Proceed();
  }

 private:
  void Done(grpc::StatusCode code, bool with_peer) {
    done_ = true;
    const absl::Duration elapsed =
        absl::FromChrono(std::chrono::steady_clock::now() - start_);
    metrics_->RpcHandled(*series_, code, elapsed);
    if (!log_calls_ || (code == grpc::StatusCode::OK && !log_ok_calls_)) {
      return;
    }
    const LogLevel level = LevelFor(code);
    if (!LogEnabled(level)) return;
    absl::string_view method = method_;
    if (method.size() > kMaxLoggedMethodBytes) {
      method = method.substr(0, kMaxLoggedMethodBytes);
    }
    std::string peer;
    if (with_peer && info_->server_context() != nullptr) {
      peer = info_->server_context()->peer();
    }
    Log(level, "rpc",
        {{"grpc.method", std::string(method)},
         {"grpc.code", std::string(GrpcCodeName(code))},
         {"duration", absl::StrFormat("%.6f", absl::ToDoubleSeconds(elapsed))},
         {"peer", std::move(peer)}});
  }

  Metrics* const metrics_;
  ServerRpcInfo* const info_;
  // Points into the server's method table (or the call's, for a method the
  // server does not serve): valid for the whole call.
  const absl::string_view method_;
  const Metrics::RpcSeries* const series_;
  const bool log_calls_;
  const bool log_ok_calls_;
  std::atomic<int>* const live_api_calls_;
  const std::chrono::steady_clock::time_point start_;
  bool done_ = false;
};

}  // namespace

CallObserverFactory::CallObserverFactory(std::shared_ptr<Metrics> metrics,
                                         CallObserverOptions options)
    : metrics_(std::move(metrics)), options_(options) {}

grpc::experimental::Interceptor* CallObserverFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new CallObserver(metrics_.get(), info, options_);
}

}  // namespace jwtd::observability
