// jwtctl: the command-line client of jwtd. See commands.h for the contract
// and `jwtctl help` for usage.

#include <iostream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "client/jwtctl/commands.h"

#ifndef JWTD_VERSION
#define JWTD_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  // As in jwtd: Debian's Abseil runs mutex deadlock detection, a lock graph
  // kept on every Lock() of gRPC's mutexes; a one-shot client needs none.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return jwtd::jwtctl::RunJwtctl(args, JWTD_VERSION, std::cin, std::cout,
                                 std::cerr);
}
