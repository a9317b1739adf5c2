#ifndef JWTD_SERVER_KEYRING_HTTP_FETCHER_H_
#define JWTD_SERVER_KEYRING_HTTP_FETCHER_H_

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace jwtd::keyring {

// The parts of an http(s) URL that matter for trust: where it goes.
struct HttpOrigin {
  std::string scheme;  // "https" or "http", lower case
  std::string host;    // lower case; IPv6 literals in brackets
  int port = 0;        // explicit or the scheme's default
  bool operator==(const HttpOrigin&) const = default;
};

// Parses an absolute URL and returns its origin. INVALID_ARGUMENT unless it
// is https:// (or http:// when `allow_http`) with a host, and without user
// info (credentials do not belong in a configured URL) or fragment.
absl::StatusOr<HttpOrigin> ParseHttpUrl(absl::string_view url, bool allow_http);

// "scheme://host:port/path" of `url`, without query or user info: safe to
// log. `url` itself when it cannot be parsed.
std::string RedactedUrl(absl::string_view url);

struct HttpFetchOptions {
  // For the whole call, redirects included: connect, TLS, transfer.
  absl::Duration timeout = absl::Seconds(5);
  // A larger body fails the call: a declared Content-Length at once,
  // otherwise as soon as the bytes received exceed it (the transfer is
  // aborted, nothing more is read). Counted after content decoding.
  size_t max_response_bytes = 512 * 1024;
  // Plain http:// is refused unless set (for the URL and every redirect).
  bool allow_http = false;
  // PEM file of the CAs to trust instead of the system store (e.g. a
  // cluster CA). Empty: the system store.
  std::string ca_file = "";
  // Redirects are followed only within the same origin (scheme, host and
  // port unchanged), at most this many. A redirect anywhere else fails the
  // call: a key source must not be able to send us to another server.
  int max_redirects = 3;
  // When non-null and set (by another thread), the transfer is aborted
  // within about a second (CANCELLED).
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpFetchResult {
  // The final response's status, e.g. 200, 404, 500. Any status is returned
  // as a result; interpreting it is the caller's business.
  int status_code = 0;
  std::string body;
  // Cache-Control of the final response: max-age in seconds, or zero for
  // no-cache / no-store (which win over max-age). nullopt without a usable
  // directive.
  std::optional<absl::Duration> max_age;
  // The URL that answered (differs from the request after redirects).
  std::string url;
};

// GETs `url` with libcurl. https uses the system CA store (or
// options.ca_file) with peer and host name verification always on. Proxy
// settings come from the usual environment variables. Thread-safe (one curl
// handle per call). Errors:
//   INVALID_ARGUMENT    the URL is malformed or its scheme is not allowed;
//   UNAVAILABLE         DNS, connect, TLS or transfer failure;
//   DEADLINE_EXCEEDED   the timeout passed;
//   RESOURCE_EXHAUSTED  the body is larger than max_response_bytes;
//   FAILED_PRECONDITION a redirect to another origin, or too many redirects;
//   CANCELLED           options.cancel was set.
// Messages name the URL without query (RedactedUrl), never the body.
absl::StatusOr<HttpFetchResult> HttpGet(absl::string_view url,
                                        const HttpFetchOptions& options);

// Parses Cache-Control header values (exposed for tests): see
// HttpFetchResult::max_age. Directive names are case-insensitive; a
// max-age that is not a non-negative integer is ignored; huge values
// saturate.
std::optional<absl::Duration> ParseCacheControlMaxAge(
    absl::string_view header_value);

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_HTTP_FETCHER_H_
