#include "server/keyring/curl_api.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"

namespace jwtd::keyring {
namespace {

constexpr char kLibrary[] = "libcurl.so.4";

// Sets *out to the symbol `name`; false when it is missing.
template <typename Function>
bool Resolve(void* library, const char* name, Function* out) {
  *out = reinterpret_cast<Function>(dlsym(library, name));
  return *out != nullptr;
}

absl::StatusOr<const CurlApi*> Load() {
  // Never closed: the table stays valid for the process's lifetime.
  void* library = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    return absl::FailedPreconditionError(
        absl::StrCat("remote JWKS needs libcurl (package libcurl4): ",
                     why != nullptr ? why : kLibrary));
  }
  auto* api = new CurlApi();
  const bool complete =
      Resolve(library, "curl_global_init", &api->global_init) &&
      Resolve(library, "curl_url", &api->url) &&
      Resolve(library, "curl_url_cleanup", &api->url_cleanup) &&
      Resolve(library, "curl_url_set", &api->url_set) &&
      Resolve(library, "curl_url_get", &api->url_get) &&
      Resolve(library, "curl_free", &api->free) &&
      Resolve(library, "curl_easy_init", &api->easy_init) &&
      Resolve(library, "curl_easy_cleanup", &api->easy_cleanup) &&
      Resolve(library, "curl_easy_setopt", &api->easy_setopt) &&
      Resolve(library, "curl_easy_perform", &api->easy_perform) &&
      Resolve(library, "curl_easy_strerror", &api->easy_strerror) &&
      Resolve(library, "curl_easy_getinfo", &api->easy_getinfo) &&
      Resolve(library, "curl_slist_append", &api->slist_append) &&
      Resolve(library, "curl_slist_free_all", &api->slist_free_all);
  if (!complete) {
    delete api;
    return absl::FailedPreconditionError(
        absl::StrCat(kLibrary, " lacks a function jwtd needs (too old?)"));
  }
  if (api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    delete api;
    return absl::FailedPreconditionError("curl_global_init failed");
  }
  return api;
}

}  // namespace

absl::StatusOr<const CurlApi*> LoadCurl() {
  static std::once_flag once;
  static absl::StatusOr<const CurlApi*>* loaded = nullptr;
  std::call_once(once,
                 [] { loaded = new absl::StatusOr<const CurlApi*>(Load()); });
  return *loaded;
}

}  // namespace jwtd::keyring
