#include "server/crypto/pem.h"

#include <openssl/pem.h>

#include "server/crypto/openssl_util.h"

namespace jwtd::crypto {

absl::StatusOr<PemKeyType> PrivateKeyPemType(absl::string_view pem) {
  internal::BioPtr bio = internal::NewMemBio(pem);
  if (bio == nullptr) return absl::InvalidArgumentError("PEM is too large");
  // An empty passphrase callback: encrypted keys fail instead of prompting.
  internal::EvpPkeyPtr key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (key == nullptr) {
    return internal::OpenSslError(absl::StatusCode::kInvalidArgument,
                                  "not an unencrypted PEM private key");
  }
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_EC:
      return PemKeyType::kEc;
    case EVP_PKEY_RSA:
      return PemKeyType::kRsa;
    case EVP_PKEY_ED25519:
      return PemKeyType::kEd25519;
    case EVP_PKEY_ED448:
      return PemKeyType::kEd448;
    default:
      return absl::InvalidArgumentError(
          "PEM private key is not EC, RSA, Ed25519 or Ed448");
  }
}

}  // namespace jwtd::crypto
