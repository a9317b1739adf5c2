#include "server/crypto/ecdsa.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include <climits>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/crypto/openssl_util.h"

namespace jwtd::crypto {

using internal::BignumPtr;
using internal::BioPtr;
using internal::EcdsaSigPtr;
using internal::EvpMdCtxPtr;
using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;
using internal::OpenSslError;
using internal::OsslParamBldPtr;
using internal::OsslParamPtr;
using internal::SecretBignumPtr;
using EcGroupPtr = internal::OpenSslPtr<EC_GROUP, EC_GROUP_free>;
using EcPointPtr = internal::OpenSslPtr<EC_POINT, EC_POINT_free>;
using BnCtxPtr = internal::OpenSslPtr<BN_CTX, BN_CTX_free>;

// The public half: one provider-native EVP_PKEY built from validated
// coordinates, and the group order for the signature range check.
struct EcPublicKey::Key {
  EvpPkeyPtr pkey;
  BignumPtr order;
};

// The private half, as OpenSSL parsed or generated it (pair-checked).
struct EcPrivateKey::Key {
  EvpPkeyPtr pkey;
};

namespace {

constexpr absl::string_view kSignatureMismatch = "signature mismatch";

// OpenSSL's group name for `curve`.
const char* GroupName(EcCurve curve) {
  switch (curve) {
    case EcCurve::kP256:
      return "prime256v1";
    case EcCurve::kP384:
      return "secp384r1";
    case EcCurve::kP521:
      return "secp521r1";
  }
  std::abort();  // Unreachable: every enumerator is handled above.
}

int CurveNid(EcCurve curve) {
  switch (curve) {
    case EcCurve::kP256:
      return NID_X9_62_prime256v1;
    case EcCurve::kP384:
      return NID_secp384r1;
    case EcCurve::kP521:
      return NID_secp521r1;
  }
  std::abort();  // Unreachable: every enumerator is handled above.
}

std::optional<EcCurve> CurveFromGroupName(absl::string_view name) {
  if (name == "prime256v1" || name == "P-256") return EcCurve::kP256;
  if (name == "secp384r1" || name == "P-384") return EcCurve::kP384;
  if (name == "secp521r1" || name == "P-521") return EcCurve::kP521;
  return std::nullopt;
}

// The curve of `pkey` if it is an EC key on a named, supported curve.
absl::StatusOr<EcCurve> SupportedCurve(EVP_PKEY* pkey) {
  if (!EVP_PKEY_is_a(pkey, "EC")) {
    return absl::InvalidArgumentError("not an EC key");
  }
  // Explicit curve parameters would let a key smuggle in its own group.
  char encoding[32] = {};
  size_t length = 0;
  if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING,
                                      encoding, sizeof(encoding), &length) ||
      absl::string_view(encoding, length) != OSSL_PKEY_EC_ENCODING_GROUP) {
    internal::ClearOpenSslErrors();
    return absl::InvalidArgumentError(
        "EC key without a named curve (explicit parameters)");
  }
  char group[64] = {};
  if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                      sizeof(group), &length)) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "EC key without a named curve");
  }
  std::optional<EcCurve> curve =
      CurveFromGroupName(absl::string_view(group, length));
  if (!curve.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported EC curve ", absl::string_view(group, length),
                     " (only P-256, P-384 and P-521)"));
  }
  return *curve;
}

// One affine coordinate of `pkey`, padded to the curve's length.
absl::StatusOr<std::string> Coordinate(EVP_PKEY* pkey, const char* param,
                                       EcCurve curve) {
  BIGNUM* raw = nullptr;
  if (!EVP_PKEY_get_bn_param(pkey, param, &raw)) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "cannot read the EC public point");
  }
  BignumPtr value(raw);
  return internal::BignumToPadded(value.get(), CoordinateLength(curve));
}

// The public key of `pkey` (on `curve`), rebuilt from its coordinates so that
// every EcPublicKey goes through the same validation.
absl::StatusOr<EcPublicKey> PublicKeyOf(EVP_PKEY* pkey, EcCurve curve) {
  absl::StatusOr<std::string> x =
      Coordinate(pkey, OSSL_PKEY_PARAM_EC_PUB_X, curve);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y =
      Coordinate(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, curve);
  if (!y.ok()) return y.status();
  return EcPublicKey::FromCoordinates(curve, *x, *y);
}

class EcdsaSigner : public Signer {
 public:
  EcdsaSigner(std::shared_ptr<EVP_PKEY> pkey, EcCurve curve, HashFunction hash)
      : pkey_(std::move(pkey)), curve_(curve), hash_(hash) {}

  absl::StatusOr<std::string> Sign(absl::string_view data) const override {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (ctx == nullptr ||
        EVP_DigestSignInit_ex(ctx.get(), nullptr, internal::DigestName(hash_),
                              nullptr, nullptr, pkey_.get(), nullptr) != 1) {
      return OpenSslError(absl::StatusCode::kInternal,
                          "EVP_DigestSignInit_ex failed");
    }
    const auto* tbs = reinterpret_cast<const unsigned char*>(data.data());
    size_t der_length = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &der_length, tbs, data.size()) !=
        1) {
      return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestSign failed");
    }
    std::string der(der_length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()),
                       &der_length, tbs, data.size()) != 1 ||
        der_length > static_cast<size_t>(LONG_MAX)) {
      return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestSign failed");
    }
    // OpenSSL produces DER; JWS wants fixed-width R||S (RFC 7518 3.4).
    const auto* der_data = reinterpret_cast<const unsigned char*>(der.data());
    EcdsaSigPtr sig(
        d2i_ECDSA_SIG(nullptr, &der_data, static_cast<long>(der_length)));
    if (sig == nullptr) {
      return OpenSslError(absl::StatusCode::kInternal,
                          "cannot decode the DER signature");
    }
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    const size_t length = CoordinateLength(curve_);
    absl::StatusOr<std::string> out = internal::BignumToPadded(r, length);
    if (!out.ok()) return out.status();
    absl::StatusOr<std::string> s_bytes = internal::BignumToPadded(s, length);
    if (!s_bytes.ok()) return s_bytes.status();
    out->append(*s_bytes);
    return out;
  }

 private:
  const std::shared_ptr<EVP_PKEY> pkey_;
  const EcCurve curve_;
  const HashFunction hash_;
};

class EcdsaVerifier : public Verifier {
 public:
  EcdsaVerifier(std::shared_ptr<EVP_PKEY> pkey,
                std::shared_ptr<const BIGNUM> order, EcCurve curve,
                HashFunction hash)
      : pkey_(std::move(pkey)),
        order_(std::move(order)),
        curve_(curve),
        hash_(hash) {}

  absl::Status Verify(absl::string_view data,
                      absl::string_view signature) const override {
    const bool ok = Check(data, signature);
    // Whatever OpenSSL queued while rejecting must not leak to later calls.
    internal::ClearOpenSslErrors();
    if (!ok) return absl::UnauthenticatedError(kSignatureMismatch);
    return absl::OkStatus();
  }

 private:
  bool Check(absl::string_view data, absl::string_view signature) const {
    const size_t length = CoordinateLength(curve_);
    if (signature.size() != 2 * length) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    BignumPtr r(BN_bin2bn(raw, static_cast<int>(length), nullptr));
    BignumPtr s(BN_bin2bn(raw + length, static_cast<int>(length), nullptr));
    // r and s must be in [1, n-1]. OpenSSL checks this too; doing it here
    // keeps the rule explicit (CVE-2022-21449) and independent of it.
    if (r == nullptr || s == nullptr || BN_is_zero(r.get()) ||
        BN_is_zero(s.get()) || BN_cmp(r.get(), order_.get()) >= 0 ||
        BN_cmp(s.get(), order_.get()) >= 0) {
      return false;
    }
    EcdsaSigPtr sig(ECDSA_SIG_new());
    if (sig == nullptr || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
      return false;
    }
    r.release();  // Now owned by `sig`.
    s.release();
    const int der_length = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (der_length <= 0) return false;
    std::string der(static_cast<size_t>(der_length), '\0');
    auto* der_out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &der_out) != der_length) return false;

    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    return ctx != nullptr &&
           EVP_DigestVerifyInit_ex(ctx.get(), nullptr,
                                   internal::DigestName(hash_), nullptr,
                                   nullptr, pkey_.get(), nullptr) == 1 &&
           EVP_DigestVerify(
               ctx.get(), reinterpret_cast<const unsigned char*>(der.data()),
               der.size(), reinterpret_cast<const unsigned char*>(data.data()),
               data.size()) == 1;
  }

  const std::shared_ptr<EVP_PKEY> pkey_;
  const std::shared_ptr<const BIGNUM> order_;
  const EcCurve curve_;
  const HashFunction hash_;
};

}  // namespace

size_t CoordinateLength(EcCurve curve) {
  switch (curve) {
    case EcCurve::kP256:
      return 32;
    case EcCurve::kP384:
      return 48;
    case EcCurve::kP521:
      return 66;
  }
  std::abort();  // Unreachable: every enumerator is handled above.
}

EcPublicKey::EcPublicKey(EcCurve curve, std::shared_ptr<const Key> key,
                         std::string x, std::string y)
    : curve_(curve), key_(std::move(key)), x_(std::move(x)), y_(std::move(y)) {}

absl::StatusOr<EcPublicKey> EcPublicKey::FromCoordinates(EcCurve curve,
                                                         absl::string_view x,
                                                         absl::string_view y) {
  const size_t length = CoordinateLength(curve);
  if (x.size() != length || y.size() != length) {
    return absl::InvalidArgumentError(
        absl::StrCat("EC coordinates must be ", length, " bytes each, got ",
                     x.size(), " and ", y.size()));
  }
  // Uncompressed SEC1 point: 0x04 || x || y.
  std::string point = absl::StrCat("\x04", x, y);

  OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      !OSSL_PARAM_BLD_push_utf8_string(
          builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, GroupName(curve), 0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        point.data(), point.size())) {
    return OpenSslError(absl::StatusCode::kInternal, "OSSL_PARAM_BLD failed");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "EVP_PKEY_fromdata_init failed");
  }
  EVP_PKEY* raw = nullptr;
  // Decoding the point already refuses coordinates >= p and points that are
  // not on the curve.
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) !=
      1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "invalid EC public key");
  }
  auto key = std::make_shared<Key>();
  key->pkey.reset(raw);

  // Full public-key validation as well (on curve, not infinity, right order),
  // so the rule does not depend on how the point was decoded.
  EvpPkeyCtxPtr check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key->pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "EC public key failed validation");
  }
  BIGNUM* order = nullptr;
  if (!EVP_PKEY_get_bn_param(key->pkey.get(), OSSL_PKEY_PARAM_EC_ORDER,
                             &order)) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "cannot read the EC group order");
  }
  key->order.reset(order);
  return EcPublicKey(curve, std::move(key), std::string(x), std::string(y));
}

absl::StatusOr<EcPublicKey> EcPublicKey::FromPem(absl::string_view pem) {
  absl::StatusOr<EvpPkeyPtr> read = internal::ReadPublicKeyPem(pem);
  if (!read.ok()) return read.status();
  EvpPkeyPtr pkey = *std::move(read);
  absl::StatusOr<EcCurve> curve = SupportedCurve(pkey.get());
  if (!curve.ok()) return curve.status();
  return PublicKeyOf(pkey.get(), *curve);
}

absl::StatusOr<std::string> EcPublicKey::ToPem() const {
  return internal::PublicKeyToPem(key_->pkey.get());
}

std::unique_ptr<Verifier> EcPublicKey::NewVerifier(HashFunction hash) const {
  // Aliasing shared_ptrs keep the whole Key alive while exposing its parts.
  return std::make_unique<EcdsaVerifier>(
      std::shared_ptr<EVP_PKEY>(key_, key_->pkey.get()),
      std::shared_ptr<const BIGNUM>(key_, key_->order.get()), curve_, hash);
}

EcPrivateKey::EcPrivateKey(std::shared_ptr<const Key> key,
                           EcPublicKey public_key)
    : key_(std::move(key)), public_key_(std::move(public_key)) {}

absl::StatusOr<EcPrivateKey> EcPrivateKey::Generate(EcCurve curve) {
  EvpPkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", GroupName(curve)));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "EC key generation failed");
  }
  absl::StatusOr<EcPublicKey> public_key = PublicKeyOf(pkey.get(), curve);
  if (!public_key.ok()) return public_key.status();
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return EcPrivateKey(std::move(key), *std::move(public_key));
}

absl::StatusOr<EcPrivateKey> EcPrivateKey::FromPem(absl::string_view pem) {
  absl::StatusOr<EvpPkeyPtr> read = internal::ReadPrivateKeyPem(pem);
  if (!read.ok()) return read.status();
  EvpPkeyPtr pkey = *std::move(read);
  absl::StatusOr<EcCurve> curve = SupportedCurve(pkey.get());
  if (!curve.ok()) return curve.status();
  // Scalar in range, public point valid, and the two belong together.
  if (absl::Status pair = internal::CheckKeyPair(pkey.get(), "EC");
      !pair.ok()) {
    return pair;
  }
  absl::StatusOr<EcPublicKey> public_key = PublicKeyOf(pkey.get(), *curve);
  if (!public_key.ok()) return public_key.status();
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return EcPrivateKey(std::move(key), *std::move(public_key));
}

absl::StatusOr<EcPrivateKey> EcPrivateKey::FromScalar(EcCurve curve,
                                                      absl::string_view d) {
  const size_t length = CoordinateLength(curve);
  if (d.size() != length) {
    return absl::InvalidArgumentError(absl::StrCat(
        "EC private scalar must be ", length, " bytes, got ", d.size()));
  }
  SecretBignumPtr scalar(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(d.data()),
                static_cast<int>(d.size()), nullptr));
  EcGroupPtr group(
      EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, CurveNid(curve)));
  BnCtxPtr bn_ctx(BN_CTX_new());
  if (scalar == nullptr || group == nullptr || bn_ctx == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "cannot set up the EC scalar");
  }
  if (BN_is_zero(scalar.get()) ||
      BN_cmp(scalar.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return absl::InvalidArgumentError(
        "EC private scalar out of range [1, n-1]");
  }
  // OpenSSL 3.0 does not derive the public point when importing a bare
  // scalar, so compute d*G here.
  EcPointPtr point(EC_POINT_new(group.get()));
  if (point == nullptr || EC_POINT_mul(group.get(), point.get(), scalar.get(),
                                       nullptr, nullptr, bn_ctx.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "cannot derive the EC public point");
  }
  unsigned char encoded[1 + 2 * 66];
  const size_t encoded_length = EC_POINT_point2oct(
      group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, encoded,
      sizeof(encoded), bn_ctx.get());
  if (encoded_length != 1 + 2 * length) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "cannot encode the EC public point");
  }

  OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      !OSSL_PARAM_BLD_push_utf8_string(
          builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, GroupName(curve), 0) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY,
                              scalar.get()) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        encoded, encoded_length)) {
    return OpenSslError(absl::StatusCode::kInternal, "OSSL_PARAM_BLD failed");
  }
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "EVP_PKEY_fromdata_init failed");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "invalid EC private key");
  }
  EvpPkeyPtr pkey(raw);
  // Same check as FromPem, so every EcPrivateKey passed it.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "EC private key failed validation");
  }
  absl::StatusOr<EcPublicKey> public_key = PublicKeyOf(pkey.get(), curve);
  if (!public_key.ok()) return public_key.status();
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return EcPrivateKey(std::move(key), *std::move(public_key));
}

absl::StatusOr<std::string> EcPrivateKey::ToPkcs8Pem() const {
  return internal::PrivateKeyToPkcs8Pem(key_->pkey.get());
}

std::unique_ptr<Signer> EcPrivateKey::NewSigner(HashFunction hash) const {
  return std::make_unique<EcdsaSigner>(
      std::shared_ptr<EVP_PKEY>(key_, key_->pkey.get()), curve(), hash);
}

}  // namespace jwtd::crypto
