// The MQTT password file: one user per line, "NAME:$pbkdf2-sha256$ITERATIONS$SALT$HASH".
// Blank lines and lines starting with '#' are ignored. Names are everything before the first
// ':' (no ':' inside; no leading/trailing white space). A line without a slow-KDF hash (a
// plain password, "$sha256$...", "$6$..." ...) stops loading with "FILE:LINE: why".
// `accordctl user add|remove|list` edit it (clients/accordctl/user_commands.cpp).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/auth/errors.hpp"
#include "broker/auth/kdf.hpp"

namespace accord::auth {

class PasswordFile {
 public:
  // Throws LoadError "ORIGIN:LINE: why".
  static PasswordFile parse(std::string_view text, std::string_view origin);
  // Throws LoadError naming the path when it cannot be read or parsed.
  static PasswordFile load(const std::string& path);

  const PasswordHash* find(std::string_view user) const;
  std::size_t size() const { return users_.size(); }
  std::vector<std::string> names() const;

 private:
  std::map<std::string, PasswordHash, std::less<>> users_;
};

// Text editing for accordctl, keeping comments and the order of other lines. Both validate
// `name` (throws std::invalid_argument).
// Replaces the user's line (or appends one).
std::string upsert_user(std::string_view text, std::string_view name, const PasswordHash& hash);
// Removes the user's line; nullopt when there was none.
std::optional<std::string> remove_user(std::string_view text, std::string_view name);
// Empty when `name` can be a user of the file, else why not.
std::string check_user_name(std::string_view name);

}  // namespace accord::auth
