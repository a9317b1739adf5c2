#include "tests/e2e/test_pki.h"

#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/e2e/subprocess.h"

namespace jwtd::e2e {
namespace {

constexpr char kOpenssl[] = "/usr/bin/openssl";

absl::Status RunOpenssl(std::vector<std::string> args) {
  args.insert(args.begin(), kOpenssl);
  absl::StatusOr<ProcessResult> result = RunProcess(args);
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("openssl ", args[1], " failed: ", result->err));
  }
  return absl::OkStatus();
}

absl::Status NewKey(const std::string& path) {
  return RunOpenssl({"genpkey", "-algorithm", "EC", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-out", path});
}

}  // namespace

absl::StatusOr<TestCa> TestCa::Create(const std::string& dir,
                                      absl::string_view name) {
  CertFiles files{absl::StrCat(dir, "/", name, ".crt"),
                  absl::StrCat(dir, "/", name, ".key")};
  if (absl::Status s = NewKey(files.key); !s.ok()) return s;
  if (absl::Status s = RunOpenssl(
          {"req", "-x509", "-new", "-key", files.key, "-out", files.cert,
           "-days", "1", "-subj", absl::StrCat("/CN=", name), "-addext",
           "basicConstraints=critical,CA:TRUE", "-addext",
           "keyUsage=critical,keyCertSign,cRLSign"});
      !s.ok()) {
    return s;
  }
  return TestCa(dir, std::move(files));
}

absl::StatusOr<CertFiles> TestCa::Issue(
    absl::string_view name, absl::string_view subject_alt_name) const {
  CertFiles files{absl::StrCat(dir_, "/", name, ".crt"),
                  absl::StrCat(dir_, "/", name, ".key")};
  const std::string csr = absl::StrCat(dir_, "/", name, ".csr");
  const std::string extensions = absl::StrCat(dir_, "/", name, ".ext");
  {
    std::ofstream ext(extensions);
    ext << "basicConstraints=CA:FALSE\n"
        << "keyUsage=critical,digitalSignature\n"
        << "extendedKeyUsage=serverAuth,clientAuth\n"
        << "subjectAltName=" << subject_alt_name << "\n";
    if (!ext) return absl::InternalError("cannot write " + extensions);
  }
  if (absl::Status s = NewKey(files.key); !s.ok()) return s;
  if (absl::Status s = RunOpenssl({"req", "-new", "-key", files.key, "-out",
                                   csr, "-subj", absl::StrCat("/CN=", name)});
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          RunOpenssl({"x509", "-req", "-in", csr, "-CA", files_.cert, "-CAkey",
                      files_.key, "-CAcreateserial", "-out", files.cert,
                      "-days", "1", "-extfile", extensions});
      !s.ok()) {
    return s;
  }
  return files;
}

}  // namespace jwtd::e2e
