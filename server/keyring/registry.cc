#include "server/keyring/registry.h"

#include "server/util/overloaded.h"

namespace jwtd::keyring {
namespace {

template <typename Ring>
absl::StatusOr<std::unique_ptr<KeyRing>> Upcast(
    absl::StatusOr<std::unique_ptr<Ring>> ring) {
  if (!ring.ok()) return ring.status();
  return std::unique_ptr<KeyRing>(*std::move(ring));
}

}  // namespace

absl::StatusOr<std::unique_ptr<KeyRing>> CreateKeyRing(
    const KeyRingOptions& options, const Clock* clock) {
  return std::visit(Overloaded{
                        [&](const LocalKeyRingOptions& local) {
                          return Upcast(LocalKeyRing::Open(local, clock));
                        },
                        [&](const FilesKeyRingOptions& files) {
                          return Upcast(FilesKeyRing::Open(files, clock));
                        },
                        [&](const RemoteJwksKeyRingOptions& remote) {
                          return Upcast(RemoteJwksKeyRing::Open(remote, clock));
                        },
                    },
                    options);
}

absl::Status CheckKeyRingOptions(const KeyRingOptions& options) {
  return std::visit(Overloaded{
                        [](const LocalKeyRingOptions& local) {
                          return LocalKeyRing::CheckOptions(local);
                        },
                        [](const FilesKeyRingOptions& files) {
                          return FilesKeyRing::CheckOptions(files);
                        },
                        [](const RemoteJwksKeyRingOptions& remote) {
                          return RemoteJwksKeyRing::CheckOptions(remote);
                        },
                    },
                    options);
}

}  // namespace jwtd::keyring
