// Keep-alive arithmetic (spec 3.1.2.10, 3.2.2.3.14). Pure: the caller owns the clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace accord::protocol {

// How long the connection may stay silent before the server closes it: one and a half times the
// keep-alive (spec 3.1.2.10). Zero duration means no deadline (keep-alive 0 disables it).
constexpr std::chrono::milliseconds keep_alive_deadline(std::uint16_t keep_alive_seconds) {
  return std::chrono::milliseconds(std::uint32_t{keep_alive_seconds} * 1500U);
}

// MQTT 5 Server Keep Alive to put in CONNACK, or nullopt when the client's value stands.
// `maximum` is the configured upper bound in seconds; 0 means no bound. A client asking for 0
// (no keep-alive) is, like a too-large request, given the maximum: an unbounded silent
// connection is exactly what the bound exists to prevent (mosquitto's max_keepalive does the
// same).
constexpr std::optional<std::uint16_t> choose_server_keep_alive(std::uint16_t requested,
                                                                std::uint16_t maximum) {
  if (maximum == 0) return std::nullopt;
  if (requested == 0 || requested > maximum) return maximum;
  return std::nullopt;
}

}  // namespace accord::protocol
