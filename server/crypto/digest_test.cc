// Tests for Digest, DigestLength and RandomBytes.

#include "server/crypto/digest.h"

#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "server/crypto/random.h"
#include "server/crypto/signature.h"

namespace jwtd::crypto {
namespace {

std::string HexDigest(HashFunction hash, absl::string_view data) {
  return absl::BytesToHexString(Digest(hash, data));
}

TEST(DigestLengthTest, MatchesSha2OutputSizes) {
  EXPECT_EQ(DigestLength(HashFunction::kSha256), 32u);
  EXPECT_EQ(DigestLength(HashFunction::kSha384), 48u);
  EXPECT_EQ(DigestLength(HashFunction::kSha512), 64u);
}

// FIPS 180-2 appendix examples.
TEST(DigestTest, Sha256KnownAnswers) {
  EXPECT_EQ(HexDigest(HashFunction::kSha256, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexDigest(HashFunction::kSha256, ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexDigest(HashFunction::kSha256, std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(DigestTest, Sha384KnownAnswer) {
  EXPECT_EQ(HexDigest(HashFunction::kSha384, "abc"),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
}

TEST(DigestTest, Sha512KnownAnswer) {
  EXPECT_EQ(HexDigest(HashFunction::kSha512, "abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

TEST(DigestTest, HandlesEmbeddedNulBytes) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(Digest(HashFunction::kSha256, with_nul),
            Digest(HashFunction::kSha256, "a"));
}

TEST(RandomBytesTest, ReturnsRequestedLength) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(1).size(), 1u);
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_EQ(RandomBytes(100000).size(), 100000u);
}

TEST(RandomBytesTest, OutputsDiffer) {
  // 64 draws of 16 bytes colliding would mean a broken generator.
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) seen.insert(RandomBytes(16));
  EXPECT_EQ(seen.size(), 64u);
  // And the output is not left zero-filled.
  EXPECT_NE(RandomBytes(32), std::string(32, '\0'));
}

}  // namespace
}  // namespace jwtd::crypto
