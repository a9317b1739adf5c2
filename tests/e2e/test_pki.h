#ifndef JWTD_TESTS_E2E_TEST_PKI_H_
#define JWTD_TESTS_E2E_TEST_PKI_H_

// Throw-away certificates for the TLS end-to-end tests, made with the
// openssl command-line tool (P-256 keys, valid for a day).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jwtd::e2e {

// A certificate and its key, as PEM files.
struct CertFiles {
  std::string cert;
  std::string key;
};

// A certificate authority in `dir`; Issue() signs leaf certificates.
class TestCa {
 public:
  // Creates <dir>/<name>.crt and <dir>/<name>.key.
  static absl::StatusOr<TestCa> Create(const std::string& dir,
                                       absl::string_view name);

  // A leaf certificate for `name` with the given subjectAltName value,
  // e.g. "DNS:localhost,IP:127.0.0.1" or "URI:spiffe://td/ns/a/sa/b".
  absl::StatusOr<CertFiles> Issue(absl::string_view name,
                                  absl::string_view subject_alt_name) const;

  const std::string& cert_file() const { return files_.cert; }

 private:
  TestCa(std::string dir, CertFiles files)
      : dir_(std::move(dir)), files_(std::move(files)) {}

  std::string dir_;
  CertFiles files_;
};

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_TEST_PKI_H_
