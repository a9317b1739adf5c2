#include "server/api/caller_policy.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/grpc_security_constants.h"

namespace jwtd::api {
namespace {

std::vector<std::string> PropertyValues(const grpc::AuthContext& auth,
                                        const char* name) {
  std::vector<std::string> values;
  for (const grpc::string_ref& value : auth.FindPropertyValues(name)) {
    values.emplace_back(value.data(), value.size());
  }
  return values;
}

}  // namespace

std::string CallerIdentity::Describe() const {
  if (!uris.empty()) return uris.front();
  if (!dns_names.empty()) return absl::StrCat("dns:", dns_names.front());
  return "anonymous";
}

CallerIdentity IdentityOf(const grpc::ServerContextBase& context) {
  CallerIdentity identity;
  identity.peer = context.peer();
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return identity;
  std::vector<std::string> transport =
      PropertyValues(*auth, GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
  if (!transport.empty()) identity.transport = transport.front();
  // gRPC fills the SAN properties only from a certificate it verified
  // against the client CA; without mTLS they are absent.
  if (auth->IsPeerAuthenticated()) {
    identity.uris = PropertyValues(*auth, GRPC_PEER_URI_PROPERTY_NAME);
    identity.dns_names = PropertyValues(*auth, GRPC_PEER_DNS_PROPERTY_NAME);
  }
  return identity;
}

CallerPolicy::CallerPolicy(Listener listener,
                           std::vector<std::string> privileged_callers)
    : listener_(listener), privileged_callers_(std::move(privileged_callers)) {}

bool CallerPolicy::IsAllowlisted(const CallerIdentity& caller) const {
  for (const std::string& allowed : privileged_callers_) {
    if (absl::StartsWith(allowed, "dns:")) {
      const absl::string_view name = absl::string_view(allowed).substr(4);
      for (const std::string& dns : caller.dns_names) {
        if (absl::EqualsIgnoreCase(dns, name)) return true;
      }
    } else {
      for (const std::string& uri : caller.uris) {
        if (uri == allowed) return true;
      }
    }
  }
  return false;
}

absl::Status CallerPolicy::Authorize(absl::string_view method,
                                     bool privileged_method,
                                     const CallerIdentity& caller) const {
  if (listener_ == Listener::kPrivileged) {
    if (privileged_method) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat(method,
                     " is not served on the privileged listener; call the "
                     "main listener"));
  }
  if (!privileged_method || IsAllowlisted(caller)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      method,
      " is privileged: call it on the privileged listener, or over mutual "
      "TLS with a certificate listed in authorization.privileged_callers"));
}

}  // namespace jwtd::api
