#ifndef JWTD_SERVER_CRYPTO_OPENSSL_UTIL_H_
#define JWTD_SERVER_CRYPTO_OPENSSL_UTIL_H_

// Private helpers for the OpenSSL-backed code in server/crypto. Not part of
// the crypto library's interface: include only from server/crypto/*.cc.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"

namespace jwtd::crypto::internal {

// Calls the OpenSSL free function `Free` on destruction, so that every
// OpenSSL object has exactly one owner.
template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* ptr) const {
    Free(ptr);
  }
};

template <typename T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<Free>>;

using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdPtr = OpenSslPtr<EVP_MD, EVP_MD_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpMacPtr = OpenSslPtr<EVP_MAC, EVP_MAC_free>;
using EvpMacCtxPtr = OpenSslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
// For secret values (private exponents, primes, scalars): zeroed when freed.
using SecretBignumPtr = OpenSslPtr<BIGNUM, BN_clear_free>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using OsslParamBldPtr = OpenSslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using OsslParamPtr = OpenSslPtr<OSSL_PARAM, OSSL_PARAM_free>;

// Empties this thread's OpenSSL error queue and returns `code` with
// `context` followed by the queued OpenSSL messages (if any). Every failure
// path that touched OpenSSL goes through this (or ClearOpenSslErrors) so that
// stale errors never surface in a later, unrelated call on the same thread.
absl::Status OpenSslError(absl::StatusCode code, absl::string_view context);

// Empties this thread's OpenSSL error queue, discarding the messages (used
// where the details must not reach the caller, e.g. signature checks).
void ClearOpenSslErrors();

// The OpenSSL name of `hash` ("SHA2-256", ...).
const char* DigestName(HashFunction hash);

// The digest implementation for `hash`, fetched once per process and kept
// for its lifetime (explicit fetching avoids a provider lookup per call).
const EVP_MD* FetchDigest(HashFunction hash);

// A read-only memory BIO over `data` (which must outlive the BIO), or null
// when `data` is too large for OpenSSL's int length.
BioPtr NewMemBio(absl::string_view data);

// Contents of a memory BIO as a string.
std::string MemBioContents(BIO* bio);

// `bn` as big-endian bytes left-padded with zeros to exactly `length` bytes.
// INTERNAL if it does not fit (the caller passes values that always fit).
absl::StatusOr<std::string> BignumToPadded(const BIGNUM* bn, size_t length);

// `bn` (non-negative) as minimal big-endian bytes: no leading zero byte, and
// empty for zero.
std::string BignumToBytes(const BIGNUM* bn);

// A pem_password_cb that declines to decrypt. Keys are stored unencrypted,
// and OpenSSL's default callback would otherwise prompt on the terminal.
int RefusePassphrase(char* buf, int size, int rwflag, void* user_data);

// Reads an unencrypted PEM private key (PKCS#8, SEC1 or PKCS#1); encrypted
// keys fail without prompting. INVALID_ARGUMENT otherwise.
absl::StatusOr<EvpPkeyPtr> ReadPrivateKeyPem(absl::string_view pem);

// Reads a PEM SubjectPublicKeyInfo ("PUBLIC KEY"). INVALID_ARGUMENT
// otherwise.
absl::StatusOr<EvpPkeyPtr> ReadPublicKeyPem(absl::string_view pem);

// OK when the private and public halves of `pkey` belong together (scalar
// in range, point valid, and matching); INVALID_ARGUMENT naming `family`
// ("EC", "EdDSA") otherwise.
absl::Status CheckKeyPair(EVP_PKEY* pkey, absl::string_view family);

// `pkey` as PEM SubjectPublicKeyInfo ("PUBLIC KEY").
absl::StatusOr<std::string> PublicKeyToPem(EVP_PKEY* pkey);

// `pkey` as unencrypted PEM PKCS#8 ("PRIVATE KEY").
absl::StatusOr<std::string> PrivateKeyToPkcs8Pem(EVP_PKEY* pkey);

}  // namespace jwtd::crypto::internal

#endif  // JWTD_SERVER_CRYPTO_OPENSSL_UTIL_H_
