// MQTT 5 enhanced authentication (CONNECT with an Authentication Method, then AUTH packets):
// the extension point. The broker ships no method today, so a CONNECT naming any method gets
// CONNACK 0x8C (Bad authentication method) before anything else is looked at.
//
// A method (SCRAM-SHA-256, Kerberos, ...) implements EnhancedAuthenticator and is registered
// with the AuthService's owner (the network layer looks methods up by name). The exchange is a
// sequence of steps on one connection: start() with the CONNECT's Authentication Data, then
// step() for every AUTH packet (reason 0x18 Continue authentication) until a step answers
// Success (CONNACK 0x00, carrying `data`) or Failure (CONNACK with `reason`). Each step may be
// slow (a KDF): the network layer runs it off the I/O thread like password checks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace accord::auth {

struct AuthStep {
  enum class Kind : std::uint8_t { Continue, Success, Failure };
  Kind kind = Kind::Failure;
  std::string data;                 // Authentication Data to send (AUTH 0x18 or CONNACK)
  std::uint8_t reason = 0x87;       // Failure: CONNACK reason code (0x86, 0x87, ...)
  std::optional<std::string> user;  // Success: the authenticated user name, for the ACL
};

// One exchange (one connection); not shared between threads at the same time.
class EnhancedExchange {
 public:
  virtual ~EnhancedExchange() = default;
  virtual AuthStep start(std::string_view client_id, std::string_view data) = 0;
  virtual AuthStep step(std::string_view data) = 0;
};

class EnhancedAuthenticator {
 public:
  virtual ~EnhancedAuthenticator() = default;
  // The Authentication Method this implements, e.g. "SCRAM-SHA-256".
  virtual std::string_view method() const = 0;
  virtual std::unique_ptr<EnhancedExchange> begin() const = 0;
};

}  // namespace accord::auth
