#ifndef JWTD_TESTS_SUPPORT_FAKE_REVOCATION_STORE_H_
#define JWTD_TESTS_SUPPORT_FAKE_REVOCATION_STORE_H_

// A revocation store that keeps revocations in a map and can be told to
// fail, for tests and fuzz targets of the service layer (the SQLite and
// Redis stores are tested on their own). No gtest.

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/revocation/revocation_store.h"

namespace jwtd::testing {

// Not thread-safe: tests change it between calls only.
class FakeRevocationStore : public revocation::RevocationStore {
 public:
  absl::Status Revoke(absl::string_view jti, absl::Time until) override {
    if (!answer.ok()) return answer;
    revoked[std::string(jti)] = until;
    return absl::OkStatus();
  }
  absl::StatusOr<bool> IsRevoked(absl::string_view jti,
                                 absl::Time now) const override {
    if (!answer.ok()) return answer;
    auto it = revoked.find(std::string(jti));
    return it != revoked.end() && now < it->second;
  }
  revocation::RevocationStoreStatus Status() const override { return {}; }

  // What every call answers when not OK.
  absl::Status answer = absl::OkStatus();
  // jti -> until.
  std::map<std::string, absl::Time> revoked;
};

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_FAKE_REVOCATION_STORE_H_
