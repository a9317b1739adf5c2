#include "server/keyring/local_key_ring.h"

#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/jose/key_material.h"
#include "server/jose/keys.h"
#include "server/util/file.h"

namespace jwtd::keyring {
namespace {

constexpr size_t kMaxKeyFileBytes = 64 * 1024;

// Loads the key file, or generates and stores a key when there is none.
// Sets *generated accordingly.
absl::StatusOr<jose::PrivateKey> LoadOrGenerate(const std::string& path,
                                                jose::JwsAlgorithm alg,
                                                bool* generated) {
  absl::StatusOr<std::string> pem = ReadSmallFile(path, kMaxKeyFileBytes);
  if (pem.ok()) {
    *generated = false;
    absl::StatusOr<jose::PrivateKey> key = jose::PrivateKeyFromPem(*pem);
    if (!key.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "key file ", path,
          " is not a usable private key: ", key.status().message()));
    }
    return key;
  }
  if (!absl::IsNotFound(pem.status())) return pem.status();

  *generated = true;
  absl::StatusOr<jose::PrivateKey> key = jose::GeneratePrivateKey(alg);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> encoded = jose::PrivateKeyToPem(*key);
  if (!encoded.ok()) return encoded.status();
  absl::Status written = WriteFileAtomically(path, *encoded, 0600);
  if (!written.ok()) return written;
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalKeyRing>> LocalKeyRing::Open(
    const LocalKeyRingOptions& options) {
  if (jose::IsHmac(options.alg)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the local key ring holds key pairs, not ",
                     jose::JwsAlgorithmName(options.alg), " secrets"));
  }
  absl::Status dir = EnsurePrivateDirectory(options.data_dir);
  if (!dir.ok()) {
    return absl::Status(dir.code(),
                        absl::StrCat("data directory: ", dir.message()));
  }
  const std::string path = absl::StrCat(options.data_dir, "/", kKeyFileName);
  bool generated = false;
  absl::StatusOr<jose::PrivateKey> key =
      LoadOrGenerate(path, options.alg, &generated);
  if (!key.ok()) return key.status();
  const jose::PublicKey public_key = jose::PublicKeyOf(*key);
  if (absl::Status fits = jose::CheckKeyFitsAlgorithm(public_key, options.alg);
      !fits.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file ", path, ": ", fits.message()));
  }

  absl::StatusOr<std::shared_ptr<const jose::SigningKey>> signing_key =
      jose::SigningKey::Create(*key, options.alg);
  if (!signing_key.ok()) return signing_key.status();
  absl::StatusOr<std::shared_ptr<const jose::VerificationKey>>
      verification_key = jose::VerificationKey::Create(public_key, options.alg,
                                                       (*signing_key)->kid());
  if (!verification_key.ok()) return verification_key.status();
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> key_set =
      jose::KeySet::Create({*std::move(verification_key)});
  if (!key_set.ok()) return key_set.status();

  return std::unique_ptr<LocalKeyRing>(new LocalKeyRing(
      *std::move(signing_key), *std::move(key_set), generated));
}

}  // namespace jwtd::keyring
