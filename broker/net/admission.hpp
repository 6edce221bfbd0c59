// Per source address admission: how many connections one address holds and how fast it opens
// new ones (a token bucket per address). Confined to the Server's control thread: admit() runs
// in the accept handler there, and release() is posted there by a closing connection, so no
// lock is needed. An address's entry goes away once it holds no connection and its bucket is
// full again, so memory follows the addresses connected now, not every address ever seen.
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace accord::net {

class Admission {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Verdict : std::uint8_t { Admit, PerAddressLimit, RateLimit };

  // 0 disables either limit.
  Admission(std::uint32_t max_per_address, std::uint32_t rate_per_second)
      : max_per_address_(max_per_address), rate_(rate_per_second) {}

  // One new TCP connection from `address`. Admit: the caller must call release() once when it
  // closes. Refusals hold nothing.
  Verdict admit(const boost::asio::ip::address& address, Clock::time_point now);
  void release(const boost::asio::ip::address& address);

  std::size_t tracked_addresses() const { return entries_.size(); }
  // Drops entries that hold no connection and whose bucket has refilled (called once a second).
  void prune(Clock::time_point now);

 private:
  struct Entry {
    std::uint32_t connections = 0;
    double tokens = 0;
    Clock::time_point refilled;
  };
  struct Hash {
    std::size_t operator()(const boost::asio::ip::address& a) const;
  };
  void refill(Entry& e, Clock::time_point now) const;
  bool disposable(const Entry& e) const { return e.connections == 0 && e.tokens >= rate_; }

  const std::uint32_t max_per_address_;
  const std::uint32_t rate_;
  std::unordered_map<boost::asio::ip::address, Entry, Hash> entries_;
};

const char* to_string(Admission::Verdict verdict);

}  // namespace accord::net
