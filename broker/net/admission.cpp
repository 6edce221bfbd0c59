#include "broker/net/admission.hpp"

#include <algorithm>
#include <functional>
#include <string_view>

namespace accord::net {

std::size_t Admission::Hash::operator()(const boost::asio::ip::address& a) const {
  if (a.is_v4()) return std::hash<std::uint32_t>{}(a.to_v4().to_uint());
  const auto bytes = a.to_v6().to_bytes();
  return std::hash<std::string_view>{}(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void Admission::refill(Entry& e, Clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - e.refilled).count();
  if (seconds > 0) {
    e.tokens = std::min<double>(rate_, e.tokens + seconds * rate_);
    e.refilled = now;
  }
}

Admission::Verdict Admission::admit(const boost::asio::ip::address& address, Clock::time_point now) {
  if (max_per_address_ == 0 && rate_ == 0) return Verdict::Admit;
  auto [it, fresh] = entries_.try_emplace(address);
  Entry& e = it->second;
  if (fresh) {
    e.tokens = rate_;  // a burst of `rate` connections is allowed at once
    e.refilled = now;
  }
  Verdict verdict = Verdict::Admit;
  if (max_per_address_ != 0 && e.connections >= max_per_address_) {
    verdict = Verdict::PerAddressLimit;
  } else if (rate_ != 0) {
    refill(e, now);
    if (e.tokens < 1.0) {
      verdict = Verdict::RateLimit;
    } else {
      e.tokens -= 1.0;
    }
  }
  // A fresh entry is never refused (limits are >= 1 and a new bucket is full), so refusals
  // create no entries.
  if (verdict == Verdict::Admit) ++e.connections;
  return verdict;
}

void Admission::release(const boost::asio::ip::address& address) {
  if (max_per_address_ == 0 && rate_ == 0) return;
  auto it = entries_.find(address);
  if (it == entries_.end()) return;
  if (it->second.connections > 0) --it->second.connections;
  if (disposable(it->second)) entries_.erase(it);
}

void Admission::prune(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (rate_ != 0) refill(e, now);  // also for busy addresses: release() can then drop them
    if (disposable(e)) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

const char* to_string(Admission::Verdict verdict) {
  switch (verdict) {
    case Admission::Verdict::Admit: return "admitted";
    case Admission::Verdict::PerAddressLimit: return "per_address_limit";
    case Admission::Verdict::RateLimit: return "rate_limit";
  }
  return "?";
}

}  // namespace accord::net
