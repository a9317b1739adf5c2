#include "server/revocation/revocation_input.h"

#include <simdjson.h>

#include "absl/strings/str_cat.h"
#include "server/revocation/revocation_store.h"

namespace jwtd::revocation {

absl::Status CheckRevocationInput(absl::string_view jti, absl::Time until,
                                  absl::Time now) {
  if (jti.empty()) return absl::InvalidArgumentError("jti is empty");
  if (jti.size() > kMaxJtiBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "jti is ", jti.size(), " bytes; at most ", kMaxJtiBytes, " allowed"));
  }
  if (!simdjson::validate_utf8(jti.data(), jti.size())) {
    return absl::InvalidArgumentError("jti is not valid UTF-8");
  }
  if (until <= now) {
    return absl::InvalidArgumentError(absl::StrCat(
        "revocation `until` (",
        absl::FormatTime(absl::RFC3339_sec, until, absl::UTCTimeZone()),
        ") is not in the future"));
  }
  return absl::OkStatus();
}

}  // namespace jwtd::revocation
