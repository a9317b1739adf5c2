#include "server/service/validation_cache.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace jwtd::service {
namespace {

std::shared_ptr<CachedVerification> Entry(size_t issuer = 0) {
  auto entry = std::make_shared<CachedVerification>();
  entry->issuer = issuer;
  return entry;
}

std::string Token(int i, size_t size = 400) {
  std::string token = absl::StrCat("token-", i, "-");
  token.resize(size, 'x');
  return token;
}

TEST(ValidationCacheTest, FindsExactlyWhatWasInserted) {
  ValidationCache cache(1 << 20);
  EXPECT_EQ(cache.Find("a.b.c"), nullptr);
  cache.Insert("a.b.c", Entry(3));
  auto found = cache.Find("a.b.c");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->issuer, 3u);
  // Exact bytes: a prefix, a suffix or one changed byte is another token.
  EXPECT_EQ(cache.Find("a.b."), nullptr);
  EXPECT_EQ(cache.Find("a.b.cc"), nullptr);
  EXPECT_EQ(cache.Find("a.b.C"), nullptr);
  cache.RecordLookup(true);
  cache.RecordLookup(false);
  cache.RecordLookup(false);
  ValidationCacheStats stats = cache.Stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_GT(stats.bytes, 0u);
}

TEST(ValidationCacheTest, InsertReplaces) {
  ValidationCache cache(1 << 20);
  cache.Insert("t", Entry(1));
  cache.Insert("t", Entry(2));
  EXPECT_EQ(cache.Find("t")->issuer, 2u);
  EXPECT_EQ(cache.Stats().entries, 1u);
}

TEST(ValidationCacheTest, StaysWithinItsBudget) {
  constexpr size_t kBudget = 256 << 10;
  ValidationCache cache(kBudget);
  for (int i = 0; i < 5000; ++i) cache.Insert(Token(i), Entry());
  ValidationCacheStats stats = cache.Stats();
  EXPECT_LE(stats.bytes, kBudget);
  EXPECT_GT(stats.entries, 10u);
  EXPECT_LT(stats.entries, 5000u);
  // The newest entries are there.
  EXPECT_NE(cache.Find(Token(4999)), nullptr);
}

TEST(ValidationCacheTest, UsedEntriesSurviveEvictionLonger) {
  constexpr size_t kBudget = 64 << 10;
  ValidationCache cache(kBudget);
  const std::string hot = Token(-1);
  cache.Insert(hot, Entry());
  for (int i = 0; i < 2000; ++i) {
    ASSERT_NE(cache.Find(hot), nullptr) << "evicted after " << i;
    cache.Insert(Token(i), Entry());
  }
}

TEST(ValidationCacheTest, DisabledAndOversized) {
  ValidationCache off(0);
  EXPECT_FALSE(off.enabled());
  off.Insert("t", Entry());
  EXPECT_EQ(off.Find("t"), nullptr);
  // An entry larger than a shard's budget is not kept.
  ValidationCache small(16 << 10);
  small.Insert(Token(1, 8192), Entry());
  EXPECT_EQ(small.Find(Token(1, 8192)), nullptr);
}

TEST(ValidationCacheTest, ClearDropsEverything) {
  ValidationCache cache(1 << 20);
  for (int i = 0; i < 10; ++i) cache.Insert(Token(i), Entry());
  cache.Clear();
  EXPECT_EQ(cache.Stats().entries, 0u);
  EXPECT_EQ(cache.Stats().bytes, 0u);
  EXPECT_EQ(cache.Find(Token(1)), nullptr);
}

TEST(ValidationCacheTest, ConcurrentFindsAndInserts) {
  ValidationCache cache(128 << 10);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string token = Token((i * 7 + t) % 300);
        const bool hit = cache.Find(token) != nullptr;
        cache.RecordLookup(hit);
        if (!hit) cache.Insert(token, Entry(t));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ValidationCacheStats stats = cache.Stats();
  EXPECT_EQ(stats.hits + stats.misses, 20000u);
  EXPECT_LE(stats.bytes, 128u << 10);
}

}  // namespace
}  // namespace jwtd::service
