#include "server/observability/call_observer.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.grpc.pb.h"
#include "server/util/log.h"
#include "tests/support/prometheus_text.h"

namespace jwtd::observability {
namespace {

using ::jwtd::testing::FindSample;
using ::jwtd::testing::PrometheusLabels;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Optional;
using ::testing::SizeIs;
using InterceptorFactories = std::vector<
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>;

constexpr char kSecretToken[] = "eyJhbGciOiJFUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl";

// Validate answers by the token: "deny" -> PERMISSION_DENIED,
// "broken" -> INTERNAL, anything else OK.
class FakeTokenService final : public jwtd::v1::TokenService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Validate(
      grpc::CallbackServerContext* context,
      const jwtd::v1::ValidateRequest* request,
      jwtd::v1::ValidateResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (request->token() == "deny") {
      reactor->Finish(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no"));
    } else if (request->token() == "broken") {
      reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL, "oops"));
    } else {
      if (live_calls != nullptr) seen_live_calls = live_calls->load();
      response->set_valid(true);
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

  // When set, read while a call is being handled.
  std::atomic<int>* live_calls = nullptr;
  int seen_live_calls = -1;
};

// Replaces every status with PERMISSION_DENIED at PRE_SEND_STATUS, as an
// authorization interceptor denying a call would.
class DenyEverything : public grpc::experimental::Interceptor {
 public:
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      methods->ModifySendStatus(
          grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "denied"));
    }
    methods->Proceed();
  }
};
class DenyEverythingFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new DenyEverything();
  }
};

MetricsOptions ServedMethods() {
  MetricsOptions options;
  const auto* service =
      jwtd::v1::ValidateRequest::descriptor()->file()->FindServiceByName(
          "TokenService");
  for (int i = 0; i < service->method_count(); ++i) {
    options.methods.push_back({absl::StrCat("/", service->full_name(), "/",
                                            service->method(i)->name()),
                               RpcType::kUnary});
  }
  return options;
}

PrometheusLabels MethodLabels(const std::string& method) {
  return {{"grpc_type", "unary"},
          {"grpc_service", "jwtd.v1.TokenService"},
          {"grpc_method", method}};
}

PrometheusLabels WithCode(PrometheusLabels labels, const std::string& code) {
  labels["grpc_code"] = code;
  return labels;
}

// Redirects stderr (jwtd::Log's output) into a temporary file while alive.
class StderrCapture {
 public:
  StderrCapture() {
    file_ = ::tmpfile();
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(::fileno(file_), STDERR_FILENO);
  }
  ~StderrCapture() { Restore(); }
  // Restores stderr and returns what was written to it.
  std::string Finish() {
    Restore();
    std::string text;
    ::rewind(file_);
    char buffer[4096];
    size_t n;
    while ((n = ::fread(buffer, 1, sizeof(buffer), file_)) > 0) {
      text.append(buffer, n);
    }
    return text;
  }

 private:
  void Restore() {
    if (saved_ < 0) return;
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  FILE* file_;
  int saved_;
};

// The JSON lines with "msg":"rpc".
std::vector<google::protobuf::Struct> RpcLines(const std::string& log) {
  std::vector<google::protobuf::Struct> lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    google::protobuf::Struct parsed;
    if (!google::protobuf::util::JsonStringToMessage(std::string(line), &parsed)
             .ok()) {
      continue;
    }
    auto msg = parsed.fields().find("msg");
    if (msg != parsed.fields().end() && msg->second.string_value() == "rpc") {
      lines.push_back(parsed);
    }
  }
  return lines;
}

std::string Field(const google::protobuf::Struct& line,
                  const std::string& name) {
  auto it = line.fields().find(name);
  return it == line.fields().end() ? "" : it->second.string_value();
}

class CallObserverTest : public ::testing::Test {
 protected:
  // Starts a server on 127.0.0.1:0 with `factories` as its interceptors.
  void Start(InterceptorFactories factories) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    builder.experimental().SetInterceptorCreators(std::move(factories));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials());
    stub_ = jwtd::v1::TokenService::NewStub(channel_);
  }

  void StartObserved(CallObserverOptions options = {}) {
    InterceptorFactories factories;
    factories.push_back(
        std::make_unique<CallObserverFactory>(metrics_, options));
    Start(std::move(factories));
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown();
      server_->Wait();
    }
  }

  grpc::Status Validate(const std::string& token) {
    grpc::ClientContext context;
    jwtd::v1::ValidateRequest request;
    request.set_token(token);
    jwtd::v1::ValidateResponse response;
    return stub_->Validate(&context, request, &response);
  }

  std::shared_ptr<Metrics> metrics_ =
      std::make_shared<Metrics>(ServedMethods());
  FakeTokenService service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<jwtd::v1::TokenService::Stub> stub_;
};

TEST_F(CallObserverTest, CountsCallsByCode) {
  StartObserved({.log_calls = false});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Validate("fine").ok());
  EXPECT_EQ(Validate("deny").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Validate("deny").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Validate("broken").error_code(), grpc::StatusCode::INTERNAL);

  const std::string text = metrics_->Render();
  const PrometheusLabels validate = MethodLabels("Validate");
  EXPECT_THAT(FindSample(text, "grpc_server_started_total", validate),
              Optional(6.0));
  EXPECT_THAT(
      FindSample(text, "grpc_server_handled_total", WithCode(validate, "OK")),
      Optional(3.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                         WithCode(validate, "PERMISSION_DENIED")),
              Optional(2.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                         WithCode(validate, "INTERNAL")),
              Optional(1.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handling_seconds_count", validate),
              Optional(6.0));
  // Unimplemented handlers of the generated service count as themselves.
  grpc::ClientContext context;
  jwtd::v1::GetKeySetResponse response;
  EXPECT_EQ(stub_->GetKeySet(&context, {}, &response).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(FindSample(metrics_->Render(), "grpc_server_handled_total",
                         WithCode(MethodLabels("GetKeySet"), "UNIMPLEMENTED")),
              Optional(1.0));
}

// A method the server does not serve never becomes a label value.
TEST_F(CallObserverTest, UnservedMethodIsNotALabel) {
  StartObserved({.log_calls = false});
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/evil.Service/AttackerChosen", {}, &request,
                    &response, [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  const std::string text = metrics_->Render();
  EXPECT_THAT(text, Not(HasSubstr("AttackerChosen")));
  EXPECT_THAT(text, Not(HasSubstr("evil")));
  // gRPC 1.51 runs interceptors for it too, as a bidi stream.
  const PrometheusLabels unknown = {{"grpc_type", "bidi_stream"},
                                    {"grpc_service", "unknown"},
                                    {"grpc_method", "unknown"}};
  EXPECT_THAT(FindSample(text, "grpc_server_started_total", unknown),
              Optional(1.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                         WithCode(unknown, "UNIMPLEMENTED")),
              Optional(1.0));
}

TEST_F(CallObserverTest, LogsOneLinePerCallWithoutTheToken) {
  StartObserved();
  StderrCapture capture;
  EXPECT_TRUE(Validate(kSecretToken).ok());
  EXPECT_EQ(Validate("deny").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  server_->Shutdown();  // Every line is written before the call completes.
  server_->Wait();
  server_ = nullptr;
  const std::string log = capture.Finish();
  EXPECT_THAT(log, Not(HasSubstr(kSecretToken)));
  EXPECT_THAT(log, Not(HasSubstr("c2VjcmV0")));
  const std::vector<google::protobuf::Struct> lines = RpcLines(log);
  ASSERT_THAT(lines, SizeIs(2)) << log;
  EXPECT_EQ(Field(lines[0], "level"), "info");
  EXPECT_EQ(Field(lines[0], "grpc.method"), "/jwtd.v1.TokenService/Validate");
  EXPECT_EQ(Field(lines[0], "grpc.code"), "OK");
  EXPECT_THAT(Field(lines[0], "duration"), MatchesRegex("0\\.[0-9]{6}"));
  EXPECT_THAT(Field(lines[0], "peer"),
              MatchesRegex("ipv4:127\\.0\\.0\\.1:[0-9]+"));
  EXPECT_EQ(Field(lines[1], "level"), "warning");
  EXPECT_EQ(Field(lines[1], "grpc.code"), "PERMISSION_DENIED");
  // Nothing of the request or the status message.
  EXPECT_THAT(lines[1].fields(), SizeIs(7));  // time level msg + 4 fields
  EXPECT_THAT(log, Not(HasSubstr("\"no\"")));
}

TEST_F(CallObserverTest, LogCallsOffWritesNothing) {
  StartObserved({.log_calls = false});
  StderrCapture capture;
  EXPECT_TRUE(Validate("fine").ok());
  EXPECT_THAT(RpcLines(capture.Finish()), IsEmpty());
}

TEST_F(CallObserverTest, LinesBelowTheLogLevelAreSkipped) {
  StartObserved();
  SetMinLogLevel(LogLevel::kWarning);
  StderrCapture capture;
  EXPECT_TRUE(Validate("fine").ok());
  EXPECT_FALSE(Validate("deny").ok());
  const std::string log = capture.Finish();
  SetMinLogLevel(LogLevel::kInfo);
  const std::vector<google::protobuf::Struct> lines = RpcLines(log);
  ASSERT_THAT(lines, SizeIs(1)) << log;
  EXPECT_EQ(Field(lines[0], "grpc.code"), "PERMISSION_DENIED");
}

// Registered last, the observer sees the status an earlier interceptor
// (e.g. authorization) put in place of the handler's.
TEST_F(CallObserverTest, LastInTheChainSeesTheStatusSent) {
  InterceptorFactories factories;
  factories.push_back(std::make_unique<DenyEverythingFactory>());
  factories.push_back(std::make_unique<CallObserverFactory>(
      metrics_, CallObserverOptions{.log_calls = false}));
  Start(std::move(factories));
  EXPECT_EQ(Validate("fine").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  const std::string text = metrics_->Render();
  const PrometheusLabels validate = MethodLabels("Validate");
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                         WithCode(validate, "PERMISSION_DENIED")),
              Optional(1.0));
  EXPECT_THAT(
      FindSample(text, "grpc_server_handled_total", WithCode(validate, "OK")),
      Optional(0.0));
}

// Pins the gRPC 1.51 hook order that call_observer.h documents: registered
// first, the observer runs before a later interceptor's PRE_SEND_STATUS and
// records the handler's status. (Register it last.)
TEST_F(CallObserverTest, FirstInTheChainRunsBeforeLaterInterceptors) {
  InterceptorFactories factories;
  factories.push_back(std::make_unique<CallObserverFactory>(
      metrics_, CallObserverOptions{.log_calls = false}));
  factories.push_back(std::make_unique<DenyEverythingFactory>());
  Start(std::move(factories));
  EXPECT_EQ(Validate("fine").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(FindSample(metrics_->Render(), "grpc_server_handled_total",
                         WithCode(MethodLabels("Validate"), "OK")),
              Optional(1.0));
}

TEST_F(CallObserverTest, ManyConcurrentCalls) {
  StartObserved({.log_calls = false});
  constexpr int kThreads = 4;
  constexpr int kCalls = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) EXPECT_TRUE(Validate("fine").ok());
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(FindSample(metrics_->Render(), "grpc_server_handled_total",
                         WithCode(MethodLabels("Validate"), "OK")),
              Optional(static_cast<double>(kThreads * kCalls)));
}

// live_api_calls counts a jwtd.v1 call while it is alive, and only then.
TEST_F(CallObserverTest, CountsLiveApiCalls) {
  std::atomic<int> live{0};
  service_.live_calls = &live;
  StartObserved({.log_calls = false, .live_api_calls = &live});
  EXPECT_TRUE(Validate("fine").ok());
  EXPECT_EQ(service_.seen_live_calls, 1);
  EXPECT_FALSE(Validate("deny").ok());
  // gRPC destroys a call's interceptors shortly after its status went out.
  for (int i = 0; i < 200 && live.load() != 0; ++i)
    absl::SleepFor(absl::Milliseconds(5));
  EXPECT_EQ(live.load(), 0);
}

}  // namespace
}  // namespace jwtd::observability
