#include "registry/http/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace accord::http {

namespace {

constexpr std::size_t kVerifiedCacheMax = 1024;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kDigestBytes = 32;

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> from_base64(std::string_view text) {
  if (text.empty() || text.size() % 4) return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --len;
  out.resize(len);
  return out;
}

std::string pbkdf2(std::string_view password, std::string_view salt, std::uint32_t iterations) {
  std::string out(kDigestBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

}  // namespace

const char* to_string(Role role) { return role == Role::Admin ? "admin" : "read"; }

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::Admin;
  if (text == "read") return Role::Read;
  return std::nullopt;
}

std::shared_ptr<const Authenticator> Authenticator::parse(std::string_view text,
                                                          std::string_view origin) {
  auto auth = std::make_shared<Authenticator>();
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto fail = [&](const std::string& why) {
      throw std::runtime_error(std::string(origin) + ":" + std::to_string(number) + ": " + why);
    };
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string kind, name, role, secret, extra;
    if (!(words >> kind)) continue;  // blank or comment
    if (!(words >> name >> role >> secret) || (words >> extra))
      fail("expected '<basic|bearer> <name> <read|admin> <hash>'");
    Credential c;
    c.name = name;
    auto r = parse_role(role);
    if (!r) fail("unknown role '" + role + "' (read or admin)");
    c.role = *r;
    if (kind == "basic") {
      const auto parts = split(secret, '$');
      if (parts.size() != 4 || parts[0] != "pbkdf2-sha256")
        fail("basic credentials need 'pbkdf2-sha256$<iterations>$<salt>$<hash>' (plain passwords "
             "are not accepted; use `accordctl admin credential basic`)");
      try {
        c.iterations = static_cast<std::uint32_t>(std::stoul(std::string(parts[1])));
      } catch (const std::exception&) {
        fail("iterations is not a number");
      }
      if (c.iterations < 100000) fail("fewer than 100000 PBKDF2 iterations is too fast to be safe");
      auto salt = from_base64(parts[2]);
      auto digest = from_base64(parts[3]);
      if (!salt || salt->size() < 8) fail("salt is not base64 of at least 8 bytes");
      if (!digest || digest->size() != kDigestBytes) fail("hash is not base64 of 32 bytes");
      c.salt = *salt;
      c.digest = *digest;
    } else if (kind == "bearer") {
      if (secret.rfind("sha256$", 0) != 0) fail("bearer credentials need 'sha256$<hex>'");
      auto digest = from_hex(std::string_view(secret).substr(7));
      if (!digest || digest->size() != kDigestBytes) fail("sha256 digest is not 64 hex digits");
      c.bearer = true;
      c.digest = *digest;
    } else {
      fail("unknown credential kind '" + kind + "' (basic or bearer)");
    }
    auth->credentials_.push_back(std::move(c));
  }
  if (auth->credentials_.empty())
    throw std::runtime_error(std::string(origin) + ": no credentials (an empty file would lock "
                                                   "everyone out)");
  return auth;
}

std::shared_ptr<const Authenticator> Authenticator::load_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("admin credentials file '" + path + "': cannot read it");
  std::ostringstream text;
  text << f.rdbuf();
  return parse(text.str(), path);
}

std::optional<Role> Authenticator::authenticate(std::string_view authorization) const {
  while (!authorization.empty() && authorization.front() == ' ') authorization.remove_prefix(1);
  if (iequals_prefix(authorization, "bearer ")) {
    std::string_view token = authorization.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    if (token.empty()) return std::nullopt;
    const std::string digest = sha256(token);
    for (const auto& c : credentials_)
      if (c.bearer && equal_constant_time(c.digest, digest)) return c.role;
    return std::nullopt;
  }
  if (!iequals_prefix(authorization, "basic ")) return std::nullopt;
  const std::string key = sha256(authorization);
  {
    std::lock_guard lk(cache_mu_);
    if (auto it = verified_.find(key); it != verified_.end()) return it->second;
  }
  std::string_view encoded = authorization.substr(6);
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  auto decoded = from_base64(encoded);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string_view user = std::string_view(*decoded).substr(0, colon);
  const std::string_view password = std::string_view(*decoded).substr(colon + 1);
  for (const auto& c : credentials_) {
    if (c.bearer || c.name != user) continue;
    if (!equal_constant_time(pbkdf2(password, c.salt, c.iterations), c.digest)) return std::nullopt;
    std::lock_guard lk(cache_mu_);
    if (verified_.size() >= kVerifiedCacheMax) verified_.clear();
    verified_[key] = c.role;
    return c.role;
  }
  return std::nullopt;
}

std::string hash_password(std::string_view password, std::uint32_t iterations) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
    throw std::runtime_error("no random bytes for a salt");
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + base64(salt) + "$" +
         base64(pbkdf2(password, salt, iterations));
}

std::string hash_token(std::string_view token) { return "sha256$" + to_hex(sha256(token)); }

std::string random_token() {
  std::string bytes(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("no random bytes for a token");
  std::string t = base64(bytes);
  for (auto& c : t) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!t.empty() && t.back() == '=') t.pop_back();
  return t;
}

}  // namespace accord::http
