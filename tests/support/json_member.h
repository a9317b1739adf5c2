#ifndef JWTD_TESTS_SUPPORT_JSON_MEMBER_H_
#define JWTD_TESTS_SUPPORT_JSON_MEMBER_H_

// Safe member access for tests: a missing member fails the test instead of
// crashing the whole binary on a null pointer. Needs jwtd::jose linked.

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "server/jose/json.h"

namespace jwtd::testing {

// The member `name` of `object`, or (after a test failure) a null value.
// Reading a null value with a typed accessor then throws, which GoogleTest
// reports as a failure of the current test.
inline const jose::Json& Member(const jose::Json& object,
                                absl::string_view name) {
  static const jose::Json* const kNull = new jose::Json();
  const jose::Json* member = object.Find(name);
  if (member == nullptr) {
    ADD_FAILURE() << "no member \"" << name << "\" in " << object.Serialize();
    return *kNull;
  }
  return *member;
}

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_JSON_MEMBER_H_
