#include "bench/load/rpc_kinds.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/generic/generic_stub.h"
#include "jwtd/bench/echo.grpc.pb.h"
#include "jwtd/bench/verdict_view.pb.h"
#include "jwtd/v1/token_service.grpc.pb.h"

namespace jwtd::bench {
namespace {

// A slot for one unary RPC, described by `Traits`:
//   Stub, Request, Response   the generated types
//   Prepare(stub, context, request, queue) -> unique_ptr<reader>
//   Fill(request, sequence)   the request for this slot's sequence-th call
//   Check(request, response)  whether the answer is the expected one
template <typename Traits>
class UnarySlot final : public CallSlot {
 public:
  UnarySlot(const Traits* traits, std::unique_ptr<typename Traits::Stub> stub,
            int index, int slots)
      : traits_(traits), stub_(std::move(stub)), next_(index), step_(slots) {}

  void Send(grpc::CompletionQueue* queue, void* tag) override {
    context_.emplace();
    traits_->Fill(&request_, next_);
    next_ += step_;
    reader_ = Traits::Prepare(stub_.get(), &*context_, request_, queue);
    reader_->StartCall();
    reader_->Finish(&response_, &status_, tag);
  }

  CallOutcome Outcome() const override {
    if (!status_.ok()) return {status_.error_code(), false};
    return {grpc::StatusCode::OK, traits_->Check(request_, response_)};
  }

 private:
  const Traits* const traits_;
  const std::unique_ptr<typename Traits::Stub> stub_;
  size_t next_;
  const size_t step_;
  std::optional<grpc::ClientContext> context_;
  typename Traits::Request request_;
  typename Traits::Response response_;
  grpc::Status status_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<typename Traits::Response>>
      reader_;
};

// Keeps a Traits object and hands out its slots.
template <typename Traits>
class TypedRpcKind final : public RpcKind {
 public:
  explicit TypedRpcKind(Traits traits) : traits_(std::move(traits)) {}

  int items_per_call() const override { return traits_.items_per_call(); }

  std::unique_ptr<CallSlot> NewSlot(std::shared_ptr<grpc::Channel> channel,
                                    int index, int slots) const override {
    return std::make_unique<UnarySlot<Traits>>(
        &traits_, Traits::NewStub(std::move(channel)), index, slots);
  }

 private:
  const Traits traits_;
};

struct EchoTraits {
  using Stub = ::jwtd::bench::Echo::Stub;
  using Request = EchoRequest;
  using Response = EchoResponse;

  static std::unique_ptr<Stub> NewStub(std::shared_ptr<grpc::Channel> c) {
    return ::jwtd::bench::Echo::NewStub(std::move(c));
  }
  static auto Prepare(Stub* stub, grpc::ClientContext* context,
                      const Request& request, grpc::CompletionQueue* queue) {
    return stub->PrepareAsyncEcho(context, request, queue);
  }
  int items_per_call() const { return 1; }
  // Copied in every call, as a Validate request's token is.
  void Fill(Request* request, size_t) const { request->set_payload(payload); }
  bool Check(const Request& request, const Response& response) const {
    return response.payload() == request.payload();
  }

  std::string payload;
};

// Whether a verdict carries what a valid one must: claims and a kid.
bool HasValidShape(const ::jwtd::v1::ValidateResponse& verdict) {
  return verdict.has_claims() && !verdict.kid().empty();
}
bool HasValidShape(const ValidateResponseView& verdict) {
  return !verdict.claims().empty() && !verdict.kid().empty();
}

template <typename Response>
bool IsExpectedVerdict(const Response& verdict, bool expect_invalid) {
  if (expect_invalid) return !verdict.valid();
  return verdict.valid() && HasValidShape(verdict);
}

// Validate through a generic stub, so that the answer can be read either
// as jwtd.v1.ValidateResponse (claims decoded into a Struct) or as
// ValidateResponseView (claims left encoded; verdict_view.proto).
template <typename ResponseType>
struct ValidateTraits {
  using Request = ::jwtd::v1::ValidateRequest;
  using Response = ResponseType;
  using Stub = grpc::TemplatedGenericStub<Request, Response>;

  static std::unique_ptr<Stub> NewStub(std::shared_ptr<grpc::Channel> c) {
    return std::make_unique<Stub>(std::move(c));
  }
  static auto Prepare(Stub* stub, grpc::ClientContext* context,
                      const Request& request, grpc::CompletionQueue* queue) {
    return stub->PrepareUnaryCall(context, "/jwtd.v1.TokenService/Validate",
                                  request, queue);
  }
  int items_per_call() const { return 1; }
  void Fill(Request* request, size_t sequence) const {
    request->set_token(tokens[sequence % tokens.size()]);
  }
  bool Check(const Request&, const Response& response) const {
    return IsExpectedVerdict(response, expect_invalid);
  }

  std::vector<std::string> tokens;
  bool expect_invalid = false;
};

// ValidateBatch: batch_size tokens per call (sequence * batch_size onwards);
// the call is right only when every result is a verdict of the expected
// validity. The answer is read as ValidateBatchResponse or its view.
template <typename ResponseType>
struct ValidateBatchTraits {
  using Request = ::jwtd::v1::ValidateBatchRequest;
  using Response = ResponseType;
  using Stub = grpc::TemplatedGenericStub<Request, Response>;

  static std::unique_ptr<Stub> NewStub(std::shared_ptr<grpc::Channel> c) {
    return std::make_unique<Stub>(std::move(c));
  }
  static auto Prepare(Stub* stub, grpc::ClientContext* context,
                      const Request& request, grpc::CompletionQueue* queue) {
    return stub->PrepareUnaryCall(
        context, "/jwtd.v1.TokenService/ValidateBatch", request, queue);
  }
  int items_per_call() const { return batch_size; }
  void Fill(Request* request, size_t sequence) const {
    request->clear_requests();
    for (int i = 0; i < batch_size; ++i) {
      request->add_requests()->set_token(
          tokens[(sequence * batch_size + i) % tokens.size()]);
    }
  }
  bool Check(const Request& request, const Response& response) const {
    if (response.results_size() != request.requests_size()) return false;
    for (const auto& result : response.results()) {
      if (!result.has_verdict() ||
          !IsExpectedVerdict(result.verdict(), expect_invalid)) {
        return false;
      }
    }
    return true;
  }

  std::vector<std::string> tokens;
  bool expect_invalid = false;
  int batch_size = 100;
};

template <template <typename> class Traits, typename FullResponse,
          typename ViewResponse, typename Fill>
std::unique_ptr<RpcKind> ValidateKind(bool full_decode, Fill fill) {
  if (full_decode) {
    Traits<FullResponse> traits;
    fill(traits);
    return std::make_unique<TypedRpcKind<Traits<FullResponse>>>(
        std::move(traits));
  }
  Traits<ViewResponse> traits;
  fill(traits);
  return std::make_unique<TypedRpcKind<Traits<ViewResponse>>>(
      std::move(traits));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RpcKind>> NewRpcKind(RpcKindOptions options) {
  if (options.rpc == "echo") {
    EchoTraits traits;
    // Printable, so that a mismatch is easy to read in a capture.
    for (int i = 0; i < options.payload_bytes; ++i) {
      traits.payload.push_back(static_cast<char>('a' + i % 26));
    }
    return std::make_unique<TypedRpcKind<EchoTraits>>(std::move(traits));
  }
  if (options.rpc == "validate") {
    if (options.tokens.empty()) {
      return absl::InvalidArgumentError("--rpc=validate needs --tokens-file");
    }
    return ValidateKind<ValidateTraits, ::jwtd::v1::ValidateResponse,
                        ValidateResponseView>(
        options.full_decode, [&options](auto& traits) {
          traits.tokens = std::move(options.tokens);
          traits.expect_invalid = options.expect_invalid;
        });
  }
  if (options.rpc == "validate_batch") {
    if (options.tokens.empty()) {
      return absl::InvalidArgumentError(
          "--rpc=validate_batch needs --tokens-file");
    }
    if (options.batch_size < 1 || options.batch_size > 1000) {
      return absl::InvalidArgumentError("--batch-size must be 1 to 1000");
    }
    return ValidateKind<ValidateBatchTraits, ::jwtd::v1::ValidateBatchResponse,
                        ValidateBatchResponseView>(
        options.full_decode, [&options](auto& traits) {
          traits.tokens = std::move(options.tokens);
          traits.expect_invalid = options.expect_invalid;
          traits.batch_size = options.batch_size;
        });
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown --rpc=", options.rpc, " (echo, validate or validate_batch)"));
}

}  // namespace jwtd::bench
