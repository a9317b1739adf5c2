#include "server/keyring/local_key_ring.h"

#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/jwk.h"
#include "server/util/file.h"

namespace jwtd::keyring {
namespace {

constexpr size_t kMaxKeyFileBytes = 64 * 1024;

// Loads the key file, or generates and stores a key when there is none.
// Sets *generated accordingly.
absl::StatusOr<crypto::EcPrivateKey> LoadOrGenerate(const std::string& path,
                                                    crypto::EcCurve curve,
                                                    bool* generated) {
  absl::StatusOr<std::string> pem = ReadSmallFile(path, kMaxKeyFileBytes);
  if (pem.ok()) {
    *generated = false;
    absl::StatusOr<crypto::EcPrivateKey> key =
        crypto::EcPrivateKey::FromPem(*pem);
    if (!key.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "key file ", path,
          " is not a usable EC private key: ", key.status().message()));
    }
    return key;
  }
  if (!absl::IsNotFound(pem.status())) return pem.status();

  *generated = true;
  absl::StatusOr<crypto::EcPrivateKey> key =
      crypto::EcPrivateKey::Generate(curve);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> encoded = key->ToPkcs8Pem();
  if (!encoded.ok()) return encoded.status();
  absl::Status written = WriteFileAtomically(path, *encoded, 0600);
  if (!written.ok()) return written;
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalKeyRing>> LocalKeyRing::Open(
    const LocalKeyRingOptions& options) {
  std::optional<crypto::EcCurve> curve = jose::CurveOf(options.alg);
  if (!curve.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the local key ring cannot generate ",
                     jose::JwsAlgorithmName(options.alg), " keys"));
  }
  absl::Status dir = EnsurePrivateDirectory(options.data_dir);
  if (!dir.ok()) {
    return absl::Status(dir.code(),
                        absl::StrCat("data directory: ", dir.message()));
  }
  const std::string path = absl::StrCat(options.data_dir, "/", kKeyFileName);
  bool generated = false;
  absl::StatusOr<crypto::EcPrivateKey> key =
      LoadOrGenerate(path, *curve, &generated);
  if (!key.ok()) return key.status();
  if (key->curve() != *curve) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key file ", path, " holds a ", jose::JwkCurveName(key->curve()),
        " key, which cannot sign ", jose::JwsAlgorithmName(options.alg)));
  }

  absl::StatusOr<std::shared_ptr<const jose::SigningKey>> signing_key =
      jose::SigningKey::FromEc(*key, options.alg);
  if (!signing_key.ok()) return signing_key.status();
  absl::StatusOr<std::shared_ptr<const jose::VerificationKey>>
      verification_key = jose::VerificationKey::FromEc(
          key->public_key(), options.alg, (*signing_key)->kid());
  if (!verification_key.ok()) return verification_key.status();
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> key_set =
      jose::KeySet::Create({*std::move(verification_key)});
  if (!key_set.ok()) return key_set.status();

  return std::unique_ptr<LocalKeyRing>(new LocalKeyRing(
      *std::move(signing_key), *std::move(key_set), generated));
}

}  // namespace jwtd::keyring
