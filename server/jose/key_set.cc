#include "server/jose/key_set.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace jwtd::jose {

absl::StatusOr<std::shared_ptr<const KeySet>> KeySet::Create(
    std::vector<std::shared_ptr<const VerificationKey>> keys) {
  std::shared_ptr<KeySet> set(new KeySet());
  Json jwks_keys = Json::EmptyArray();
  for (const auto& key : keys) {
    if (!set->by_kid_.emplace(key->kid(), key.get()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("two keys share the kid \"", key->kid(), "\""));
    }
    if (!key->public_jwk().is_null()) jwks_keys.Append(key->public_jwk());
  }
  Json jwks = Json::EmptyObject();
  jwks.Set("keys", std::move(jwks_keys));
  set->jwks_json_ = jwks.Serialize();
  set->keys_ = std::move(keys);
  return std::shared_ptr<const KeySet>(std::move(set));
}

const VerificationKey* KeySet::Find(absl::string_view kid) const {
  auto it = by_kid_.find(kid);
  return it == by_kid_.end() ? nullptr : it->second;
}

}  // namespace jwtd::jose
