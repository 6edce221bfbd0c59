// Password hashing for MQTT users: salted PBKDF2-HMAC-SHA256 from OpenSSL, slow on purpose.
//
// Why PBKDF2 and not scrypt: the admin API (registry/http/auth.cpp) already stores PBKDF2-SHA256
// with the same "pbkdf2-sha256$ITERATIONS$SALT$HASH" body, so operators meet one format; it is
// FIPS-approved; and its cost is one number. The default, 600,000 iterations, is OWASP's
// Password Storage Cheat Sheet recommendation for PBKDF2-HMAC-SHA256 (2023); files with fewer
// than kMinIterations (100,000) are refused when loaded.
//
// Stored form: "$pbkdf2-sha256$<iterations>$<salt, base64>$<32-byte hash, base64>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace accord::auth {

inline constexpr std::uint32_t kDefaultIterations = 600'000;
inline constexpr std::uint32_t kMinIterations = 100'000;
inline constexpr std::string_view kScheme = "pbkdf2-sha256";

struct PasswordHash {
  std::uint32_t iterations = 0;
  std::string salt;    // raw bytes
  std::string digest;  // raw bytes, 32
  bool operator==(const PasswordHash&) const = default;
};

// A fresh random salt and the PBKDF2 digest of `password`.
PasswordHash hash_password(std::string_view password, std::uint32_t iterations = kDefaultIterations);
// "$pbkdf2-sha256$..." text of a hash.
std::string format_hash(const PasswordHash& hash);
// Parses the stored form; nullopt with `error` saying why (plain text, a fast hash, too few
// iterations, bad base64 ...).
std::optional<PasswordHash> parse_hash(std::string_view text, std::string* error);
// Recomputes the digest and compares in constant time (CRYPTO_memcmp).
bool verify_password(std::string_view password, const PasswordHash& hash);

// Helpers shared with the verification cache.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string random_bytes(std::size_t n);
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace accord::auth
