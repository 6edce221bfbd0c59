#include "broker/auth/password_file.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace accord::auth {

namespace {

bool ignorable(std::string_view line) {
  const auto first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line[first] == '#';
}

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The user a line is about, or empty for comments and blank lines.
std::string_view line_user(std::string_view line) {
  line = strip_cr(line);
  if (ignorable(line)) return {};
  return line.substr(0, line.find(':'));
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

}  // namespace

std::string check_user_name(std::string_view name) {
  if (name.empty()) return "user name is empty";
  if (name.find(':') != std::string_view::npos) return "user name must not contain ':'";
  if (name.find_first_of("\n\r\0", 0, 3) != std::string_view::npos)
    return "user name must not contain line breaks or NUL";
  if (name.front() == '#') return "user name must not start with '#'";
  if (name.front() == ' ' || name.front() == '\t' || name.back() == ' ' || name.back() == '\t')
    return "user name must not start or end with white space";
  return {};
}

PasswordFile PasswordFile::parse(std::string_view text, std::string_view origin) {
  PasswordFile file;
  int number = 0;
  for (std::string_view raw : lines_of(text)) {
    ++number;
    const std::string_view line = strip_cr(raw);
    if (ignorable(line)) continue;
    const auto fail = [&](const std::string& why) {
      throw LoadError(std::string(origin) + ":" + std::to_string(number) + ": " + why);
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) fail("expected 'NAME:$pbkdf2-sha256$...'");
    const std::string_view name = line.substr(0, colon);
    if (auto why = check_user_name(name); !why.empty()) fail(why);
    std::string error;
    auto hash = parse_hash(line.substr(colon + 1), &error);
    if (!hash) fail("user '" + std::string(name) + "': " + error);
    if (!file.users_.emplace(std::string(name), std::move(*hash)).second)
      fail("user '" + std::string(name) + "' appears twice");
  }
  return file;
}

PasswordFile PasswordFile::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw LoadError("password file '" + path + "': cannot read it");
  std::ostringstream text;
  text << f.rdbuf();
  return parse(text.str(), path);
}

const PasswordHash* PasswordFile::find(std::string_view user) const {
  auto it = users_.find(user);
  return it == users_.end() ? nullptr : &it->second;
}

std::vector<std::string> PasswordFile::names() const {
  std::vector<std::string> out;
  for (const auto& [name, hash] : users_) out.push_back(name);
  return out;
}

std::string upsert_user(std::string_view text, std::string_view name, const PasswordHash& hash) {
  if (auto why = check_user_name(name); !why.empty()) throw std::invalid_argument(why);
  const std::string entry = std::string(name) + ":" + format_hash(hash);
  std::string out;
  bool replaced = false;
  for (std::string_view line : lines_of(text)) {
    if (!replaced && line_user(line) == name) {
      out += entry;
      replaced = true;
    } else if (line_user(line) == name) {
      continue;  // a duplicate would stop the broker loading the file
    } else {
      out += line;
    }
    out += '\n';
  }
  if (!replaced) out += entry + "\n";
  return out;
}

std::optional<std::string> remove_user(std::string_view text, std::string_view name) {
  if (auto why = check_user_name(name); !why.empty()) throw std::invalid_argument(why);
  std::string out;
  bool found = false;
  for (std::string_view line : lines_of(text)) {
    if (line_user(line) == name) {
      found = true;
      continue;
    }
    out += line;
    out += '\n';
  }
  if (!found) return std::nullopt;
  return out;
}

}  // namespace accord::auth
