// jwtctl: the command-line client of jwtd. See commands.h for the contract
// and `jwtctl help` for usage.

#include <iostream>
#include <string>
#include <vector>

#include "client/jwtctl/commands.h"

#ifndef JWTD_VERSION
#define JWTD_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return jwtd::jwtctl::RunJwtctl(args, JWTD_VERSION, std::cin, std::cout,
                                 std::cerr);
}
