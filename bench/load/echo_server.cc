// echo_server: the floor under jwtd's load benchmarks. Serves
// jwtd.bench.Echo/Echo (bytes in, the same bytes out) with jwtd's own gRPC
// settings, so that "jwtd QPS / echo QPS" measured in one run says what
// jwtd's work costs on top of gRPC itself.
//
//   --api=callback  the callback API, started through jwtd's
//                   StartGrpcListener: the same channel arguments, limits,
//                   health and reflection services and interceptors as
//                   jwtd's listeners.
//   --api=async     a completion-queue server: --threads threads, each
//                   polling its own queue, with the same channel arguments
//                   and limits (ApplyListenerSettings) and interceptors.
//
// Logs one JSON line to stderr once serving ("msg":"echo serving") and
// stops on SIGINT or SIGTERM.

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bench/load/flag_names.h"
#include "grpcpp/grpcpp.h"
#include "jwtd/bench/echo.grpc.pb.h"
#include "server/app/grpc_listener.h"
#include "server/config/config.h"
#include "server/util/log.h"

ABSL_FLAG(std::string, api, "callback",
          "Server API: callback (like jwtd) or async (completion queues)");
ABSL_FLAG(std::string, listen, "",
          "Listen address: host:port or unix:/absolute/path (required)");
ABSL_FLAG(int, threads, 0,
          "async: server threads, each with its own completion queue; "
          "0 = the number of cores");

namespace jwtd::bench {
namespace {

using EchoService = ::jwtd::bench::Echo;

class CallbackEcho final : public EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const EchoRequest* request,
                                 EchoResponse* response) override {
    response->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// A completion-queue server: each thread owns one queue and a fixed set of
// call slots that wait for a request, answer it and wait again.
class AsyncEchoServer {
 public:
  static absl::StatusOr<std::unique_ptr<AsyncEchoServer>> Start(
      const std::string& address, int threads) {
    auto server = std::unique_ptr<AsyncEchoServer>(new AsyncEchoServer());
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    app::ApplyListenerSettings(config::GrpcLimits(), &builder);
    builder.RegisterService(&server->service_);
    for (int i = 0; i < threads; ++i) {
      server->queues_.push_back(builder.AddCompletionQueue());
    }
    server->server_ = builder.BuildAndStart();
    if (server->server_ == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("binding ", address, " failed"));
    }
    for (auto& queue : server->queues_) {
      server->threads_.emplace_back(
          [s = server.get(), q = queue.get()] { s->Serve(q); });
    }
    return server;
  }

  ~AsyncEchoServer() {
    // No slot waits for a new call once this is set, so that none is armed
    // on a queue that is shut down.
    stopping_.store(true, std::memory_order_release);
    if (server_ != nullptr) server_->Shutdown();
    for (auto& queue : queues_) queue->Shutdown();
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  // Requests waiting per queue: enough that a burst of new calls never
  // waits for a slot to be re-armed.
  static constexpr int kSlotsPerQueue = 64;

  class Slot {
   public:
    Slot(EchoService::AsyncService* service, grpc::ServerCompletionQueue* queue)
        : service_(service), queue_(queue) {}

    void WaitForCall() {
      context_.emplace();
      responder_.emplace(&*context_);
      answering_ = false;
      service_->RequestEcho(&*context_, &request_, &*responder_, queue_, queue_,
                            this);
    }

    // Called with this slot's completion. A waiting slot gets !ok only
    // when the server shuts down; an answer that could not be sent (the
    // client left) still frees the slot for the next call.
    void OnEvent(bool ok, const std::atomic<bool>& stopping) {
      if (!answering_ && ok) {
        answering_ = true;
        response_.set_payload(request_.payload());
        responder_->Finish(response_, grpc::Status::OK, this);
        return;
      }
      if (answering_ && !stopping.load(std::memory_order_acquire)) {
        WaitForCall();
      }
    }

   private:
    EchoService::AsyncService* const service_;
    grpc::ServerCompletionQueue* const queue_;
    std::optional<grpc::ServerContext> context_;
    std::optional<grpc::ServerAsyncResponseWriter<EchoResponse>> responder_;
    EchoRequest request_;
    EchoResponse response_;
    bool answering_ = false;
  };

  AsyncEchoServer() = default;

  void Serve(grpc::ServerCompletionQueue* queue) {
    std::vector<std::unique_ptr<Slot>> slots;
    for (int i = 0; i < kSlotsPerQueue; ++i) {
      slots.push_back(std::make_unique<Slot>(&service_, queue));
      slots.back()->WaitForCall();
    }
    void* tag = nullptr;
    bool ok = false;
    // Runs until Shutdown() drained the queue; slots outlive their events.
    while (queue->Next(&tag, &ok)) {
      static_cast<Slot*>(tag)->OnEvent(ok, stopping_);
    }
  }

  EchoService::AsyncService service_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
};

int Fail(const std::string& message) {
  Log(LogLevel::kError, "echo_server failed", {{"error", message}});
  return 1;
}

int Run() {
  const std::string api = absl::GetFlag(FLAGS_api);
  const std::string listen = absl::GetFlag(FLAGS_listen);
  if (listen.empty()) return Fail("--listen is required");
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads <= 0) {
    threads = std::max(1u, std::thread::hardware_concurrency());
  }

  CallbackEcho callback_service;
  std::optional<app::GrpcListener> callback_server;
  std::unique_ptr<AsyncEchoServer> async_server;
  std::string bound = listen;
  if (api == "callback") {
    app::GrpcListenerOptions options;
    options.address = listen;
    absl::StatusOr<app::GrpcListener> listener =
        app::StartGrpcListener(options, {&callback_service}, {});
    if (!listener.ok()) return Fail(std::string(listener.status().message()));
    listener->server->GetHealthCheckService()->SetServingStatus(true);
    bound = listener->bound_address;
    callback_server = *std::move(listener);
  } else if (api == "async") {
    absl::StatusOr<std::unique_ptr<AsyncEchoServer>> server =
        AsyncEchoServer::Start(listen, threads);
    if (!server.ok()) return Fail(std::string(server.status().message()));
    async_server = *std::move(server);
  } else {
    return Fail("--api must be callback or async");
  }
  Log(LogLevel::kInfo, "echo serving",
      {{"api", api},
       {"listen", bound},
       {"threads", api == "async" ? absl::StrCat(threads) : "grpc"}});

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  if (callback_server.has_value()) {
    callback_server->server->Shutdown();
    callback_server->server->Wait();
  }
  async_server.reset();
  return 0;
}

}  // namespace
}  // namespace jwtd::bench

int main(int argc, char** argv) {
  // Before any thread starts, so that only sigwait in Run() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  absl::SetProgramUsageMessage(
      "echo_server: jwtd.bench.Echo with jwtd's gRPC settings.\n"
      "Usage: echo_server --listen=unix:/path [--api=callback|async] "
      "[--threads=N]");
  jwtd::bench::NormalizeFlagNames(argc, argv);
  absl::ParseCommandLine(argc, argv);
  return jwtd::bench::Run();
}
