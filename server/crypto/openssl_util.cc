#include "server/crypto/openssl_util.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace jwtd::crypto::internal {

absl::Status OpenSslError(absl::StatusCode code, absl::string_view context) {
  std::string message(context);
  const char* separator = ": ";
  unsigned long error;
  while ((error = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    absl::StrAppend(&message, separator, buffer);
    separator = "; ";
  }
  return absl::Status(code, message);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

const char* DigestName(HashFunction hash) {
  switch (hash) {
    case HashFunction::kSha256:
      return "SHA2-256";
    case HashFunction::kSha384:
      return "SHA2-384";
    case HashFunction::kSha512:
      return "SHA2-512";
  }
  std::abort();  // Unreachable: every enumerator is handled above.
}

namespace {

// Fetches the default provider's implementation once. Failure means the
// OpenSSL installation is broken, and no hash-based operation could work.
const EVP_MD* FetchOnce(HashFunction hash) {
  EVP_MD* md = EVP_MD_fetch(nullptr, DigestName(hash), nullptr);
  if (md == nullptr) {
    std::fprintf(stderr, "jwtd: cannot fetch OpenSSL digest %s\n",
                 DigestName(hash));
    std::abort();
  }
  return md;  // Intentionally never freed: shared for the process lifetime.
}

}  // namespace

const EVP_MD* FetchDigest(HashFunction hash) {
  // Function-local statics: initialised once, thread-safely.
  switch (hash) {
    case HashFunction::kSha256: {
      static const EVP_MD* const md = FetchOnce(hash);
      return md;
    }
    case HashFunction::kSha384: {
      static const EVP_MD* const md = FetchOnce(hash);
      return md;
    }
    case HashFunction::kSha512: {
      static const EVP_MD* const md = FetchOnce(hash);
      return md;
    }
  }
  std::abort();  // Unreachable.
}

BioPtr NewMemBio(absl::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) return nullptr;
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string MemBioContents(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  if (data == nullptr || length <= 0) return std::string();
  return std::string(data, static_cast<size_t>(length));
}

absl::StatusOr<std::string> BignumToPadded(const BIGNUM* bn, size_t length) {
  std::string out(length, '\0');
  if (length > static_cast<size_t>(INT_MAX) ||
      BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(length)) != static_cast<int>(length)) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "big number does not fit its fixed length");
  }
  return out;
}

std::string BignumToBytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/,
                     void* /*user_data*/) {
  return -1;
}

namespace {

absl::StatusOr<std::string> WritePem(EVP_PKEY* pkey, bool private_key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "BIO_new failed");
  }
  // PEM_write_bio_PrivateKey writes PKCS#8 ("PRIVATE KEY") in OpenSSL 3.
  const int ok = private_key ? PEM_write_bio_PrivateKey(
                                   bio.get(), pkey, /*enc=*/nullptr,
                                   /*kstr=*/nullptr, 0, /*cb=*/nullptr,
                                   /*u=*/nullptr)
                             : PEM_write_bio_PUBKEY(bio.get(), pkey);
  if (ok != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "PEM encoding failed");
  }
  return MemBioContents(bio.get());
}

}  // namespace

absl::StatusOr<std::string> PublicKeyToPem(EVP_PKEY* pkey) {
  return WritePem(pkey, /*private_key=*/false);
}

absl::StatusOr<std::string> PrivateKeyToPkcs8Pem(EVP_PKEY* pkey) {
  return WritePem(pkey, /*private_key=*/true);
}

absl::StatusOr<EvpPkeyPtr> ReadPrivateKeyPem(absl::string_view pem) {
  BioPtr bio = NewMemBio(pem);
  if (bio == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "PEM input too large");
  }
  EvpPkeyPtr pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassphrase, nullptr));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not an unencrypted PEM private key");
  }
  return pkey;
}

absl::StatusOr<EvpPkeyPtr> ReadPublicKeyPem(absl::string_view pem) {
  BioPtr bio = NewMemBio(pem);
  if (bio == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "PEM input too large");
  }
  EvpPkeyPtr pkey(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, RefusePassphrase, nullptr));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not a PEM PUBLIC KEY");
  }
  return pkey;
}

absl::Status CheckKeyPair(EVP_PKEY* pkey, absl::string_view family) {
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (check == nullptr || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return OpenSslError(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat(family, " private key does not match its public key"));
  }
  return absl::OkStatus();
}

}  // namespace jwtd::crypto::internal
