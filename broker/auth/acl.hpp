// Topic access control lists (ACLs), in a Mosquitto-like text format (docs/security.md):
//
//   # rules before the first `user` line are for anonymous clients
//   topic read public/#
//   user alice                      # rules for the authenticated user alice
//   topic readwrite sensors/#
//   topic deny sensors/secret/#
//   pattern write devices/%c/up     # pattern lines apply to every client, wherever they stand
//   pattern read devices/%u/down
//
// `topic [read|write|readwrite|deny] FILTER` (no access word: readwrite) and
// `pattern [read|write|readwrite|deny] FILTER`, where %u is the client's user name and %c its
// client id. A substitution whose value is empty or holds '+', '#', '/' or NUL is refused (the
// pattern does not apply to that client): a user called "#" must not get "devices/#".
//
// Decisions: a deny rule matching the topic wins; otherwise an allowing rule with the access
// asked for must match; otherwise no (default deny once an ACL file is configured).
// Subscribing to FILTER needs read access to every topic FILTER can match (some read rule's
// filter covers it, and no deny rule covers it); messages are also checked at delivery, so a
// wide subscription never carries a topic a deny rule (or a reloaded ACL) takes away.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/auth/errors.hpp"

namespace accord::auth {

enum class Access : std::uint8_t { Read = 1, Write = 2, ReadWrite = 3, Deny = 4 };

struct Identity {
  std::optional<std::string> user;  // nullopt: anonymous
  std::string client_id;
  bool operator==(const Identity&) const = default;
};

struct AclRule {
  Access access = Access::ReadWrite;
  std::string filter;
};

// One client's rules, resolved (patterns substituted). Immutable; shared by its session.
class Permissions {
 public:
  Permissions(Identity identity, std::vector<AclRule> rules, std::uint64_t generation)
      : identity_(std::move(identity)), rules_(std::move(rules)), generation_(generation) {}

  bool can_publish(std::string_view topic) const { return allows(Access::Write, topic); }
  bool can_read(std::string_view topic) const { return allows(Access::Read, topic); }
  // A subscription filter, "$share/GROUP/" prefix allowed.
  bool can_subscribe(std::string_view filter) const;

  const Identity& identity() const { return identity_; }
  std::uint64_t generation() const { return generation_; }
  const std::vector<AclRule>& rules() const { return rules_; }

 private:
  bool allows(Access wanted, std::string_view topic) const;
  Identity identity_;
  std::vector<AclRule> rules_;
  std::uint64_t generation_;
};

class AclRules {
 public:
  // Throws LoadError "ORIGIN:LINE: why".
  static AclRules parse(std::string_view text, std::string_view origin);
  static AclRules load(const std::string& path);

  std::shared_ptr<const Permissions> resolve(const Identity& identity, std::uint64_t generation) const;

 private:
  std::vector<AclRule> anonymous_;
  std::map<std::string, std::vector<AclRule>, std::less<>> users_;
  std::vector<AclRule> patterns_;
};

// True when every topic `filter` matches is also matched by `rule` (both MQTT filters).
bool filter_covers(std::string_view rule, std::string_view filter);
// `pattern` with %u / %c replaced; nullopt when a needed value is missing, empty or holds
// '+', '#', '/' or NUL.
std::optional<std::string> substitute(std::string_view pattern, const Identity& identity);

}  // namespace accord::auth
