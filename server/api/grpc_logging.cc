#include "server/api/grpc_logging.h"

#include <grpc/support/log.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "server/util/log.h"

namespace jwtd::api {
namespace {

void LogGrpcLine(gpr_log_func_args* args) {
  LogLevel level = LogLevel::kInfo;
  switch (args->severity) {
    case GPR_LOG_SEVERITY_DEBUG:
      level = LogLevel::kDebug;
      break;
    case GPR_LOG_SEVERITY_INFO:
      level = LogLevel::kInfo;
      break;
    case GPR_LOG_SEVERITY_ERROR:
      level = LogLevel::kError;
      break;
  }
  Log(level, args->message != nullptr ? args->message : "",
      {{"component", "grpc"},
       {"source", absl::StrCat(args->file != nullptr ? args->file : "", ":",
                               args->line)}});
}

}  // namespace

void RouteGrpcLogsToJwtdLog() { gpr_set_log_function(LogGrpcLine); }

}  // namespace jwtd::api
