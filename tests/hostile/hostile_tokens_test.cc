// The hostile-input corpus: every case of tests/hostile/hostile_tokens.json
// is built into a token (or a key import), checked through
// jose::JwtValidator or service::TokenService at a fixed clock, and must end
// with exactly the reject reason (or import status) the corpus names. A
// table of every case is printed. The recipe language is described in
// tests/hostile/README.md.

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/crypto/eddsa.h"
#include "server/crypto/rsa.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/jwks.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_material.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "server/jose/reject_reason.h"
#include "server/keyring/key_ring.h"
#include "server/service/token_service.h"
#include "server/util/clock.h"
#include "tests/support/fake_key_ring.h"
#include "tests/support/status_matchers.h"

namespace jwtd::hostile {
namespace {

using ::jwtd::jose::JwsAlgorithm;
using ::jwtd::testing::FakeKeyRing;

// Every case runs at 2023-11-14T22:13:20Z.
constexpr int64_t kNowSeconds = 1700000000;
const absl::Time kNow = absl::FromUnixSeconds(kNowSeconds);
constexpr char kIssuer[] = "https://issuer.example";
constexpr char kPartnerIssuer[] = "https://partner.example";
constexpr char kAudience[] = "api";
// The fixed secret of the "hs256" fixture: deterministic MACs, so that the
// base64url cases can rely on the characters of a signature segment.
constexpr char kHs256Secret[] = "0123456789abcdef0123456789abcdef";

// Attack classes the corpus must cover (DESIGN.md, "Rules that never
// break"); a corpus without one of them fails CorpusCoversEveryClass.
constexpr absl::string_view kRequiredClasses[] = {
    "control",
    "alg_none",
    "alg_confusion",
    "ecdsa_signature_range",
    "ecdsa_der_signature",
    "signature_tampering",
    "embedded_key_header",
    "kid_injection",
    "crit_header",
    "duplicate_members",
    "base64url_noncanonical",
    "segment_structure",
    "size_limits",
    "numeric_date",
    "time_claims",
    "audience_type",
    "issuer",
    "jwe_and_nested",
    "invalid_utf8",
    "typ_mismatch",
    "b64_unencoded",
    "issuer_routing",
    "weak_hmac_key",
    "short_rsa_key",
    "ec_point_off_curve",
    "key_alg_binding",
};

// ---------------------------------------------------------------------------
// Key fixtures: created once per binary, named in the corpus.

struct Fixture {
  JwsAlgorithm alg;
  std::optional<jose::PrivateKey> private_key;  // asymmetric fixtures
  std::string secret;                           // HMAC fixtures
  std::shared_ptr<const jose::SigningKey> signer;
  std::shared_ptr<const jose::VerificationKey> verifier;
};

// ES256/384/512 key pairs, one RSA 2048 key serving "rs256" and "ps256",
// the fixed 32-byte HS256 secret, an Ed25519 key, and "partner": the
// ES256 key of a second trusted issuer (service cases only). The kid of each
// key is its fixture name.
class Fixtures {
 public:
  static const Fixtures& Get() {
    static const Fixtures* const fixtures = new Fixtures();
    return *fixtures;
  }

  const Fixture* Find(absl::string_view name) const {
    auto it = fixtures_.find(std::string(name));
    return it == fixtures_.end() ? nullptr : &it->second;
  }

  // The key set made of the named fixtures.
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> KeySetOf(
      const std::vector<std::string>& names) const {
    std::vector<std::shared_ptr<const jose::VerificationKey>> keys;
    for (const std::string& name : names) {
      const Fixture* fixture = Find(name);
      if (fixture == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("no fixture ", name));
      }
      keys.push_back(fixture->verifier);
    }
    return jose::KeySet::Create(std::move(keys));
  }

  // Every fixture but the partner's: the default key set of a case.
  static std::vector<std::string> DefaultKeyNames() {
    return {"es256", "es384", "es512", "rs256", "ps256", "hs256", "eddsa"};
  }

  absl::Status status() const { return status_; }

 private:
  Fixtures() { status_ = Init(); }

  absl::Status AddAsymmetric(const std::string& name, jose::PrivateKey key,
                             JwsAlgorithm alg) {
    Fixture fixture;
    fixture.alg = alg;
    fixture.private_key = key;
    absl::StatusOr<std::shared_ptr<const jose::SigningKey>> signer =
        jose::SigningKey::Create(key, alg, name);
    if (!signer.ok()) return signer.status();
    fixture.signer = *std::move(signer);
    absl::StatusOr<std::shared_ptr<const jose::VerificationKey>> verifier =
        jose::VerificationKey::Create(jose::PublicKeyOf(key), alg, name);
    if (!verifier.ok()) return verifier.status();
    fixture.verifier = *std::move(verifier);
    fixtures_.emplace(name, std::move(fixture));
    return absl::OkStatus();
  }

  absl::Status Init() {
    const std::pair<const char*, crypto::EcCurve> ec[] = {
        {"es256", crypto::EcCurve::kP256},
        {"es384", crypto::EcCurve::kP384},
        {"es512", crypto::EcCurve::kP521},
        {"partner", crypto::EcCurve::kP256}};
    const JwsAlgorithm ec_algs[] = {JwsAlgorithm::kES256, JwsAlgorithm::kES384,
                                    JwsAlgorithm::kES512, JwsAlgorithm::kES256};
    for (size_t i = 0; i < std::size(ec); ++i) {
      absl::StatusOr<crypto::EcPrivateKey> key =
          crypto::EcPrivateKey::Generate(ec[i].second);
      if (!key.ok()) return key.status();
      if (absl::Status s = AddAsymmetric(ec[i].first, *key, ec_algs[i]);
          !s.ok()) {
        return s;
      }
    }
    absl::StatusOr<crypto::RsaPrivateKey> rsa =
        crypto::RsaPrivateKey::Generate(jose::kGeneratedRsaBits);
    if (!rsa.ok()) return rsa.status();
    if (absl::Status s = AddAsymmetric("rs256", *rsa, JwsAlgorithm::kRS256);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = AddAsymmetric("ps256", *rsa, JwsAlgorithm::kPS256);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<crypto::EdPrivateKey> ed =
        crypto::EdPrivateKey::Generate(crypto::EdCurve::kEd25519);
    if (!ed.ok()) return ed.status();
    if (absl::Status s = AddAsymmetric("eddsa", *ed, JwsAlgorithm::kEdDSA);
        !s.ok()) {
      return s;
    }

    Fixture hs;
    hs.alg = JwsAlgorithm::kHS256;
    hs.secret = kHs256Secret;
    absl::StatusOr<std::shared_ptr<const jose::SigningKey>> signer =
        jose::SigningKey::FromSecret(hs.secret, hs.alg, "hs256");
    if (!signer.ok()) return signer.status();
    hs.signer = *std::move(signer);
    absl::StatusOr<std::shared_ptr<const jose::VerificationKey>> verifier =
        jose::VerificationKey::FromSecret(hs.secret, hs.alg, "hs256");
    if (!verifier.ok()) return verifier.status();
    hs.verifier = *std::move(verifier);
    fixtures_.emplace("hs256", std::move(hs));
    return absl::OkStatus();
  }

  std::map<std::string, Fixture> fixtures_;
  absl::Status status_;
};

// ---------------------------------------------------------------------------
// Policies named in the corpus.

std::optional<jose::ValidationPolicy> PolicyNamed(absl::string_view name) {
  jose::ValidationPolicy policy;
  policy.issuer = kIssuer;
  policy.audiences = {kAudience};
  if (name == "default") return policy;
  if (name == "typ_at_jwt") {
    policy.typ = "at+jwt";
    return policy;
  }
  if (name == "es256_only") {
    policy.algorithms = {JwsAlgorithm::kES256};
    return policy;
  }
  if (name == "no_exp_required") {
    policy.require_exp = false;
    return policy;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// The recipe language.

// Expands the corpus's two macros: <<TEXT*N>> is TEXT repeated N times,
// <<0xHH>> is the single byte HH (for bytes a JSON corpus cannot hold).
absl::StatusOr<std::string> Expand(absl::string_view text) {
  std::string out;
  while (true) {
    const size_t open = text.find("<<");
    if (open == absl::string_view::npos) break;
    const size_t close = text.find(">>", open + 2);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("unterminated << macro");
    }
    absl::StrAppend(&out, text.substr(0, open));
    const absl::string_view macro = text.substr(open + 2, close - open - 2);
    if (macro.size() == 4 && absl::StartsWith(macro, "0x")) {
      const std::string byte = absl::HexStringToBytes(macro.substr(2));
      if (byte.size() != 1) {
        return absl::InvalidArgumentError(absl::StrCat("bad byte ", macro));
      }
      out.append(byte);
    } else {
      const size_t star = macro.rfind('*');
      int count = 0;
      if (star == absl::string_view::npos ||
          !absl::SimpleAtoi(macro.substr(star + 1), &count) || count < 0) {
        return absl::InvalidArgumentError(absl::StrCat("bad macro ", macro));
      }
      for (int i = 0; i < count; ++i)
        absl::StrAppend(&out, macro.substr(0, star));
    }
    text.remove_prefix(close + 2);
  }
  absl::StrAppend(&out, text);
  return out;
}

// A member that may be absent.
std::optional<simdjson::dom::element> Field(simdjson::dom::element object,
                                            std::string_view key) {
  simdjson::dom::element value;
  if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

// The text of a string element.
std::string Text(simdjson::dom::element value) {
  return std::string(value.get_string().value_unsafe());
}

std::string StringField(simdjson::dom::element object, std::string_view key,
                        std::string fallback = "") {
  std::string_view value;
  if (object[key].get(value) != simdjson::SUCCESS) return fallback;
  return std::string(value);
}

// The text of a header or payload: a JSON object is written compactly as
// given (member order kept), a string is taken as the exact text. Macros
// are expanded in both.
absl::StatusOr<std::string> JsonText(simdjson::dom::element value) {
  if (value.is_string()) return Expand(Text(value));
  return Expand(simdjson::minify(value));
}

// The payload of a case without "payload": valid claims for the default
// policy, with the case's "claims" added or replaced.
absl::StatusOr<std::string> DefaultPayload(simdjson::dom::element c) {
  jose::Json claims = jose::Json::EmptyObject();
  claims.Set("iss", jose::Json::String(kIssuer));
  claims.Set("aud", jose::Json::String(kAudience));
  claims.Set("iat", jose::Json::Integer(kNowSeconds));
  claims.Set("exp", jose::Json::Integer(kNowSeconds + 3600));
  if (std::optional<simdjson::dom::element> extra = Field(c, "claims")) {
    absl::StatusOr<std::string> text = JsonText(*extra);
    if (!text.ok()) return text.status();
    absl::StatusOr<jose::Json> parsed =
        jose::ParseJsonObject(*text, {.max_bytes = 1 << 20, .max_depth = 64});
    if (!parsed.ok()) return parsed.status();
    for (const auto& [name, value] : parsed->object()) {
      claims.Set(name, value);
    }
  }
  return claims.Serialize();
}

// Edits of a base64url segment, to make non-canonical encodings of it.
absl::StatusOr<std::string> EditSegment(std::string segment,
                                        absl::string_view edit) {
  const std::string before = segment;
  if (edit == "pad") {
    do {
      segment.push_back('=');
    } while (segment.size() % 4 != 0);
  } else if (edit == "std_alphabet") {
    absl::StrReplaceAll({{"-", "+"}, {"_", "/"}}, &segment);
  } else if (edit == "trailing_bits") {
    // The last character carries 2 or 4 unused bits when the length is not
    // a multiple of 4: set the lowest one.
    if (segment.empty() || segment.size() % 4 == 0) {
      return absl::InvalidArgumentError("segment has no trailing bits");
    }
    constexpr absl::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const size_t index = kAlphabet.find(segment.back());
    segment.back() = kAlphabet[index | 1];
  } else if (edit == "space" || edit == "newline" || edit == "tab" ||
             edit == "bad_char") {
    // Four of them, so that the length stays valid and only the characters
    // themselves can be refused (a lenient decoder that skips them would
    // decode the original bytes).
    const char c = edit == "space"     ? ' '
                   : edit == "tab"     ? '\t'
                   : edit == "newline" ? '\n'
                                       : '*';
    segment.insert(segment.size() / 2, std::string(4, c));
  } else if (edit == "length_1_mod_4") {
    while (segment.size() % 4 != 1) segment.push_back('A');
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown edit ", edit));
  }
  if (segment == before) {
    return absl::InvalidArgumentError(
        absl::StrCat("edit ", edit, " changed nothing: pick another input"));
  }
  return segment;
}

// ECDSA curve orders (SEC 2 / FIPS 186-4), big-endian hex, padded to the
// JWS coordinate length.
absl::StatusOr<std::string> CurveOrder(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kES256:
      return absl::HexStringToBytes(
          "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    case JwsAlgorithm::kES384:
      return absl::HexStringToBytes(
          "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
          "581A0DB248B0A77AECEC196ACCC52973");
    case JwsAlgorithm::kES512:
      return absl::HexStringToBytes(
          "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
          "FFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E9138"
          "6409");
    default:
      return absl::InvalidArgumentError("not an ECDSA algorithm");
  }
}

// a - b for big-endian numbers of equal length with a >= b.
std::string Subtract(absl::string_view a, absl::string_view b) {
  std::string out(a);
  int borrow = 0;
  for (size_t i = out.size(); i-- > 0;) {
    int d = static_cast<unsigned char>(a[i]) -
            static_cast<unsigned char>(b[i]) - borrow;
    borrow = d < 0;
    out[i] = static_cast<char>(d < 0 ? d + 256 : d);
  }
  return out;
}

// A big-endian number plus one (wrapping is not needed for the orders).
std::string PlusOne(std::string n) {
  for (size_t i = n.size(); i-- > 0;) {
    if (++reinterpret_cast<unsigned char&>(n[i]) != 0) break;
  }
  return n;
}

std::string DerLength(size_t length) {
  if (length < 128) return std::string(1, static_cast<char>(length));
  return absl::StrCat("\x81", std::string(1, static_cast<char>(length)));
}

std::string DerInteger(absl::string_view big_endian) {
  while (big_endian.size() > 1 && big_endian.front() == '\0') {
    big_endian.remove_prefix(1);
  }
  std::string value(big_endian);
  if (static_cast<unsigned char>(value.front()) & 0x80) value.insert(0, 1, 0);
  return absl::StrCat("\x02", DerLength(value.size()), value);
}

// Rewrites a raw R||S ECDSA signature as the corpus asks.
absl::StatusOr<std::string> EditEcdsa(const std::string& raw, JwsAlgorithm alg,
                                      absl::string_view edit) {
  absl::StatusOr<std::string> order = CurveOrder(alg);
  if (!order.ok()) return order.status();
  const size_t n = raw.size() / 2;
  if (order->size() != n) {
    return absl::InternalError("curve order length differs from R");
  }
  std::string r = raw.substr(0, n);
  std::string s = raw.substr(n);
  const std::string zero(n, '\0');
  const std::string ones(n, '\xff');
  if (edit == "der") {
    const std::string body = DerInteger(r) + DerInteger(s);
    return absl::StrCat("\x30", DerLength(body.size()), body);
  }
  if (edit == "r_s_zero") return zero + zero;
  if (edit == "r_zero") return zero + s;
  if (edit == "s_zero") return r + zero;
  if (edit == "r_is_n") return *order + s;
  if (edit == "s_is_n") return r + *order;
  if (edit == "r_s_n") return *order + *order;
  if (edit == "r_n_plus_1") return PlusOne(*order) + s;
  if (edit == "s_n_plus_1") return r + PlusOne(*order);
  if (edit == "r_max") return ones + s;
  if (edit == "s_max") return r + ones;
  if (edit == "r_s_one")
    return std::string(n - 1, '\0') + "\x01" + std::string(n - 1, '\0') +
           "\x01";
  if (edit == "high_s") return r + Subtract(*order, s);
  if (edit == "extra_zero_byte") return raw + std::string(1, '\0');
  if (edit == "drop_last_byte") return raw.substr(0, raw.size() - 1);
  if (edit == "swap_r_s") return s + r;
  return absl::InvalidArgumentError(absl::StrCat("unknown ecdsa edit ", edit));
}

// Signs `input` as "<ALG>:<key>" says. <key> is a fixture name, or
// pem-of:<fixture> / jwk-of:<fixture> (the public key's PEM or JWK text
// used as an HMAC secret: the key-confusion attack), or secret:<text>.
absl::StatusOr<std::string> Sign(absl::string_view spec,
                                 absl::string_view input,
                                 JwsAlgorithm* alg_out) {
  const size_t colon = spec.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError("sign must be ALG:KEY");
  }
  std::optional<JwsAlgorithm> alg =
      jose::JwsAlgorithmFromName(spec.substr(0, colon));
  if (!alg.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown alg in ", spec));
  }
  *alg_out = *alg;
  const absl::string_view key = spec.substr(colon + 1);
  std::shared_ptr<const jose::SigningKey> signer;
  auto secret_signer = [&](absl::string_view secret) -> absl::Status {
    absl::StatusOr<std::shared_ptr<const jose::SigningKey>> made =
        jose::SigningKey::FromSecret(secret, *alg, "hostile");
    if (!made.ok()) return made.status();
    signer = *std::move(made);
    return absl::OkStatus();
  };
  const Fixtures& fixtures = Fixtures::Get();
  for (absl::string_view form : {"pem-of:", "jwk-of:"}) {
    if (!absl::StartsWith(key, form)) continue;
    const Fixture* fixture = fixtures.Find(key.substr(form.size()));
    if (fixture == nullptr || !fixture->private_key.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("no public key ", key));
    }
    const jose::PublicKey public_key = jose::PublicKeyOf(*fixture->private_key);
    std::string secret;
    if (form == "jwk-of:") {
      secret = fixture->verifier->public_jwk().Serialize();
    } else if (const auto* rsa =
                   std::get_if<crypto::RsaPublicKey>(&public_key)) {
      absl::StatusOr<std::string> pem = rsa->ToPem();
      if (!pem.ok()) return pem.status();
      secret = *pem;
    } else if (const auto* ec = std::get_if<crypto::EcPublicKey>(&public_key)) {
      absl::StatusOr<std::string> pem = ec->ToPem();
      if (!pem.ok()) return pem.status();
      secret = *pem;
    } else {
      return absl::InvalidArgumentError("pem-of needs an RSA or EC fixture");
    }
    if (absl::Status s = secret_signer(secret); !s.ok()) return s;
  }
  if (absl::StartsWith(key, "secret:")) {
    absl::StatusOr<std::string> secret = Expand(key.substr(7));
    if (!secret.ok()) return secret.status();
    if (absl::Status s = secret_signer(*secret); !s.ok()) return s;
  }
  if (signer == nullptr) {
    const Fixture* fixture = fixtures.Find(key);
    if (fixture == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("no fixture ", key));
    }
    if (fixture->alg == *alg) {
      signer = fixture->signer;
    } else if (fixture->private_key.has_value()) {
      // The fixture's key under another algorithm (e.g. rs256 as PS256).
      absl::StatusOr<std::shared_ptr<const jose::SigningKey>> made =
          jose::SigningKey::Create(*fixture->private_key, *alg, "hostile");
      if (!made.ok()) return made.status();
      signer = *std::move(made);
    } else if (absl::Status s = secret_signer(fixture->secret); !s.ok()) {
      return s;
    }
  }
  return signer->signer().Sign(input);
}

// A token case, built.
struct TokenCase {
  std::string id;
  std::string attack_class;
  std::string expect;
  std::string via;  // "validator" or "service"
  std::string policy;
  std::vector<std::string> keys;
  std::string audience;  // Validate's required_audience
  std::string token;
};

absl::StatusOr<TokenCase> BuildTokenCase(simdjson::dom::element c) {
  TokenCase out;
  out.id = StringField(c, "id");
  out.attack_class = StringField(c, "class");
  out.expect = StringField(c, "expect");
  out.via = StringField(c, "via", "validator");
  out.policy = StringField(c, "policy", "default");
  out.audience = StringField(c, "audience");
  if (std::optional<simdjson::dom::element> keys = Field(c, "keys")) {
    simdjson::dom::array names;
    if (keys->get(names) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("keys must be an array");
    }
    for (simdjson::dom::element name : names) {
      out.keys.push_back(Text(name));
    }
  } else {
    out.keys = Fixtures::DefaultKeyNames();
  }
  if (out.id.empty() || out.attack_class.empty() || out.expect.empty()) {
    return absl::InvalidArgumentError("a case needs id, class and expect");
  }

  if (std::optional<simdjson::dom::element> literal = Field(c, "token")) {
    absl::StatusOr<std::string> token = Expand(Text(*literal));
    if (!token.ok()) return token.status();
    out.token = *std::move(token);
    return out;
  }

  std::optional<simdjson::dom::element> header_field = Field(c, "header");
  if (!header_field.has_value()) {
    return absl::InvalidArgumentError("a case needs token or header");
  }
  absl::StatusOr<std::string> header = JsonText(*header_field);
  if (!header.ok()) return header.status();
  absl::StatusOr<std::string> payload = Field(c, "payload").has_value()
                                            ? JsonText(*Field(c, "payload"))
                                            : DefaultPayload(c);
  if (!payload.ok()) return payload.status();

  std::optional<simdjson::dom::element> edits = Field(c, "encode");
  auto encoded = [&](std::string_view segment_name,
                     std::string segment) -> absl::StatusOr<std::string> {
    if (!edits.has_value()) return segment;
    std::optional<simdjson::dom::element> edit = Field(*edits, segment_name);
    if (!edit.has_value()) return segment;
    return EditSegment(std::move(segment), Text(*edit));
  };
  absl::StatusOr<std::string> header_b64 =
      encoded("header", jose::Base64UrlEncode(*header));
  if (!header_b64.ok()) return header_b64.status();
  absl::StatusOr<std::string> payload_b64 =
      StringField(c, "payload_segment").empty()
          ? encoded("payload", jose::Base64UrlEncode(*payload))
          : Expand(StringField(c, "payload_segment"));
  if (!payload_b64.ok()) return payload_b64.status();
  const std::string input = absl::StrCat(*header_b64, ".", *payload_b64);

  std::string signature_b64;
  if (std::optional<simdjson::dom::element> literal = Field(c, "signature")) {
    absl::StatusOr<std::string> segment = Expand(Text(*literal));
    if (!segment.ok()) return segment.status();
    signature_b64 = *std::move(segment);
  } else if (std::optional<simdjson::dom::element> spec = Field(c, "sign")) {
    JwsAlgorithm alg = JwsAlgorithm::kES256;
    absl::StatusOr<std::string> signature = Sign(Text(*spec), input, &alg);
    if (!signature.ok()) return signature.status();
    if (std::optional<simdjson::dom::element> edit = Field(c, "ecdsa")) {
      signature = EditEcdsa(*signature, alg, Text(*edit));
      if (!signature.ok()) return signature.status();
    }
    absl::StatusOr<std::string> segment =
        encoded("signature", jose::Base64UrlEncode(*signature));
    if (!segment.ok()) return segment.status();
    signature_b64 = *std::move(segment);
  }
  out.token = absl::StrCat(StringField(c, "prefix"), input, ".", signature_b64,
                           StringField(c, "suffix"));
  return out;
}

// What happened to a token: "OK", a reject reason name, or "status:<code>"
// for a service error; and the detail, to check it does not echo the token.
struct Outcome {
  std::string got;
  std::string detail;
};

Outcome OutcomeOf(const absl::Status& status) {
  if (status.ok()) return {"OK", ""};
  std::optional<jose::RejectReason> reason = jose::GetRejectReason(status);
  if (reason.has_value()) {
    return {std::string(jose::RejectReasonName(*reason)),
            std::string(status.message())};
  }
  return {absl::StrCat("status:", absl::StatusCodeToString(status.code())),
          std::string(status.message())};
}

// Two trusted issuers: kIssuer with every default fixture, and
// kPartnerIssuer with the "partner" key only.
class ServiceUnderTest {
 public:
  static absl::StatusOr<std::unique_ptr<ServiceUnderTest>> Create() {
    auto sut = std::unique_ptr<ServiceUnderTest>(new ServiceUnderTest());
    const Fixtures& fixtures = Fixtures::Get();
    absl::StatusOr<std::shared_ptr<const jose::KeySet>> own =
        fixtures.KeySetOf(Fixtures::DefaultKeyNames());
    if (!own.ok()) return own.status();
    absl::StatusOr<std::shared_ptr<const jose::KeySet>> partner =
        fixtures.KeySetOf({"partner"});
    if (!partner.ok()) return partner.status();
    sut->own_ = std::make_unique<FakeKeyRing>(fixtures.Find("es256")->signer,
                                              *std::move(own));
    sut->partner_ = std::make_unique<FakeKeyRing>(nullptr, *partner);
    service::TokenServiceOptions options;
    service::TrustedIssuer own_issuer;
    own_issuer.policy = *PolicyNamed("default");
    own_issuer.key_ring = sut->own_.get();
    service::TrustedIssuer partner_issuer;
    partner_issuer.policy = *PolicyNamed("default");
    partner_issuer.policy.issuer = kPartnerIssuer;
    partner_issuer.key_ring = sut->partner_.get();
    options.issuers = {std::move(own_issuer), std::move(partner_issuer)};
    absl::StatusOr<std::unique_ptr<service::TokenService>> service =
        service::TokenService::Create(std::move(options), &sut->clock_);
    if (!service.ok()) return service.status();
    sut->service_ = *std::move(service);
    return sut;
  }

  Outcome Validate(const TokenCase& c) const {
    service::ValidateParams params;
    params.token = c.token;
    params.audience = c.audience;
    absl::StatusOr<service::Verdict> verdict = service_->Validate(params);
    if (!verdict.ok()) return OutcomeOf(verdict.status());
    if (verdict->valid()) return {"OK", ""};
    return {std::string(jose::RejectReasonName(*verdict->reason)),
            verdict->detail};
  }

 private:
  ServiceUnderTest() : clock_(kNow) {}

  FakeClock clock_;
  std::unique_ptr<FakeKeyRing> own_;
  std::unique_ptr<FakeKeyRing> partner_;
  std::unique_ptr<service::TokenService> service_;
};

// ---------------------------------------------------------------------------
// Loading the corpus and printing the table.

std::filesystem::path CorpusPath() {
  const char* source = std::getenv("JWTD_SOURCE_DIR");
  std::string dir = source != nullptr && *source ? source : "";
#ifdef JWTD_DEFAULT_SOURCE_DIR
  if (dir.empty()) dir = JWTD_DEFAULT_SOURCE_DIR;
#endif
  return std::filesystem::path(dir) / "tests" / "hostile" /
         "hostile_tokens.json";
}

struct Row {
  std::string id;
  std::string attack_class;
  std::string expected;
  std::string got;
  bool pass;
  std::string detail = "";
};

void PrintTable(absl::string_view title, const std::vector<Row>& rows) {
  size_t id_width = 2;
  size_t class_width = 5;
  for (const Row& row : rows) {
    id_width = std::max(id_width, row.id.size());
    class_width = std::max(class_width, row.attack_class.size());
  }
  std::cout << "\n[hostile] " << title << "\n";
  std::cout << "[hostile] " << std::left << std::setw(id_width) << "id"
            << "  " << std::setw(class_width) << "class"
            << "  " << std::setw(22) << "expected"
            << "  " << std::setw(22) << "got"
            << "  detail\n";
  std::map<std::string, std::pair<int, int>> per_class;  // passed, total
  int passed = 0;
  for (const Row& row : rows) {
    std::cout << "[hostile] " << std::setw(id_width) << row.id << "  "
              << std::setw(class_width) << row.attack_class << "  "
              << std::setw(22) << row.expected << "  " << std::setw(22)
              << row.got << "  " << (row.pass ? "" : "<-- MISMATCH ")
              << absl::CHexEscape(row.detail.substr(0, 72)) << "\n";
    auto& [class_passed, class_total] = per_class[row.attack_class];
    ++class_total;
    if (row.pass) {
      ++class_passed;
      ++passed;
    }
  }
  std::cout << "[hostile] per class:";
  for (const auto& [name, counts] : per_class) {
    std::cout << " " << name << "=" << counts.first << "/" << counts.second;
  }
  std::cout << "\n[hostile] " << passed << " of " << rows.size()
            << " cases as expected\n";
}

class HostileCorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(Fixtures::Get().status());
    const std::filesystem::path path = CorpusPath();
    ASSERT_EQ(parser_.load(path.string()).get(root_), simdjson::SUCCESS)
        << "cannot read the corpus " << path
        << " (set JWTD_SOURCE_DIR to the checkout)";
  }

  simdjson::dom::array Section(std::string_view name) {
    simdjson::dom::array cases;
    EXPECT_EQ(root_[name].get(cases), simdjson::SUCCESS) << name;
    return cases;
  }

  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

// Every token case ends as the corpus says, and no rejection detail echoes
// the token's payload or signature segment.
TEST_F(HostileCorpusTest, TokensAreRejectedForTheExpectedReason) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServiceUnderTest> service,
                       ServiceUnderTest::Create());
  std::vector<Row> rows;
  std::set<std::string> ids;
  for (simdjson::dom::element c : Section("tokens")) {
    absl::StatusOr<TokenCase> built = BuildTokenCase(c);
    const std::string id = StringField(c, "id", "(no id)");
    if (!built.ok()) {
      ADD_FAILURE() << id << ": bad recipe: " << built.status();
      rows.push_back({id, StringField(c, "class"), StringField(c, "expect"),
                      "RECIPE ERROR", false});
      continue;
    }
    EXPECT_TRUE(ids.insert(built->id).second) << "duplicate id " << built->id;
    Outcome outcome;
    if (built->via == "service") {
      outcome = service->Validate(*built);
    } else if (built->via == "validator") {
      std::optional<jose::ValidationPolicy> policy = PolicyNamed(built->policy);
      ASSERT_TRUE(policy.has_value()) << id << ": no policy " << built->policy;
      ASSERT_OK_AND_ASSIGN(jose::JwtValidator validator,
                           jose::JwtValidator::Create(*std::move(policy)));
      ASSERT_OK_AND_ASSIGN(std::shared_ptr<const jose::KeySet> keys,
                           Fixtures::Get().KeySetOf(built->keys));
      outcome = OutcomeOf(
          validator.Validate(built->token, *keys, kNow, built->audience)
              .status());
    } else {
      ADD_FAILURE() << id << ": via must be validator or service";
      continue;
    }
    const bool pass = outcome.got == built->expect;
    EXPECT_TRUE(pass) << id << " (" << built->attack_class << "): expected "
                      << built->expect << ", got " << outcome.got << " ("
                      << outcome.detail << ")";
    // The detail never carries the token (DESIGN: tokens are never logged).
    const size_t dot = built->token.rfind('.');
    if (dot != std::string::npos && built->token.size() - dot > 16) {
      EXPECT_FALSE(
          absl::StrContains(outcome.detail, built->token.substr(dot + 1)))
          << id << ": the detail echoes the signature";
    }
    rows.push_back({built->id, built->attack_class, built->expect, outcome.got,
                    pass, outcome.detail});
  }
  PrintTable("token cases", rows);
}

// Key imports the rules forbid fail with the status code the corpus names.
TEST_F(HostileCorpusTest, KeyImportsAreRefused) {
  std::vector<Row> rows;
  for (simdjson::dom::element c : Section("imports")) {
    const std::string id = StringField(c, "id");
    const std::string kind = StringField(c, "kind");
    const std::string expect = StringField(c, "expect");
    absl::Status status;
    if (kind == "hmac_secret") {
      std::optional<JwsAlgorithm> alg =
          jose::JwsAlgorithmFromName(StringField(c, "alg"));
      ASSERT_TRUE(alg.has_value()) << id;
      absl::StatusOr<std::string> secret = Expand(StringField(c, "secret"));
      ASSERT_OK(secret.status());
      status = jose::VerificationKey::FromSecret(*secret, *alg, "k").status();
      // Signing keys follow the same rule.
      EXPECT_EQ(
          jose::SigningKey::FromSecret(*secret, *alg, "k").status().code(),
          status.code())
          << id;
    } else if (kind == "jwks") {
      jose::JwksImportOptions options;
      bool allow = false;
      if (c["allow_secret_keys"].get(allow) == simdjson::SUCCESS) {
        options.allow_secret_keys = allow;
      }
      std::optional<simdjson::dom::element> document = Field(c, "document");
      ASSERT_TRUE(document.has_value()) << id;
      absl::StatusOr<std::string> text = JsonText(*document);
      ASSERT_OK(text.status());
      status = jose::ImportJwks(*text, options).status();
    } else if (kind == "public_pem") {
      status = jose::PublicKeyFromPem(StringField(c, "pem")).status();
    } else {
      ADD_FAILURE() << id << ": unknown kind " << kind;
      continue;
    }
    const std::string got =
        status.ok()
            ? "OK"
            : absl::AsciiStrToUpper(absl::StatusCodeToString(status.code()));
    const bool pass = got == expect;
    EXPECT_TRUE(pass) << id << ": expected " << expect << ", got " << status;
    const std::string contains = StringField(c, "message_contains");
    if (!contains.empty()) {
      EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(status.message()),
                                    absl::AsciiStrToLower(contains)))
          << id << ": " << status;
    }
    rows.push_back({id, StringField(c, "class"), expect, got, pass,
                    std::string(status.message())});
  }
  PrintTable("key import cases", rows);
}

// The corpus names every attack class of DESIGN.md's rules at least once.
TEST_F(HostileCorpusTest, CorpusCoversEveryClass) {
  std::set<std::string> seen;
  for (std::string_view section : {"tokens", "imports"}) {
    for (simdjson::dom::element c : Section(section)) {
      seen.insert(StringField(c, "class"));
    }
  }
  for (absl::string_view required : kRequiredClasses) {
    EXPECT_TRUE(seen.count(std::string(required)))
        << "no case of class " << required;
  }
}

}  // namespace
}  // namespace jwtd::hostile
