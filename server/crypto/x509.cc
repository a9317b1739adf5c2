#include "server/crypto/x509.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "server/crypto/openssl_util.h"

namespace jwtd::crypto {
namespace {

using internal::BioPtr;
using internal::EvpPkeyPtr;
using internal::NewMemBio;
using internal::OpenSslError;
using internal::OpenSslPtr;
using X509Ptr = OpenSslPtr<X509, X509_free>;

// The first certificate of `pem`, or null.
X509Ptr FirstCertificate(absl::string_view pem) {
  BioPtr bio = NewMemBio(pem);
  if (bio == nullptr) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

absl::Status CheckCertificateKeyPair(absl::string_view cert_chain_pem,
                                     absl::string_view key_pem) {
  X509Ptr leaf = FirstCertificate(cert_chain_pem);
  if (leaf == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "certificate file holds no PEM certificate");
  }
  BioPtr key_bio = NewMemBio(key_pem);
  // A null passphrase callback with an empty passphrase: an encrypted key
  // fails here instead of prompting on the terminal.
  EvpPkeyPtr key(key_bio == nullptr
                     ? nullptr
                     : PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr,
                                               const_cast<char*>("")));
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "key file holds no unencrypted PEM private key");
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "private key does not match the certificate");
  }
  internal::ClearOpenSslErrors();
  return absl::OkStatus();
}

absl::Status CheckCertificateBundle(absl::string_view pem) {
  BioPtr bio = NewMemBio(pem);
  if (bio == nullptr) {
    return absl::InvalidArgumentError("CA bundle is too large");
  }
  int count = 0;
  while (X509Ptr cert =
             X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))) {
    ++count;
  }
  // The loop ends on end of input (PEM_R_NO_START_LINE) or on a damaged
  // block; only the former is fine.
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end = ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  internal::ClearOpenSslErrors();
  if (count == 0 || !clean_end) {
    return absl::InvalidArgumentError(
        count == 0 ? "CA bundle holds no PEM certificate"
                   : absl::StrCat("CA bundle has a damaged block after ", count,
                                  " certificate(s)"));
  }
  return absl::OkStatus();
}

}  // namespace jwtd::crypto
