// Runs the Project Wycheproof HMAC, ECDSA, RSA (PKCS#1 v1.5 and PSS) and
// EdDSA vectors (copied into the shared test-data folder, see its README.md)
// against the crypto layer's keys, signers and verifiers.
//
// Location: $JWTD_SHARED_DIR/testdata/wycheproof, else
// $JWTD_SOURCE_DIR/../shared/testdata/wycheproof (JWTD_SOURCE_DIR falls back
// to the source tree this binary was configured from). Skipped when absent.

#include "tests/support/wycheproof.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/crypto/eddsa.h"
#include "server/crypto/hmac.h"
#include "server/crypto/rsa.h"
#include "server/crypto/signature.h"
#include "simdjson.h"

namespace jwtd::crypto {
namespace {

namespace fs = std::filesystem;

// Shared with the JOSE-level suite: tests/support/wycheproof.h.
using Tally = ::jwtd::testing::WycheproofTally;

std::optional<fs::path> VectorDir() { return ::jwtd::testing::WycheproofDir(); }

bool Load(simdjson::dom::parser& parser, const fs::path& dir,
          const std::string& name, simdjson::dom::element& root) {
  return ::jwtd::testing::LoadWycheproofFile(parser, dir, name, root);
}

std::string Str(simdjson::dom::element object, std::string_view key) {
  std::string_view value;
  if (object[key].get(value)) {
    ADD_FAILURE() << "missing string field " << key;
    return "";
  }
  return std::string(value);
}

int64_t Int(simdjson::dom::element object, std::string_view key) {
  int64_t value = 0;
  if (object[key].get(value)) ADD_FAILURE() << "missing int field " << key;
  return value;
}

std::string Bytes(simdjson::dom::element object, std::string_view key) {
  return absl::HexStringToBytes(Str(object, key));
}

// An optional string member; empty when absent.
std::string OptStr(simdjson::dom::element object, std::string_view key) {
  std::string_view value;
  if (object[key].get(value)) return "";
  return std::string(value);
}

// A base64url member of a JWK object, decoded.
std::string JwkBytes(simdjson::dom::element jwk, std::string_view key) {
  std::string out;
  if (!absl::WebSafeBase64Unescape(Str(jwk, key), &out)) {
    ADD_FAILURE() << "bad base64url in JWK member " << key;
  }
  return out;
}

// The test's flags joined, for the notes ("MissingNull").
std::string Flags(simdjson::dom::element test) {
  std::vector<std::string> flags;
  simdjson::dom::array array;
  if (!test["flags"].get(array)) {
    for (simdjson::dom::element flag : array) {
      std::string_view value;
      if (!flag.get(value)) flags.emplace_back(value);
    }
  }
  return flags.empty() ? "no flags" : absl::StrJoin(flags, ",");
}

// The JWS hash named by a Wycheproof "sha" value, if any.
std::optional<HashFunction> JwsHash(const std::string& sha) {
  if (sha == "SHA-256") return HashFunction::kSha256;
  if (sha == "SHA-384") return HashFunction::kSha384;
  if (sha == "SHA-512") return HashFunction::kSha512;
  return std::nullopt;
}

std::string HashName(HashFunction hash) {
  return absl::StrCat("SHA-", DigestLength(hash) * 8);
}

// Checks one verification against the case's label. `name` says what was
// run ("RS256", ...) for the notes.
void Judge(Tally& tally, int tc_id, const std::string& result,
           const std::string& flags, const absl::Status& verified,
           const std::string& what) {
  const bool rejected = verified.code() == absl::StatusCode::kUnauthenticated;
  if (!verified.ok() && !rejected) {
    tally.Fail(tc_id, "bad input must give UNAUTHENTICATED, got " +
                          verified.ToString());
  } else if (result == "valid") {
    if (verified.ok()) {
      tally.Pass(absl::StrCat("valid ", what, " verified"));
    } else {
      tally.Fail(tc_id, absl::StrCat("valid ", what, " refused (", flags,
                                     "): ", verified.ToString()));
    }
  } else if (result == "invalid") {
    if (rejected) {
      tally.Pass(absl::StrCat("invalid ", what, " rejected"));
    } else {
      tally.Fail(tc_id,
                 absl::StrCat("invalid ", what, " accepted (", flags, ")"));
    }
  } else {
    tally.Skip(absl::StrCat("acceptable (", flags, "), we ",
                            rejected ? "reject" : "accept"));
  }
}

// Builds an RsaPublicKey from a group's "publicKey" (hex n and e, possibly
// with a leading zero byte), and checks it against the group's JWK form when
// there is one.
absl::StatusOr<RsaPublicKey> GroupRsaKey(simdjson::dom::element group,
                                         std::string_view jwk_member) {
  simdjson::dom::element public_key;
  if (group["publicKey"].get(public_key)) {
    return absl::InvalidArgumentError("group without publicKey");
  }
  absl::StatusOr<RsaPublicKey> key = RsaPublicKey::FromComponents(
      Bytes(public_key, "modulus"), Bytes(public_key, "publicExponent"));
  simdjson::dom::element jwk;
  if (key.ok() && !group[jwk_member].get(jwk)) {
    EXPECT_EQ(JwkBytes(jwk, "n"), key->n()) << "JWK n differs from modulus";
    EXPECT_EQ(JwkBytes(jwk, "e"), key->e()) << "JWK e differs";
  }
  return key;
}

class WycheproofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<fs::path> dir = VectorDir();
    if (!dir.has_value()) {
      GTEST_SKIP() << "Wycheproof vectors not found: set JWTD_SHARED_DIR to "
                      "the folder holding testdata/wycheproof";
    }
    dir_ = *dir;
  }

  fs::path dir_;
  simdjson::dom::parser parser_;
};

// HS256/384/512: full-length tags must match exactly; truncated tags (which
// JWS forbids) must be refused; keys shorter than the hash must not load.
void RunHmacFile(simdjson::dom::parser& parser, const fs::path& dir,
                 const std::string& name, HashFunction hash) {
  Tally tally(name);
  simdjson::dom::element root;
  if (!Load(parser, dir, name, root)) return;
  const int64_t hash_bits = static_cast<int64_t>(DigestLength(hash) * 8);
  simdjson::dom::array groups;
  ASSERT_FALSE(root["testGroups"].get(groups));
  for (simdjson::dom::element group : groups) {
    const int64_t key_bits = Int(group, "keySize");
    const int64_t tag_bits = Int(group, "tagSize");
    simdjson::dom::array tests;
    ASSERT_FALSE(group["tests"].get(tests));
    for (simdjson::dom::element test : tests) {
      ++tally.total;
      const int tc_id = static_cast<int>(Int(test, "tcId"));
      const std::string result = Str(test, "result");
      const std::string key = Bytes(test, "key");
      const std::string msg = Bytes(test, "msg");
      const std::string tag = Bytes(test, "tag");
      absl::StatusOr<std::unique_ptr<HmacKey>> hmac =
          HmacKey::Create(hash, key);
      if (static_cast<int64_t>(key.size() * 8) < hash_bits) {
        if (hmac.status().code() == absl::StatusCode::kInvalidArgument) {
          tally.Pass("short key refused by Create");
        } else {
          tally.Fail(tc_id, absl::StrCat(
                                "short key (", key_bits,
                                " bits) accepted: ", hmac.status().ToString()));
        }
        continue;
      }
      if (!hmac.ok()) {
        tally.Fail(tc_id, hmac.status().ToString());
        continue;
      }
      const absl::Status verified = (*hmac)->Verify(msg, tag);
      if (tag_bits < hash_bits) {
        if (verified.code() == absl::StatusCode::kUnauthenticated) {
          tally.Pass("truncated tag rejected");
        } else {
          tally.Fail(tc_id,
                     "truncated tag not rejected: " + verified.ToString());
        }
        continue;
      }
      if (tag_bits != hash_bits) {
        tally.Skip(absl::StrCat("tagSize ", tag_bits, " bits"));
        continue;
      }
      if (result == "valid") {
        absl::StatusOr<std::string> signed_tag = (*hmac)->Sign(msg);
        if (verified.ok() && signed_tag.ok() && *signed_tag == tag) {
          tally.Pass("valid full-length tag verified and reproduced");
        } else {
          tally.Fail(tc_id, "valid tag refused: " + verified.ToString());
        }
      } else if (result == "invalid") {
        if (verified.code() == absl::StatusCode::kUnauthenticated) {
          tally.Pass("invalid full-length tag rejected");
        } else {
          tally.Fail(tc_id, "invalid tag accepted: " + verified.ToString());
        }
      } else {
        tally.Skip("acceptable: either outcome allowed");
      }
    }
  }
  tally.Print();
  EXPECT_GT(tally.passed, 0) << name;
}

// A Wycheproof EC coordinate: hex of a big-endian integer, possibly with a
// leading zero byte, made exactly `length` bytes.
std::optional<std::string> FixedWidth(std::string bytes, size_t length) {
  size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == '\0') ++zeros;
  bytes.erase(0, zeros);
  if (bytes.size() > length) return std::nullopt;
  return std::string(length - bytes.size(), '\0') + bytes;
}

// ES256/384/512. With `der` set, the file holds ASN.1 DER signatures, which
// a JWS (raw R||S) verifier must reject whatever their label.
void RunEcdsaFile(simdjson::dom::parser& parser, const fs::path& dir,
                  const std::string& name, EcCurve curve, HashFunction hash,
                  const std::string& curve_name, const std::string& sha,
                  bool der) {
  Tally tally(name);
  simdjson::dom::element root;
  if (!Load(parser, dir, name, root)) return;
  const size_t length = CoordinateLength(curve);
  simdjson::dom::array groups;
  ASSERT_FALSE(root["testGroups"].get(groups));
  for (simdjson::dom::element group : groups) {
    simdjson::dom::element public_key;
    ASSERT_FALSE(group["publicKey"].get(public_key));
    simdjson::dom::array tests;
    ASSERT_FALSE(group["tests"].get(tests));
    const size_t count = tests.size();
    if (Str(public_key, "curve") != curve_name || Str(group, "sha") != sha) {
      tally.total += static_cast<int>(count);
      tally.skipped["group for another curve or hash"] +=
          static_cast<int>(count);
      continue;
    }
    std::optional<std::string> x = FixedWidth(Bytes(public_key, "wx"), length);
    std::optional<std::string> y = FixedWidth(Bytes(public_key, "wy"), length);
    absl::StatusOr<EcPublicKey> key =
        x && y ? EcPublicKey::FromCoordinates(curve, *x, *y)
               : absl::InvalidArgumentError("coordinate too long");
    if (!key.ok()) {
      ADD_FAILURE() << name << ": group public key refused: " << key.status();
      tally.total += static_cast<int>(count);
      tally.failed += static_cast<int>(count);
      continue;
    }
    std::unique_ptr<Verifier> verifier = key->NewVerifier(hash);
    for (simdjson::dom::element test : tests) {
      ++tally.total;
      const int tc_id = static_cast<int>(Int(test, "tcId"));
      const std::string result = Str(test, "result");
      const absl::Status verified =
          verifier->Verify(Bytes(test, "msg"), Bytes(test, "sig"));
      const bool rejected =
          verified.code() == absl::StatusCode::kUnauthenticated;
      if (!verified.ok() && !rejected) {
        tally.Fail(tc_id, "bad input must give UNAUTHENTICATED, got " +
                              verified.ToString());
      } else if (der) {
        if (rejected) {
          tally.Pass(absl::StrCat("DER signature (", result, ") rejected"));
        } else {
          tally.Fail(tc_id, "DER signature accepted (" + result + ")");
        }
      } else if (result == "valid") {
        if (verified.ok()) {
          tally.Pass("valid signature verified");
        } else {
          tally.Fail(tc_id, "valid signature refused: " + verified.ToString());
        }
      } else if (result == "invalid") {
        if (rejected) {
          tally.Pass("invalid signature rejected");
        } else {
          tally.Fail(tc_id,
                     "invalid signature accepted: " + Str(test, "comment"));
        }
      } else {
        tally.Skip(rejected ? "acceptable, we reject"
                            : "acceptable, we accept");
      }
    }
  }
  tally.Print();
  EXPECT_GT(tally.passed, 0) << name;
}

// RS256/384/512 verification (RSASSA-PKCS1-v1_5). Keys under 2048 bits
// must be refused at import.
void RunRsaPkcs1VerifyFile(simdjson::dom::parser& parser, const fs::path& dir,
                           const std::string& name, HashFunction hash) {
  Tally tally(name);
  simdjson::dom::element root;
  if (!Load(parser, dir, name, root)) return;
  const std::string alg = absl::StrCat("RS", DigestLength(hash) * 8);
  simdjson::dom::array groups;
  ASSERT_FALSE(root["testGroups"].get(groups));
  for (simdjson::dom::element group : groups) {
    simdjson::dom::array tests;
    ASSERT_FALSE(group["tests"].get(tests));
    const int count = static_cast<int>(tests.size());
    if (Str(group, "sha") != HashName(hash)) {
      tally.total += count;
      tally.skipped["group for another hash"] += count;
      continue;
    }
    absl::StatusOr<RsaPublicKey> key = GroupRsaKey(group, "keyJwk");
    if (Int(group, "keySize") < kMinRsaModulusBits) {
      for (int i = 0; i < count; ++i) {
        ++tally.total;
        if (key.status().code() == absl::StatusCode::kInvalidArgument) {
          tally.Pass("key under 2048 bits refused at import");
        } else {
          tally.Fail(-1, "key under 2048 bits accepted");
        }
      }
      continue;
    }
    if (!key.ok()) {
      ADD_FAILURE() << name << ": group key refused: " << key.status();
      tally.total += count;
      tally.failed += count;
      continue;
    }
    std::unique_ptr<Verifier> verifier =
        key->NewVerifier(hash, RsaPadding::kPkcs1v15);
    for (simdjson::dom::element test : tests) {
      ++tally.total;
      Judge(tally, static_cast<int>(Int(test, "tcId")), Str(test, "result"),
            Flags(test),
            verifier->Verify(Bytes(test, "msg"), Bytes(test, "sig")),
            alg + " signature");
    }
  }
  tally.Print();
  EXPECT_GT(tally.passed, 0) << name;
}

// A DER PKCS#8 key (hex in the vectors) as PEM.
std::string Pkcs8Pem(const std::string& der) {
  std::string base64 = absl::Base64Escape(der);
  std::string pem = "-----BEGIN PRIVATE KEY-----\n";
  for (size_t i = 0; i < base64.size(); i += 64) {
    absl::StrAppend(&pem, base64.substr(i, 64), "\n");
  }
  return pem + "-----END PRIVATE KEY-----\n";
}

// RS* signing: PKCS#1 v1.5 is deterministic, so each import of the group's
// private key (PKCS#1 PEM, PKCS#8 DER, JWK) must reproduce `sig` exactly.
void RunRsaSigGenFile(simdjson::dom::parser& parser, const fs::path& dir,
                      const std::string& name) {
  Tally tally(name);
  simdjson::dom::element root;
  if (!Load(parser, dir, name, root)) return;
  simdjson::dom::array groups;
  ASSERT_FALSE(root["testGroups"].get(groups));
  for (simdjson::dom::element group : groups) {
    simdjson::dom::array tests;
    ASSERT_FALSE(group["tests"].get(tests));
    const int count = static_cast<int>(tests.size());
    const std::string sha = Str(group, "sha");
    const std::optional<HashFunction> hash = JwsHash(sha);
    if (!hash.has_value()) {
      tally.total += count;
      tally.skipped[absl::StrCat(sha, " group (no JWS alg)")] += count;
      continue;
    }
    const std::string alg = absl::StrCat("RS", DigestLength(*hash) * 8);
    std::vector<std::pair<std::string, absl::StatusOr<RsaPrivateKey>>> keys;
    keys.emplace_back("PKCS#1 PEM",
                      RsaPrivateKey::FromPem(Str(group, "privateKeyPem")));
    keys.emplace_back("PKCS#8", RsaPrivateKey::FromPem(
                                    Pkcs8Pem(Bytes(group, "privateKeyPkcs8"))));
    simdjson::dom::element jwk;
    if (!group["privateKeyJwk"].get(jwk)) {
      keys.emplace_back("JWK", RsaPrivateKey::FromComponents(
                                   JwkBytes(jwk, "n"), JwkBytes(jwk, "e"),
                                   JwkBytes(jwk, "d"), JwkBytes(jwk, "p"),
                                   JwkBytes(jwk, "q"), JwkBytes(jwk, "dp"),
                                   JwkBytes(jwk, "dq"), JwkBytes(jwk, "qi")));
    }
    if (Int(group, "keySize") < kMinRsaModulusBits) {
      for (int i = 0; i < count; ++i) {
        ++tally.total;
        bool all_refused = true;
        for (const auto& [form, key] : keys) all_refused &= !key.ok();
        if (all_refused) {
          tally.Pass("private key under 2048 bits refused at import");
        } else {
          tally.Fail(-1, "private key under 2048 bits accepted");
        }
      }
      continue;
    }
    bool usable = true;
    for (const auto& [form, key] : keys) {
      if (!key.ok()) {
        ADD_FAILURE() << name << ": " << form
                      << " private key refused: " << key.status();
        usable = false;
      }
    }
    if (!usable) {
      tally.total += count;
      tally.failed += count;
      continue;
    }
    std::unique_ptr<Verifier> verifier =
        keys[0].second->public_key().NewVerifier(*hash, RsaPadding::kPkcs1v15);
    for (simdjson::dom::element test : tests) {
      ++tally.total;
      const int tc_id = static_cast<int>(Int(test, "tcId"));
      const std::string result = Str(test, "result");
      const std::string msg = Bytes(test, "msg");
      const std::string expected = Bytes(test, "sig");
      std::string mismatch;
      for (const auto& [form, key] : keys) {
        absl::StatusOr<std::string> signature =
            key->NewSigner(*hash, RsaPadding::kPkcs1v15)->Sign(msg);
        if (!signature.ok()) {
          mismatch = absl::StrCat(form, ": ", signature.status().ToString());
        } else if (*signature != expected) {
          mismatch = absl::StrCat(form, " key made a different signature");
        }
      }
      const absl::Status verified = verifier->Verify(msg, expected);
      if (result == "invalid") {
        tally.Skip("invalid case in a generation file");
      } else if (!mismatch.empty() || !verified.ok()) {
        tally.Fail(tc_id, absl::StrCat(result, " (", Flags(test), "): ",
                                       mismatch, " ", verified.ToString()));
      } else if (result == "valid") {
        tally.Pass(absl::StrCat(alg, " signature reproduced byte for byte by ",
                                keys.size(), " imports, and verified"));
      } else {
        tally.Pass(absl::StrCat("acceptable (", Flags(test), "): ", alg,
                                " signature reproduced and verified"));
      }
    }
  }
  tally.Print();
  EXPECT_GT(tally.passed, 0) << name;
}

// PS256/384/512. Each case is run through all three PS* verifiers: only the
// one whose hash equals the group's, with MGF1 over that hash and a salt of
// the hash length, may accept it (and must, for valid cases); every other
// verifier, and every verifier for groups with other parameters, must reject.
void RunRsaPssFile(simdjson::dom::parser& parser, const fs::path& dir,
                   const std::string& name) {
  Tally tally(name);
  simdjson::dom::element root;
  if (!Load(parser, dir, name, root)) return;
  const HashFunction hashes[] = {HashFunction::kSha256, HashFunction::kSha384,
                                 HashFunction::kSha512};
  simdjson::dom::array groups;
  ASSERT_FALSE(root["testGroups"].get(groups));
  for (simdjson::dom::element group : groups) {
    simdjson::dom::array tests;
    ASSERT_FALSE(group["tests"].get(tests));
    const int count = static_cast<int>(tests.size());
    const std::string sha = Str(group, "sha");
    const std::string mgf_sha = Str(group, "mgfSha");
    const int64_t salt = Int(group, "sLen");
    const std::optional<HashFunction> hash = JwsHash(sha);
    const bool jws_profile = hash.has_value() && Str(group, "mgf") == "MGF1" &&
                             mgf_sha == sha &&
                             salt == static_cast<int64_t>(DigestLength(*hash));
    absl::StatusOr<RsaPublicKey> key = GroupRsaKey(group, "publicKeyJwk");
    if (Int(group, "keySize") < kMinRsaModulusBits) {
      for (int i = 0; i < count; ++i) {
        ++tally.total;
        if (!key.ok()) {
          tally.Pass("key under 2048 bits refused at import");
        } else {
          tally.Fail(-1, "key under 2048 bits accepted");
        }
      }
      continue;
    }
    if (!key.ok()) {
      ADD_FAILURE() << name << ": group key refused: " << key.status();
      tally.total += count;
      tally.failed += count;
      continue;
    }
    std::vector<std::unique_ptr<Verifier>> verifiers;
    for (HashFunction h : hashes) {
      verifiers.push_back(key->NewVerifier(h, RsaPadding::kPss));
    }
    const std::string params =
        absl::StrCat(sha, "/MGF1-", mgf_sha, "/salt ", salt);
    for (simdjson::dom::element test : tests) {
      ++tally.total;
      const int tc_id = static_cast<int>(Int(test, "tcId"));
      const std::string result = Str(test, "result");
      const std::string msg = Bytes(test, "msg");
      const std::string sig = Bytes(test, "sig");
      // The verifiers that must reject whatever the label says.
      bool wrongly_accepted = false;
      for (size_t i = 0; i < verifiers.size(); ++i) {
        if (jws_profile && hashes[i] == *hash) continue;
        const absl::Status status = verifiers[i]->Verify(msg, sig);
        if (status.code() != absl::StatusCode::kUnauthenticated) {
          wrongly_accepted = true;
          tally.Fail(tc_id, absl::StrCat("PS", DigestLength(hashes[i]) * 8,
                                         " did not reject a ", params, " ",
                                         result, " case: ", status.ToString()));
        }
      }
      if (wrongly_accepted) continue;
      if (!jws_profile) {
        tally.Pass(absl::StrCat(result,
                                " case with non-JWS parameters rejected by "
                                "PS256/384/512"));
        continue;
      }
      const size_t index = *hash == HashFunction::kSha256   ? 0
                           : *hash == HashFunction::kSha384 ? 1
                                                            : 2;
      Judge(tally, tc_id, result, Flags(test),
            verifiers[index]->Verify(msg, sig),
            absl::StrCat("PS", DigestLength(*hash) * 8,
                         " signature (others rejected)"));
    }
  }
  tally.Print();
  EXPECT_GT(tally.passed, 0) << name;
}

// EdDSA verification for one curve.
void RunEdDsaFile(simdjson::dom::parser& parser, const fs::path& dir,
                  const std::string& name, EdCurve curve,
                  const std::string& curve_name) {
  Tally tally(name);
  simdjson::dom::element root;
  if (!Load(parser, dir, name, root)) return;
  simdjson::dom::array groups;
  ASSERT_FALSE(root["testGroups"].get(groups));
  for (simdjson::dom::element group : groups) {
    simdjson::dom::element public_key;
    ASSERT_FALSE(group["publicKey"].get(public_key));
    simdjson::dom::array tests;
    ASSERT_FALSE(group["tests"].get(tests));
    const int count = static_cast<int>(tests.size());
    if (Str(public_key, "curve") != curve_name) {
      tally.total += count;
      tally.skipped["group for another curve"] += count;
      continue;
    }
    absl::StatusOr<EdPublicKey> key =
        EdPublicKey::FromRaw(curve, Bytes(public_key, "pk"));
    if (!key.ok()) {
      ADD_FAILURE() << name << ": group key refused: " << key.status();
      tally.total += count;
      tally.failed += count;
      continue;
    }
    // The PEM and JWK forms of the group key must agree with the raw one.
    if (const std::string pem = OptStr(group, "publicKeyPem"); !pem.empty()) {
      absl::StatusOr<EdPublicKey> from_pem = EdPublicKey::FromPem(pem);
      EXPECT_TRUE(from_pem.ok() && from_pem->raw() == key->raw())
          << name << ": PEM key differs: " << from_pem.status();
    }
    simdjson::dom::element jwk;
    if (!group["publicKeyJwk"].get(jwk)) {
      EXPECT_EQ(JwkBytes(jwk, "x"), key->raw()) << name << ": JWK x differs";
    }
    std::unique_ptr<Verifier> verifier = key->NewVerifier();
    for (simdjson::dom::element test : tests) {
      ++tally.total;
      Judge(tally, static_cast<int>(Int(test, "tcId")), Str(test, "result"),
            Flags(test),
            verifier->Verify(Bytes(test, "msg"), Bytes(test, "sig")),
            "signature");
    }
  }
  tally.Print();
  EXPECT_GT(tally.passed, 0) << name;
}

TEST_F(WycheproofTest, HmacSha256) {
  RunHmacFile(parser_, dir_, "hmac_sha256_test.json", HashFunction::kSha256);
}

TEST_F(WycheproofTest, HmacSha384) {
  RunHmacFile(parser_, dir_, "hmac_sha384_test.json", HashFunction::kSha384);
}

TEST_F(WycheproofTest, HmacSha512) {
  RunHmacFile(parser_, dir_, "hmac_sha512_test.json", HashFunction::kSha512);
}

TEST_F(WycheproofTest, EcdsaP256P1363) {
  RunEcdsaFile(parser_, dir_, "ecdsa_secp256r1_sha256_p1363_test.json",
               EcCurve::kP256, HashFunction::kSha256, "secp256r1", "SHA-256",
               /*der=*/false);
}

TEST_F(WycheproofTest, EcdsaP384P1363) {
  RunEcdsaFile(parser_, dir_, "ecdsa_secp384r1_sha384_p1363_test.json",
               EcCurve::kP384, HashFunction::kSha384, "secp384r1", "SHA-384",
               /*der=*/false);
}

TEST_F(WycheproofTest, EcdsaP521P1363) {
  RunEcdsaFile(parser_, dir_, "ecdsa_secp521r1_sha512_p1363_test.json",
               EcCurve::kP521, HashFunction::kSha512, "secp521r1", "SHA-512",
               /*der=*/false);
}

TEST_F(WycheproofTest, EcdsaP256DerRejected) {
  RunEcdsaFile(parser_, dir_, "ecdsa_secp256r1_sha256_test.json",
               EcCurve::kP256, HashFunction::kSha256, "secp256r1", "SHA-256",
               /*der=*/true);
}

TEST_F(WycheproofTest, EcdsaP384DerRejected) {
  RunEcdsaFile(parser_, dir_, "ecdsa_secp384r1_sha384_test.json",
               EcCurve::kP384, HashFunction::kSha384, "secp384r1", "SHA-384",
               /*der=*/true);
}

TEST_F(WycheproofTest, EcdsaP521DerRejected) {
  RunEcdsaFile(parser_, dir_, "ecdsa_secp521r1_sha512_test.json",
               EcCurve::kP521, HashFunction::kSha512, "secp521r1", "SHA-512",
               /*der=*/true);
}

TEST_F(WycheproofTest, RsaPkcs1Verify) {
  for (int bits : {2048, 3072, 4096}) {
    for (HashFunction hash : {HashFunction::kSha256, HashFunction::kSha384,
                              HashFunction::kSha512}) {
      RunRsaPkcs1VerifyFile(parser_, dir_,
                            absl::StrCat("rsa_signature_", bits, "_sha",
                                         DigestLength(hash) * 8, "_test.json"),
                            hash);
    }
  }
}

TEST_F(WycheproofTest, RsaPkcs1SignatureGeneration) {
  for (int bits : {2048, 3072, 4096}) {
    RunRsaSigGenFile(parser_, dir_,
                     absl::StrCat("rsa_pkcs1_", bits, "_sig_gen_test.json"));
  }
}

TEST_F(WycheproofTest, RsaPss) {
  for (const char* name : {"rsa_pss_2048_sha256_mgf1_32_test.json",
                           "rsa_pss_3072_sha256_mgf1_32_test.json",
                           "rsa_pss_4096_sha256_mgf1_32_test.json",
                           "rsa_pss_2048_sha384_mgf1_48_test.json",
                           "rsa_pss_4096_sha384_mgf1_48_test.json",
                           "rsa_pss_4096_sha512_mgf1_64_test.json"}) {
    RunRsaPssFile(parser_, dir_, name);
  }
}

// Salt-length pinning: only the sLen = hash length, MGF1-same-hash groups
// may verify as PS*.
TEST_F(WycheproofTest, RsaPssMiscParameters) {
  RunRsaPssFile(parser_, dir_, "rsa_pss_misc_test.json");
}

TEST_F(WycheproofTest, Ed25519) {
  RunEdDsaFile(parser_, dir_, "ed25519_test.json", EdCurve::kEd25519,
               "edwards25519");
}

TEST_F(WycheproofTest, Ed448) {
  RunEdDsaFile(parser_, dir_, "ed448_test.json", EdCurve::kEd448, "edwards448");
}

}  // namespace
}  // namespace jwtd::crypto
