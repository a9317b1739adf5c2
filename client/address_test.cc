#include "client/address.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;

class GoodAddressTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodAddressTest, IsAccepted) {
  EXPECT_THAT(ValidateAddress(GetParam()), IsOk());
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, GoodAddressTest,
    ::testing::Values("127.0.0.1:50051", "localhost:1", "jwtd.svc:65535",
                      "my_host-1.example.com:443", "[::1]:50051",
                      "[fe80::1%eth0]:80", "unix:/run/jwtd/jwtd.sock",
                      "unix:///run/jwtd.sock", "dns:///jwtd:50051",
                      "ipv4:127.0.0.1:1", "unix-abstract:jwtd"));

struct BadAddress {
  std::string address;
  std::string problem;  // A part of the message.
};

class BadAddressTest : public ::testing::TestWithParam<BadAddress> {};

TEST_P(BadAddressTest, IsRejected) {
  EXPECT_THAT(ValidateAddress(GetParam().address),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().problem)));
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, BadAddressTest,
    ::testing::Values(
        BadAddress{"", "empty"}, BadAddress{"localhost", "host:port"},
        BadAddress{"localhost:", "port"}, BadAddress{":50051", "host is empty"},
        BadAddress{"localhost:0", "port"},
        BadAddress{"localhost:65536", "port"},
        BadAddress{"localhost:+80", "port"},
        BadAddress{"localhost:99999999999999999999", "port"},
        BadAddress{"local host:80", "whitespace"},
        BadAddress{"localhost:80\n", "whitespace"},
        BadAddress{"::1:50051", "brackets"},
        BadAddress{"[::1]50051", "[addr]:port"},
        BadAddress{"[]:1", "[addr]:port"}, BadAddress{"[zz]:1", "IPv6"},
        BadAddress{"unix:", "absolute path"},
        BadAddress{"unix:relative.sock", "absolute path"},
        BadAddress{"unix:/", "absolute path"},
        BadAddress{"dns:", "nothing after"}));

}  // namespace
}  // namespace jwtd
