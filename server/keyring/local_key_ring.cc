#include "server/keyring/local_key_ring.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/key_material.h"
#include "server/jose/keys.h"
#include "server/keyring/key_schedule.h"
#include "server/util/file.h"
#include "server/util/log.h"
#include "server/util/shared_snapshot.h"

namespace jwtd::keyring {
namespace {

constexpr char kKeysDirName[] = "keys";
constexpr char kStateFileName[] = "state.json";
constexpr char kLegacyKeyFileName[] = "signing-key.pem";
constexpr char kKeyFileSuffix[] = ".pem";
// WriteFileAtomically names its temporary files "<path>.tmp-<pid>-<n>".
constexpr char kTempInfix[] = ".tmp-";
constexpr int64_t kStateVersion = 1;
constexpr size_t kMaxKeyFileBytes = 64 * 1024;
constexpr size_t kMaxStateBytes = 256 * 1024;
// 9999-12-31T23:59:59Z: keeps every stored time well inside absl::Time.
constexpr int64_t kMaxUnixSeconds = 253402300799;
// The background thread wakes at least this often, and waits this long
// after a failed Tick before trying again.
constexpr absl::Duration kMaxWait = absl::Seconds(60);
constexpr absl::Duration kMinWait = absl::Seconds(1);
constexpr absl::Duration kRetryAfterError = absl::Seconds(30);

// The state stores whole seconds; every time it holds goes through here so
// that memory and disk agree.
absl::Time WholeSeconds(absl::Time t) {
  return absl::FromUnixSeconds(absl::ToUnixSeconds(t));
}

std::string TimeText(absl::Time t) {
  if (t == absl::InfiniteFuture()) return "forever";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Kids (RFC 7638 thumbprints, base64url) become file names: accept nothing
// that could be a path or hidden file.
bool IsSafeFileStem(absl::string_view stem) {
  if (stem.empty() || stem.size() > jose::kMaxKidLength) return false;
  return std::all_of(stem.begin(), stem.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool IsKeyFileName(absl::string_view name) {
  return absl::ConsumeSuffix(&name, kKeyFileSuffix) && IsSafeFileStem(name);
}

// One key as recorded in state.json.
struct KeyRecord {
  std::string kid;
  jose::JwsAlgorithm alg = jose::JwsAlgorithm::kES256;
  std::string file;  // Inside keys/; IsKeyFileName.
  absl::Time created;
  absl::Time activates;
  std::optional<absl::Time> retired_at;
};

// A key of the ring: its record and its material. The material is shared
// by every snapshot that publishes the key.
struct RingKey {
  KeyRecord record;
  std::shared_ptr<const jose::SigningKey> signer;
  std::shared_ptr<const jose::VerificationKey> verifier;
};

// What readers see; replaced whole, never modified.
struct Snapshot {
  std::shared_ptr<const jose::SigningKey> active;
  std::shared_ptr<const jose::KeySet> key_set;
  absl::Time active_until = absl::InfiniteFuture();
};

absl::Status StateError(const std::string& path, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("key ring state ", path, " is invalid: ", why));
}

absl::StatusOr<absl::Time> ParseSeconds(const jose::Json& value) {
  if (!value.is_number() || !value.number().is_integer ||
      value.number().integer < 0 || value.number().integer > kMaxUnixSeconds) {
    return absl::InvalidArgumentError("not a time in unix seconds");
  }
  return absl::FromUnixSeconds(value.number().integer);
}

// Reads state.json strictly. Unknown members are ignored (room for later
// additions); an unknown "version" is refused.
absl::StatusOr<std::vector<KeyRecord>> ParseState(absl::string_view text,
                                                  const std::string& path) {
  absl::StatusOr<jose::Json> root = jose::ParseJsonObject(
      text, jose::JsonLimits{.max_bytes = kMaxStateBytes, .max_depth = 4});
  if (!root.ok()) return StateError(path, root.status().message());
  const jose::Json* version = root->Find("version");
  if (version == nullptr || !version->is_number() ||
      !version->number().is_integer ||
      version->number().integer != kStateVersion) {
    return StateError(path, "unsupported or missing \"version\"");
  }
  const jose::Json* keys = root->Find("keys");
  if (keys == nullptr || !keys->is_array() || keys->array().empty()) {
    return StateError(path, "\"keys\" must be a non-empty array");
  }
  std::vector<KeyRecord> records;
  std::set<std::string> kids;
  std::set<std::string> files;
  for (const jose::Json& entry : keys->array()) {
    KeyRecord record;
    const jose::Json* kid = entry.Find("kid");
    if (kid == nullptr || !kid->is_string() ||
        !IsSafeFileStem(kid->string_value())) {
      return StateError(path, "a key has a missing or unsafe \"kid\"");
    }
    record.kid = kid->string_value();
    const std::string where = absl::StrCat("key ", record.kid, ": ");
    const jose::Json* alg = entry.Find("alg");
    std::optional<jose::JwsAlgorithm> parsed_alg;
    if (alg != nullptr && alg->is_string()) {
      parsed_alg = jose::JwsAlgorithmFromName(alg->string_value());
    }
    if (!parsed_alg.has_value() || jose::IsHmac(*parsed_alg)) {
      return StateError(path, where + "\"alg\" is not an asymmetric JWS alg");
    }
    record.alg = *parsed_alg;
    const jose::Json* file = entry.Find("file");
    if (file == nullptr || !file->is_string() ||
        !IsKeyFileName(file->string_value())) {
      return StateError(path, where + "\"file\" is missing or unsafe");
    }
    record.file = file->string_value();
    // Times are required, except retired_at (set once the key retires).
    const std::pair<const char*, absl::Time*> required[] = {
        {"created", &record.created}, {"activates", &record.activates}};
    for (const auto& [name, out] : required) {
      const jose::Json* value = entry.Find(name);
      absl::StatusOr<absl::Time> t = value == nullptr
                                         ? absl::InvalidArgumentError("missing")
                                         : ParseSeconds(*value);
      if (!t.ok()) {
        return StateError(
            path, absl::StrCat(where, "\"", name, "\" ", t.status().message()));
      }
      *out = *t;
    }
    if (const jose::Json* retired = entry.Find("retired_at");
        retired != nullptr) {
      absl::StatusOr<absl::Time> t = ParseSeconds(*retired);
      if (!t.ok()) {
        return StateError(
            path, absl::StrCat(where, "\"retired_at\" ", t.status().message()));
      }
      record.retired_at = *t;
    }
    if (!kids.insert(record.kid).second || !files.insert(record.file).second) {
      return StateError(path, where + "listed twice");
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string SerializeState(const std::vector<KeyRecord>& records) {
  jose::Json keys = jose::Json::EmptyArray();
  for (const KeyRecord& record : records) {
    jose::Json key = jose::Json::EmptyObject();
    key.Set("kid", jose::Json::String(record.kid));
    key.Set("alg", jose::Json::String(
                       std::string(jose::JwsAlgorithmName(record.alg))));
    key.Set("file", jose::Json::String(record.file));
    key.Set("created",
            jose::Json::Integer(absl::ToUnixSeconds(record.created)));
    key.Set("activates",
            jose::Json::Integer(absl::ToUnixSeconds(record.activates)));
    if (record.retired_at.has_value()) {
      key.Set("retired_at",
              jose::Json::Integer(absl::ToUnixSeconds(*record.retired_at)));
    }
    keys.Append(std::move(key));
  }
  jose::Json root = jose::Json::EmptyObject();
  root.Set("version", jose::Json::Integer(kStateVersion));
  root.Set("keys", std::move(keys));
  return root.Serialize() + "\n";
}

// The signer and verifier of `key` for `alg`; kid = RFC 7638 thumbprint.
absl::StatusOr<RingKey> MakeRingKey(const jose::PrivateKey& key,
                                    jose::JwsAlgorithm alg) {
  absl::StatusOr<std::shared_ptr<const jose::SigningKey>> signer =
      jose::SigningKey::Create(key, alg);
  if (!signer.ok()) return signer.status();
  absl::StatusOr<std::shared_ptr<const jose::VerificationKey>> verifier =
      jose::VerificationKey::Create(jose::PublicKeyOf(key), alg,
                                    (*signer)->kid());
  if (!verifier.ok()) return verifier.status();
  RingKey ring_key;
  ring_key.record.kid = (*signer)->kid();
  ring_key.record.alg = alg;
  ring_key.record.file = ring_key.record.kid + kKeyFileSuffix;
  ring_key.signer = *std::move(signer);
  ring_key.verifier = *std::move(verifier);
  if (!IsSafeFileStem(ring_key.record.kid)) {
    return absl::InternalError("thumbprint is not a safe file name");
  }
  return ring_key;
}

// Reads a private key file. Any failure is FAILED_PRECONDITION naming the
// path: a key that cannot be read is never replaced by a fresh one.
absl::StatusOr<jose::PrivateKey> ReadKeyFile(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadSmallFile(path, kMaxKeyFileBytes);
  if (!pem.ok()) {
    if (absl::IsNotFound(pem.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat("key file ", path, " is missing"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "key file ", path, " cannot be read: ", pem.status().message()));
  }
  absl::StatusOr<jose::PrivateKey> key = jose::PrivateKeyFromPem(*pem);
  if (!key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file ", path,
                     " is not a usable private key: ", key.status().message()));
  }
  return key;
}

// Loads the key a state record names and checks that it is that key.
absl::StatusOr<RingKey> LoadRecordedKey(const std::string& path,
                                        const KeyRecord& record) {
  absl::StatusOr<jose::PrivateKey> key = ReadKeyFile(path);
  if (!key.ok()) return key.status();
  if (absl::Status fits =
          jose::CheckKeyFitsAlgorithm(jose::PublicKeyOf(*key), record.alg);
      !fits.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file ", path, " does not fit its recorded alg ",
                     jose::JwsAlgorithmName(record.alg), ": ", fits.message()));
  }
  absl::StatusOr<RingKey> ring_key = MakeRingKey(*key, record.alg);
  if (!ring_key.ok()) return ring_key.status();
  if (ring_key->record.kid != record.kid) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key file ", path, " holds another key than kid ", record.kid));
  }
  ring_key->record = record;
  return ring_key;
}

// An exclusive flock on the keys directory, held while the state is read
// and changed, so that several rings (processes) on one data directory
// take turns and each sees the other's rotations.
class DirectoryLock {
 public:
  static absl::StatusOr<DirectoryLock> Acquire(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", dir));
    }
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      absl::Status error =
          absl::ErrnoToStatus(errno, absl::StrCat("cannot lock ", dir));
      ::close(fd);
      return error;
    }
    return DirectoryLock(fd);
  }
  DirectoryLock(DirectoryLock&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)) {}
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock() { Release(); }

  void Release() {
    if (fd_ >= 0) ::close(fd_);  // Closing the last descriptor unlocks.
    fd_ = -1;
  }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// The entry names of a directory, without "." and "..".
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot list ", dir));
  }
  absl::Cleanup close_dir = [handle] { ::closedir(handle); };
  std::vector<std::string> names;
  errno = 0;
  while (const struct dirent* entry = ::readdir(handle)) {
    const absl::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  if (errno != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot list ", dir));
  }
  return names;
}

void RemoveFile(const std::string& path, absl::string_view why) {
  if (::unlink(path.c_str()) == 0) {
    Log(LogLevel::kInfo, "key ring: removed file",
        {{"path", path}, {"reason", std::string(why)}});
  } else if (errno != ENOENT) {
    Log(LogLevel::kWarning, "key ring: cannot remove file",
        {{"path", path}, {"error", std::strerror(errno)}});
  }
}

}  // namespace

struct LocalKeyRing::State {
  State(const LocalKeyRingOptions& options, const Clock* clock)
      : options(options),
        schedule{.rotation_period = options.rotation_period,
                 .publish_ahead = options.publish_ahead,
                 .retain_after_retirement = options.retain_after_retirement},
        clock(clock),
        keys_dir(absl::StrCat(options.data_dir, "/", kKeysDirName)),
        state_path(absl::StrCat(keys_dir, "/", kStateFileName)),
        legacy_path(absl::StrCat(options.data_dir, "/", kLegacyKeyFileName)) {}

  std::string KeyPath(const std::string& file) const {
    return absl::StrCat(keys_dir, "/", file);
  }

  // Creates the first state (first start, or adoption of a single key) when
  // there is none; removes an adopted legacy key file. Under the lock.
  absl::Status Bootstrap(absl::Time now);
  // Tick at `now`: serialized, logs errors, records last_refresh.
  absl::Status Tick(absl::Time now) ABSL_LOCKS_EXCLUDED(tick_mu);
  absl::Status TickLocked(absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(tick_mu);
  // Removes files in keys/ that the state does not name: key files of an
  // unfinished rotation (never published, so nothing was signed with them)
  // or of a dropped key whose removal was cut short, and temporary files of
  // interrupted atomic writes. Other names are left alone. Under the lock.
  void RemoveStrayFiles(const std::vector<KeyRecord>& records);
  void RunBackground();

  const LocalKeyRingOptions options;
  const internal::ScheduleOptions schedule;
  const Clock* const clock;
  const std::string keys_dir;
  const std::string state_path;
  const std::string legacy_path;
  bool generated = false;  // Set by Open before the ring is shared.

  // std::mutex and std::condition_variable rather than absl::Mutex:
  // visible to ThreadSanitizer (docs/sanitizers.md).
  std::mutex tick_mu;
  // The ring's keys, sorted by activation, as last made durable.
  std::vector<RingKey> keys ABSL_GUARDED_BY(tick_mu);
  absl::Time next_change ABSL_GUARDED_BY(tick_mu) = absl::InfiniteFuture();

  // Readers load these without locking; Tick stores new ones.
  SharedSnapshot<const Snapshot> snapshot;
  std::atomic<int64_t> last_refresh_ns{INT64_MIN};  // INT64_MIN: never.
  std::atomic<bool> last_tick_ok{true};

  std::mutex stop_mu;
  std::condition_variable stop_cv;  // Signalled when stop is set.
  bool stop ABSL_GUARDED_BY(stop_mu) = false;
  std::thread thread;
};

absl::Status LocalKeyRing::State::Bootstrap(absl::Time now) {
  absl::StatusOr<std::string> text = ReadSmallFile(state_path, kMaxStateBytes);
  if (!text.ok() && !absl::IsNotFound(text.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read key ring state: ", text.status().message()));
  }
  const bool has_legacy = ::access(legacy_path.c_str(), F_OK) == 0;
  absl::StatusOr<jose::PrivateKey> legacy =
      has_legacy ? ReadKeyFile(legacy_path)
                 : absl::NotFoundError("no legacy key file");
  if (text.ok()) {
    // Finish an adoption cut short after the state became durable: remove
    // the legacy file once the state names its key. Anything else there is
    // not ours to touch.
    if (!has_legacy) return absl::OkStatus();
    absl::StatusOr<std::vector<KeyRecord>> records =
        ParseState(*text, state_path);
    if (!records.ok()) return records.status();  // Tick reports it too.
    std::optional<std::string> legacy_kid;
    if (legacy.ok()) {
      legacy_kid = jose::Thumbprint(jose::PublicKeyOf(*legacy));
    }
    const bool adopted =
        legacy_kid.has_value() &&
        std::any_of(records->begin(), records->end(),
                    [&](const KeyRecord& r) { return r.kid == *legacy_kid; });
    if (adopted) {
      RemoveFile(legacy_path, "adopted into keys/");
    } else {
      Log(LogLevel::kWarning,
          "key ring: ignoring legacy key file not named in the state",
          {{"path", legacy_path}});
    }
    return absl::OkStatus();
  }

  // No state. Candidates to adopt: the legacy key, and key files in keys/
  // (a first start cut short between the key and the state).
  std::map<std::string, std::pair<jose::PrivateKey, std::string>> candidates;
  if (has_legacy) {
    if (!legacy.ok()) return legacy.status();
    candidates.emplace(jose::Thumbprint(jose::PublicKeyOf(*legacy)),
                       std::make_pair(*legacy, legacy_path));
  }
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(keys_dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (!IsKeyFileName(name)) continue;
    const std::string path = KeyPath(name);
    absl::StatusOr<jose::PrivateKey> key = ReadKeyFile(path);
    if (!key.ok()) return key.status();
    candidates.emplace(jose::Thumbprint(jose::PublicKeyOf(*key)),
                       std::make_pair(*key, path));
  }
  if (candidates.size() > 1) {
    // Adopting several keys would mean guessing their schedule.
    return absl::FailedPreconditionError(absl::StrCat(
        keys_dir, " holds ", candidates.size(), " keys but no ", kStateFileName,
        ": restore the state file or move the keys away"));
  }

  std::optional<jose::PrivateKey> key;
  jose::JwsAlgorithm alg = options.alg;
  std::string source;
  if (candidates.empty()) {
    absl::StatusOr<jose::PrivateKey> fresh =
        jose::GeneratePrivateKey(options.alg);
    if (!fresh.ok()) return fresh.status();
    key = *std::move(fresh);
    generated = true;
  } else {
    key = candidates.begin()->second.first;
    source = candidates.begin()->second.second;
    // The configured alg when the key fits it, else the only alg the key
    // can have; an RSA key under a non-RSA alg is ambiguous (RS* or PS*).
    const jose::PublicKey public_key = jose::PublicKeyOf(*key);
    if (!jose::CheckKeyFitsAlgorithm(public_key, alg).ok()) {
      std::optional<jose::JwsAlgorithm> implied =
          jose::ImpliedAlgorithm(public_key);
      if (!implied.has_value()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "key file ", source, " does not fit ",
            jose::JwsAlgorithmName(options.alg),
            " and its own alg is ambiguous: configure RS* or PS*"));
      }
      alg = *implied;
    }
  }
  absl::StatusOr<RingKey> ring_key = MakeRingKey(*key, alg);
  if (!ring_key.ok()) return ring_key.status();
  ring_key->record.created = WholeSeconds(now);
  ring_key->record.activates = WholeSeconds(now);
  absl::StatusOr<std::string> pem = jose::PrivateKeyToPem(*key);
  if (!pem.ok()) return pem.status();
  // The key file first: a state never names a key that is not on disk.
  if (absl::Status s =
          WriteFileAtomically(KeyPath(ring_key->record.file), *pem, 0600);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = WriteFileAtomically(
          state_path, SerializeState({ring_key->record}), 0600);
      !s.ok()) {
    return s;
  }
  Log(LogLevel::kInfo,
      generated ? "key ring: generated the first key" : "key ring: adopted key",
      {{"kid", ring_key->record.kid},
       {"alg", std::string(jose::JwsAlgorithmName(alg))},
       {"from", source}});
  // Only now that the state naming it is durable.
  if (source == legacy_path) RemoveFile(legacy_path, "adopted into keys/");
  return absl::OkStatus();
}

void LocalKeyRing::State::RemoveStrayFiles(
    const std::vector<KeyRecord>& records) {
  std::set<std::string> named;
  for (const KeyRecord& record : records) named.insert(record.file);
  absl::StatusOr<std::vector<std::string>> names = ListDirectory(keys_dir);
  if (!names.ok()) {
    // Harmless: strays are only clutter, and the next Tick tries again.
    Log(LogLevel::kWarning, "key ring: cannot look for stray files",
        {{"error", names.status().ToString()}});
    return;
  }
  std::vector<std::pair<std::string, const char*>> stray;
  for (const std::string& name : *names) {
    if (IsKeyFileName(name)) {
      if (named.count(name) == 0) {
        stray.emplace_back(name, "key file not named in the state");
      }
      continue;
    }
    const size_t temp = name.find(kTempInfix);
    if (temp == std::string::npos) continue;
    const std::string target = name.substr(0, temp);
    if (target == kStateFileName || IsKeyFileName(target)) {
      stray.emplace_back(name, "temporary file of an interrupted write");
    }
  }
  for (const auto& [name, why] : stray) RemoveFile(KeyPath(name), why);
}

absl::Status LocalKeyRing::State::Tick(absl::Time now) {
  std::lock_guard lock(tick_mu);
  absl::Status status = TickLocked(now);
  last_tick_ok.store(status.ok());
  if (status.ok()) {
    last_refresh_ns.store(absl::ToUnixNanos(now));
  } else if (snapshot.load() != nullptr) {  // Open returns its own errors.
    Log(LogLevel::kError, "key ring: update failed; keeping the current keys",
        {{"data_dir", options.data_dir}, {"error", status.ToString()}});
  }
  return status;
}

absl::Status LocalKeyRing::State::TickLocked(absl::Time now) {
  absl::StatusOr<DirectoryLock> dir_lock = DirectoryLock::Acquire(keys_dir);
  if (!dir_lock.ok()) return dir_lock.status();

  // The durable state is the truth: another ring on this data directory
  // may have rotated since our last Tick.
  std::vector<KeyRecord> records;
  std::string durable_text;
  absl::StatusOr<std::string> text = ReadSmallFile(state_path, kMaxStateBytes);
  if (text.ok()) {
    absl::StatusOr<std::vector<KeyRecord>> parsed =
        ParseState(*text, state_path);
    if (!parsed.ok()) return parsed.status();
    records = *std::move(parsed);
    durable_text = *std::move(text);
  } else if (absl::IsNotFound(text.status()) && !keys.empty()) {
    // Deleted under a running ring: what we hold is the last durable state.
    Log(LogLevel::kWarning, "key ring: state file vanished; rewriting it",
        {{"path", state_path}});
    for (const RingKey& key : keys) records.push_back(key.record);
  } else {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read key ring state: ", text.status().message()));
  }

  std::vector<internal::ScheduledKey> times;
  for (const KeyRecord& record : records) {
    times.push_back({record.kid, record.activates, record.retired_at});
  }
  internal::SortByActivation(&times);

  // A new key, in memory only for now.
  std::optional<RingKey> created;
  std::string created_pem;
  if (std::optional<absl::Time> activates =
          internal::DueKeyActivation(times, now, schedule)) {
    absl::StatusOr<jose::PrivateKey> key =
        jose::GeneratePrivateKey(options.alg);
    if (!key.ok()) return key.status();
    absl::StatusOr<RingKey> ring_key = MakeRingKey(*key, options.alg);
    if (!ring_key.ok()) return ring_key.status();
    absl::StatusOr<std::string> pem = jose::PrivateKeyToPem(*key);
    if (!pem.ok()) return pem.status();
    ring_key->record.created = WholeSeconds(now);
    ring_key->record.activates = WholeSeconds(*activates);
    created = *std::move(ring_key);
    created_pem = *std::move(pem);
    records.push_back(created->record);
    times.push_back(
        {created->record.kid, created->record.activates, std::nullopt});
  }
  const internal::SettledKeys settled = internal::Settle(times, now, schedule);

  // Material for every key that stays: ours from memory, the rest (a key
  // another ring created, or every key at Open) from its file. Dropped keys
  // are not read, so a lost file of an expired key does not matter.
  std::map<std::string, const KeyRecord*> record_of;
  for (const KeyRecord& record : records) record_of[record.kid] = &record;
  std::vector<RingKey> next;
  for (const internal::ScheduledKey& scheduled : settled.keys) {
    KeyRecord record = *record_of.at(scheduled.kid);
    record.retired_at = scheduled.retired_at;
    if (created.has_value() && record.kid == created->record.kid) {
      next.push_back(*created);
      continue;
    }
    auto known = std::find_if(keys.begin(), keys.end(), [&](const RingKey& k) {
      return k.record.kid == record.kid && k.record.alg == record.alg;
    });
    if (known != keys.end()) {
      next.push_back(*known);
    } else {
      absl::StatusOr<RingKey> loaded =
          LoadRecordedKey(KeyPath(record.file), record);
      if (!loaded.ok()) return loaded.status();
      next.push_back(*std::move(loaded));
    }
    next.back().record = std::move(record);
  }

  // The snapshot readers will get: the signing key first, then the others,
  // newest first. Built before touching the disk so that nothing below can
  // fail after the state changed.
  const RingKey& active = next[settled.active];
  std::vector<std::shared_ptr<const jose::VerificationKey>> published = {
      active.verifier};
  for (size_t i = next.size(); i-- > 0;) {
    if (i != settled.active) published.push_back(next[i].verifier);
  }
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> key_set =
      jose::KeySet::Create(published);
  if (!key_set.ok()) return key_set.status();
  const absl::Time active_until = internal::ActiveUntil(settled, schedule);

  // Durable, in an order where a crash at any point is recovered at the
  // next Open: the key file before the state that names it; the state
  // without a dropped key before its file goes.
  std::vector<KeyRecord> next_records;
  for (const RingKey& key : next) next_records.push_back(key.record);
  const std::string next_text = SerializeState(next_records);
  if (created.has_value()) {
    if (absl::Status s = WriteFileAtomically(KeyPath(created->record.file),
                                             created_pem, 0600);
        !s.ok()) {
      return s;
    }
  }
  if (next_text != durable_text) {
    if (absl::Status s = WriteFileAtomically(state_path, next_text, 0600);
        !s.ok()) {
      // The new key was never published, so nothing was signed with it:
      // leave no trace. Unless only the final directory fsync failed and
      // the new state, which names the key, is in place after all.
      absl::StatusOr<std::string> on_disk =
          ReadSmallFile(state_path, kMaxStateBytes);
      const bool replaced = on_disk.ok() && *on_disk == next_text;
      if (created.has_value() && !replaced) {
        RemoveFile(KeyPath(created->record.file), "state write failed");
      }
      return s;
    }
  }
  for (const std::string& kid : settled.dropped) {
    RemoveFile(KeyPath(record_of.at(kid)->file), "retention passed");
  }
  RemoveStrayFiles(next_records);
  dir_lock->Release();

  if (created.has_value()) {
    Log(LogLevel::kInfo, "key ring: created the next key",
        {{"kid", created->record.kid},
         {"alg", std::string(jose::JwsAlgorithmName(created->record.alg))},
         {"activates", TimeText(created->record.activates)}});
  }
  for (const std::string& kid : settled.dropped) {
    Log(LogLevel::kInfo, "key ring: dropped retired key", {{"kid", kid}});
  }

  // Swap only on change: a new KeySet pointer tells caches to drop entries.
  std::shared_ptr<const Snapshot> current = snapshot.load();
  const bool changed = current == nullptr || current->active != active.signer ||
                       current->active_until != active_until ||
                       current->key_set->keys() != (*key_set)->keys();
  if (changed) {
    if (current == nullptr || current->active != active.signer) {
      Log(LogLevel::kInfo, "key ring: signing key",
          {{"kid", active.record.kid},
           {"alg", std::string(jose::JwsAlgorithmName(active.record.alg))},
           {"until", TimeText(active_until)}});
    }
    auto fresh = std::make_shared<Snapshot>();
    fresh->active = active.signer;
    fresh->key_set = *std::move(key_set);
    fresh->active_until = active_until;
    snapshot.store(std::move(fresh));
  }
  next_change = internal::NextChange(settled, now, schedule);
  keys = std::move(next);
  return absl::OkStatus();
}

void LocalKeyRing::State::RunBackground() {
  while (true) {
    absl::Duration wait = kRetryAfterError;
    {
      std::lock_guard lock(tick_mu);
      if (last_tick_ok.load()) {
        wait = std::clamp(next_change - clock->Now(), kMinWait, kMaxWait);
      }
    }
    {
      std::unique_lock lock(stop_mu);
      if (stop_cv.wait_for(lock, absl::ToChronoNanoseconds(wait),
                           [this] { return stop; })) {
        return;
      }
    }
    // Errors are logged by Tick; the current keys stay in use.
    Tick(clock->Now()).IgnoreError();
  }
}

LocalKeyRing::LocalKeyRing(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

LocalKeyRing::~LocalKeyRing() {
  if (!state_->thread.joinable()) return;
  {
    std::lock_guard lock(state_->stop_mu);
    state_->stop = true;
  }
  state_->stop_cv.notify_all();
  state_->thread.join();
}

absl::Status LocalKeyRing::CheckOptions(const LocalKeyRingOptions& options) {
  if (jose::IsHmac(options.alg)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the local key ring holds key pairs, not ",
                     jose::JwsAlgorithmName(options.alg), " secrets"));
  }
  return internal::ValidateScheduleOptions(
      {.rotation_period = options.rotation_period,
       .publish_ahead = options.publish_ahead,
       .retain_after_retirement = options.retain_after_retirement});
}

absl::StatusOr<std::unique_ptr<LocalKeyRing>> LocalKeyRing::Open(
    const LocalKeyRingOptions& options, const Clock* clock) {
  if (clock == nullptr) clock = &SystemClock();
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  auto state = std::make_unique<State>(options, clock);
  if (absl::Status s = EnsurePrivateDirectory(options.data_dir); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("data directory: ", s.message()));
  }
  if (absl::Status s = EnsurePrivateDirectory(state->keys_dir); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("keys directory: ", s.message()));
  }
  // One instant for the whole Open, so that the keys Bootstrap and Tick
  // agree on are the same even if the clock moves meanwhile.
  const absl::Time now = clock->Now();
  {
    absl::StatusOr<DirectoryLock> lock =
        DirectoryLock::Acquire(state->keys_dir);
    if (!lock.ok()) return lock.status();
    if (absl::Status s = state->Bootstrap(now); !s.ok()) return s;
  }
  if (absl::Status s = state->Tick(now); !s.ok()) return s;
  {
    std::lock_guard lock(state->tick_mu);
    for (const RingKey& key : state->keys) {
      if (key.record.alg != options.alg) {
        Log(LogLevel::kInfo,
            "key ring: key keeps its own alg; the next key follows the "
            "configured one",
            {{"kid", key.record.kid},
             {"alg", std::string(jose::JwsAlgorithmName(key.record.alg))},
             {"configured_alg",
              std::string(jose::JwsAlgorithmName(options.alg))}});
      }
    }
  }
  State* raw = state.get();
  auto ring = std::unique_ptr<LocalKeyRing>(new LocalKeyRing(std::move(state)));
  if (options.background) {
    raw->thread = std::thread([raw] { raw->RunBackground(); });
  }
  return ring;
}

absl::Status LocalKeyRing::Tick() { return state_->Tick(state_->clock->Now()); }

bool LocalKeyRing::generated() const { return state_->generated; }

std::shared_ptr<const jose::SigningKey> LocalKeyRing::ActiveSigningKey() const {
  return state_->snapshot.load()->active;
}

std::shared_ptr<const jose::KeySet> LocalKeyRing::VerificationKeys() const {
  return state_->snapshot.load()->key_set;
}

KeyRingStatus LocalKeyRing::Status() const {
  std::shared_ptr<const Snapshot> current = state_->snapshot.load();
  KeyRingStatus status;
  status.ready = current->active != nullptr;
  status.keys = current->key_set->size();
  status.active_key_retires = current->active_until;
  status.detail = absl::StrCat(status.keys, status.keys == 1 ? " key" : " keys",
                               "; active ", current->active->kid(), " until ",
                               TimeText(current->active_until));
  // Serving keys whose schedule could not be applied (e.g. a rotation that
  // could not be written) is worth an alert, not an outage.
  status.degraded = !state_->last_tick_ok.load();
  if (status.degraded) absl::StrAppend(&status.detail, "; last update failed");
  const int64_t refreshed = state_->last_refresh_ns.load();
  if (refreshed != INT64_MIN) {
    status.last_refresh = absl::FromUnixNanos(refreshed);
  }
  return status;
}

}  // namespace jwtd::keyring
