#include "server/crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/crypto/openssl_util.h"

namespace jwtd::crypto {
namespace {

using internal::EvpMacCtxPtr;
using internal::EvpMacPtr;

// Why per-thread contexts: an EVP_MAC_CTX must not be used by two threads at
// once, and duplicating the keyed context on every call costs allocations.
// So each thread keeps, per key, its own copy of the keyed context and only
// resets it (EVP_MAC_init with no key) per message.
//
// Ownership: all copies of one key's context are owned by that key's
// ContextRegistry, so they (and the key material inside them) are freed when
// the key is destroyed, whichever thread made them. Thread caches hold raw
// pointers tagged with the key's process-unique id, plus a weak_ptr to the
// registry that is used only to hand a copy back on eviction or thread exit.
// A destroyed key's id is never issued again, so a stale pointer is never
// dereferenced even when a new key lands at the same address.
class ContextRegistry {
 public:
  ContextRegistry(uint64_t id, EvpMacCtxPtr keyed)
      : id_(id), keyed_(std::move(keyed)) {}

  uint64_t id() const { return id_; }

  // A fresh copy of the keyed context for the calling thread's exclusive
  // use, owned by this registry; null on allocation failure.
  EVP_MAC_CTX* NewThreadContext() {
    std::lock_guard<std::mutex> lock(mu_);
    EvpMacCtxPtr copy(EVP_MAC_CTX_dup(keyed_.get()));
    if (copy == nullptr) return nullptr;
    copies_.push_back(std::move(copy));
    return copies_.back().get();
  }

  // Frees a context obtained from NewThreadContext.
  void Release(EVP_MAC_CTX* ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = copies_.begin(); it != copies_.end(); ++it) {
      if (it->get() == ctx) {
        copies_.erase(it);
        return;
      }
    }
  }

 private:
  const uint64_t id_;
  // std::mutex rather than absl::Mutex: Debian's Abseil is built without
  // sanitizer annotations, so ThreadSanitizer could not see absl::Mutex.
  std::mutex mu_;  // Guards keyed_ and copies_.
  // Initialised with the key; only ever duplicated, never used directly.
  EvpMacCtxPtr keyed_;
  std::vector<EvpMacCtxPtr> copies_;
};

// A small per-thread LRU cache of per-key contexts. Bounded, so a thread that
// has touched many (possibly destroyed) keys keeps only a few contexts.
class ThreadContextCache {
 public:
  ThreadContextCache() = default;
  ThreadContextCache(const ThreadContextCache&) = delete;
  ThreadContextCache& operator=(const ThreadContextCache&) = delete;

  ~ThreadContextCache() {
    for (Slot& slot : slots_) Evict(slot);
  }

  // This thread's context for the key behind `registry`; null on failure.
  EVP_MAC_CTX* Get(const std::shared_ptr<ContextRegistry>& registry) {
    ++clock_;
    Slot* victim = &slots_[0];
    for (Slot& slot : slots_) {
      if (slot.ctx != nullptr && slot.id == registry->id()) {
        slot.last_used = clock_;
        return slot.ctx;
      }
      if (slot.last_used < victim->last_used) victim = &slot;
    }
    Evict(*victim);
    EVP_MAC_CTX* ctx = registry->NewThreadContext();
    if (ctx == nullptr) return nullptr;
    *victim = Slot{registry->id(), ctx, registry, clock_};
    return ctx;
  }

 private:
  static constexpr size_t kSlots = 16;

  struct Slot {
    uint64_t id = 0;
    EVP_MAC_CTX* ctx = nullptr;
    std::weak_ptr<ContextRegistry> registry;
    uint64_t last_used = 0;  // 0: empty, so it is picked first.
  };

  static void Evict(Slot& slot) {
    // If the key is gone its registry has already freed `ctx`.
    if (std::shared_ptr<ContextRegistry> registry = slot.registry.lock()) {
      registry->Release(slot.ctx);
    }
    slot = Slot{};
  }

  std::array<Slot, kSlots> slots_;
  uint64_t clock_ = 0;
};

EVP_MAC_CTX* ThreadContext(const std::shared_ptr<ContextRegistry>& registry) {
  thread_local ThreadContextCache cache;
  return cache.Get(registry);
}

std::atomic<uint64_t> next_key_id{1};

}  // namespace

struct HmacKey::Impl {
  std::shared_ptr<ContextRegistry> registry;
  size_t tag_length;
};

HmacKey::HmacKey(HashFunction hash, std::unique_ptr<Impl> impl)
    : hash_(hash), impl_(std::move(impl)) {}

HmacKey::~HmacKey() = default;

absl::StatusOr<std::unique_ptr<HmacKey>> HmacKey::Create(
    HashFunction hash, absl::string_view secret) {
  const size_t min_length = DigestLength(hash);
  if (secret.size() < min_length) {
    return absl::InvalidArgumentError(
        absl::StrCat("HMAC secret too short: ", secret.size(),
                     " bytes, at least ", min_length, " required"));
  }
  EvpMacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (mac == nullptr) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "EVP_MAC_fetch(HMAC) failed");
  }
  // The context holds its own reference to `mac`.
  EvpMacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  if (ctx == nullptr) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "EVP_MAC_CTX_new failed");
  }
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(
          OSSL_MAC_PARAM_DIGEST, const_cast<char*>(internal::DigestName(hash)),
          0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(ctx.get(),
                   reinterpret_cast<const unsigned char*>(secret.data()),
                   secret.size(), params) != 1) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "EVP_MAC_init failed");
  }
  auto impl = std::make_unique<Impl>();
  impl->registry = std::make_shared<ContextRegistry>(
      next_key_id.fetch_add(1, std::memory_order_relaxed), std::move(ctx));
  impl->tag_length = DigestLength(hash);
  return std::unique_ptr<HmacKey>(new HmacKey(hash, std::move(impl)));
}

namespace {

// Writes the full tag of `data` to `tag` (tag_length bytes) with this
// thread's copy of the keyed context.
absl::Status ComputeTag(const std::shared_ptr<ContextRegistry>& registry,
                        absl::string_view data, unsigned char* tag,
                        size_t tag_length) {
  EVP_MAC_CTX* ctx = ThreadContext(registry);
  if (ctx == nullptr) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "EVP_MAC_CTX_dup failed");
  }
  size_t written = 0;
  // A null key restarts the MAC with the key already in the context.
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(ctx, tag, &written, tag_length) != 1 ||
      written != tag_length) {
    return internal::OpenSslError(absl::StatusCode::kInternal,
                                  "HMAC computation failed");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> HmacKey::Sign(absl::string_view data) const {
  std::string tag(impl_->tag_length, '\0');
  absl::Status status =
      ComputeTag(impl_->registry, data,
                 reinterpret_cast<unsigned char*>(tag.data()), tag.size());
  if (!status.ok()) return status;
  return tag;
}

absl::Status HmacKey::Verify(absl::string_view data,
                             absl::string_view signature) const {
  // JWS forbids truncated tags, so only the full length can match. The length
  // is public, so checking it first leaks nothing.
  if (signature.size() != impl_->tag_length) {
    return absl::UnauthenticatedError("signature mismatch");
  }
  // On the stack: verification is the hot path, no allocation per token.
  unsigned char expected[EVP_MAX_MD_SIZE];
  absl::Status status =
      ComputeTag(impl_->registry, data, expected, impl_->tag_length);
  if (!status.ok()) return status;
  const bool match =
      CRYPTO_memcmp(expected, signature.data(), signature.size()) == 0;
  OPENSSL_cleanse(expected, impl_->tag_length);
  if (!match) return absl::UnauthenticatedError("signature mismatch");
  return absl::OkStatus();
}

}  // namespace jwtd::crypto
