#include "server/crypto/pem.h"

#include "server/crypto/openssl_util.h"

namespace jwtd::crypto {

absl::StatusOr<PemKeyType> PrivateKeyPemType(absl::string_view pem) {
  absl::StatusOr<internal::EvpPkeyPtr> key = internal::ReadPrivateKeyPem(pem);
  if (!key.ok()) return key.status();
  switch (EVP_PKEY_get_base_id(key->get())) {
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
