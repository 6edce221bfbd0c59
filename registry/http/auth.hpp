// Who may call the admin API: HTTP Basic users and bearer tokens from a credentials file, each
// with a role (read or admin). Secrets are never stored: Basic passwords as salted PBKDF2-SHA256
// (slow on purpose), bearer tokens as SHA-256 (they are long random strings, so a fast hash
// cannot be brute-forced; it only keeps a leaked file from being a list of live tokens).
//
// File format, one credential per line, '#' starts a comment:
//   basic  <user> <read|admin> pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>
//   bearer <name> <read|admin> sha256$<hex digest of the token>
// `accordctl admin credential basic|bearer NAME ROLE` prints such lines.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace accord::http {

enum class Role : std::uint8_t { Read, Admin };
const char* to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

class Authenticator {
 public:
  // Parses credentials; throws std::runtime_error naming `origin`:line and the cause.
  static std::shared_ptr<const Authenticator> parse(std::string_view text, std::string_view origin);
  // Reads and parses a file; throws std::runtime_error naming the path and the cause.
  static std::shared_ptr<const Authenticator> load_file(const std::string& path);

  // The caller's role for an Authorization header ("Basic ..." or "Bearer ..."), or nullopt
  // when absent, malformed or wrong (the server answers 401).
  std::optional<Role> authenticate(std::string_view authorization) const;
  std::size_t size() const { return credentials_.size(); }

 private:
  struct Credential {
    bool bearer = false;
    std::string name;
    Role role = Role::Read;
    // basic: PBKDF2 parameters and digest; bearer: SHA-256 digest.
    std::uint32_t iterations = 0;
    std::string salt;
    std::string digest;
  };
  std::vector<Credential> credentials_;
  // A verified Basic header -> role, keyed by the header's SHA-256: clients send the same header
  // on every request, and PBKDF2 is slow by design. Bounded; cleared when full.
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, Role> verified_;
};

// "pbkdf2-sha256$<iterations>$<salt>$<hash>" with a fresh random salt.
std::string hash_password(std::string_view password, std::uint32_t iterations = 600000);
// "sha256$<hex>".
std::string hash_token(std::string_view token);
// 32 random bytes, base64url without padding: a bearer token.
std::string random_token();

}  // namespace accord::http
