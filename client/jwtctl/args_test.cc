#include "client/jwtctl/args.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jwtctl {
namespace {

using ::jwtd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr FlagSpec kSpecs[] = {
    {"addr", true, false},
    {"aud", true, true},
    {"help", false, true},
};

absl::StatusOr<CommandLine> Parse(std::vector<std::string> args) {
  return ParseCommandLine(args, kSpecs);
}

TEST(ParseCommandLineTest, FlagsBeforeAndAfterTheCommand) {
  ASSERT_OK_AND_ASSIGN(CommandLine cli, Parse({"--addr", "h:1", "validate",
                                               "tok", "--aud=orders"}));
  EXPECT_THAT(cli.positionals, ElementsAre("validate", "tok"));
  EXPECT_EQ(cli.Value("addr"), "h:1");
  EXPECT_THAT(cli.Values("aud"), ElementsAre("orders"));
}

TEST(ParseCommandLineTest, RepeatedFlagsAccumulateInOrder) {
  ASSERT_OK_AND_ASSIGN(CommandLine cli,
                       Parse({"issue", "--aud", "a", "--aud=b", "--aud", "c"}));
  EXPECT_THAT(cli.Values("aud"), ElementsAre("a", "b", "c"));
}

TEST(ParseCommandLineTest, ValueMayContainEqualsAndBeEmpty) {
  ASSERT_OK_AND_ASSIGN(CommandLine cli, Parse({"--aud=x=y", "--addr="}));
  EXPECT_THAT(cli.Values("aud"), ElementsAre("x=y"));
  EXPECT_EQ(cli.Value("addr"), "");
}

TEST(ParseCommandLineTest, AbsentFlag) {
  ASSERT_OK_AND_ASSIGN(CommandLine cli, Parse({"keys"}));
  EXPECT_FALSE(cli.Has("addr"));
  EXPECT_EQ(cli.Value("addr"), std::nullopt);
  EXPECT_THAT(cli.Values("aud"), IsEmpty());
}

TEST(ParseCommandLineTest, SwitchesAndShortHelp) {
  ASSERT_OK_AND_ASSIGN(CommandLine cli, Parse({"-h"}));
  EXPECT_TRUE(cli.Has("help"));
  ASSERT_OK_AND_ASSIGN(cli, Parse({"keys", "--help"}));
  EXPECT_TRUE(cli.Has("help"));
  EXPECT_THAT(Parse({"--help=yes"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("takes no value")));
}

TEST(ParseCommandLineTest, DashIsPositionalAndDoubleDashEndsFlags) {
  ASSERT_OK_AND_ASSIGN(CommandLine cli,
                       Parse({"validate", "-", "--", "--aud", "-x"}));
  EXPECT_THAT(cli.positionals, ElementsAre("validate", "-", "--aud", "-x"));
  EXPECT_FALSE(cli.Has("aud"));
}

TEST(ParseCommandLineTest, UnknownFlag) {
  EXPECT_THAT(Parse({"--bogus"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("unknown flag --bogus")));
  EXPECT_THAT(Parse({"-x"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("unknown flag -x")));
}

TEST(ParseCommandLineTest, UnknownFlagNameIsShortened) {
  const std::string long_name(200, 'a');
  absl::StatusOr<CommandLine> cli = Parse({"--" + long_name});
  ASSERT_THAT(cli, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(cli.status().message()), Not(HasSubstr(long_name)));
}

TEST(ParseCommandLineTest, MissingValue) {
  EXPECT_THAT(Parse({"issue", "--aud"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--aud needs a value")));
  // A following flag is not taken as the value.
  EXPECT_THAT(Parse({"--aud", "--addr", "x:1"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--aud needs a value")));
}

TEST(ParseCommandLineTest, NonRepeatableFlagTwice) {
  EXPECT_THAT(Parse({"--addr", "a:1", "--addr=b:2"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("more than once")));
}

TEST(ParseCommandLineTest, ErrorsNeverEchoPositionals) {
  absl::StatusOr<CommandLine> cli = Parse({"secret-token", "--addr"});
  ASSERT_THAT(cli, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(cli.status().message()),
              Not(HasSubstr("secret-token")));
}

}  // namespace
}  // namespace jwtd::jwtctl
