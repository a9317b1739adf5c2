#ifndef JWTD_SERVER_UTIL_LOG_H_
#define JWTD_SERVER_UTIL_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace jwtd {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// One structured field of a log line. Values are written as JSON strings.
using LogField = std::pair<absl::string_view, std::string>;

// Writes one JSON object per line to stderr:
//   {"time":"<RFC 3339 UTC>","level":"info","msg":"...", <fields>...}
// Thread-safe; each line is written with a single write(2) so that lines
// from different threads never interleave. Never pass a token here: log its
// kid, jti or TokenFingerprint() instead.
void Log(LogLevel level, absl::string_view msg,
         std::initializer_list<LogField> fields = {});

// Lines below this level are dropped. Default kInfo.
void SetMinLogLevel(LogLevel level);

// Whether a line at `level` would be written: lets a hot path skip building
// fields that would be dropped.
bool LogEnabled(LogLevel level);

}  // namespace jwtd

#endif  // JWTD_SERVER_UTIL_LOG_H_
