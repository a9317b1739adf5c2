#include "tests/support/local_tls_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace jwtd::testing {
namespace {

constexpr int kIoTimeoutSeconds = 15;
constexpr size_t kMaxRequestHead = 64 * 1024;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

absl::Status OpenSslError(absl::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  char text[256] = {};
  ERR_error_string_n(code, text, sizeof(text));
  return absl::InternalError(absl::StrCat(what, ": ", text));
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension =
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate for `key` named `common_name`, signed by `issuer_key`
// (self-signed when `issuer` is null).
absl::StatusOr<CertPtr> MakeCertificate(EVP_PKEY* key, const char* common_name,
                                        X509* issuer, EVP_PKEY* issuer_key,
                                        long serial,
                                        const std::string& subject_alt_names) {
  CertPtr cert(X509_new());
  if (cert == nullptr) return OpenSslError("X509_new");
  X509* x = cert.get();
  X509_NAME* name = X509_get_subject_name(x);
  const bool ok =
      X509_set_version(x, 2) == 1 &&
      ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
      X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) != nullptr &&
      X509_set_pubkey(x, key) == 1 &&
      X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(common_name), -1, -1,
          0) == 1 &&
      X509_set_issuer_name(
          x, issuer != nullptr ? X509_get_subject_name(issuer) : name) == 1;
  if (!ok) return OpenSslError("building a certificate");
  X509* signer = issuer != nullptr ? issuer : x;
  const bool is_ca = issuer == nullptr;
  bool extensions =
      AddExtension(x, signer, NID_basic_constraints,
                   is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
      AddExtension(x, signer, NID_key_usage,
                   is_ca ? "critical,keyCertSign,cRLSign"
                         : "critical,digitalSignature") &&
      AddExtension(x, signer, NID_subject_key_identifier, "hash");
  if (extensions && !is_ca) {
    extensions =
        AddExtension(x, signer, NID_authority_key_identifier, "keyid") &&
        AddExtension(x, signer, NID_ext_key_usage, "serverAuth") &&
        AddExtension(x, signer, NID_subject_alt_name, subject_alt_names);
  }
  if (!extensions) return OpenSslError("adding certificate extensions");
  if (X509_sign(x, issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError("X509_sign");
  }
  return cert;
}

std::string MemoryBioText(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

absl::StatusOr<std::string> CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslError("PEM_write_bio_X509");
  }
  return MemoryBioText(bio.get());
}

absl::StatusOr<std::string> KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return OpenSslError("PEM_write_bio_PrivateKey");
  }
  return MemoryBioText(bio.get());
}

void SetTimeouts(int fd) {
  timeval timeout = {.tv_sec = kIoTimeoutSeconds, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

sockaddr_in Loopback(int port) {
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

}  // namespace

absl::StatusOr<TestPki> MakeTestPki(
    const std::vector<std::string>& subject_alt_names) {
  KeyPtr ca_key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  KeyPtr server_key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (ca_key == nullptr || server_key == nullptr) {
    return OpenSslError("EVP_PKEY_Q_keygen");
  }
  absl::StatusOr<CertPtr> ca = MakeCertificate(ca_key.get(), "jwtd test CA",
                                               nullptr, ca_key.get(), 1, "");
  if (!ca.ok()) return ca.status();
  absl::StatusOr<CertPtr> server =
      MakeCertificate(server_key.get(), "jwtd test server", ca->get(),
                      ca_key.get(), 2, absl::StrJoin(subject_alt_names, ","));
  if (!server.ok()) return server.status();

  TestPki pki;
  absl::StatusOr<std::string> pem = CertPem(ca->get());
  if (!pem.ok()) return pem.status();
  pki.ca_cert_pem = *std::move(pem);
  pem = CertPem(server->get());
  if (!pem.ok()) return pem.status();
  pki.server_cert_pem = *std::move(pem);
  pem = KeyPem(server_key.get());
  if (!pem.ok()) return pem.status();
  pki.server_key_pem = *std::move(pem);
  return pki;
}

struct LocalTlsProxy::Tls {
  ~Tls() { SSL_CTX_free(context); }
  SSL_CTX* context = nullptr;
};

absl::StatusOr<std::unique_ptr<LocalTlsProxy>> LocalTlsProxy::Start(
    int backend_port, const TestPki& pki) {
  // A client that gives up mid-answer must not kill the test binary.
  std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<LocalTlsProxy> proxy(new LocalTlsProxy());
  proxy->backend_port_ = backend_port;
  proxy->tls_ = std::make_unique<Tls>();
  proxy->tls_->context = SSL_CTX_new(TLS_server_method());
  if (proxy->tls_->context == nullptr) return OpenSslError("SSL_CTX_new");

  BioPtr cert_bio(
      BIO_new_mem_buf(pki.server_cert_pem.data(),
                      static_cast<int>(pki.server_cert_pem.size())));
  BioPtr key_bio(BIO_new_mem_buf(pki.server_key_pem.data(),
                                 static_cast<int>(pki.server_key_pem.size())));
  CertPtr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  KeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr || key == nullptr ||
      SSL_CTX_use_certificate(proxy->tls_->context, cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(proxy->tls_->context, key.get()) != 1) {
    return OpenSslError("loading the server certificate");
  }

  proxy->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (proxy->listen_fd_ < 0) return absl::InternalError("socket failed");
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (::bind(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0 ||
      ::listen(proxy->listen_fd_, 16) != 0 ||
      ::getsockname(proxy->listen_fd_, reinterpret_cast<sockaddr*>(&address),
                    &length) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on 127.0.0.1: ", std::strerror(errno)));
  }
  proxy->port_ = ntohs(address.sin_port);
  LocalTlsProxy* raw = proxy.get();
  proxy->acceptor_ = std::thread([raw] { raw->AcceptLoop(); });
  return proxy;
}

LocalTlsProxy::~LocalTlsProxy() {
  stopping_.store(true);
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::vector<std::thread> relays;
  {
    absl::MutexLock lock(&mu_);
    relays.swap(relays_);
  }
  for (std::thread& relay : relays) relay.join();
}

std::string LocalTlsProxy::Url(absl::string_view path) const {
  return absl::StrCat("https://127.0.0.1:", port_, path);
}

void LocalTlsProxy::AcceptLoop() {
  while (!stopping_.load()) {
    pollfd poll_fd = {.fd = listen_fd_, .events = POLLIN, .revents = 0};
    if (::poll(&poll_fd, 1, 20) <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    absl::MutexLock lock(&mu_);
    relays_.emplace_back([this, client] { Relay(client); });
  }
}

void LocalTlsProxy::Relay(int client_fd) {
  SetTimeouts(client_fd);
  SSL* ssl = SSL_new(tls_->context);
  int backend = -1;
  if (ssl != nullptr && SSL_set_fd(ssl, client_fd) == 1 &&
      SSL_accept(ssl) == 1) {
    // The request head (a GET has no body).
    std::string head;
    char buffer[16 * 1024];
    while (head.find("\r\n\r\n") == std::string::npos &&
           head.size() < kMaxRequestHead) {
      const int n = SSL_read(ssl, buffer, sizeof(buffer));
      if (n <= 0) break;
      head.append(buffer, static_cast<size_t>(n));
    }
    backend = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in address = Loopback(backend_port_);
    if (backend >= 0 && head.find("\r\n\r\n") != std::string::npos) {
      SetTimeouts(backend);
      if (::connect(backend, reinterpret_cast<const sockaddr*>(&address),
                    sizeof(address)) == 0 &&
          SendAll(backend, head)) {
        while (true) {
          const ssize_t n = ::recv(backend, buffer, sizeof(buffer), 0);
          if (n <= 0 || SSL_write(ssl, buffer, static_cast<int>(n)) <= 0) {
            break;
          }
        }
        SSL_shutdown(ssl);
      }
    }
  }
  ERR_clear_error();
  SSL_free(ssl);
  if (backend >= 0) ::close(backend);
  ::close(client_fd);
}

}  // namespace jwtd::testing
