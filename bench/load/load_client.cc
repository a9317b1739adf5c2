// jwtd_load: a closed-loop gRPC load generator for jwtd and the echo floor
// (bench/load/echo_server). Keeps --concurrency calls outstanding over
// --channels connections from --threads completion-queue threads, and
// prints one JSON object on stdout (QPS, latency percentiles, errors by
// status code) and a human summary on stderr. Every answer is checked
// (echo equal to the request; Validate verdicts valid with claims and a kid,
// or invalid with --expect-invalid): a wrong answer counts as an error, so a
// broken server cannot look fast. --decode=full reads the claims into a
// protobuf Struct as a typical client would; the default leaves them
// encoded, so that on a small machine the client's decoding is not charged
// to jwtd. Exit 1 when any call failed or none succeeded.
//
// Two helper modes for bench/load/run_load_bench.py:
//   --issue=N          issue N tokens over --target (jwtd's privileged
//                      listener) and write them to --tokens-file
//   --wait-serving     poll grpc.health.v1 on --target until SERVING and
//                      print the CLOCK_MONOTONIC time of that answer

#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "bench/load/flag_names.h"
#include "bench/load/load_engine.h"
#include "bench/load/rpc_kinds.h"
#include "bench/load/serving_probe.h"
#include "bench/load/token_issuer.h"

ABSL_FLAG(std::string, target, "",
          "gRPC target: host:port or unix:/absolute/path (required)");
ABSL_FLAG(std::string, rpc, "echo",
          "What to call: echo (jwtd.bench.Echo) or validate "
          "(jwtd.v1.TokenService/Validate)");
ABSL_FLAG(int, concurrency, 64, "Calls kept outstanding");
ABSL_FLAG(int, channels, 2, "Separate connections (channels)");
ABSL_FLAG(int, threads, 0,
          "Client threads, each with its own completion queue; 0 = cores");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "Measured window");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "Load before the measured window (not counted)");
ABSL_FLAG(std::string, tokens_file, "",
          "validate: one token per line, cycled through; --issue: output");
ABSL_FLAG(bool, expect_invalid, false,
          "validate: every verdict must be invalid (else: valid)");
ABSL_FLAG(int, payload_bytes, 300, "echo: request payload size");
ABSL_FLAG(int, batch_size, 100, "validate_batch: tokens per call");
ABSL_FLAG(std::string, decode, "view",
          "validate, validate_batch: how answers are read: view (claims "
          "left encoded; bench/load/proto/jwtd/bench/verdict_view.proto) or "
          "full (jwtd.v1 messages, claims decoded into a Struct)");
ABSL_FLAG(int, issue, 0,
          "Issue this many tokens over --target, write them to "
          "--tokens-file and exit");
ABSL_FLAG(std::string, subject_prefix, "user-", "--issue: sub = prefix + n");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(1), "--issue: token lifetime");
ABSL_FLAG(std::string, scope, "orders:read orders:write billing:read profile",
          "--issue: the scope claim");
ABSL_FLAG(bool, wait_serving, false,
          "Poll grpc.health.v1 on --target until SERVING, print "
          "{\"serving_monotonic_ns\":...} and exit");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10),
          "--wait-serving: give up after this long");

namespace jwtd::bench {
namespace {

int Fail(const std::string& message) {
  std::cerr << "jwtd_load: " << message << "\n";
  return 2;
}

absl::StatusOr<std::vector<std::string>> ReadTokens(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view token = absl::StripAsciiWhitespace(line);
    if (!token.empty()) tokens.emplace_back(token);
  }
  if (tokens.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " has no tokens"));
  }
  return tokens;
}

int RunIssue(const std::string& target) {
  const std::string path = absl::GetFlag(FLAGS_tokens_file);
  if (path.empty()) return Fail("--issue needs --tokens-file (the output)");
  IssueOptions options;
  options.target = target;
  options.count = absl::GetFlag(FLAGS_issue);
  options.subject_prefix = absl::GetFlag(FLAGS_subject_prefix);
  options.ttl = absl::GetFlag(FLAGS_ttl);
  options.scope = absl::GetFlag(FLAGS_scope);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<std::string>> tokens = IssueTokens(options);
  if (!tokens.ok()) return Fail(std::string(tokens.status().message()));
  std::ofstream out(path, std::ios::trunc);
  for (const std::string& token : *tokens) out << token << "\n";
  out.close();
  if (!out) return Fail(absl::StrCat("cannot write ", path));
  std::cout << absl::StrFormat(
      "{\"mode\":\"issue\",\"tokens\":%d,\"seconds\":%.3f}\n", tokens->size(),
      absl::ToDoubleSeconds(absl::Now() - start));
  return 0;
}

int RunWaitServing(const std::string& target) {
  absl::StatusOr<std::chrono::steady_clock::time_point> serving =
      WaitUntilServing(target, absl::GetFlag(FLAGS_timeout),
                       absl::Milliseconds(1));
  if (!serving.ok()) return Fail(std::string(serving.status().message()));
  std::cout << absl::StrFormat(
      "{\"mode\":\"wait_serving\",\"serving_monotonic_ns\":%d}\n",
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          serving->time_since_epoch())
          .count());
  return 0;
}

double Micros(int64_t nanos) { return static_cast<double>(nanos) / 1e3; }

std::string ResultJson(const LoadOptions& options, const std::string& rpc,
                       int items_per_call, const LoadResult& result) {
  const double seconds = absl::ToDoubleSeconds(result.window);
  const double qps = static_cast<double>(result.ok_calls) / seconds;
  const LatencyHistogram& h = result.latency;
  std::vector<std::string> errors;
  for (const auto& [name, count] : result.errors) {
    errors.push_back(absl::StrFormat("\"%s\":%d", name, count));
  }
  return absl::StrFormat(
      "{\"mode\":\"load\",\"rpc\":\"%s\",\"target\":\"%s\","
      "\"concurrency\":%d,\"channels\":%d,\"threads\":%d,"
      "\"warmup_s\":%.3f,\"duration_s\":%.3f,\"calls\":%d,\"qps\":%.1f,"
      "\"items_per_call\":%d,\"items_per_s\":%.1f,"
      "\"latency_us\":{\"min\":%.1f,\"mean\":%.1f,\"p50\":%.1f,\"p90\":%.1f,"
      "\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},"
      "\"error_calls\":%d,\"errors\":{%s}}",
      rpc, options.target, options.concurrency, options.channels,
      options.threads, absl::ToDoubleSeconds(options.warmup), seconds,
      result.ok_calls, qps, items_per_call, qps * items_per_call,
      Micros(h.min()), h.mean() / 1e3, Micros(h.Percentile(0.50)),
      Micros(h.Percentile(0.90)), Micros(h.Percentile(0.99)),
      Micros(h.Percentile(0.999)), Micros(h.max()), result.error_calls,
      absl::StrJoin(errors, ","));
}

int Run() {
  const std::string target = absl::GetFlag(FLAGS_target);
  if (target.empty()) return Fail("--target is required");
  if (absl::GetFlag(FLAGS_issue) > 0) return RunIssue(target);
  if (absl::GetFlag(FLAGS_wait_serving)) return RunWaitServing(target);

  RpcKindOptions kind_options;
  kind_options.rpc = absl::GetFlag(FLAGS_rpc);
  kind_options.expect_invalid = absl::GetFlag(FLAGS_expect_invalid);
  kind_options.payload_bytes = absl::GetFlag(FLAGS_payload_bytes);
  kind_options.batch_size = absl::GetFlag(FLAGS_batch_size);
  const std::string decode = absl::GetFlag(FLAGS_decode);
  if (decode != "view" && decode != "full") {
    return Fail("--decode must be view or full");
  }
  kind_options.full_decode = decode == "full";
  if (!absl::GetFlag(FLAGS_tokens_file).empty()) {
    absl::StatusOr<std::vector<std::string>> tokens =
        ReadTokens(absl::GetFlag(FLAGS_tokens_file));
    if (!tokens.ok()) return Fail(std::string(tokens.status().message()));
    kind_options.tokens = *std::move(tokens);
  }
  absl::StatusOr<std::unique_ptr<RpcKind>> kind =
      NewRpcKind(std::move(kind_options));
  if (!kind.ok()) return Fail(std::string(kind.status().message()));

  LoadOptions options;
  options.target = target;
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.threads = absl::GetFlag(FLAGS_threads);
  if (options.threads <= 0) {
    options.threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  options.warmup = absl::GetFlag(FLAGS_warmup);
  options.duration = absl::GetFlag(FLAGS_duration);
  if (options.concurrency <= 0 || options.channels <= 0 ||
      options.duration <= absl::ZeroDuration() ||
      options.warmup < absl::ZeroDuration()) {
    return Fail(
        "--concurrency and --channels must be positive, --duration "
        "positive, --warmup not negative");
  }

  const LoadResult result = RunLoad(options, **kind);
  const std::string rpc = absl::GetFlag(FLAGS_rpc);
  std::cout << ResultJson(options, rpc, (*kind)->items_per_call(), result)
            << std::endl;
  const LatencyHistogram& h = result.latency;
  std::cerr << absl::StrFormat(
      "jwtd_load: %s %s: %.0f calls/s, p50 %.0f us, p99 %.0f us, p99.9 %.0f "
      "us, %d errors (%d outstanding, %d channels, %d threads, %s)\n",
      rpc, target,
      static_cast<double>(result.ok_calls) /
          absl::ToDoubleSeconds(result.window),
      Micros(h.Percentile(0.5)), Micros(h.Percentile(0.99)),
      Micros(h.Percentile(0.999)), result.error_calls, options.concurrency,
      options.channels, options.threads,
      absl::FormatDuration(options.duration));
  return result.error_calls > 0 || result.ok_calls == 0 ? 1 : 0;
}

}  // namespace
}  // namespace jwtd::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "jwtd_load: closed-loop gRPC load for jwtd and the echo floor.\n"
      "Usage: jwtd_load --target=unix:/path "
      "[--rpc=echo|validate|validate_batch] "
      "[--tokens-file=F] [--decode=view|full] [--concurrency=64] "
      "[--channels=2] "
      "[--duration=10s] [--warmup=2s]\n"
      "       jwtd_load --target=unix:/admin.sock --issue=N --tokens-file=F\n"
      "       jwtd_load --target=unix:/path --wait-serving [--timeout=10s]");
  jwtd::bench::NormalizeFlagNames(argc, argv);
  absl::ParseCommandLine(argc, argv);
  return jwtd::bench::Run();
}
