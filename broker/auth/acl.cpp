#include "broker/auth/acl.hpp"

#include <fstream>
#include <sstream>

#include "broker/codec/topic.hpp"

namespace accord::auth {

namespace {

std::vector<std::string_view> levels(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto pos = s.find('/', start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

bool safe_value(std::string_view v) {
  return !v.empty() && v.find_first_of(std::string_view("+#/\0", 4)) == std::string_view::npos;
}

std::optional<Access> parse_access(std::string_view word) {
  if (word == "read") return Access::Read;
  if (word == "write") return Access::Write;
  if (word == "readwrite") return Access::ReadWrite;
  if (word == "deny") return Access::Deny;
  return std::nullopt;
}

// The filter part of a rule line: the rest after the keyword and access word, trimmed. Topic
// levels may hold spaces, so it is not split further.
std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

bool filter_covers(std::string_view rule, std::string_view filter) {
  const auto r = levels(rule);
  const auto f = levels(filter);
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r[i] == "#") {
      // Wildcards at the first level do not match topics starting with '$' (spec 4.7.2).
      return !(i == 0 && i < f.size() && !f[0].empty() && f[0].front() == '$');
    }
    if (i >= f.size()) return false;  // filter ends first: "a" is not covered by "a/b"
    if (f[i] == "#") return false;     // the filter goes deeper than a non-# rule
    if (r[i] == "+") {
      if (i == 0 && !f[0].empty() && f[0].front() == '$') return false;
      continue;  // '+' covers a literal level and '+'
    }
    if (f[i] == "+" || f[i] != r[i]) return false;
  }
  return f.size() == r.size();
}

std::optional<std::string> substitute(std::string_view pattern, const Identity& identity) {
  std::string out;
  out.reserve(pattern.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && (pattern[i + 1] == 'u' || pattern[i + 1] == 'c')) {
      const bool user = pattern[i + 1] == 'u';
      if (user && !identity.user) return std::nullopt;
      const std::string_view value = user ? std::string_view(*identity.user) : identity.client_id;
      if (!safe_value(value)) return std::nullopt;
      out += value;
      ++i;
    } else {
      out.push_back(pattern[i]);
    }
  }
  return out;
}

bool Permissions::allows(Access wanted, std::string_view topic) const {
  bool allowed = false;
  for (const auto& r : rules_) {
    if (!mqtt::topic_matches_filter(topic, r.filter)) continue;
    if (r.access == Access::Deny) return false;
    if ((static_cast<std::uint8_t>(r.access) & static_cast<std::uint8_t>(wanted)) != 0) allowed = true;
  }
  return allowed;
}

bool Permissions::can_subscribe(std::string_view filter) const {
  if (auto shared = mqtt::parse_shared_filter(filter)) filter = shared->filter;
  bool allowed = false;
  for (const auto& r : rules_) {
    if (!filter_covers(r.filter, filter)) continue;
    if (r.access == Access::Deny) return false;
    if ((static_cast<std::uint8_t>(r.access) & static_cast<std::uint8_t>(Access::Read)) != 0) allowed = true;
  }
  return allowed;
}

AclRules AclRules::parse(std::string_view text, std::string_view origin) {
  AclRules acl;
  std::vector<AclRule>* section = &acl.anonymous_;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto fail = [&](const std::string& why) {
      throw LoadError(std::string(origin) + ":" + std::to_string(number) + ": " + why);
    };
    std::string_view rest = trim(line);
    if (rest.empty() || rest.front() == '#') continue;
    const auto space = rest.find_first_of(" \t");
    const std::string_view keyword = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
    if (keyword == "user") {
      if (rest.empty()) fail("'user' needs a name");
      section = &acl.users_[std::string(rest)];
      continue;
    }
    if (keyword != "topic" && keyword != "pattern")
      fail("unknown keyword '" + std::string(keyword) + "' (user, topic or pattern)");
    AclRule rule;
    const auto sep = rest.find_first_of(" \t");
    if (sep != std::string_view::npos) {
      if (auto access = parse_access(rest.substr(0, sep))) {
        rule.access = *access;
        rest = trim(rest.substr(sep));
      }
    } else if (parse_access(rest)) {
      fail("'" + std::string(keyword) + " " + std::string(rest) + "' needs a topic filter");
    }
    if (rest.empty()) fail("'" + std::string(keyword) + "' needs a topic filter");
    rule.filter = std::string(rest);
    const bool pattern = keyword == "pattern";
    // Validate with placeholders standing in for %u and %c.
    std::string probe = rule.filter;
    if (pattern) {
      auto p = substitute(rule.filter, Identity{std::string("u"), "c"});
      probe = p ? *p : rule.filter;
    }
    if (!mqtt::is_valid_topic_filter(probe)) fail("'" + rule.filter + "' is not a valid topic filter");
    (pattern ? acl.patterns_ : *section).push_back(std::move(rule));
  }
  return acl;
}

AclRules AclRules::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw LoadError("ACL file '" + path + "': cannot read it");
  std::ostringstream text;
  text << f.rdbuf();
  return parse(text.str(), path);
}

std::shared_ptr<const Permissions> AclRules::resolve(const Identity& identity,
                                                     std::uint64_t generation) const {
  std::vector<AclRule> rules;
  if (!identity.user) {
    rules = anonymous_;
  } else if (auto it = users_.find(*identity.user); it != users_.end()) {
    rules = it->second;
  }
  for (const auto& p : patterns_) {
    if (auto filter = substitute(p.filter, identity)) rules.push_back(AclRule{p.access, std::move(*filter)});
  }
  return std::make_shared<const Permissions>(identity, std::move(rules), generation);
}

}  // namespace accord::auth
