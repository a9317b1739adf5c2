#include "bench/load/serving_probe.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace jwtd::bench {

absl::StatusOr<std::chrono::steady_clock::time_point> WaitUntilServing(
    const std::string& target, absl::Duration timeout,
    absl::Duration interval) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline =
      Clock::now() + absl::ToChronoNanoseconds(timeout);
  std::string last_error = "no answer";
  for (int attempt = 0; Clock::now() < deadline; ++attempt) {
    grpc::ChannelArguments args;
    // A new subchannel each attempt: a shared one would wait out the
    // back-off after the first refused connect.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto stub = grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(500));
    const grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return Clock::now();
    }
    last_error = status.ok() ? "NOT_SERVING" : status.error_message();
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(interval));
  }
  return absl::DeadlineExceededError(
      absl::StrCat(target, " not SERVING within ",
                   absl::FormatDuration(timeout), ": ", last_error));
}

}  // namespace jwtd::bench
