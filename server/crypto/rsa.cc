#include "server/crypto/rsa.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <iterator>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/crypto/openssl_util.h"
#include "server/crypto/roca.h"

namespace jwtd::crypto {

using internal::BignumPtr;
using internal::BioPtr;
using internal::EvpMdCtxPtr;
using internal::EvpPkeyCtxPtr;
using internal::EvpPkeyPtr;
using internal::OpenSslError;
using internal::OsslParamBldPtr;
using internal::OsslParamPtr;
using internal::SecretBignumPtr;

// The public half: a provider-native EVP_PKEY holding only n and e, built
// from validated components.
struct RsaPublicKey::Key {
  EvpPkeyPtr pkey;
  size_t modulus_bytes = 0;  // Every signature is exactly this long.
};

// The private half, as OpenSSL parsed, built or generated it (pair-checked).
struct RsaPrivateKey::Key {
  EvpPkeyPtr pkey;
};

namespace {

constexpr absl::string_view kSignatureMismatch = "signature mismatch";
constexpr int kMaxExponentBits = 64;

// Frees what PEM_read_bio allocates.
struct PemFree {
  void operator()(void* ptr) const { OPENSSL_free(ptr); }
};
using PemString = std::unique_ptr<char, PemFree>;
using PemData = std::unique_ptr<unsigned char, PemFree>;

// Drops leading zero bytes of an unsigned big-endian integer.
absl::string_view StripLeadingZeros(absl::string_view bytes) {
  while (!bytes.empty() && bytes.front() == '\0') bytes.remove_prefix(1);
  return bytes;
}

// An unsigned big-endian integer as a BIGNUM. INVALID_ARGUMENT when `bytes`
// is empty, or longer than `max_bytes` once leading zeros are dropped (which
// also keeps hostile input from making huge numbers).
template <typename Ptr>
absl::StatusOr<Ptr> ParseUnsigned(absl::string_view bytes, size_t max_bytes,
                                  absl::string_view what) {
  if (bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("RSA ", what, " is empty"));
  }
  bytes = StripLeadingZeros(bytes);
  if (bytes.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA ", what, " is too long: ", bytes.size(), " bytes"));
  }
  Ptr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size()), nullptr));
  if (bn == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "BN_bin2bn failed");
  }
  return bn;
}

// The rules every RSA public key must satisfy (see rsa.h).
absl::Status CheckPublicComponents(const BIGNUM* n, const BIGNUM* e) {
  const int bits = BN_num_bits(n);
  if (bits < kMinRsaModulusBits) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA modulus too small: ", bits, " bits, at least ",
                     kMinRsaModulusBits, " bits required"));
  }
  if (bits > kMaxRsaModulusBits) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA modulus too large: ", bits, " bits, at most ",
                     kMaxRsaModulusBits, " bits supported"));
  }
  if (!BN_is_odd(n)) {
    return absl::InvalidArgumentError("RSA modulus must be odd");
  }
  if (!BN_is_odd(e) || BN_is_one(e)) {
    return absl::InvalidArgumentError(
        "RSA public exponent must be odd and at least 3");
  }
  if (BN_num_bits(e) > kMaxExponentBits || BN_cmp(e, n) >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RSA public exponent too large (at most ", kMaxExponentBits, " bits)"));
  }
  std::string modulus(BN_num_bytes(n), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(modulus.data()));
  if (HasRocaFingerprint(modulus)) {
    return absl::InvalidArgumentError(
        "RSA modulus has the ROCA fingerprint (CVE-2017-15361): factorable");
  }
  return absl::OkStatus();
}

// Refuses anything but an ordinary (rsaEncryption) RSA key.
absl::Status CheckRsaKeyType(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) return absl::OkStatus();
  if (EVP_PKEY_is_a(pkey, "RSA-PSS")) {
    return absl::InvalidArgumentError(
        "RSA-PSS restricted keys (id-RSASSA-PSS) are not supported; use an "
        "rsaEncryption key, which serves PS256/384/512 as well");
  }
  return absl::InvalidArgumentError("not an RSA key");
}

absl::StatusOr<EvpPkeyPtr> PkeyFromParams(OSSL_PARAM_BLD* builder,
                                          int selection) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "EVP_PKEY_fromdata_init failed");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "invalid RSA key");
  }
  return EvpPkeyPtr(raw);
}

// Reads one big-number parameter of `pkey`; null if absent. Zeroed when
// freed, as it may be a secret (p, d, ...).
SecretBignumPtr GetBignum(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  if (!EVP_PKEY_get_bn_param(pkey, name, &raw)) {
    internal::ClearOpenSslErrors();
    return nullptr;
  }
  return SecretBignumPtr(raw);
}

// Sets up `ctx` to sign or verify with `pkey` under the JWS rules for
// `hash` and `padding`.
bool InitContext(EVP_MD_CTX* ctx, EVP_PKEY* pkey, HashFunction hash,
                 RsaPadding padding, bool sign) {
  EVP_PKEY_CTX* pctx = nullptr;  // Owned by `ctx`.
  const char* md = internal::DigestName(hash);
  const int init = sign ? EVP_DigestSignInit_ex(ctx, &pctx, md, nullptr,
                                                nullptr, pkey, nullptr)
                        : EVP_DigestVerifyInit_ex(ctx, &pctx, md, nullptr,
                                                  nullptr, pkey, nullptr);
  if (init != 1 || pctx == nullptr) return false;
  if (padding == RsaPadding::kPkcs1v15) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  // RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash. OpenSSL
  // would otherwise sign with the maximum salt and accept any salt length.
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, nullptr) == 1;
}

class RsaSigner : public Signer {
 public:
  RsaSigner(std::shared_ptr<EVP_PKEY> pkey, size_t signature_length,
            HashFunction hash, RsaPadding padding)
      : pkey_(std::move(pkey)),
        signature_length_(signature_length),
        hash_(hash),
        padding_(padding) {}

  absl::StatusOr<std::string> Sign(absl::string_view data) const override {
    // Signing costs milliseconds; a fresh context per call costs microseconds.
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (ctx == nullptr ||
        !InitContext(ctx.get(), pkey_.get(), hash_, padding_, /*sign=*/true)) {
      return OpenSslError(absl::StatusCode::kInternal,
                          "RSA signing setup failed");
    }
    std::string signature(signature_length_, '\0');
    size_t length = signature.size();
    if (EVP_DigestSign(
            ctx.get(), reinterpret_cast<unsigned char*>(signature.data()),
            &length, reinterpret_cast<const unsigned char*>(data.data()),
            data.size()) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestSign failed");
    }
    if (length != signature_length_) {
      return absl::InternalError(
          absl::StrCat("RSA signature of unexpected length ", length));
    }
    return signature;
  }

 private:
  const std::shared_ptr<EVP_PKEY> pkey_;
  const size_t signature_length_;
  const HashFunction hash_;
  const RsaPadding padding_;
};

// Why a template: EVP_DigestVerifyInit_ex fetches the signature algorithm
// and builds the key's operation context on every call; copying a context
// that already went through it (EVP_MD_CTX_copy_ex) measured 20-25% faster
// per RSA-2048 verification. The template is only ever read (copied), never
// used for a verification, so threads never share a live context.
class RsaVerifier : public Verifier {
 public:
  RsaVerifier(std::shared_ptr<EVP_PKEY> pkey, size_t signature_length,
              HashFunction hash, RsaPadding padding)
      : pkey_(std::move(pkey)),
        signature_length_(signature_length),
        hash_(hash),
        padding_(padding),
        template_(NewTemplate()) {}

  absl::Status Verify(absl::string_view data,
                      absl::string_view signature) const override {
    // RSA signatures are exactly as long as the modulus; OpenSSL would accept
    // some shorter PSS ones (left-padding them), JWS does not.
    if (signature.size() != signature_length_) {
      return absl::UnauthenticatedError(kSignatureMismatch);
    }
    const bool ok = Check(data, signature);
    // Whatever OpenSSL queued while rejecting must not leak to later calls.
    internal::ClearOpenSslErrors();
    if (!ok) return absl::UnauthenticatedError(kSignatureMismatch);
    return absl::OkStatus();
  }

 private:
  EvpMdCtxPtr NewTemplate() const {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (ctx == nullptr || !InitContext(ctx.get(), pkey_.get(), hash_, padding_,
                                       /*sign=*/false)) {
      // Verify falls back to a fresh context per call.
      internal::ClearOpenSslErrors();
      return nullptr;
    }
    return ctx;
  }

  bool Check(absl::string_view data, absl::string_view signature) const {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (ctx == nullptr) return false;
    const bool ready =
        template_ != nullptr
            ? EVP_MD_CTX_copy_ex(ctx.get(), template_.get()) == 1
            : InitContext(ctx.get(), pkey_.get(), hash_, padding_,
                          /*sign=*/false);
    return ready &&
           EVP_DigestVerify(
               ctx.get(),
               reinterpret_cast<const unsigned char*>(signature.data()),
               signature.size(),
               reinterpret_cast<const unsigned char*>(data.data()),
               data.size()) == 1;
  }

  const std::shared_ptr<EVP_PKEY> pkey_;
  const size_t signature_length_;
  const HashFunction hash_;
  const RsaPadding padding_;
  const EvpMdCtxPtr template_;  // Null if it could not be built.
};

}  // namespace

RsaPublicKey::RsaPublicKey(std::shared_ptr<const Key> key, int bits,
                           std::string n, std::string e)
    : key_(std::move(key)), bits_(bits), n_(std::move(n)), e_(std::move(e)) {}

namespace {

// The public key of an RSA `pkey`, rebuilt from its n and e so that it goes
// through the same validation as every other RsaPublicKey.
absl::StatusOr<RsaPublicKey> PublicKeyOf(EVP_PKEY* pkey) {
  absl::Status type = CheckRsaKeyType(pkey);
  if (!type.ok()) return type;
  SecretBignumPtr n = GetBignum(pkey, OSSL_PKEY_PARAM_RSA_N);
  SecretBignumPtr e = GetBignum(pkey, OSSL_PKEY_PARAM_RSA_E);
  if (n == nullptr || e == nullptr) {
    return absl::InvalidArgumentError("RSA key without modulus or exponent");
  }
  return RsaPublicKey::FromComponents(internal::BignumToBytes(n.get()),
                                      internal::BignumToBytes(e.get()));
}

}  // namespace

absl::StatusOr<RsaPublicKey> RsaPublicKey::FromComponents(absl::string_view n,
                                                          absl::string_view e) {
  absl::StatusOr<BignumPtr> modulus = ParseUnsigned<BignumPtr>(
      n, static_cast<size_t>(kMaxRsaModulusBits / 8), "modulus");
  if (!modulus.ok()) return modulus.status();
  absl::StatusOr<BignumPtr> exponent =
      ParseUnsigned<BignumPtr>(e, kMaxExponentBits / 8, "public exponent");
  if (!exponent.ok()) return exponent.status();
  absl::Status valid = CheckPublicComponents(modulus->get(), exponent->get());
  if (!valid.ok()) return valid;

  OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N,
                              modulus->get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E,
                              exponent->get())) {
    return OpenSslError(absl::StatusCode::kInternal, "OSSL_PARAM_BLD failed");
  }
  absl::StatusOr<EvpPkeyPtr> pkey =
      PkeyFromParams(builder.get(), EVP_PKEY_PUBLIC_KEY);
  if (!pkey.ok()) return pkey.status();
  auto key = std::make_shared<Key>();
  key->pkey = *std::move(pkey);
  key->modulus_bytes = static_cast<size_t>(BN_num_bytes(modulus->get()));
  return RsaPublicKey(std::move(key), BN_num_bits(modulus->get()),
                      internal::BignumToBytes(modulus->get()),
                      internal::BignumToBytes(exponent->get()));
}

absl::StatusOr<RsaPublicKey> RsaPublicKey::FromPem(absl::string_view pem) {
  BioPtr bio = internal::NewMemBio(pem);
  if (bio == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "PEM input too large");
  }
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "not a PEM public key");
  }
  const PemString name_owner(name);
  const PemString header_owner(header);
  const PemData data_owner(data);
  const absl::string_view label(name);
  const unsigned char* cursor = data;
  EvpPkeyPtr pkey;
  if (label == PEM_STRING_PUBLIC) {  // "PUBLIC KEY"
    pkey.reset(d2i_PUBKEY(nullptr, &cursor, length));
  } else if (label == PEM_STRING_RSA_PUBLIC) {  // "RSA PUBLIC KEY"
    pkey.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, length));
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a PEM PUBLIC KEY or RSA PUBLIC KEY, got ", label));
  }
  if (pkey == nullptr || cursor != data + length) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        absl::StrCat("malformed PEM ", label));
  }
  return PublicKeyOf(pkey.get());
}

absl::StatusOr<std::string> RsaPublicKey::ToPem() const {
  return internal::PublicKeyToPem(key_->pkey.get());
}

std::unique_ptr<Verifier> RsaPublicKey::NewVerifier(HashFunction hash,
                                                    RsaPadding padding) const {
  // The aliasing shared_ptr keeps the whole Key alive.
  return std::make_unique<RsaVerifier>(
      std::shared_ptr<EVP_PKEY>(key_, key_->pkey.get()), key_->modulus_bytes,
      hash, padding);
}

RsaPrivateKey::RsaPrivateKey(std::shared_ptr<const Key> key,
                             RsaPublicKey public_key)
    : key_(std::move(key)), public_key_(std::move(public_key)) {}

namespace {

// Checks an imported private key: its type, its public half, two primes,
// and OpenSSL's key-pair check.
absl::StatusOr<RsaPublicKey> CheckPrivateKey(EVP_PKEY* pkey) {
  absl::StatusOr<RsaPublicKey> public_key = PublicKeyOf(pkey);
  if (!public_key.ok()) return public_key.status();
  if (GetBignum(pkey, OSSL_PKEY_PARAM_RSA_FACTOR3) != nullptr) {
    return absl::InvalidArgumentError("multi-prime RSA keys are not supported");
  }
  if (GetBignum(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1) == nullptr ||
      GetBignum(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1) == nullptr ||
      GetBignum(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1) == nullptr) {
    return absl::InvalidArgumentError(
        "RSA private key without its CRT parameters");
  }
  // p and q prime, n = p*q, d*e = 1 mod lcm(p-1, q-1), dp, dq and qi right.
  EvpPkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (check == nullptr || EVP_PKEY_pairwise_check(check.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInvalidArgument,
                        "RSA private key failed the key-pair check");
  }
  return public_key;
}

}  // namespace

absl::StatusOr<RsaPrivateKey> RsaPrivateKey::Generate(int bits) {
  if (bits < kMinRsaModulusBits || bits > kMaxRsaModulusBits) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA key size must be ", kMinRsaModulusBits, " to ",
                     kMaxRsaModulusBits, " bits, got ", bits));
  }
  EvpPkeyPtr pkey(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
  if (pkey == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal,
                        "RSA key generation failed");
  }
  absl::StatusOr<RsaPublicKey> public_key = PublicKeyOf(pkey.get());
  if (!public_key.ok()) return public_key.status();
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return RsaPrivateKey(std::move(key), *std::move(public_key));
}

absl::StatusOr<RsaPrivateKey> RsaPrivateKey::FromPem(absl::string_view pem) {
  absl::StatusOr<EvpPkeyPtr> read = internal::ReadPrivateKeyPem(pem);
  if (!read.ok()) return read.status();
  EvpPkeyPtr pkey = *std::move(read);
  absl::StatusOr<RsaPublicKey> public_key = CheckPrivateKey(pkey.get());
  if (!public_key.ok()) return public_key.status();
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return RsaPrivateKey(std::move(key), *std::move(public_key));
}

absl::StatusOr<RsaPrivateKey> RsaPrivateKey::FromComponents(
    absl::string_view n, absl::string_view e, absl::string_view d,
    absl::string_view p, absl::string_view q, absl::string_view dp,
    absl::string_view dq, absl::string_view qi) {
  // Validates n and e first, with the public key's messages.
  absl::StatusOr<RsaPublicKey> public_key = RsaPublicKey::FromComponents(n, e);
  if (!public_key.ok()) return public_key.status();

  struct Part {
    const char* param;
    absl::string_view bytes;
    const char* what;
  };
  const Part parts[] = {
      {OSSL_PKEY_PARAM_RSA_N, public_key->n(), "modulus (n)"},
      {OSSL_PKEY_PARAM_RSA_E, public_key->e(), "public exponent (e)"},
      {OSSL_PKEY_PARAM_RSA_D, d, "private exponent (d)"},
      {OSSL_PKEY_PARAM_RSA_FACTOR1, p, "first prime (p)"},
      {OSSL_PKEY_PARAM_RSA_FACTOR2, q, "second prime (q)"},
      {OSSL_PKEY_PARAM_RSA_EXPONENT1, dp, "first CRT exponent (dp)"},
      {OSSL_PKEY_PARAM_RSA_EXPONENT2, dq, "second CRT exponent (dq)"},
      {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi, "CRT coefficient (qi)"},
  };
  OsslParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (builder == nullptr) {
    return OpenSslError(absl::StatusCode::kInternal, "OSSL_PARAM_BLD failed");
  }
  // The builder refers to the numbers until PkeyFromParams has run.
  SecretBignumPtr values[std::size(parts)];
  for (size_t i = 0; i < std::size(parts); ++i) {
    if (parts[i].bytes.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("RSA private key import needs all CRT members; ",
                       parts[i].what, " is missing"));
    }
    absl::StatusOr<SecretBignumPtr> value = ParseUnsigned<SecretBignumPtr>(
        parts[i].bytes, kMaxRsaModulusBits / 8, parts[i].what);
    if (!value.ok()) return value.status();
    values[i] = *std::move(value);
    if (!OSSL_PARAM_BLD_push_BN(builder.get(), parts[i].param,
                                values[i].get())) {
      return OpenSslError(absl::StatusCode::kInternal, "OSSL_PARAM_BLD failed");
    }
  }
  absl::StatusOr<EvpPkeyPtr> pkey =
      PkeyFromParams(builder.get(), EVP_PKEY_KEYPAIR);
  if (!pkey.ok()) return pkey.status();
  absl::StatusOr<RsaPublicKey> checked = CheckPrivateKey(pkey->get());
  if (!checked.ok()) return checked.status();
  auto key = std::make_shared<Key>();
  key->pkey = *std::move(pkey);
  return RsaPrivateKey(std::move(key), *std::move(checked));
}

absl::StatusOr<std::string> RsaPrivateKey::ToPkcs8Pem() const {
  return internal::PrivateKeyToPkcs8Pem(key_->pkey.get());
}

std::unique_ptr<Signer> RsaPrivateKey::NewSigner(HashFunction hash,
                                                 RsaPadding padding) const {
  return std::make_unique<RsaSigner>(
      std::shared_ptr<EVP_PKEY>(key_, key_->pkey.get()),
      public_key_.key_->modulus_bytes, hash, padding);
}

}  // namespace jwtd::crypto
