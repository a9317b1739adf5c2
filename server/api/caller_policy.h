#ifndef JWTD_SERVER_API_CALLER_POLICY_H_
#define JWTD_SERVER_API_CALLER_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace jwtd::api {

// Who is calling, as far as the transport can tell: the identities of a
// verified client certificate (mTLS), and the peer address for logs.
struct CallerIdentity {
  // The peer address, e.g. "ipv4:127.0.0.1:51234" or "unix:".
  std::string peer;
  // "ssl" for TLS, "insecure" or "local" otherwise.
  std::string transport;
  // Subject alternative names of the verified client certificate.
  std::vector<std::string> uris;
  std::vector<std::string> dns_names;

  // For log lines: "spiffe://td/x" / "dns:name" / "anonymous".
  std::string Describe() const;
};

// Reads the caller's identity from a call's auth context.
CallerIdentity IdentityOf(const grpc::ServerContextBase& context);

// Decides which RPCs a caller may make on one listener. Issue and Revoke
// are privileged; Validate, Introspect and GetKeySet are open.
//   - the main listener serves the open RPCs to everyone, and the privileged
//     ones only to callers whose certificate carries an allowlisted identity;
//   - the privileged listener serves only the privileged RPCs, to whoever
//     can connect (guard it with a 0600 Unix socket or mTLS).
class CallerPolicy {
 public:
  enum class Listener { kMain, kPrivileged };

  // `privileged_callers`: "dns:<name>" entries match a DNS SAN (ASCII
  // case-insensitively), any other entry must equal a URI SAN exactly
  // (e.g. "spiffe://example.org/ns/apps/sa/issuer"). Checked by the config.
  CallerPolicy(Listener listener, std::vector<std::string> privileged_callers);

  // OK, or PERMISSION_DENIED saying why (the message names the method and
  // the listener, never a credential).
  absl::Status Authorize(absl::string_view method, bool privileged_method,
                         const CallerIdentity& caller) const;

  Listener listener() const { return listener_; }

 private:
  bool IsAllowlisted(const CallerIdentity& caller) const;

  Listener listener_;
  std::vector<std::string> privileged_callers_;
};

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_CALLER_POLICY_H_
