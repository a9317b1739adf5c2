#include "client/jwtctl/commands.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "client/client.h"
#include "client/jwtctl/args.h"
#include "client/jwtctl/output.h"
#include "client/jwtctl/request_builder.h"

namespace jwtd::jwtctl {
namespace {

constexpr absl::string_view kUsage =
    R"(Usage: jwtctl [global flags] <command> [command flags]

Global flags (before or after the command):
  --addr ADDRESS     jwtd to talk to: host:port or unix:/path
                     (default 127.0.0.1:50051)
  --timeout DURATION deadline of the call (default 5s)
  --format FORMAT    json (default) or text
  --tls-ca FILE      TLS: verify jwtd's certificate against these CAs
  --tls-cert FILE    mutual TLS: this client's certificate (with --tls-key)
  --tls-key FILE     mutual TLS: this client's private key
  --tls-server-name NAME  name to check in jwtd's certificate
  -h, --help         this help

Commands:
  issue --sub SUBJECT [--aud AUD]... [--ttl DURATION] [--scope "A B"]
        [--claim NAME=VALUE]... [--claim-json NAME=JSON]... [--nbf TIME]
      Sign a new token. Prints the IssueResponse (text: the token only).
  validate TOKEN [--aud AUD] [--require-scope SCOPE]...
        [--require-claim NAME=VALUE | NAME]...
      Check a token. Prints the verdict. Exit 0 valid, 1 rejected.
  introspect TOKEN
      RFC 7662 introspection. Exit 0 active, 1 inactive.
  keys
      Print the public JWK Set.
  revoke TOKEN [--until TIME] | revoke --jti ID --until TIME
      Keep a token revoked until it expires.
  health [--service NAME]
      gRPC health check (grpc.health.v1), e.g. for a Kubernetes exec probe.
      NAME: "" (default, the server) or jwtd.v1.TokenService.
      Exit 0 SERVING, 1 not serving or unreachable.
  version
      Print jwtctl's version.
  help
      Print this help.

TOKEN "-" reads the token from standard input. DURATION: 90s, 15m, 1h30m.
TIME: RFC 3339 (2026-11-29T11:00:00Z) or Unix seconds.
Exit codes: 0 success, 1 rejected/inactive, 2 usage or call error.
)";

constexpr FlagSpec kFlags[] = {
    // Global.
    {"addr", true, false},
    {"timeout", true, false},
    {"format", true, false},
    {"help", false, true},
    {"tls-ca", true, false},
    {"tls-cert", true, false},
    {"tls-key", true, false},
    {"tls-server-name", true, false},
    // issue (--aud is shared with validate).
    {"sub", true, false},
    {"aud", true, true},
    {"ttl", true, false},
    {"scope", true, false},
    {"claim", true, true},
    {"claim-json", true, true},
    {"nbf", true, false},
    // validate.
    {"require-scope", true, true},
    {"require-claim", true, true},
    // revoke.
    {"jti", true, false},
    {"until", true, false},
    // health.
    {"service", true, false},
};

constexpr absl::string_view kGlobalFlags[] = {
    "addr",   "timeout",  "format",  "help",
    "tls-ca", "tls-cert", "tls-key", "tls-server-name"};

// Everything a command needs to run.
struct Context {
  const CommandLine& cli;
  absl::string_view version;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  OutputFormat format;
  ClientOptions options;
};

struct Command {
  absl::string_view name;
  std::vector<absl::string_view> flags;  // Besides the global ones.
  size_t min_args;                       // Positionals after the command.
  size_t max_args;
  bool needs_server;
  int (*run)(Context& context, std::unique_ptr<Client> client);
};

int UsageError(std::ostream& err, absl::string_view message) {
  err << "jwtctl: " << message << "\nRun 'jwtctl help' for usage.\n";
  return kExitError;
}

int CallError(const Context& context, absl::string_view command,
              const absl::Status& status) {
  context.err << "jwtctl: " << command << ": "
              << absl::StatusCodeToString(status.code()) << ": "
              << status.message() << "\n";
  return kExitError;
}

// The token argument, read from stdin when it is "-".
std::string TokenArgument(Context& context) {
  const std::string& arg = context.cli.positionals[1];
  if (arg != "-") return arg;
  std::string token(std::istreambuf_iterator<char>(context.in), {});
  return std::string(absl::StripAsciiWhitespace(token));
}

int RunIssue(Context& context, std::unique_ptr<Client> client) {
  absl::StatusOr<v1::IssueRequest> request = BuildIssueRequest(context.cli);
  if (!request.ok()) return UsageError(context.err, request.status().message());
  absl::StatusOr<v1::IssueResponse> response = client->Issue(*request);
  if (!response.ok()) return CallError(context, "issue", response.status());
  context.out << FormatIssue(*response, context.format);
  return kExitOk;
}

int RunValidate(Context& context, std::unique_ptr<Client> client) {
  absl::StatusOr<v1::ValidateRequest> request =
      BuildValidateRequest(context.cli, TokenArgument(context));
  if (!request.ok()) return UsageError(context.err, request.status().message());
  absl::StatusOr<v1::ValidateResponse> response = client->Validate(*request);
  if (!response.ok()) return CallError(context, "validate", response.status());
  context.out << FormatValidate(*response, context.format);
  return response->valid() ? kExitOk : kExitRejected;
}

int RunIntrospect(Context& context, std::unique_ptr<Client> client) {
  v1::IntrospectRequest request;
  request.set_token(TokenArgument(context));
  absl::StatusOr<v1::IntrospectResponse> response = client->Introspect(request);
  if (!response.ok()) {
    return CallError(context, "introspect", response.status());
  }
  context.out << FormatIntrospect(*response, context.format);
  return response->active() ? kExitOk : kExitRejected;
}

int RunKeys(Context& context, std::unique_ptr<Client> client) {
  absl::StatusOr<v1::GetKeySetResponse> response = client->GetKeySet();
  if (!response.ok()) return CallError(context, "keys", response.status());
  context.out << FormatKeySet(*response, context.format);
  return kExitOk;
}

int RunRevoke(Context& context, std::unique_ptr<Client> client) {
  std::optional<std::string> token;
  if (context.cli.positionals.size() > 1) token = TokenArgument(context);
  absl::StatusOr<v1::RevokeRequest> request =
      BuildRevokeRequest(context.cli, std::move(token));
  if (!request.ok()) return UsageError(context.err, request.status().message());
  absl::StatusOr<v1::RevokeResponse> response = client->Revoke(*request);
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kUnimplemented) {
      context.err << "jwtctl: revoke: UNIMPLEMENTED: this jwtd does not "
                     "support revocation yet ("
                  << response.status().message() << ")\n";
      return kExitError;
    }
    return CallError(context, "revoke", response.status());
  }
  context.out << FormatRevoke(*response, context.format);
  return kExitOk;
}

int RunHealth(Context& context, std::unique_ptr<Client> client) {
  const std::string service = context.cli.Value("service").value_or("");
  absl::StatusOr<bool> serving = client->CheckHealth(service);
  if (!serving.ok()) {
    // A probe treats "cannot ask" like "not serving": exit 1, not 2.
    context.err << "jwtctl: health: "
                << absl::StatusCodeToString(serving.status().code()) << ": "
                << serving.status().message() << "\n";
    context.out << FormatHealth(false, context.format);
    return kExitRejected;
  }
  context.out << FormatHealth(*serving, context.format);
  return *serving ? kExitOk : kExitRejected;
}

int RunVersion(Context& context, std::unique_ptr<Client>) {
  context.out << "jwtctl " << context.version << "\n";
  return kExitOk;
}

const std::vector<Command>& Commands() {
  static const auto* const kCommands = new std::vector<Command>{
      {"issue",
       {"sub", "aud", "ttl", "scope", "claim", "claim-json", "nbf"},
       0,
       0,
       true,
       RunIssue},
      {"validate",
       {"aud", "require-scope", "require-claim"},
       1,
       1,
       true,
       RunValidate},
      {"introspect", {}, 1, 1, true, RunIntrospect},
      {"keys", {}, 0, 0, true, RunKeys},
      {"revoke", {"jti", "until"}, 0, 1, true, RunRevoke},
      {"health", {"service"}, 0, 0, true, RunHealth},
      {"version", {}, 0, 0, false, RunVersion},
  };
  return *kCommands;
}

bool Contains(absl::Span<const absl::string_view> names,
              absl::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A command name is echoed only when it looks like one: an unknown
// "command" may well be a token typed without its command.
std::string ShownCommand(absl::string_view name) {
  const bool looks_like_word =
      name.size() <= 20 && std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_islower(c) || c == '-';
      });
  return looks_like_word ? absl::StrCat(" \"", name, "\"") : "";
}

}  // namespace

int RunJwtctl(absl::Span<const std::string> args, absl::string_view version,
              std::istream& in, std::ostream& out, std::ostream& err) {
  absl::StatusOr<CommandLine> cli = ParseCommandLine(args, kFlags);
  if (!cli.ok()) return UsageError(err, cli.status().message());
  if (cli->Has("help") ||
      (!cli->positionals.empty() && cli->positionals[0] == "help")) {
    out << kUsage;
    return kExitOk;
  }
  if (cli->positionals.empty()) return UsageError(err, "no command given");

  const std::string& name = cli->positionals[0];
  auto command =
      std::find_if(Commands().begin(), Commands().end(),
                   [&name](const Command& c) { return c.name == name; });
  if (command == Commands().end()) {
    return UsageError(err, absl::StrCat("unknown command", ShownCommand(name)));
  }
  for (const auto& [flag, values] : cli->flags) {
    if (!Contains(kGlobalFlags, flag) && !Contains(command->flags, flag)) {
      return UsageError(err,
                        absl::StrCat(name, " does not take the flag --", flag));
    }
  }
  const size_t arg_count = cli->positionals.size() - 1;
  if (arg_count < command->min_args || arg_count > command->max_args) {
    return UsageError(
        err, command->max_args == 0
                 ? absl::StrCat(name, " takes no arguments")
                 : absl::StrCat(
                       name, " takes ",
                       command->min_args == command->max_args ? "" : "at most ",
                       "one token argument"));
  }

  Context context{*cli, version, in, out, err, OutputFormat::kJson, {}};
  if (std::optional<std::string> format = cli->Value("format")) {
    absl::StatusOr<OutputFormat> parsed = ParseOutputFormat(*format);
    if (!parsed.ok()) return UsageError(err, parsed.status().message());
    context.format = *parsed;
  }
  if (std::optional<std::string> timeout = cli->Value("timeout")) {
    absl::StatusOr<absl::Duration> parsed =
        ParsePositiveDuration("timeout", *timeout);
    if (!parsed.ok()) return UsageError(err, parsed.status().message());
    context.options.timeout = *parsed;
  }
  if (std::optional<std::string> addr = cli->Value("addr")) {
    context.options.address = *std::move(addr);
  }
  context.options.tls_ca_file = cli->Value("tls-ca").value_or("");
  context.options.tls_cert_file = cli->Value("tls-cert").value_or("");
  context.options.tls_key_file = cli->Value("tls-key").value_or("");
  context.options.tls_server_name = cli->Value("tls-server-name").value_or("");
  if (!command->needs_server) return command->run(context, nullptr);

  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect(context.options);
  if (!client.ok()) return UsageError(err, client.status().message());
  return command->run(context, *std::move(client));
}

}  // namespace jwtd::jwtctl
