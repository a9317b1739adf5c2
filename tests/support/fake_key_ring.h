#ifndef JWTD_TESTS_SUPPORT_FAKE_KEY_RING_H_
#define JWTD_TESTS_SUPPORT_FAKE_KEY_RING_H_

// A key ring that hands out exactly what the test gave it, for tests and
// fuzz targets of the service layer. Needs jwtd::keyring linked; no gtest.

#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "server/keyring/key_ring.h"

namespace jwtd::testing {

// Not thread-safe: tests change it between calls only.
class FakeKeyRing : public keyring::KeyRing {
 public:
  FakeKeyRing(std::shared_ptr<const jose::SigningKey> signing_key,
              std::shared_ptr<const jose::KeySet> keys)
      : signing_key_(std::move(signing_key)), keys_(std::move(keys)) {}

  std::shared_ptr<const jose::SigningKey> ActiveSigningKey() const override {
    return signing_key_;
  }
  std::shared_ptr<const jose::KeySet> VerificationKeys() const override {
    return keys_;
  }
  // A new snapshot (as a rotation, refresh or reload makes).
  void ReplaceKeys(std::shared_ptr<const jose::KeySet> keys) {
    keys_ = std::move(keys);
  }
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> KeysForUnknownKid(
      absl::string_view kid) override {
    ++unknown_kid_calls;
    if (!unknown_kid_answer.ok()) return unknown_kid_answer;
    return keys_;
  }
  keyring::KeyRingStatus Status() const override {
    keyring::KeyRingStatus status;
    status.ready = true;
    status.keys = keys_->size();
    return status;
  }
  bool UnknownKidMayWait() const override { return may_wait; }

  // What KeysForUnknownKid answers when not OK, and how often it was asked.
  absl::Status unknown_kid_answer = absl::OkStatus();
  int unknown_kid_calls = 0;
  // What UnknownKidMayWait answers (a ring that fetches from its issuer).
  bool may_wait = false;

 private:
  std::shared_ptr<const jose::SigningKey> signing_key_;
  std::shared_ptr<const jose::KeySet> keys_;
};

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_FAKE_KEY_RING_H_
