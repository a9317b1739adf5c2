// Cross-implementation checks against two independent JOSE libraries,
// Debian's python3-jwcrypto and python3-jwt (PyJWT), driven through
// jose_interop.py with files in a temporary directory (no sockets):
//
//  - jwtd signs a JWT with SignCompact for every algorithm and publishes its
//    JWKS (KeySet::jwks_json; for HS* the secret JWK built here); both
//    libraries must verify it (and refuse a tampered copy).
//  - Both libraries generate a key for every algorithm, sign a JWT and hand
//    over the public JWK (the oct JWK for HS*); jwtd imports it with
//    ImportJwks and JwtValidator must accept the token (and refuse a
//    tampered copy).
//
// Skipped (GTEST_SKIP) only when /usr/bin/python3 or one of the modules is
// missing. A library that cannot handle an algorithm reports "skip" with a
// reason, which is counted and printed; any other failure fails the test.

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/crypto/eddsa.h"
#include "server/crypto/random.h"
#include "server/crypto/rsa.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/claims.h"
#include "server/jose/json.h"
#include "server/jose/jwk.h"
#include "server/jose/jwks.h"
#include "server/jose/jws.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_material.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "server/jose/reject_reason.h"
#include "simdjson.h"
#include "tests/support/reject_matchers.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::IsRejectedForAnyReason;
using ::jwtd::testing::ScopedTempDir;

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kIssuer[] = "https://issuer.example";
constexpr char kAudience[] = "api";
constexpr char kSubject[] = "alice";

JwksImportOptions AllowSecrets(bool allow) {
  JwksImportOptions options;
  options.allow_secret_keys = allow;
  return options;
}

ValidationPolicy Policy() {
  ValidationPolicy policy;
  policy.issuer = kIssuer;
  policy.audiences = {kAudience};
  return policy;
}

// The helper script: next to this file in the source tree.
std::string ScriptPath() {
  if (const char* source = std::getenv("JWTD_SOURCE_DIR");
      source != nullptr && *source != '\0') {
    return absl::StrCat(source, "/tests/interop/jose_interop.py");
  }
  return JWTD_INTEROP_SCRIPT;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

void WriteFile(const std::string& path, absl::string_view contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

// Runs the script with `args`, stdout and stderr to files in `dir`. Returns
// the exit status and fills `out` with stdout.
int RunScript(const ScopedTempDir& dir, const std::string& args,
              std::string& out, std::string& err) {
  const std::string out_path = dir.Join("stdout");
  const std::string err_path = dir.Join("stderr");
  const std::string command =
      absl::StrCat(kPython, " '", ScriptPath(), "' ", args, " >'", out_path,
                   "' 2>'", err_path, "'");
  const int status = std::system(command.c_str());
  out = ReadFile(out_path);
  err = ReadFile(err_path);
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// One algorithm, and for EdDSA the curve.
struct AlgCase {
  std::string name;
  JwsAlgorithm alg;
  std::optional<crypto::EdCurve> ed_curve;
};

std::vector<AlgCase> AllCases() {
  std::vector<AlgCase> cases;
  for (JwsAlgorithm alg : kAllJwsAlgorithms) {
    if (alg == JwsAlgorithm::kEdDSA) {
      cases.push_back({"EdDSA_Ed25519", alg, crypto::EdCurve::kEd25519});
      cases.push_back({"EdDSA_Ed448", alg, crypto::EdCurve::kEd448});
    } else {
      cases.push_back({std::string(JwsAlgorithmName(alg)), alg, std::nullopt});
    }
  }
  return cases;
}

// Outcome per (case, library), printed as a matrix.
class Matrix {
 public:
  explicit Matrix(std::string title) : title_(std::move(title)) {}

  void Record(const std::string& name, const std::string& lib,
              const std::string& status, const std::string& detail) {
    cells_[name][lib] = status;
    ++totals_[status];
    if (status == "skip") ++skip_reasons_[absl::StrCat(lib, ": ", detail)];
  }
  int count(const std::string& status) const {
    auto it = totals_.find(status);
    return it == totals_.end() ? 0 : it->second;
  }
  bool has(const std::string& name, const std::string& lib) const {
    auto row = cells_.find(name);
    return row != cells_.end() && row->second.count(lib) > 0;
  }

  void Print() const {
    std::cout << "[interop] " << title_ << "\n";
    std::cout << "[interop]   " << std::string(14, ' ') << "jwcrypto  pyjwt\n";
    for (const auto& [name, libs] : cells_) {
      std::cout << "[interop]   " << name
                << std::string(name.size() < 14 ? 14 - name.size() : 1, ' ');
      for (const char* lib : {"jwcrypto", "pyjwt"}) {
        auto it = libs.find(lib);
        const std::string cell = it == libs.end() ? "-" : it->second;
        std::cout << cell << std::string(10 - cell.size(), ' ');
      }
      std::cout << "\n";
    }
    std::cout << "[interop]   ok " << count("ok") << ", fail " << count("fail")
              << ", skip " << count("skip") << "\n";
    for (const auto& [reason, n] : skip_reasons_) {
      std::cout << "[interop]   skipped " << n << " x " << reason << "\n";
    }
  }

 private:
  std::string title_;
  std::map<std::string, std::map<std::string, std::string>> cells_;
  std::map<std::string, int> totals_;
  std::map<std::string, int> skip_reasons_;
};

std::string Str(simdjson::dom::element object, std::string_view key) {
  std::string_view value;
  if (object[key].get(value)) return "";
  return std::string(value);
}

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::error_code error;
    if (!std::filesystem::exists(kPython, error)) {
      GTEST_SKIP() << kPython << " not found: cross-implementation tests need "
                   << "python3 with python3-jwcrypto and python3-jwt";
    }
    ASSERT_TRUE(std::filesystem::exists(ScriptPath(), error))
        << "helper script missing: " << ScriptPath();
    std::string out, err;
    const int status = RunScript(dir_, "check", out, err);
    if (status == 3) {
      GTEST_SKIP() << "python modules missing (apt-get install python3-jwt "
                      "python3-jwcrypto): "
                   << out << err;
    }
    ASSERT_EQ(status, 0) << out << err;
    std::cout << "[interop] python: " << out;
  }

  // Runs `command` on `request`; the parsed "results" array.
  void RunJson(const std::string& command, const std::string& request,
               simdjson::dom::array& results) {
    const std::string request_path = dir_.Join(command + ".json");
    WriteFile(request_path, request);
    std::string out, err;
    ASSERT_EQ(RunScript(dir_, absl::StrCat(command, " '", request_path, "'"),
                        out, err),
              0)
        << out << err;
    output_ = simdjson::padded_string(out);
    simdjson::dom::element root;
    ASSERT_FALSE(parser_.parse(output_).get(root)) << out << err;
    ASSERT_FALSE(root["results"].get(results)) << out;
  }

  ScopedTempDir dir_;
  simdjson::dom::parser parser_;
  simdjson::padded_string output_;
};

// The keys jwtd signs with for one case, and the JWKS it publishes for it.
struct JwtdKey {
  std::shared_ptr<const SigningKey> signer;
  std::string jwks;
};

absl::StatusOr<JwtdKey> MakeJwtdKey(const AlgCase& c) {
  const std::string kid = absl::StrCat("jwtd-", c.name);
  JwtdKey key;
  if (IsHmac(c.alg)) {
    const std::string secret = crypto::RandomBytes(64);
    absl::StatusOr<std::shared_ptr<const SigningKey>> signer =
        SigningKey::FromSecret(secret, c.alg, kid);
    if (!signer.ok()) return signer.status();
    key.signer = *signer;
    // Secrets are never in a published JWKS: the oct JWK is built here.
    Json jwk = Json::EmptyObject();
    jwk.Set("kty", Json::String("oct"));
    jwk.Set("kid", Json::String(kid));
    jwk.Set("alg", Json::String(std::string(JwsAlgorithmName(c.alg))));
    jwk.Set("k", Json::String(Base64UrlEncode(secret)));
    key.jwks = absl::StrCat(R"({"keys":[)", jwk.Serialize(), "]}");
    return key;
  }
  absl::StatusOr<PrivateKey> private_key;
  if (FamilyOf(c.alg) == KeyFamily::kRsaPkcs1 ||
      FamilyOf(c.alg) == KeyFamily::kRsaPss) {
    // One RSA key for all six RSA algorithms: generation is slow.
    static const absl::StatusOr<crypto::RsaPrivateKey>* const rsa =
        new absl::StatusOr<crypto::RsaPrivateKey>(
            crypto::RsaPrivateKey::Generate(kGeneratedRsaBits));
    if (!rsa->ok()) return rsa->status();
    private_key = PrivateKey(**rsa);
  } else if (c.ed_curve.has_value()) {
    absl::StatusOr<crypto::EdPrivateKey> ed =
        crypto::EdPrivateKey::Generate(*c.ed_curve);
    if (!ed.ok()) return ed.status();
    private_key = PrivateKey(*std::move(ed));
  } else {
    private_key = GeneratePrivateKey(c.alg);
  }
  if (!private_key.ok()) return private_key.status();
  absl::StatusOr<std::shared_ptr<const SigningKey>> signer =
      SigningKey::Create(*private_key, c.alg, kid);
  if (!signer.ok()) return signer.status();
  key.signer = *signer;
  absl::StatusOr<std::shared_ptr<const VerificationKey>> verification_key =
      VerificationKey::Create(PublicKeyOf(*private_key), c.alg, kid);
  if (!verification_key.ok()) return verification_key.status();
  absl::StatusOr<std::shared_ptr<const KeySet>> set =
      KeySet::Create({*verification_key});
  if (!set.ok()) return set.status();
  key.jwks = (*set)->jwks_json();
  return key;
}

// Every jwtd-signed token verifies in jwcrypto and PyJWT with jwtd's JWKS.
TEST_F(InteropTest, JwtdSignsPythonVerifies) {
  const absl::Time now = absl::Now();
  Json claims = Json::EmptyObject();
  claims.Set("iss", Json::String(kIssuer));
  claims.Set("sub", Json::String(kSubject));
  claims.Set("aud", Json::String(kAudience));
  claims.Set("iat", NumericDate(now));
  claims.Set("exp", NumericDate(now + absl::Minutes(10)));
  claims.Set("jti", Json::String("interop"));

  std::string manifest = R"({"cases":[)";
  const std::vector<AlgCase> cases = AllCases();
  for (size_t i = 0; i < cases.size(); ++i) {
    const AlgCase& c = cases[i];
    ASSERT_OK_AND_ASSIGN(JwtdKey key, MakeJwtdKey(c));
    ASSERT_OK_AND_ASSIGN(std::string token,
                         SignCompact(*key.signer, "JWT", claims.Serialize()));
    Json entry = Json::EmptyObject();
    entry.Set("name", Json::String(c.name));
    entry.Set("alg", Json::String(std::string(JwsAlgorithmName(c.alg))));
    entry.Set("token", Json::String(token));
    entry.Set("issuer", Json::String(kIssuer));
    entry.Set("audience", Json::String(kAudience));
    entry.Set("subject", Json::String(kSubject));
    std::string text = entry.Serialize();
    text.pop_back();  // Splice the JWKS in as an object.
    absl::StrAppend(&manifest, i == 0 ? "" : ",", text, R"(,"jwks":)", key.jwks,
                    "}");
  }
  manifest += "]}";

  simdjson::dom::array results;
  ASSERT_NO_FATAL_FAILURE(RunJson("verify", manifest, results));
  Matrix matrix("jwtd signs -> python verifies");
  for (simdjson::dom::element result : results) {
    const std::string name = Str(result, "name");
    const std::string lib = Str(result, "lib");
    const std::string status = Str(result, "status");
    const std::string detail = Str(result, "detail");
    matrix.Record(name, lib, status, detail);
    EXPECT_NE(status, "fail") << lib << " on " << name << ": " << detail;
    EXPECT_TRUE(status == "ok" || status == "skip")
        << lib << " on " << name << ": " << status;
  }
  matrix.Print();
  for (const AlgCase& c : cases) {
    EXPECT_TRUE(matrix.has(c.name, "jwcrypto")) << c.name;
    EXPECT_TRUE(matrix.has(c.name, "pyjwt")) << c.name;
  }
  EXPECT_EQ(matrix.count("ok") + matrix.count("skip"), 2 * cases.size());
}

// Every token jwcrypto and PyJWT sign verifies in jwtd with the JWK they
// publish, through ImportJwks and JwtValidator; a tampered copy does not.
TEST_F(InteropTest, PythonSignsJwtdVerifies) {
  const absl::Time now = absl::Now();
  Json request = Json::EmptyObject();
  Json list = Json::EmptyArray();
  const std::vector<AlgCase> cases = AllCases();
  for (const AlgCase& c : cases) {
    Json entry = Json::EmptyObject();
    entry.Set("name", Json::String(c.name));
    entry.Set("alg", Json::String(std::string(JwsAlgorithmName(c.alg))));
    if (c.ed_curve.has_value()) {
      entry.Set("crv", Json::String(std::string(JwkOkpCurveName(*c.ed_curve))));
    }
    list.Append(std::move(entry));
  }
  request.Set("cases", std::move(list));
  request.Set("issuer", Json::String(kIssuer));
  request.Set("audience", Json::String(kAudience));
  request.Set("subject", Json::String(kSubject));
  request.Set("now", NumericDate(now));

  simdjson::dom::array results;
  ASSERT_NO_FATAL_FAILURE(RunJson("sign", request.Serialize(), results));
  ASSERT_OK_AND_ASSIGN(JwtValidator validator, JwtValidator::Create(Policy()));
  Matrix matrix("python signs -> jwtd verifies");
  for (simdjson::dom::element result : results) {
    const std::string name = Str(result, "name");
    const std::string lib = Str(result, "lib");
    std::string status = Str(result, "status");
    std::string detail = Str(result, "detail");
    if (status == "ok") {
      SCOPED_TRACE(absl::StrCat(lib, " ", name));
      simdjson::dom::element jwk;
      EXPECT_FALSE(result["jwk"].get(jwk));
      const std::string jwk_text = simdjson::minify(jwk);
      const bool secret = jwk_text.find(R"("kty":"oct")") != std::string::npos;
      const std::string token = Str(result, "token");
      absl::StatusOr<std::shared_ptr<const KeySet>> keys = ImportJwks(
          absl::StrCat(R"({"keys":[)", jwk_text, "]}"), AllowSecrets(secret));
      absl::Status verdict = keys.status();
      if (keys.ok()) {
        absl::StatusOr<VerifiedJwt> jwt =
            validator.Validate(token, **keys, now);
        verdict = jwt.status();
        if (jwt.ok()) {
          EXPECT_EQ(JwsAlgorithmName(jwt->alg()), Str(result, "alg"));
          EXPECT_EQ(jwt->registered().subject,
                    std::optional<std::string>(kSubject));
          // The last signature character changed: refused.
          std::string tampered = token;
          tampered.back() = tampered.back() == 'A' ? 'Q' : 'A';
          EXPECT_THAT(validator.Validate(tampered, **keys, now),
                      IsRejectedForAnyReason());
        }
      }
      if (!verdict.ok()) {
        status = "fail";
        detail = verdict.ToString();
      }
    }
    matrix.Record(name, lib, status, detail);
    EXPECT_NE(status, "fail") << lib << " on " << name << ": " << detail;
  }
  matrix.Print();
  for (const AlgCase& c : cases) {
    EXPECT_TRUE(matrix.has(c.name, "jwcrypto")) << c.name;
    EXPECT_TRUE(matrix.has(c.name, "pyjwt")) << c.name;
  }
  EXPECT_EQ(matrix.count("ok") + matrix.count("skip"), 2 * cases.size());
}

}  // namespace
}  // namespace jwtd::jose
