#ifndef JWTD_BENCH_LOAD_RPC_KINDS_H_
#define JWTD_BENCH_LOAD_RPC_KINDS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"

namespace jwtd::bench {

// How one call ended.
struct CallOutcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  // With code OK: whether the answer is the expected one (the echo equals
  // the request; every verdict is valid with claims and a kid, or invalid
  // with --expect-invalid).
  bool answer_ok = true;
};

// One slot of the load: a call that is sent, completes and is sent again,
// on a completion queue. Not thread-safe; one thread drives a slot.
class CallSlot {
 public:
  virtual ~CallSlot() = default;
  // Builds the next request and starts the call; `tag` comes back on
  // `queue` when it is over. The previous call must be over.
  virtual void Send(grpc::CompletionQueue* queue, void* tag) = 0;
  // After the tag came back: how the call ended.
  virtual CallOutcome Outcome() const = 0;
};

// What is being measured: the only part of the load client that knows the
// RPC's messages. A new RPC (e.g. ValidateBatch) is one more RpcKind.
class RpcKind {
 public:
  virtual ~RpcKind() = default;
  // Work items per call (tokens per ValidateBatch call; 1 otherwise).
  virtual int items_per_call() const { return 1; }
  // A slot calling over `channel`. Slot `index` of `slots` takes tokens
  // index, index + slots, ... so that all slots together cycle through the
  // token list.
  virtual std::unique_ptr<CallSlot> NewSlot(
      std::shared_ptr<grpc::Channel> channel, int index, int slots) const = 0;
};

struct RpcKindOptions {
  // "echo", "validate" (or "validate_batch" once the API has it).
  std::string rpc;
  // For validate: the tokens to cycle through, at least one.
  std::vector<std::string> tokens;
  // For validate: verdicts must be invalid instead of valid.
  bool expect_invalid = false;
  // For echo: the payload size in bytes (a Validate request's size).
  int payload_bytes = 300;
  // For validate_batch: tokens per call.
  int batch_size = 100;
  // For validate and validate_batch: decode answers in full
  // (jwtd.v1.ValidateResponse, claims as a Struct) instead of the view that
  // leaves the claims encoded (verdict_view.proto). Either way a valid
  // verdict must carry claims and a kid.
  bool full_decode = false;
};

// INVALID_ARGUMENT for an unknown rpc or validate without tokens.
absl::StatusOr<std::unique_ptr<RpcKind>> NewRpcKind(RpcKindOptions options);

}  // namespace jwtd::bench

#endif  // JWTD_BENCH_LOAD_RPC_KINDS_H_
