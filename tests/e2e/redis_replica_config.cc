#include "tests/e2e/redis_replica_config.h"

#include "absl/strings/str_cat.h"

namespace jwtd::e2e {

std::string RedisReplicaConfig(absl::string_view data_dir,
                               absl::string_view issuer,
                               absl::string_view audience,
                               absl::string_view keys_yaml, int redis_port) {
  return absl::StrCat("data_dir: ", data_dir,
                      "\n"
                      "issuers:\n"
                      "  - issuer: ",
                      issuer,
                      "\n"
                      "    audiences: [",
                      audience,
                      "]\n"
                      "    keys:\n",
                      keys_yaml,
                      "revocation:\n"
                      "  store: redis\n"
                      "  redis:\n"
                      "    host: 127.0.0.1\n"
                      "    port: ",
                      redis_port, "\n");
}

}  // namespace jwtd::e2e
