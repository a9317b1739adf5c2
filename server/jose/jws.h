#ifndef JWTD_SERVER_JOSE_JWS_H_
#define JWTD_SERVER_JOSE_JWS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/jose/algorithm.h"
#include "server/jose/json_parser.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"

namespace jwtd::jose {

// `typ` and `cty` values may leave out "application/" (RFC 7515 sections
// 4.1.9 and 4.1.10): the name without that prefix (any case), for
// case-insensitive comparison.
absl::string_view MediaTypeName(absl::string_view media_type);

// Bounds applied to a token before anything is decoded.
struct JwsLimits {
  // Whole compact token, checked before any decoding (DESIGN: 8 KiB).
  size_t max_token_bytes = 8192;
  JsonLimits header{.max_bytes = 1024, .max_depth = 4};
  JsonLimits payload{.max_bytes = 8192, .max_depth = 16};
};

// The header members jwtd acts on, once checked.
struct JwsHeader {
  JwsAlgorithm alg = JwsAlgorithm::kES256;
  std::optional<std::string> kid;
  std::optional<std::string> typ;
};

// A JWS in compact serialization whose form has been checked but whose
// signature has NOT been verified. Nothing in it may be trusted except as a
// hint for which key to try. Holds views into the token it was parsed from:
// it must not outlive that string.
class UnverifiedJws {
 public:
  // Checks, in this order, and rejects with TokenRejected(kMalformed) unless
  // said otherwise: size <= limits.max_token_bytes; exactly three segments
  // (five is JWE, also rejected); strict base64url in every segment; a
  // header that is a strict JSON object (json_parser.h) with a string "alg"
  // naming a supported algorithm exactly (else kUnsupportedAlgorithm, which
  // covers "none" in any spelling), an optional string "kid" of at most
  // kMaxKidLength bytes, an optional string "typ"; and none of the headers
  // crit, jku, x5u, jwk, x5c, enc, nor cty "JWT" (nested tokens), which are
  // never followed. The payload is decoded but not parsed.
  static absl::StatusOr<UnverifiedJws> Parse(absl::string_view token,
                                             const JwsLimits& limits);

  JwsAlgorithm alg() const { return alg_; }
  const std::optional<std::string>& kid() const { return kid_; }
  const std::optional<std::string>& typ() const { return typ_; }
  // The bytes the signature covers: "<header>.<payload>" as received.
  absl::string_view signing_input() const { return signing_input_; }
  // The decoded signature and payload.
  absl::string_view payload() const {
    return absl::string_view(decoded_).substr(0, payload_size_);
  }
  // At least kJsonPadding bytes after payload() are readable (the
  // signature, then zeros): ParseJsonObjectView can parse it in place.
  size_t payload_padding() const { return decoded_.size() - payload_size_; }
  std::string TakePayload() && {
    decoded_.resize(payload_size_);
    return std::move(decoded_);
  }
  absl::string_view signature() const {
    return absl::string_view(decoded_).substr(payload_size_, signature_size_);
  }

 private:
  UnverifiedJws() = default;

  JwsAlgorithm alg_ = JwsAlgorithm::kES256;
  std::optional<std::string> kid_;
  std::optional<std::string> typ_;
  absl::string_view signing_input_;
  // The payload, the signature, then kJsonPadding zero bytes: one
  // allocation for all. Offsets, not views, so that moving the object (or a
  // short, inline string) is safe.
  std::string decoded_;
  size_t payload_size_ = 0;
  size_t signature_size_ = 0;
};

// The result of VerifyCompactJws: the payload bytes, now authenticated by
// the key named.
struct VerifiedJws {
  const VerificationKey* key;  // Owned by the KeySet passed in.
  std::optional<std::string> typ;
  std::string payload;
};

// Verifies a compact JWS against `keys`: UnverifiedJws::Parse, then the key
// by kid (a token without kid is accepted only when `keys` holds exactly
// one key; otherwise kUnknownKey), the header alg must equal the key's alg
// (else kUnsupportedAlgorithm), then the signature (else kBadSignature).
// The payload is not interpreted: JWT claim checks are JwtValidator's.
absl::StatusOr<VerifiedJws> VerifyCompactJws(absl::string_view token,
                                             const KeySet& keys,
                                             const JwsLimits& limits);

// The same checks for a token already parsed (the token string must still
// be alive).
absl::StatusOr<VerifiedJws> VerifyJws(UnverifiedJws jws, const KeySet& keys);

// VerifyJws's checks (key, alg binding, signature) without giving up `jws`:
// the key, owned by `keys`, or the same rejection. For callers that go on
// to read the parsed token (JwtValidator parses the payload in place).
absl::StatusOr<const VerificationKey*> VerifySignature(const UnverifiedJws& jws,
                                                       const KeySet& keys);

// Signs `payload` as a compact JWS with header {"alg":..,"kid":..,"typ":..}
// (typ omitted when empty). INVALID_ARGUMENT for a typ that is not UTF-8;
// INTERNAL if the signer fails.
absl::StatusOr<std::string> SignCompact(const SigningKey& key,
                                        absl::string_view typ,
                                        absl::string_view payload);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_JWS_H_
