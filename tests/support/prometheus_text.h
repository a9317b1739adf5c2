#ifndef JWTD_TESTS_SUPPORT_PROMETHEUS_TEXT_H_
#define JWTD_TESTS_SUPPORT_PROMETHEUS_TEXT_H_

// Reads samples out of a Prometheus text exposition (format 0.0.4), for
// tests of /metrics:
//
//   EXPECT_EQ(FindSample(text, "grpc_server_started_total",
//                        {{"grpc_method", "Validate"}, ...}),
//             std::optional<double>(3));

#include <cmath>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace jwtd::testing {

using PrometheusLabels = std::map<std::string, std::string>;

// Parses `{a="x",b="y"}` (with \\, \" and \n escapes) at the start of
// `text`; returns the labels and advances `text` past the closing brace.
inline std::optional<PrometheusLabels> ParsePrometheusLabels(
    absl::string_view& text) {
  PrometheusLabels labels;
  if (text.empty() || text.front() != '{') return labels;
  text.remove_prefix(1);
  while (!text.empty() && text.front() != '}') {
    const size_t eq = text.find("=\"");
    if (eq == absl::string_view::npos) return std::nullopt;
    std::string name(text.substr(0, eq));
    text.remove_prefix(eq + 2);
    std::string value;
    while (!text.empty() && text.front() != '"') {
      if (text.front() == '\\' && text.size() > 1) {
        value.push_back(text[1] == 'n' ? '\n' : text[1]);
        text.remove_prefix(2);
      } else {
        value.push_back(text.front());
        text.remove_prefix(1);
      }
    }
    if (text.empty()) return std::nullopt;
    text.remove_prefix(1);  // Closing quote.
    labels[name] = value;
    if (!text.empty() && text.front() == ',') text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  text.remove_prefix(1);  // '}'
  return labels;
}

// The value of the sample named `name` with exactly `labels`, or nullopt.
inline std::optional<double> FindSample(absl::string_view exposition,
                                        absl::string_view name,
                                        const PrometheusLabels& labels) {
  for (absl::string_view line : absl::StrSplit(exposition, '\n')) {
    if (line.empty() || line.front() == '#') continue;
    const size_t end = line.find_first_of("{ ");
    if (end == absl::string_view::npos || line.substr(0, end) != name) {
      continue;
    }
    absl::string_view rest = line.substr(end);
    std::optional<PrometheusLabels> found = ParsePrometheusLabels(rest);
    if (!found.has_value() || *found != labels) continue;
    rest = absl::StripLeadingAsciiWhitespace(rest);
    const size_t space = rest.find(' ');  // An optional timestamp follows.
    double value = 0;
    if (rest.substr(0, space) == "+Inf") return HUGE_VAL;
    if (absl::SimpleAtod(rest.substr(0, space), &value)) return value;
  }
  return std::nullopt;
}

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_PROMETHEUS_TEXT_H_
