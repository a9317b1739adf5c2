#include "server/crypto/hmac.h"

#include <openssl/evp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::crypto {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;

constexpr HashFunction kAllHashes[] = {
    HashFunction::kSha256, HashFunction::kSha384, HashFunction::kSha512};

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

// Reference HMAC through OpenSSL's one-shot API, which shares none of the
// key's context caching.
std::string ReferenceHmac(HashFunction hash, absl::string_view key,
                          absl::string_view data) {
  const char* name = hash == HashFunction::kSha256   ? "SHA2-256"
                     : hash == HashFunction::kSha384 ? "SHA2-384"
                                                     : "SHA2-512";
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, name, nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()),
                data.size(), out, sizeof(out), &length) == nullptr) {
    ADD_FAILURE() << "EVP_Q_mac failed";
    return "";
  }
  return std::string(reinterpret_cast<char*>(out), length);
}

std::unique_ptr<HmacKey> MustCreate(HashFunction hash,
                                    absl::string_view secret) {
  absl::StatusOr<std::unique_ptr<HmacKey>> key = HmacKey::Create(hash, secret);
  EXPECT_THAT(key, IsOk());
  return key.ok() ? *std::move(key) : nullptr;
}

// RFC 4231 section 4: only test cases 6 and 7 use a key at least as long as
// the hash output (131 bytes of 0xaa), which RFC 7518 requires.
struct Rfc4231Case {
  HashFunction hash;
  std::string data;
  std::string tag_hex;
};

const std::string kRfc4231LongKey(131, '\xaa');
const char kCase6Data[] =
    "Test Using Larger Than Block-Size Key - Hash Key First";
const char kCase7Data[] =
    "This is a test using a larger than block-size key and a larger than "
    "block-size data. The key needs to be hashed before being used by the "
    "HMAC algorithm.";

class Rfc4231Test : public ::testing::TestWithParam<Rfc4231Case> {};

TEST_P(Rfc4231Test, SignsAndVerifies) {
  const Rfc4231Case& c = GetParam();
  std::unique_ptr<HmacKey> key = MustCreate(c.hash, kRfc4231LongKey);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->hash(), c.hash);
  ASSERT_OK_AND_ASSIGN(std::string tag, key->Sign(c.data));
  EXPECT_EQ(absl::BytesToHexString(tag), c.tag_hex);
  EXPECT_THAT(key->Verify(c.data, Hex(c.tag_hex)), IsOk());
  // Signing twice with the cached context gives the same answer.
  ASSERT_OK_AND_ASSIGN(std::string again, key->Sign(c.data));
  EXPECT_EQ(again, tag);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc4231, Rfc4231Test,
    ::testing::Values(
        Rfc4231Case{HashFunction::kSha256, kCase6Data,
                    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0e"
                    "e37f54"},
        Rfc4231Case{HashFunction::kSha384, kCase6Data,
                    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f0503"
                    "3ac4c60c2ef6ab4030fe8296248df163f44952"},
        Rfc4231Case{HashFunction::kSha512, kCase6Data,
                    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783"
                    "f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b91"
                    "5a985d786598"},
        Rfc4231Case{HashFunction::kSha256, kCase7Data,
                    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c"
                    "3a35e2"},
        Rfc4231Case{HashFunction::kSha384, kCase7Data,
                    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb8246"
                    "1e99c5a678cc31e799176d3860e6110c46523e"},
        Rfc4231Case{HashFunction::kSha512, kCase7Data,
                    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20"
                    "cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c9"
                    "7440fa8c6a58"}));

TEST(HmacKeyTest, RejectsRfc4231ShortKeys) {
  for (HashFunction hash : kAllHashes) {
    // Case 1: 20 bytes of 0x0b. Case 2: "Jefe". Case 4: 25 bytes.
    EXPECT_THAT(
        HmacKey::Create(hash, std::string(20, '\x0b')),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too short")));
    EXPECT_THAT(HmacKey::Create(hash, "Jefe"),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(
        HmacKey::Create(hash, Hex("0102030405060708090a0b0c0d0e0f1011121314151"
                                  "6171819")),
        StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(HmacKey::Create(hash, ""),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(HmacKeyTest, MinimumKeyLengthIsTheHashLength) {
  for (HashFunction hash : kAllHashes) {
    const size_t length = DigestLength(hash);
    EXPECT_THAT(HmacKey::Create(hash, std::string(length - 1, 'k')),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(HmacKey::Create(hash, std::string(length, 'k')), IsOk());
  }
}

TEST(HmacKeyTest, MatchesReferenceForManyLengths) {
  const std::string secret(64, 's');
  for (HashFunction hash : kAllHashes) {
    std::unique_ptr<HmacKey> key = MustCreate(hash, secret);
    ASSERT_NE(key, nullptr);
    for (size_t n : {0, 1, 55, 56, 63, 64, 65, 127, 128, 129, 1000, 100000}) {
      const std::string data(n, static_cast<char>('a' + n % 26));
      ASSERT_OK_AND_ASSIGN(std::string tag, key->Sign(data));
      EXPECT_EQ(tag.size(), DigestLength(hash));
      EXPECT_EQ(tag, ReferenceHmac(hash, secret, data)) << "length " << n;
      EXPECT_THAT(key->Verify(data, tag), IsOk());
    }
  }
}

TEST(HmacKeyTest, RejectsEveryBitFlipTruncationAndExtension) {
  for (HashFunction hash : kAllHashes) {
    std::unique_ptr<HmacKey> key = MustCreate(hash, std::string(64, 'k'));
    ASSERT_NE(key, nullptr);
    const std::string data = "header.payload";
    ASSERT_OK_AND_ASSIGN(const std::string tag, key->Sign(data));

    for (size_t bit = 0; bit < tag.size() * 8; ++bit) {
      std::string flipped = tag;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      EXPECT_THAT(
          key->Verify(data, flipped),
          StatusIs(absl::StatusCode::kUnauthenticated, "signature mismatch"))
          << "bit " << bit;
    }
    for (size_t length = 0; length < tag.size(); ++length) {
      EXPECT_THAT(key->Verify(data, tag.substr(0, length)),
                  StatusIs(absl::StatusCode::kUnauthenticated))
          << "length " << length;
    }
    EXPECT_THAT(key->Verify(data, tag + '\0'),
                StatusIs(absl::StatusCode::kUnauthenticated));
    EXPECT_THAT(key->Verify(data, tag + tag),
                StatusIs(absl::StatusCode::kUnauthenticated));
    EXPECT_THAT(key->Verify(data, ""),
                StatusIs(absl::StatusCode::kUnauthenticated));
    // Right tag, other data.
    EXPECT_THAT(key->Verify("header.payloaD", tag),
                StatusIs(absl::StatusCode::kUnauthenticated));
    EXPECT_THAT(key->Verify(data, tag), IsOk());
  }
}

TEST(HmacKeyTest, DifferentKeysAndHashesDisagree) {
  const std::string secret(64, 'k');
  std::unique_ptr<HmacKey> a = MustCreate(HashFunction::kSha256, secret);
  std::unique_ptr<HmacKey> b =
      MustCreate(HashFunction::kSha256, std::string(64, 'K'));
  std::unique_ptr<HmacKey> c = MustCreate(HashFunction::kSha512, secret);
  ASSERT_TRUE(a && b && c);
  ASSERT_OK_AND_ASSIGN(std::string tag, a->Sign("data"));
  EXPECT_THAT(b->Verify("data", tag),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // A SHA-512 key must not accept a SHA-256 tag, not even as a prefix.
  EXPECT_THAT(c->Verify("data", tag),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ASSERT_OK_AND_ASSIGN(std::string long_tag, c->Sign("data"));
  EXPECT_THAT(a->Verify("data", long_tag.substr(0, 32)),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(HmacKeyTest, ConcurrentUseGivesIdenticalResults) {
  const std::string secret(48, 'c');
  std::unique_ptr<HmacKey> key = MustCreate(HashFunction::kSha384, secret);
  ASSERT_NE(key, nullptr);
  constexpr int kThreads = 8;
  constexpr int kIterations = 500;
  std::vector<std::string> expected;
  for (int i = 0; i < 16; ++i) {
    expected.push_back(
        ReferenceHmac(HashFunction::kSha384, secret, absl::StrCat("m", i)));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIterations; ++i) {
        const std::string data = absl::StrCat("m", i % 16);
        absl::StatusOr<std::string> tag = key->Sign(data);
        if (!tag.ok() || *tag != expected[i % 16] ||
            !key->Verify(data, *tag).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// More keys than a thread's context cache holds, used round robin: every
// lookup must find the right key's context after evictions.
TEST(HmacKeyTest, ManyKeysOnOneThread) {
  std::vector<std::unique_ptr<HmacKey>> keys;
  std::vector<std::string> secrets;
  for (int i = 0; i < 40; ++i) {
    secrets.push_back(absl::StrCat(std::string(32, 'k'), i));
    keys.push_back(MustCreate(HashFunction::kSha256, secrets.back()));
    ASSERT_NE(keys.back(), nullptr);
  }
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < keys.size(); ++i) {
      ASSERT_OK_AND_ASSIGN(std::string tag, keys[i]->Sign("data"));
      EXPECT_EQ(tag, ReferenceHmac(HashFunction::kSha256, secrets[i], "data"))
          << "key " << i << " round " << round;
    }
  }
}

// A key destroyed and replaced on the same thread: the new key (often at the
// old one's address) must not pick up the old key's cached context.
TEST(HmacKeyTest, ReplacedKeyOnOneThread) {
  for (int i = 0; i < 100; ++i) {
    const std::string secret = absl::StrCat(std::string(32, 'r'), i);
    std::unique_ptr<HmacKey> key = MustCreate(HashFunction::kSha256, secret);
    ASSERT_NE(key, nullptr);
    ASSERT_OK_AND_ASSIGN(std::string tag, key->Sign("data"));
    EXPECT_EQ(tag, ReferenceHmac(HashFunction::kSha256, secret, "data"))
        << "generation " << i;
  }
}

// Keys are created and destroyed (often at a recycled address, and often on
// a thread other than the one that cached a context for them) while
// long-lived threads keep signing. A cache keyed by address, or one that
// frees contexts it does not own, fails here.
TEST(HmacKeyTest, KeysCreatedAndDestroyedWhileThreadsSign) {
  struct Current {
    std::shared_ptr<const HmacKey> key;
    std::string secret;
    std::string expected;
  };
  std::mutex mu;
  Current current;
  auto make = [](int generation) {
    Current c;
    c.secret = absl::StrCat(std::string(32, 'g'), generation);
    absl::StatusOr<std::unique_ptr<HmacKey>> key =
        HmacKey::Create(HashFunction::kSha256, c.secret);
    if (key.ok()) c.key = *std::move(key);
    c.expected = ReferenceHmac(HashFunction::kSha256, c.secret, "payload");
    return c;
  };
  current = make(0);
  ASSERT_NE(current.key, nullptr);

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> signatures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        Current snapshot;
        {
          std::lock_guard<std::mutex> lock(mu);
          snapshot = current;
        }
        absl::StatusOr<std::string> tag = snapshot.key->Sign("payload");
        if (!tag.ok() || *tag != snapshot.expected) ++failures;
        // Short-lived keys of this thread's own, destroyed right away.
        std::unique_ptr<HmacKey> local =
            *HmacKey::Create(HashFunction::kSha256, snapshot.secret + "x");
        absl::StatusOr<std::string> local_tag = local->Sign("payload");
        if (!local_tag.ok() ||
            *local_tag != ReferenceHmac(HashFunction::kSha256,
                                        snapshot.secret + "x", "payload")) {
          ++failures;
        }
        ++signatures;
      }
    });
  }
  for (int generation = 1; generation <= 300; ++generation) {
    Current next = make(generation);
    ASSERT_NE(next.key, nullptr);
    {
      std::lock_guard<std::mutex> lock(mu);
      current = std::move(next);  // The old key dies with its last user.
    }
    std::this_thread::yield();
  }
  // On a loaded machine the signers may not have run yet: let them sign
  // (bounded) before stopping, so the test always exercises them.
  for (int i = 0; i < 500 && signatures.load() < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop.store(true);
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(signatures.load(), 0);
}

}  // namespace
}  // namespace jwtd::crypto
