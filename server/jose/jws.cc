#include "server/jose/jws.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/jose/base64url.h"
#include "server/jose/reject_reason.h"
#include "server/util/json_string.h"

namespace jwtd::jose {
namespace {

absl::Status Malformed(absl::string_view detail) {
  return TokenRejected(RejectReason::kMalformed, detail);
}

// Header members that would make us fetch or trust something the token
// names, or that announce processing we do not do.
constexpr absl::string_view kForbiddenHeaders[] = {"crit", "jku", "x5u",
                                                   "jwk",  "x5c", "enc"};

// Reads an optional string member; MALFORMED when present with another type.
absl::StatusOr<std::optional<std::string>> OptionalString(
    const Json& header, absl::string_view name) {
  const Json* value = header.Find(name);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) {
    return Malformed(absl::StrCat("header \"", name, "\" is not a string"));
  }
  return std::optional<std::string>(value->string_value());
}

// Decodes and checks the header segment (see UnverifiedJws::Parse).
absl::StatusOr<JwsHeader> ParseHeader(absl::string_view header_b64,
                                      const JsonLimits& limits) {
  absl::StatusOr<std::string> header_bytes = Base64UrlDecode(header_b64);
  if (!header_bytes.ok()) {
    return Malformed(absl::StrCat("header: ", header_bytes.status().message()));
  }
  absl::StatusOr<Json> header = ParseJsonObject(*header_bytes, limits);
  if (!header.ok()) {
    return Malformed(absl::StrCat("header: ", header.status().message()));
  }
  for (absl::string_view name : kForbiddenHeaders) {
    if (header->Find(name) != nullptr) {
      return Malformed(absl::StrCat("header \"", name, "\" is not accepted"));
    }
  }
  const Json* alg = header->Find("alg");
  if (alg == nullptr) return Malformed("header has no \"alg\"");
  if (!alg->is_string()) return Malformed("header \"alg\" is not a string");
  std::optional<JwsAlgorithm> algorithm =
      JwsAlgorithmFromName(alg->string_value());
  if (!algorithm.has_value()) {
    return TokenRejected(
        RejectReason::kUnsupportedAlgorithm,
        absl::StrCat("algorithm ", JsonQuote(alg->string_value().substr(0, 32)),
                     " is not supported"));
  }
  JwsHeader parsed;
  parsed.alg = *algorithm;

  absl::StatusOr<std::optional<std::string>> kid =
      OptionalString(*header, "kid");
  if (!kid.ok()) return kid.status();
  if (kid->has_value() && (*kid)->size() > kMaxKidLength) {
    return Malformed(
        absl::StrCat("header \"kid\" exceeds ", kMaxKidLength, " bytes"));
  }
  parsed.kid = *std::move(kid);

  absl::StatusOr<std::optional<std::string>> typ =
      OptionalString(*header, "typ");
  if (!typ.ok()) return typ.status();
  parsed.typ = *std::move(typ);

  absl::StatusOr<std::optional<std::string>> cty =
      OptionalString(*header, "cty");
  if (!cty.ok()) return cty.status();
  if (cty->has_value() && absl::EqualsIgnoreCase(MediaTypeName(**cty), "JWT")) {
    return Malformed("nested JWTs (cty \"JWT\") are not accepted");
  }
  return parsed;
}

// Every token of an issuer carries the same few header segments, so each
// thread remembers the last accepted ones: a hit skips base64url and JSON
// work. Only successes are kept, keyed by the exact segment bytes and the
// limits, so a hit returns exactly what ParseHeader would.
class HeaderCache {
 public:
  const JwsHeader* Find(absl::string_view header_b64,
                        const JsonLimits& limits) const {
    for (const Entry& entry : entries_) {
      if (entry.max_bytes == limits.max_bytes &&
          entry.max_depth == limits.max_depth && entry.segment == header_b64) {
        return &entry.header;
      }
    }
    return nullptr;
  }
  const JwsHeader* Add(absl::string_view header_b64, const JsonLimits& limits,
                       JwsHeader header) {
    Entry& entry = entries_[next_];
    next_ = (next_ + 1) % entries_.size();
    entry.segment.assign(header_b64.data(), header_b64.size());
    entry.max_bytes = limits.max_bytes;
    entry.max_depth = limits.max_depth;
    entry.header = std::move(header);
    return &entry.header;
  }

 private:
  struct Entry {
    std::string segment;
    size_t max_bytes = 0;
    int max_depth = -1;  // Never matches until filled.
    JwsHeader header;
  };
  std::array<Entry, 8> entries_;
  size_t next_ = 0;
};

// The checked header, valid until the next call on this thread (it lives
// in the cache), or ParseHeader's error.
absl::StatusOr<const JwsHeader*> ParseHeaderCached(absl::string_view header_b64,
                                                   const JsonLimits& limits) {
  thread_local HeaderCache cache;
  if (const JwsHeader* hit = cache.Find(header_b64, limits)) return hit;
  absl::StatusOr<JwsHeader> header = ParseHeader(header_b64, limits);
  if (!header.ok()) return header.status();
  return cache.Add(header_b64, limits, *std::move(header));
}

}  // namespace

absl::string_view MediaTypeName(absl::string_view media_type) {
  constexpr absl::string_view kPrefix = "application/";
  if (media_type.size() > kPrefix.size() &&
      absl::EqualsIgnoreCase(media_type.substr(0, kPrefix.size()), kPrefix)) {
    media_type.remove_prefix(kPrefix.size());
  }
  return media_type;
}

absl::StatusOr<UnverifiedJws> UnverifiedJws::Parse(absl::string_view token,
                                                   const JwsLimits& limits) {
  if (token.size() > limits.max_token_bytes) {
    return Malformed(
        absl::StrCat("token exceeds ", limits.max_token_bytes, " bytes"));
  }
  // find() is memchr: far cheaper than counting byte by byte on the hot
  // path. The full count is only needed for the error message.
  const size_t first_dot = token.find('.');
  const size_t second_dot = first_dot == absl::string_view::npos
                                ? absl::string_view::npos
                                : token.find('.', first_dot + 1);
  if (second_dot == absl::string_view::npos ||
      token.find('.', second_dot + 1) != absl::string_view::npos) {
    const size_t dots = std::count(token.begin(), token.end(), '.');
    if (dots == 4) {
      return Malformed("token has five segments (JWE), which is not supported");
    }
    return Malformed(absl::StrCat("token has ", dots + 1,
                                  " segments; a compact JWS has three"));
  }
  const absl::string_view header_b64 = token.substr(0, first_dot);
  const absl::string_view payload_b64 =
      token.substr(first_dot + 1, second_dot - first_dot - 1);
  const absl::string_view signature_b64 = token.substr(second_dot + 1);

  absl::StatusOr<const JwsHeader*> header =
      ParseHeaderCached(header_b64, limits.header);
  if (!header.ok()) return header.status();
  // Payload and signature share one buffer (one allocation per token). The
  // payload is decoded and checked first, as before the signature.
  UnverifiedJws jws;
  jws.payload_size_ = Base64UrlDecodedLength(payload_b64.size());
  jws.signature_size_ = Base64UrlDecodedLength(signature_b64.size());
  jws.decoded_.resize(jws.payload_size_ + jws.signature_size_ + kJsonPadding);
  char* const decoded = jws.decoded_.data();
  absl::Status payload = Base64UrlDecodeTo(
      payload_b64, absl::Span<char>(decoded, jws.payload_size_));
  if (!payload.ok()) {
    return Malformed(absl::StrCat("payload: ", payload.message()));
  }
  absl::Status signature = Base64UrlDecodeTo(
      signature_b64,
      absl::Span<char>(decoded + jws.payload_size_, jws.signature_size_));
  if (!signature.ok()) {
    return Malformed(absl::StrCat("signature: ", signature.message()));
  }

  jws.alg_ = (*header)->alg;
  jws.kid_ = (*header)->kid;
  jws.typ_ = (*header)->typ;
  jws.signing_input_ = token.substr(0, second_dot);
  return jws;
}

absl::StatusOr<VerifiedJws> VerifyCompactJws(absl::string_view token,
                                             const KeySet& keys,
                                             const JwsLimits& limits) {
  absl::StatusOr<UnverifiedJws> jws = UnverifiedJws::Parse(token, limits);
  if (!jws.ok()) return jws.status();
  return VerifyJws(*std::move(jws), keys);
}

absl::StatusOr<const VerificationKey*> VerifySignature(const UnverifiedJws& jws,
                                                       const KeySet& keys) {
  const VerificationKey* key = nullptr;
  if (jws.kid().has_value()) {
    key = keys.Find(*jws.kid());
  } else if (keys.size() == 1) {
    key = keys.keys().front().get();
  }
  if (key == nullptr) {
    return TokenRejected(RejectReason::kUnknownKey,
                         jws.kid().has_value()
                             ? "no trusted key has the token's kid"
                             : "token has no kid and several keys are trusted");
  }
  // The key decides the algorithm; the header must merely agree with it.
  if (jws.alg() != key->alg()) {
    return TokenRejected(
        RejectReason::kUnsupportedAlgorithm,
        absl::StrCat("token alg ", JwsAlgorithmName(jws.alg()),
                     " differs from key alg ", JwsAlgorithmName(key->alg())));
  }
  if (!key->verifier().Verify(jws.signing_input(), jws.signature()).ok()) {
    return TokenRejected(RejectReason::kBadSignature,
                         "signature does not verify");
  }
  return key;
}

absl::StatusOr<VerifiedJws> VerifyJws(UnverifiedJws jws, const KeySet& keys) {
  absl::StatusOr<const VerificationKey*> key = VerifySignature(jws, keys);
  if (!key.ok()) return key.status();
  return VerifiedJws{*key, jws.typ(), std::move(jws).TakePayload()};
}

absl::StatusOr<std::string> SignCompact(const SigningKey& key,
                                        absl::string_view typ,
                                        absl::string_view payload) {
  if (!simdjson::validate_utf8(typ.data(), typ.size())) {
    return absl::InvalidArgumentError("typ must be valid UTF-8");
  }
  std::string header =
      absl::StrCat("{\"alg\":", JsonQuote(JwsAlgorithmName(key.alg())),
                   ",\"kid\":", JsonQuote(key.kid()));
  if (!typ.empty()) absl::StrAppend(&header, ",\"typ\":", JsonQuote(typ));
  header.push_back('}');
  std::string token =
      absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
  absl::StatusOr<std::string> signature = key.signer().Sign(token);
  if (!signature.ok()) {
    return absl::InternalError(
        absl::StrCat("signing failed: ", signature.status().message()));
  }
  absl::StrAppend(&token, ".", Base64UrlEncode(*signature));
  return token;
}

}  // namespace jwtd::jose
