#include "bench/load/load_engine.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace jwtd::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One outstanding call: the tag its completion comes back with.
struct Slot {
  std::unique_ptr<CallSlot> call;
  Clock::time_point sent;
};

// What one thread measured.
struct ThreadResult {
  int64_t ok_calls = 0;
  int64_t error_calls = 0;
  std::map<std::string, int64_t> errors;
  LatencyHistogram latency;
};

// Drives `slots` on its own queue until `end`, recording the calls that
// complete in [begin, end).
void Drive(std::vector<Slot>* slots, Clock::time_point begin,
           Clock::time_point end, ThreadResult* result) {
  grpc::CompletionQueue queue;
  for (Slot& slot : *slots) {
    slot.sent = Clock::now();
    slot.call->Send(&queue, &slot);
  }
  size_t outstanding = slots->size();
  void* tag = nullptr;
  bool ok = false;
  while (outstanding > 0 && queue.Next(&tag, &ok)) {
    const Clock::time_point now = Clock::now();
    Slot* slot = static_cast<Slot*>(tag);
    if (now >= begin && now < end) {
      const CallOutcome outcome = slot->call->Outcome();
      if (outcome.code == grpc::StatusCode::OK) {
        result->latency.Record(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now -
                                                                 slot->sent)
                .count());
      }
      if (outcome.code != grpc::StatusCode::OK) {
        ++result->error_calls;
        ++result->errors[StatusCodeName(outcome.code)];
      } else if (!outcome.answer_ok) {
        ++result->error_calls;
        ++result->errors["WRONG_ANSWER"];
      } else {
        ++result->ok_calls;
      }
    }
    if (now < end) {
      slot->sent = now;
      slot->call->Send(&queue, slot);
    } else {
      --outstanding;
    }
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

}  // namespace

std::string StatusCodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int index = static_cast<int>(code);
  if (index >= 0 && index < static_cast<int>(std::size(kNames))) {
    return kNames[index];
  }
  return absl::StrCat("CODE_", index);
}

LoadResult RunLoad(const LoadOptions& options, const RpcKind& kind) {
  const int channel_count = std::max(1, options.channels);
  const int thread_count = std::max(1, options.threads);
  const int slot_count = std::max(1, options.concurrency);

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < channel_count; ++i) {
    grpc::ChannelArguments args;
    // Channels with equal arguments share one subchannel (one connection):
    // a distinct value makes each its own connection.
    args.SetInt("jwtd_load.channel", i);
    channels.push_back(grpc::CreateCustomChannel(
        options.target, grpc::InsecureChannelCredentials(), args));
  }
  const auto connect_deadline =
      std::chrono::system_clock::now() + std::chrono::seconds(10);
  for (auto& channel : channels) {
    channel->WaitForConnected(connect_deadline);
  }

  std::vector<std::vector<Slot>> per_thread(thread_count);
  for (int i = 0; i < slot_count; ++i) {
    per_thread[i % thread_count].push_back(
        Slot{kind.NewSlot(channels[i % channel_count], i, slot_count), {}});
  }
  const Clock::time_point begin =
      Clock::now() + absl::ToChronoNanoseconds(options.warmup);
  const Clock::time_point end =
      begin + absl::ToChronoNanoseconds(options.duration);
  std::vector<ThreadResult> results(thread_count);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) {
    threads.emplace_back(Drive, &per_thread[t], begin, end, &results[t]);
  }
  for (std::thread& thread : threads) thread.join();

  LoadResult total;
  total.window = options.duration;
  for (const ThreadResult& r : results) {
    total.ok_calls += r.ok_calls;
    total.error_calls += r.error_calls;
    for (const auto& [name, count] : r.errors) total.errors[name] += count;
    total.latency.Merge(r.latency);
  }
  return total;
}

}  // namespace jwtd::bench
