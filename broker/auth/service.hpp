// Who may connect, and with which topic rules: the password file and the ACL file behind one
// object the network layer asks at CONNECT and the sessions ask for their permissions.
//
// Where the slow password check runs: never on an I/O thread. verify_async() hands it to a
// small pool of worker threads (kVerifyThreads) and the caller posts the answer back to its own
// thread; a burst of CONNECTs with wrong passwords only queues there (bounded: beyond
// kMaxPendingVerifications new ones are refused as "server busy" at once) while every other
// client is served as usual. A password that verified once is remembered as an HMAC-SHA256 of
// user and password under a random per-process pepper (never the password itself), so a device
// reconnecting with the right password is answered at once (check_fast). The memory is dropped
// when the password file is reloaded.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "broker/auth/acl.hpp"
#include "broker/auth/errors.hpp"
#include "broker/auth/password_file.hpp"

namespace accord::auth {

// Who may connect without a user name: loopback clients only (the default, like Mosquitto 2),
// anyone, or no one.
enum class Anonymous : std::uint8_t { Local, Allow, Deny };
std::optional<Anonymous> parse_anonymous(std::string_view text);

struct AuthOptions {
  Anonymous anonymous = Anonymous::Local;
  std::string password_file;  // empty: user names are not checked; every client is anonymous
  std::string acl_file;       // empty: no topic rules
};

struct Credentials {
  std::optional<std::string> username;
  std::optional<std::string> password;
  bool loopback = false;
  // A user name proven another way (a verified TLS client certificate, tls_identity =
  // "username"): no password needed.
  std::optional<std::string> certified_user;
  // A verified client certificate that proves the client id (tls_identity = "client_id"): a
  // client without user name is admitted whatever auth.anonymous says.
  bool certified = false;
};

struct Outcome {
  enum class Verdict : std::uint8_t {
    Allowed,
    BadCredentials,  // unknown user, wrong or missing password (MQTT 5 0x86, 3.1.1 code 4)
    NotAuthorized,   // anonymous, and anonymous clients may not connect (0x87, code 5)
    Busy,            // too many passwords waiting to be checked (0x89, code 3)
  };
  Verdict verdict = Verdict::Allowed;
  std::optional<std::string> user;  // set when allowed as a user; nullopt: anonymous
  std::string detail;               // for the log
  bool allowed() const { return verdict == Verdict::Allowed; }
};

// What a reload did, for the log.
struct ReloadResult {
  std::vector<std::string> errors;  // one per file that could not be used (old rules kept)
  std::size_t users = 0;
  bool acl = false;
};

class AuthService {
 public:
  static constexpr unsigned kVerifyThreads = 2;
  static constexpr std::size_t kMaxPendingVerifications = 1024;

  // Loads both files; throws LoadError naming FILE:LINE.
  explicit AuthService(AuthOptions options);
  ~AuthService();
  AuthService(const AuthService&) = delete;
  AuthService& operator=(const AuthService&) = delete;

  // The answer when no password has to go through the KDF (anonymous, no password file, a
  // certified user, a remembered password, an unknown user is NOT answered here); nullopt: call
  // verify_async().
  std::optional<Outcome> check_fast(const Credentials& credentials) const;
  // Checks the password on a worker thread and calls `done` there. False (and `done` is not
  // called) when too many checks are waiting.
  bool verify_async(Credentials credentials, std::function<void(Outcome)> done);

  // Re-reads both files; a file that fails keeps its previous rules.
  ReloadResult reload();

  bool acl_enabled() const { return !options_.acl_file.empty(); }
  // The rules for a client; nullptr when no ACL file is configured (everything allowed).
  std::shared_ptr<const Permissions> permissions(const Identity& identity) const;
  // Changes whenever the ACL is reloaded: sessions re-resolve their permissions.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  const AuthOptions& options() const { return options_; }

 private:
  struct Passwords {
    PasswordFile file;
    // user -> HMAC(pepper, user NUL password) of a password that verified.
    mutable std::mutex mu;
    mutable std::unordered_map<std::string, std::string> verified;
  };
  struct Job {
    Credentials credentials;
    std::shared_ptr<const Passwords> passwords;
    std::function<void(Outcome)> done;
  };
  Outcome verify(const Job& job) const;
  std::string cache_key(std::string_view user, std::string_view password) const;
  void work();

  const AuthOptions options_;
  const std::string pepper_;
  const PasswordHash dummy_;  // checked for unknown users: same cost as a known one

  mutable std::mutex mu_;
  std::shared_ptr<const Passwords> passwords_;  // null: no password file
  std::shared_ptr<const AclRules> acl_;         // null: no ACL file
  std::atomic<std::uint64_t> generation_{1};

  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace accord::auth
