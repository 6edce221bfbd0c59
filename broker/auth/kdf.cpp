#include "broker/auth/kdf.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>
#include <vector>

namespace accord::auth {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kDigestBytes = 32;

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
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok) return std::nullopt;
  }
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

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    const auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("no random bytes from OpenSSL");
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(),
            reinterpret_cast<unsigned char*>(out.data()), &len))
    throw std::runtime_error("HMAC-SHA256 failed");
  out.resize(len);
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

PasswordHash hash_password(std::string_view password, std::uint32_t iterations) {
  PasswordHash h;
  h.iterations = iterations;
  h.salt = random_bytes(kSaltBytes);
  h.digest = pbkdf2(password, h.salt, iterations);
  return h;
}

std::string format_hash(const PasswordHash& hash) {
  return "$" + std::string(kScheme) + "$" + std::to_string(hash.iterations) + "$" +
         base64(hash.salt) + "$" + base64(hash.digest);
}

std::optional<PasswordHash> parse_hash(std::string_view text, std::string* error) {
  const auto fail = [error](std::string why) -> std::optional<PasswordHash> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (text.empty()) return fail("no password hash");
  if (text.front() != '$')
    return fail("not a '$pbkdf2-sha256$...' hash (plain-text passwords are refused; use "
                "`accordctl user add`)");
  const auto parts = split(text.substr(1), '$');
  if (parts[0] != kScheme)
    return fail("hash scheme '" + std::string(parts[0]) +
                "' is not accepted (only pbkdf2-sha256: fast hashes like sha256 or md5 can be "
                "brute-forced)");
  if (parts.size() != 4) return fail("expected '$pbkdf2-sha256$ITERATIONS$SALT$HASH'");
  PasswordHash h;
  const auto [end, ec] =
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), h.iterations);
  if (ec != std::errc{} || end != parts[1].data() + parts[1].size())
    return fail("iterations '" + std::string(parts[1]) + "' is not a number");
  if (h.iterations < kMinIterations)
    return fail(std::to_string(h.iterations) + " PBKDF2 iterations is too fast to be safe (at least " +
                std::to_string(kMinIterations) + ")");
  auto salt = from_base64(parts[2]);
  auto digest = from_base64(parts[3]);
  if (!salt || salt->size() < 8) return fail("salt is not base64 of at least 8 bytes");
  if (!digest || digest->size() != kDigestBytes) return fail("hash is not base64 of 32 bytes");
  h.salt = std::move(*salt);
  h.digest = std::move(*digest);
  return h;
}

bool verify_password(std::string_view password, const PasswordHash& hash) {
  return equal_constant_time(pbkdf2(password, hash.salt, hash.iterations), hash.digest);
}

}  // namespace accord::auth
