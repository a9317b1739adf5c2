#ifndef JWTD_TESTS_E2E_REDIS_REPLICA_CONFIG_H_
#define JWTD_TESTS_E2E_REDIS_REPLICA_CONFIG_H_

#include <string>

#include "absl/strings/string_view.h"

namespace jwtd::e2e {

// The YAML configuration of a jwtd replica sharing revocations through
// Redis: one issuer (`issuer`, audience `audience`) whose `keys:` block is
// `keys_yaml` (already indented for the issuer), and the Redis store at
// 127.0.0.1:`redis_port` (on_unavailable: fail_closed, the default).
std::string RedisReplicaConfig(absl::string_view data_dir,
                               absl::string_view issuer,
                               absl::string_view audience,
                               absl::string_view keys_yaml, int redis_port);

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_REDIS_REPLICA_CONFIG_H_
