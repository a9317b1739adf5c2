#ifndef JWTD_TESTS_SUPPORT_LOCAL_TLS_PROXY_H_
#define JWTD_TESTS_SUPPORT_LOCAL_TLS_PROXY_H_

// HTTPS for tests: a throw-away PKI, and a TLS front for LocalHttpServer.
// (Debian 12's civetweb cannot do TLS with OpenSSL 3: it looks up
// SSL_get_peer_certificate, which OpenSSL 3 no longer exports.)
//
//   ASSERT_OK_AND_ASSIGN(TestPki pki, MakeTestPki({"IP:127.0.0.1"}));
//   ASSERT_OK_AND_ASSIGN(auto tls, LocalTlsProxy::Start(server->port(), pki));
//   ... GET tls->Url("/jwks") trusting pki.ca_cert_pem ...

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace jwtd::testing {

// A CA and a server certificate it issued (EC P-256, valid from an hour ago
// for a day). PEM strings.
struct TestPki {
  std::string ca_cert_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

// `subject_alt_names` in OpenSSL's config syntax, e.g. {"IP:127.0.0.1",
// "DNS:localhost"}.
absl::StatusOr<TestPki> MakeTestPki(
    const std::vector<std::string>& subject_alt_names);

// Accepts TLS on 127.0.0.1 (an ephemeral port) with the PKI's server
// certificate and relays each connection to 127.0.0.1:`backend_port` in
// plain text. Enough for HTTP/1.1 GETs with "Connection: close" (which
// LocalHttpServer sends): the request head goes to the backend, the
// backend's answer comes back until it closes. Socket reads time out after
// 15 s, so every connection ends.
class LocalTlsProxy {
 public:
  static absl::StatusOr<std::unique_ptr<LocalTlsProxy>> Start(
      int backend_port, const TestPki& pki);
  ~LocalTlsProxy();
  LocalTlsProxy(const LocalTlsProxy&) = delete;
  LocalTlsProxy& operator=(const LocalTlsProxy&) = delete;

  int port() const { return port_; }
  // "https://127.0.0.1:<port><path>".
  std::string Url(absl::string_view path) const;

 private:
  struct Tls;
  LocalTlsProxy() = default;
  void AcceptLoop();
  void Relay(int client_fd);

  int backend_port_ = 0;
  int port_ = 0;
  int listen_fd_ = -1;
  std::unique_ptr<Tls> tls_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::thread> relays_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_LOCAL_TLS_PROXY_H_
