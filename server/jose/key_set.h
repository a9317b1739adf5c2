#ifndef JWTD_SERVER_JOSE_KEY_SET_H_
#define JWTD_SERVER_JOSE_KEY_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/jose/keys.h"

namespace jwtd::jose {

// An immutable set of verification keys, looked up by `kid`, with its public
// JWK Set rendered once. Shared read-only between threads as
// std::shared_ptr<const KeySet>; a key ring swaps in a new one to change it.
class KeySet {
 public:
  // INVALID_ARGUMENT when two keys share a kid.
  static absl::StatusOr<std::shared_ptr<const KeySet>> Create(
      std::vector<std::shared_ptr<const VerificationKey>> keys);

  // The key with exactly this kid, or nullptr.
  const VerificationKey* Find(absl::string_view kid) const;

  const std::vector<std::shared_ptr<const VerificationKey>>& keys() const {
    return keys_;
  }
  size_t size() const { return keys_.size(); }

  // {"keys":[...]} with the public JWK of every asymmetric key, in the
  // order given to Create. Secret keys are never included.
  const std::string& jwks_json() const { return jwks_json_; }

 private:
  KeySet() = default;

  std::vector<std::shared_ptr<const VerificationKey>> keys_;
  absl::flat_hash_map<std::string, const VerificationKey*> by_kid_;
  std::string jwks_json_;
};

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_KEY_SET_H_
