#include "server/keyring/http_fetcher.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/keyring/curl_api.h"

namespace jwtd::keyring {
namespace {

// Longest Cache-Control text kept from one response (all its header lines).
constexpr size_t kMaxCacheControlBytes = 4096;

// The loaded libcurl. Only called once LoadCurl() succeeded (every path
// that makes a curl object checks it first).
const CurlApi& Curl() { return **LoadCurl(); }

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { Curl().url_cleanup(url); }
};
struct CurlEasyDeleter {
  void operator()(CURL* curl) const { Curl().easy_cleanup(curl); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const { Curl().slist_free_all(list); }
};
using CurlUrlPtr = std::unique_ptr<CURLU, CurlUrlDeleter>;

// One part of a parsed URL, or nullopt when absent.
std::optional<std::string> UrlPart(CURLU* url, CURLUPart part,
                                   unsigned flags = 0) {
  char* value = nullptr;
  if (Curl().url_get(url, part, &value, flags) != CURLUE_OK ||
      value == nullptr) {
    return std::nullopt;
  }
  std::string copy(value);
  Curl().free(value);
  return copy;
}

// Null for a URL libcurl does not accept; the caller checked LoadCurl().
CurlUrlPtr ParseWithCurl(absl::string_view url) {
  CurlUrlPtr handle(Curl().url());
  if (handle == nullptr) return nullptr;
  // curl_url_set needs a NUL-terminated string; an embedded NUL is refused
  // by the length check below.
  const std::string text(url);
  if (text.size() != std::strlen(text.c_str())) return nullptr;
  if (Curl().url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) !=
      CURLUE_OK) {
    return nullptr;
  }
  return handle;
}

// Everything a transfer collects, shared with the libcurl callbacks.
struct Transfer {
  size_t max_bytes = 0;
  std::string body;
  bool too_large = false;
  std::string cache_control;
  const std::atomic<bool>* cancel = nullptr;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t length = size * count;
  if (length > transfer->max_bytes - transfer->body.size()) {
    transfer->too_large = true;
    return 0;  // Anything but `length` aborts the transfer.
  }
  transfer->body.append(data, length);
  return length;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t length = size * count;
  const absl::string_view line(data, length);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after 100 Continue or a proxy's CONNECT): only the
    // final one's headers count.
    transfer->cache_control.clear();
    return length;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return length;
  if (!absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(line.substr(0, colon)),
                              "cache-control")) {
    return length;
  }
  const absl::string_view value =
      absl::StripAsciiWhitespace(line.substr(colon + 1));
  if (transfer->cache_control.size() + value.size() + 1 <=
      kMaxCacheControlBytes) {
    absl::StrAppend(&transfer->cache_control, value, ",");
  }
  return length;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  return transfer->cancel != nullptr && transfer->cancel->load() ? 1 : 0;
}

bool IsRedirect(long code) {
  return code == 301 || code == 302 || code == 303 || code == 307 ||
         code == 308;
}

std::string OriginText(const HttpOrigin& origin) {
  return absl::StrCat(origin.scheme, "://", origin.host, ":", origin.port);
}

// One GET without following redirects. Sets *redirect_to when the answer
// is a redirect with a Location.
absl::StatusOr<HttpFetchResult> GetOnce(const std::string& url,
                                        const HttpFetchOptions& options,
                                        absl::Duration timeout,
                                        std::string* redirect_to) {
  if (absl::StatusOr<const CurlApi*> api = LoadCurl(); !api.ok()) {
    return api.status();
  }
  std::unique_ptr<CURL, CurlEasyDeleter> curl(Curl().easy_init());
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  std::unique_ptr<curl_slist, CurlSlistDeleter> headers(Curl().slist_append(
      nullptr, "Accept: application/jwk-set+json, application/json"));

  Transfer transfer;
  transfer.max_bytes = options.max_response_bytes;
  transfer.cancel = options.cancel;
  char error[CURL_ERROR_SIZE] = {};
  const char* protocols = options.allow_http ? "http,https" : "https";
  const long timeout_ms =
      std::max<long>(1, static_cast<long>(absl::ToInt64Milliseconds(timeout)));

  CURL* h = curl.get();
  bool set_ok =
      Curl().easy_setopt(h, CURLOPT_URL, url.c_str()) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols) ==
          CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
      // No signals: the resolver timeout must not use SIGALRM in a
      // multi-threaded server.
      Curl().easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) ==
          CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(options.max_response_bytes)) ==
          CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_USERAGENT, "jwtd") == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_HTTPHEADER, headers.get()) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_WRITEDATA, &transfer) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_HEADERDATA, &transfer) == CURLE_OK &&
      Curl().easy_setopt(h, CURLOPT_ERRORBUFFER, error) == CURLE_OK;
  if (set_ok && options.cancel != nullptr) {
    set_ok = Curl().easy_setopt(h, CURLOPT_NOPROGRESS, 0L) == CURLE_OK &&
             Curl().easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &OnProgress) ==
                 CURLE_OK &&
             Curl().easy_setopt(h, CURLOPT_XFERINFODATA, &transfer) == CURLE_OK;
  }
  if (set_ok && !options.ca_file.empty()) {
    set_ok = Curl().easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str()) ==
                 CURLE_OK &&
             Curl().easy_setopt(h, CURLOPT_CAPATH, nullptr) == CURLE_OK;
  }
  if (!set_ok) return absl::InternalError("libcurl refused an option");

  const CURLcode code = Curl().easy_perform(h);
  const std::string where = RedactedUrl(url);
  switch (code) {
    case CURLE_OK:
      break;
    case CURLE_FILESIZE_EXCEEDED:
      return absl::ResourceExhaustedError(
          absl::StrCat("response from ", where, " is larger than ",
                       options.max_response_bytes, " bytes"));
    case CURLE_WRITE_ERROR:
      if (transfer.too_large) {
        return absl::ResourceExhaustedError(
            absl::StrCat("response from ", where, " is larger than ",
                         options.max_response_bytes, " bytes"));
      }
      return absl::InternalError(absl::StrCat("GET ", where, ": ", error));
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(absl::StrCat(
          "GET ", where, ": no answer within ", absl::FormatDuration(timeout)));
    case CURLE_ABORTED_BY_CALLBACK:
      return absl::CancelledError(absl::StrCat("GET ", where, ": cancelled"));
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(
          absl::StrCat("GET ", where, ": scheme not allowed"));
    default:
      return absl::UnavailableError(
          absl::StrCat("GET ", where, ": ", Curl().easy_strerror(code),
                       error[0] != '\0' ? absl::StrCat(" (", error, ")") : ""));
  }

  long status = 0;
  Curl().easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (IsRedirect(status)) {
    char* location = nullptr;
    if (Curl().easy_getinfo(h, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
        location != nullptr) {
      *redirect_to = location;
    }
  }
  HttpFetchResult result;
  result.status_code = static_cast<int>(status);
  result.body = std::move(transfer.body);
  result.max_age = ParseCacheControlMaxAge(transfer.cache_control);
  result.url = url;
  return result;
}

}  // namespace

absl::StatusOr<HttpOrigin> ParseHttpUrl(absl::string_view url,
                                        bool allow_http) {
  if (absl::StatusOr<const CurlApi*> api = LoadCurl(); !api.ok()) {
    return api.status();
  }
  CurlUrlPtr handle = ParseWithCurl(url);
  if (handle == nullptr) {
    return absl::InvalidArgumentError("not a valid absolute URL");
  }
  HttpOrigin origin;
  origin.scheme = absl::AsciiStrToLower(
      UrlPart(handle.get(), CURLUPART_SCHEME).value_or(""));
  if (origin.scheme != "https" && !(allow_http && origin.scheme == "http")) {
    return absl::InvalidArgumentError(
        allow_http ? "the URL must be http:// or https://"
                   : "the URL must be https:// (http is not allowed)");
  }
  // libcurl reads "https:///x" as host "x"; that is a typo, not a host.
  const size_t after_scheme = url.find("://");
  if (after_scheme == absl::string_view::npos ||
      absl::StartsWith(url.substr(after_scheme + 3), "/")) {
    return absl::InvalidArgumentError("the URL has no host");
  }
  origin.host =
      absl::AsciiStrToLower(UrlPart(handle.get(), CURLUPART_HOST).value_or(""));
  if (origin.host.empty()) {
    return absl::InvalidArgumentError("the URL has no host");
  }
  if (UrlPart(handle.get(), CURLUPART_USER).has_value() ||
      UrlPart(handle.get(), CURLUPART_PASSWORD).has_value()) {
    return absl::InvalidArgumentError("the URL must not carry credentials");
  }
  if (UrlPart(handle.get(), CURLUPART_FRAGMENT).has_value()) {
    return absl::InvalidArgumentError("the URL must not have a fragment");
  }
  const std::optional<std::string> port =
      UrlPart(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!port.has_value() || !absl::SimpleAtoi(*port, &origin.port) ||
      origin.port <= 0 || origin.port > 65535) {
    return absl::InvalidArgumentError("the URL has no valid port");
  }
  return origin;
}

std::string RedactedUrl(absl::string_view url) {
  // Without libcurl nothing was fetched; never show an unparsed URL (it may
  // hold credentials).
  if (!LoadCurl().ok()) return "(URL not shown)";
  CurlUrlPtr handle = ParseWithCurl(url);
  if (handle == nullptr) return std::string(url);
  const std::optional<std::string> port = UrlPart(handle.get(), CURLUPART_PORT);
  return absl::StrCat(UrlPart(handle.get(), CURLUPART_SCHEME).value_or(""),
                      "://", UrlPart(handle.get(), CURLUPART_HOST).value_or(""),
                      port.has_value() ? absl::StrCat(":", *port) : "",
                      UrlPart(handle.get(), CURLUPART_PATH).value_or(""));
}

absl::StatusOr<HttpFetchResult> HttpGet(absl::string_view url,
                                        const HttpFetchOptions& options) {
  absl::StatusOr<HttpOrigin> origin = ParseHttpUrl(url, options.allow_http);
  if (!origin.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(RedactedUrl(url), ": ", origin.status().message()));
  }
  const absl::Time deadline = absl::Now() + options.timeout;
  std::string current(url);
  for (int hop = 0;; ++hop) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("GET ", RedactedUrl(url), ": no answer within ",
                       absl::FormatDuration(options.timeout)));
    }
    std::string redirect_to;
    absl::StatusOr<HttpFetchResult> result =
        GetOnce(current, options, left, &redirect_to);
    if (!result.ok() || redirect_to.empty()) return result;

    absl::StatusOr<HttpOrigin> next =
        ParseHttpUrl(redirect_to, options.allow_http);
    if (!next.ok() || !(*next == *origin)) {
      return absl::FailedPreconditionError(
          absl::StrCat("GET ", RedactedUrl(current), ": redirect to ",
                       next.ok() ? OriginText(*next) : "an unusable URL",
                       " not followed (only same-origin redirects are)"));
    }
    if (hop >= options.max_redirects) {
      return absl::FailedPreconditionError(
          absl::StrCat("GET ", RedactedUrl(url), ": more than ",
                       options.max_redirects, " redirects"));
    }
    current = std::move(redirect_to);
  }
}

std::optional<absl::Duration> ParseCacheControlMaxAge(
    absl::string_view header_value) {
  std::optional<absl::Duration> max_age;
  bool no_cache = false;
  for (absl::string_view directive : absl::StrSplit(header_value, ',')) {
    directive = absl::StripAsciiWhitespace(directive);
    const size_t equals = directive.find('=');
    const absl::string_view name =
        absl::StripAsciiWhitespace(directive.substr(0, equals));
    if (equals == absl::string_view::npos) {
      if (absl::EqualsIgnoreCase(name, "no-cache") ||
          absl::EqualsIgnoreCase(name, "no-store")) {
        no_cache = true;
      }
      continue;
    }
    if (!absl::EqualsIgnoreCase(name, "max-age") || max_age.has_value()) {
      continue;
    }
    absl::string_view value =
        absl::StripAsciiWhitespace(directive.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.empty() ||
        !std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
      continue;
    }
    // RFC 9111 5.2.2.1: a value too large to represent saturates.
    constexpr int64_t kMaxSeconds = std::numeric_limits<int32_t>::max();
    int64_t seconds = 0;
    if (value.size() > 10 || !absl::SimpleAtoi(value, &seconds) ||
        seconds > kMaxSeconds) {
      seconds = kMaxSeconds;
    }
    max_age = absl::Seconds(seconds);
  }
  if (no_cache) return absl::ZeroDuration();
  return max_age;
}

}  // namespace jwtd::keyring
