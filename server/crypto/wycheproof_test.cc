// Runs the Project Wycheproof HMAC and ECDSA vectors (copied into the shared
// test-data folder, see its README.md) against HmacKey and the ECDSA verifier.
//
// Location: $JWTD_SHARED_DIR/testdata/wycheproof, else
// $JWTD_SOURCE_DIR/../shared/testdata/wycheproof (JWTD_SOURCE_DIR falls back
// to the source tree this binary was configured from). Skipped when absent.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/crypto/hmac.h"
#include "server/crypto/signature.h"
#include "simdjson.h"

namespace jwtd::crypto {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> VectorDir() {
  fs::path shared;
  if (const char* dir = std::getenv("JWTD_SHARED_DIR"); dir && *dir) {
    shared = dir;
  } else {
    const char* source = std::getenv("JWTD_SOURCE_DIR");
    shared = fs::path(source && *source ? source : JWTD_DEFAULT_SOURCE_DIR) /
             ".." / "shared";
  }
  fs::path dir = shared / "testdata" / "wycheproof";
  std::error_code error;
  if (!fs::is_directory(dir, error)) return std::nullopt;
  return dir;
}

// Tally for one vector file; printed at the end and checked for failures.
struct Tally {
  explicit Tally(std::string file_name) : file(std::move(file_name)) {}

  std::string file;
  int total = 0;
  int passed = 0;
  int failed = 0;
  std::map<std::string, int> skipped;  // reason -> count
  std::map<std::string, int> notes;    // what the passes consisted of

  void Pass(const std::string& what) {
    ++passed;
    ++notes[what];
  }
  void Fail(int tc_id, const std::string& why) {
    ++failed;
    ADD_FAILURE() << file << " tcId " << tc_id << ": " << why;
  }
  void Skip(const std::string& reason) { ++skipped[reason]; }

  void Print() const {
    std::cout << "[wycheproof] " << file << ": " << passed << " passed / "
              << total << " total, " << failed << " failed";
    for (const auto& [reason, count] : skipped) {
      std::cout << ", skipped " << count << " (" << reason << ")";
    }
    std::cout << "\n";
    for (const auto& [what, count] : notes) {
      std::cout << "[wycheproof]     " << count << " x " << what << "\n";
    }
  }
};

// Loads `name` into `root`; false (with a failure) if it cannot.
bool Load(simdjson::dom::parser& parser, const fs::path& dir,
          const std::string& name, simdjson::dom::element& root) {
  const fs::path path = dir / name;
  if (auto error = parser.load(path.string()).get(root)) {
    ADD_FAILURE() << "cannot parse " << path << ": "
                  << simdjson::error_message(error);
    return false;
  }
  return true;
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

}  // namespace
}  // namespace jwtd::crypto
