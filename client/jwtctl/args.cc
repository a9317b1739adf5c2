#include "client/jwtctl/args.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace jwtd::jwtctl {
namespace {

const FlagSpec* FindSpec(absl::Span<const FlagSpec> specs,
                         absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// Flag names are echoed in errors; cut them so a pasted secret cannot
// flood (or leak whole into) the terminal.
std::string Shown(absl::string_view flag) {
  constexpr size_t kMaxShown = 40;
  if (flag.size() <= kMaxShown) return std::string(flag);
  return absl::StrCat(flag.substr(0, kMaxShown), "...");
}

}  // namespace

bool CommandLine::Has(absl::string_view name) const {
  return flags.find(name) != flags.end();
}

const std::vector<std::string>& CommandLine::Values(
    absl::string_view name) const {
  static const std::vector<std::string>* const kNone =
      new std::vector<std::string>();
  auto it = flags.find(name);
  return it == flags.end() ? *kNone : it->second;
}

std::optional<std::string> CommandLine::Value(absl::string_view name) const {
  auto it = flags.find(name);
  if (it == flags.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

absl::StatusOr<CommandLine> ParseCommandLine(absl::Span<const std::string> args,
                                             absl::Span<const FlagSpec> specs) {
  CommandLine result;
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positionals || arg == "-" || !absl::StartsWith(arg, "-")) {
      result.positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    absl::string_view name;
    std::optional<std::string> value;
    if (arg == "-h") {
      name = "help";
    } else if (absl::StartsWith(arg, "--")) {
      name = absl::string_view(arg).substr(2);
      if (const size_t eq = name.find('='); eq != absl::string_view::npos) {
        value = std::string(name.substr(eq + 1));
        name = name.substr(0, eq);
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", Shown(arg)));
    }
    const FlagSpec* spec = FindSpec(specs, name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", Shown(name)));
    }
    if (!spec->takes_value && value.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, " takes no value"));
    }
    if (spec->takes_value && !value.has_value()) {
      // "--aud --sub x" is far more likely a forgotten value than an
      // audience named "--sub"; such a value can still be given as --aud=...
      if (i + 1 >= args.size() || absl::StartsWith(args[i + 1], "--")) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
      value = args[++i];
    }
    std::vector<std::string>& values = result.flags[std::string(name)];
    if (!values.empty() && !spec->repeatable) {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, " given more than once"));
    }
    values.push_back(value.value_or(""));
  }
  return result;
}

}  // namespace jwtd::jwtctl
