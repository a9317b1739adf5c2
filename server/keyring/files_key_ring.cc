#include "server/keyring/files_key_ring.h"

#include <mutex>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "server/crypto/digest.h"
#include "server/jose/jwk.h"
#include "server/jose/jwks.h"
#include "server/jose/key_material.h"
#include "server/util/file.h"
#include "server/util/log.h"

namespace jwtd::keyring {
namespace {

// What readers see: swapped as a whole, never modified.
struct Snapshot {
  std::shared_ptr<const jose::SigningKey> signing_key;  // May be null.
  std::shared_ptr<const jose::KeySet> keys;             // Never null.
};

// The bytes of every file (in options.paths order) and their SHA-256.
struct Reading {
  std::vector<std::string> contents;
  std::vector<std::string> digests;
};

absl::Status InFile(const std::string& path, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(path, ": ", status.message()));
}

// Reads every file. On error, *culprit names the file.
absl::StatusOr<Reading> ReadFiles(const std::vector<std::string>& paths,
                                  size_t max_bytes, std::string* culprit) {
  Reading reading;
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> content = ReadSmallFile(path, max_bytes);
    if (!content.ok()) {
      *culprit = path;
      return content.status();  // Names the path already.
    }
    reading.digests.push_back(
        crypto::Digest(crypto::HashFunction::kSha256, *content));
    reading.contents.push_back(*std::move(content));
  }
  return reading;
}

// The labels of the PEM blocks in `text` ("PUBLIC KEY", "EC PARAMETERS"...).
std::vector<absl::string_view> PemLabels(absl::string_view text) {
  constexpr absl::string_view kBegin = "-----BEGIN ";
  std::vector<absl::string_view> labels;
  for (size_t at = text.find(kBegin); at != absl::string_view::npos;
       at = text.find(kBegin, at + 1)) {
    const size_t start = at + kBegin.size();
    const size_t end = text.find("-----", start);
    if (end == absl::string_view::npos) break;
    labels.push_back(text.substr(start, end - start));
  }
  return labels;
}

// Keys gathered from the files so far, with where each came from.
class Collector {
 public:
  explicit Collector(const FilesKeyRingOptions& options) : options_(options) {}

  absl::Status AddFile(const std::string& path, absl::string_view content) {
    const absl::string_view trimmed =
        absl::StripLeadingAsciiWhitespace(content);
    if (absl::EndsWith(path, ".json") || absl::StartsWith(trimmed, "{")) {
      return AddJwks(path, content);
    }
    if (absl::StrContains(content, "-----BEGIN ")) return AddPem(path, content);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": neither a JWKS document nor PEM"));
  }

  absl::StatusOr<std::shared_ptr<const Snapshot>> Finish() && {
    absl::StatusOr<std::shared_ptr<const jose::KeySet>> keys =
        jose::KeySet::Create(std::move(keys_));
    if (!keys.ok()) return keys.status();  // Unreachable: kids checked.
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->signing_key = std::move(signing_key_);
    snapshot->keys = *std::move(keys);
    return std::shared_ptr<const Snapshot>(std::move(snapshot));
  }

 private:
  absl::Status AddJwks(const std::string& path, absl::string_view content) {
    jose::JwksImportOptions import;
    import.allow_secret_keys = options_.allow_secret_keys;
    // Only RSA keys can lack an alg; another family's alg would not fit.
    if (options_.alg.has_value() &&
        (jose::FamilyOf(*options_.alg) == jose::KeyFamily::kRsaPkcs1 ||
         jose::FamilyOf(*options_.alg) == jose::KeyFamily::kRsaPss)) {
      import.default_rsa_alg = options_.alg;
    }
    absl::StatusOr<std::shared_ptr<const jose::KeySet>> set =
        jose::ImportJwks(content, import);
    if (!set.ok()) return InFile(path, set.status());
    for (const auto& key : (*set)->keys()) {
      if (absl::Status added = Add(path, key); !added.ok()) return added;
    }
    return absl::OkStatus();
  }

  absl::Status AddPem(const std::string& path, absl::string_view content) {
    // One key per file: OpenSSL would silently read only the first.
    std::vector<absl::string_view> key_labels;
    for (absl::string_view label : PemLabels(content)) {
      if (absl::EndsWith(label, "PRIVATE KEY") ||
          absl::EndsWith(label, "PUBLIC KEY")) {
        key_labels.push_back(label);
      }
    }
    if (key_labels.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": holds ", key_labels.size(),
                       " PEM keys; put exactly one key in each PEM file"));
    }
    if (!options_.alg.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": a PEM key needs the alg option (PEM names no algorithm)"));
    }
    const jose::JwsAlgorithm alg = *options_.alg;
    if (absl::EndsWith(key_labels[0], "PUBLIC KEY")) {
      absl::StatusOr<jose::PublicKey> key = jose::PublicKeyFromPem(content);
      if (!key.ok()) return InFile(path, key.status());
      absl::StatusOr<std::shared_ptr<const jose::VerificationKey>>
          verification =
              jose::VerificationKey::Create(*key, alg, jose::Thumbprint(*key));
      if (!verification.ok()) return InFile(path, verification.status());
      return Add(path, *std::move(verification));
    }

    if (signing_key_ != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": a second private key (the first is in ",
                       signing_path_, "); only one key may sign"));
    }
    absl::StatusOr<jose::PrivateKey> key = jose::PrivateKeyFromPem(content);
    if (!key.ok()) return InFile(path, key.status());
    absl::StatusOr<std::shared_ptr<const jose::SigningKey>> signing =
        jose::SigningKey::Create(*key, alg);  // kid: the thumbprint.
    if (!signing.ok()) return InFile(path, signing.status());
    absl::StatusOr<std::shared_ptr<const jose::VerificationKey>> verification =
        jose::VerificationKey::Create(jose::PublicKeyOf(*key), alg,
                                      (*signing)->kid());
    if (!verification.ok()) return InFile(path, verification.status());
    signing_key_ = *std::move(signing);
    signing_path_ = path;
    return Add(path, *std::move(verification));
  }

  absl::Status Add(const std::string& path,
                   std::shared_ptr<const jose::VerificationKey> key) {
    auto [it, inserted] = files_by_kid_.emplace(key->kid(), path);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": kid \"", key->kid(), "\" is also in ",
                       it->second, " (every kid must be unique)"));
    }
    keys_.push_back(std::move(key));
    return absl::OkStatus();
  }

  const FilesKeyRingOptions& options_;
  std::vector<std::shared_ptr<const jose::VerificationKey>> keys_;
  absl::flat_hash_map<std::string, std::string> files_by_kid_;
  std::shared_ptr<const jose::SigningKey> signing_key_;
  std::string signing_path_;
};

// Parses what was read. On error, *culprit names the file.
absl::StatusOr<std::shared_ptr<const Snapshot>> ParseFiles(
    const FilesKeyRingOptions& options, const Reading& reading,
    std::string* culprit) {
  Collector collector(options);
  for (size_t i = 0; i < options.paths.size(); ++i) {
    absl::Status added =
        collector.AddFile(options.paths[i], reading.contents[i]);
    if (!added.ok()) {
      *culprit = options.paths[i];
      return added;
    }
  }
  return std::move(collector).Finish();
}

std::string SigningKid(const Snapshot& snapshot) {
  return snapshot.signing_key == nullptr ? "" : snapshot.signing_key->kid();
}

}  // namespace

struct FilesKeyRing::State {
  State(FilesKeyRingOptions options, const Clock* clock)
      : options(std::move(options)), clock(clock) {}

  // Re-reads the files and swaps in their keys when they changed and parse.
  absl::Status Reload();
  void Poll();

  const FilesKeyRingOptions options;
  const Clock* const clock;

  std::shared_ptr<const Snapshot> Current() const {
    std::lock_guard<std::mutex> lock(snapshot_mu);
    return snapshot;
  }
  void Publish(std::shared_ptr<const Snapshot> next) {
    {
      std::lock_guard<std::mutex> lock(snapshot_mu);
      snapshot.swap(next);
    }
    // `next` now holds the old snapshot: freed (if no reader holds it)
    // outside the lock.
  }

  // The mutexes are std::mutex: held only for pointer and field copies,
  // never across IO; and visible to ThreadSanitizer, which Debian's
  // uninstrumented absl::Mutex is not. (GCC 12's
  // std::atomic<std::shared_ptr> is no alternative: its load() unlocks with
  // a relaxed store, a data race TSan reports; google/sanitizers#1558.)
  mutable std::mutex snapshot_mu;
  std::shared_ptr<const Snapshot> snapshot;  // Guarded by snapshot_mu.

  // Serialises reloads (the poller and explicit calls); held across IO,
  // which readers never wait for.
  std::mutex reload_mu;
  // Guarded by reload_mu: digests of the files behind `snapshot`, and of
  // the last content that failed to parse (not parsed, nor logged, again
  // until it changes).
  std::vector<std::string> good_digests;
  std::vector<std::string> bad_digests;

  mutable std::mutex status_mu;
  // Guarded by status_mu. last_error is not OK while the last reload failed
  // (degraded).
  absl::Time last_refresh = absl::InfinitePast();
  absl::Status last_error;

  absl::Notification stop;
  std::thread poller;
};

absl::Status FilesKeyRing::State::Reload() {
  std::lock_guard<std::mutex> lock(reload_mu);
  std::string culprit;
  absl::StatusOr<Reading> reading =
      ReadFiles(options.paths, options.max_file_bytes, &culprit);
  absl::Status error;
  if (reading.ok() && reading->digests == good_digests) {
    error = absl::OkStatus();  // Unchanged: confirmed, nothing to swap.
  } else if (reading.ok() && reading->digests == bad_digests) {
    std::lock_guard<std::mutex> status_lock(status_mu);
    return last_error;  // The same bad content: already reported.
  } else if (reading.ok()) {
    absl::StatusOr<std::shared_ptr<const Snapshot>> parsed =
        ParseFiles(options, *reading, &culprit);
    if (parsed.ok()) {
      Log(LogLevel::kInfo, "key files reloaded",
          {{"keys", absl::StrCat((*parsed)->keys->size())},
           {"signing_kid", SigningKid(**parsed)}});
      Publish(*std::move(parsed));
      good_digests = std::move(reading->digests);
      bad_digests.clear();
    } else {
      bad_digests = std::move(reading->digests);
      error = parsed.status();
    }
  } else {
    bad_digests.clear();
    error = reading.status();
  }

  const absl::Time now = clock->Now();
  bool report = false;
  {
    std::lock_guard<std::mutex> status_lock(status_mu);
    if (error.ok()) {
      last_refresh = now;
      last_error = absl::OkStatus();
      return error;
    }
    report = error != last_error;
    last_error = error;
  }
  // Once per distinct error. The message names the file and the problem;
  // it never quotes key bytes.
  if (report) {
    Log(LogLevel::kWarning,
        "key files reload failed; keeping the last good keys",
        {{"file", culprit}, {"error", std::string(error.message())}});
  }
  return error;
}

void FilesKeyRing::State::Poll() {
  while (!stop.WaitForNotificationWithTimeout(options.poll_interval)) {
    Reload().IgnoreError();  // Logged and reflected in Status().
  }
}

absl::Status FilesKeyRing::CheckOptions(const FilesKeyRingOptions& options) {
  if (options.paths.empty()) {
    return absl::InvalidArgumentError("files key ring: no paths given");
  }
  if (options.poll_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "files key ring: poll_interval must not be negative");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FilesKeyRing>> FilesKeyRing::Open(
    FilesKeyRingOptions options, const Clock* clock) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  if (clock == nullptr) {
    return absl::InvalidArgumentError("files key ring: no clock");
  }
  auto state = std::make_unique<State>(std::move(options), clock);
  const FilesKeyRingOptions& opts = state->options;

  std::string culprit;
  absl::StatusOr<Reading> reading =
      ReadFiles(opts.paths, opts.max_file_bytes, &culprit);
  absl::StatusOr<std::shared_ptr<const Snapshot>> parsed =
      reading.ok()
          ? ParseFiles(opts, *reading, &culprit)
          : absl::StatusOr<std::shared_ptr<const Snapshot>>(reading.status());
  if (!parsed.ok()) {
    // The message already starts with the file's path.
    return absl::FailedPreconditionError(
        absl::StrCat("key files: ", parsed.status().message()));
  }
  Log(LogLevel::kInfo, "key files loaded",
      {{"files", absl::StrCat(opts.paths.size())},
       {"keys", absl::StrCat((*parsed)->keys->size())},
       {"signing_kid", SigningKid(**parsed)}});
  state->Publish(*std::move(parsed));
  {
    std::lock_guard<std::mutex> lock(state->reload_mu);
    state->good_digests = std::move(reading->digests);
  }
  {
    std::lock_guard<std::mutex> lock(state->status_mu);
    state->last_refresh = clock->Now();
  }
  if (opts.poll_interval > absl::ZeroDuration()) {
    state->poller = std::thread([s = state.get()] { s->Poll(); });
  }
  return std::unique_ptr<FilesKeyRing>(new FilesKeyRing(std::move(state)));
}

FilesKeyRing::FilesKeyRing(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

FilesKeyRing::~FilesKeyRing() {
  state_->stop.Notify();
  if (state_->poller.joinable()) state_->poller.join();
}

absl::Status FilesKeyRing::Reload() { return state_->Reload(); }

std::shared_ptr<const jose::SigningKey> FilesKeyRing::ActiveSigningKey() const {
  return state_->Current()->signing_key;
}

std::shared_ptr<const jose::KeySet> FilesKeyRing::VerificationKeys() const {
  return state_->Current()->keys;
}

KeyRingStatus FilesKeyRing::Status() const {
  const std::shared_ptr<const Snapshot> snapshot = state_->Current();
  KeyRingStatus status;
  status.keys = snapshot->keys->size();
  status.ready = status.keys > 0;
  status.detail = absl::StrCat(status.keys, " keys from ",
                               state_->options.paths.size(), " files");
  if (snapshot->signing_key != nullptr) {
    absl::StrAppend(&status.detail, ", signing with kid \"",
                    snapshot->signing_key->kid(), "\"");
  }
  std::lock_guard<std::mutex> lock(state_->status_mu);
  status.last_refresh = state_->last_refresh;
  status.degraded = !state_->last_error.ok();
  if (status.degraded) {
    absl::StrAppend(&status.detail, "; last reload failed, keeping the ",
                    "last good keys: ", state_->last_error.message());
  }
  return status;
}

}  // namespace jwtd::keyring
