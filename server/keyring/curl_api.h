#ifndef JWTD_SERVER_KEYRING_CURL_API_H_
#define JWTD_SERVER_KEYRING_CURL_API_H_

// libcurl, loaded with dlopen the first time a remote JWKS source needs it.
// Linking it would map its dependencies (GnuTLS, LDAP, SASL, libssh2, ...)
// into every jwtd, about 4 MiB of resident memory a sidecar that only
// validates local or file keys never uses.

#include <curl/curl.h>

#include "absl/status/statusor.h"

namespace jwtd::keyring {

// The libcurl functions jwtd calls, with libcurl's own signatures.
struct CurlApi {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_url) url;
  decltype(&::curl_url_cleanup) url_cleanup;
  decltype(&::curl_url_set) url_set;
  decltype(&::curl_url_get) url_get;
  decltype(&::curl_free) free;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
};

// Loads libcurl.so.4 and runs curl_global_init, once per process; later
// calls return the same table. FAILED_PRECONDITION when the library (Debian
// package libcurl4) or one of its functions is missing. Thread-safe.
absl::StatusOr<const CurlApi*> LoadCurl();

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_CURL_API_H_
