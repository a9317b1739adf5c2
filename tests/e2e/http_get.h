#ifndef JWTD_TESTS_E2E_HTTP_GET_H_
#define JWTD_TESTS_E2E_HTTP_GET_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace jwtd::e2e {

struct HttpReply {
  long status = 0;
  std::string body;
  // Lower-case header names.
  absl::flat_hash_map<std::string, std::string> headers;
};

// One HTTP GET with libcurl, straight to the URL (no proxy), 5 s at most.
// UNAVAILABLE when no answer came (with curl's reason).
absl::StatusOr<HttpReply> HttpGet(const std::string& url);

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_HTTP_GET_H_
