// Maps the member names a schema mentions (properties, required, ...) or the strings of an
// enum to small indices, so one pass over an instance object can mark which are present.
// Lookups run for every member of every validated object: finalize() searches a multiplier
// that sends every name to its own slot (a perfect hash), and each slot keeps the name's
// length and first bytes, so looking up a name of up to 8 bytes is one hash and one
// comparison of two words, with no probing, no call and no access to the name itself.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace accord::jsonschema::detail {

class NameTable {
 public:
  static constexpr std::uint32_t kMissing = UINT32_MAX;

  // Index of `name`, adding it if new. Names must outlive the table (they point into the
  // schema document).
  std::uint32_t add(std::string_view name);
  // Builds the lookup index; call once after the last add().
  void finalize();

  [[gnu::always_inline]] std::uint32_t find(std::string_view name) const {
    if (slots_.empty()) return kMissing;
    const std::size_t n = name.size();
    const std::uint64_t w = word(name.data(), n);
    std::size_t slot = slot_of(w, n);
    while (true) {
      const Slot& s = slots_[slot];
      if (s.index == kMissing) return kMissing;
      if (s.length == n && s.word == w &&
          (n <= 8 || same_bytes(names_[s.index].data(), name.data(), n))) {
        return s.index;
      }
      if (perfect_) return kMissing;  // every name has its own slot: no need to probe
      slot = (slot + 1) & mask_;
    }
  }

  std::size_t size() const { return names_.size(); }
  std::string_view name(std::uint32_t i) const { return names_[i]; }

 private:
  struct Slot {
    std::uint32_t index = kMissing;
    std::uint32_t length = 0;
    std::uint64_t word = 0;
  };

  static std::uint64_t load8(const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  static std::uint32_t load4(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }

  // A word that, among names of the same length up to 8 bytes, identifies the name exactly:
  // two overlapping 4-byte loads, or first, middle and last byte below 4. Longer names get
  // their first and last 8 bytes mixed (and a full comparison on a match).
  static std::uint64_t word(const char* p, std::size_t n) {
    if (n > 8) return load8(p) ^ (load8(p + n - 8) * 0x9E3779B97F4A7C15ULL);
    if (n >= 4) return load4(p) | (std::uint64_t{load4(p + n - 4)} << 32);
    if (n == 0) return 0;
    return std::uint64_t{static_cast<unsigned char>(p[0])} |
           (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
           (std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
  }

  static bool same_bytes(const char* a, const char* b, std::size_t n) {
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      if (load8(a + i) != load8(b + i)) return false;
    }
    return load8(a + n - 8) == load8(b + n - 8);
  }

  std::size_t slot_of(std::uint64_t w, std::size_t n) const {
    const std::uint64_t h = (w ^ (std::uint64_t{n} << 56)) * 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(((h ^ (h >> 31)) * multiplier_) >> shift_);
  }

  bool build(std::uint64_t multiplier, unsigned bits, bool require_perfect);

  std::vector<std::string_view> names_;
  std::vector<Slot> slots_;
  std::uint64_t multiplier_ = 1;
  unsigned shift_ = 63;
  std::size_t mask_ = 0;
  bool perfect_ = false;
  std::unordered_map<std::string_view, std::uint32_t> building_;  // only until finalize()
};

inline std::uint32_t NameTable::add(std::string_view name) {
  const auto [it, inserted] = building_.emplace(name, static_cast<std::uint32_t>(names_.size()));
  if (inserted) names_.push_back(name);
  return it->second;
}

inline bool NameTable::build(std::uint64_t multiplier, unsigned bits, bool require_perfect) {
  multiplier_ = multiplier | 1;
  shift_ = 64 - bits;
  mask_ = (std::size_t{1} << bits) - 1;
  slots_.assign(std::size_t{1} << bits, Slot{});
  for (std::uint32_t i = 0; i < names_.size(); ++i) {
    const std::string_view name = names_[i];
    const std::uint64_t w = word(name.data(), name.size());
    std::size_t slot = slot_of(w, name.size());
    if (slots_[slot].index != kMissing) {
      if (require_perfect) return false;
      while (slots_[slot].index != kMissing) slot = (slot + 1) & mask_;
    }
    slots_[slot] = Slot{i, static_cast<std::uint32_t>(name.size()), w};
  }
  perfect_ = require_perfect;
  return true;
}

inline void NameTable::finalize() {
  building_ = {};
  if (names_.empty()) return;
  unsigned bits = 1;
  while ((std::size_t{1} << bits) < 2 * names_.size()) ++bits;
  // A collision-free multiplier is quick to find while the table is a few times larger than
  // the name count; past that, or for many names, plain linear probing is used instead.
  std::uint64_t seed = 0x9E3779B97F4A7C15ULL;
  for (unsigned extra = 0; extra < 3 && names_.size() <= 64; ++extra) {
    for (int attempt = 0; attempt < 64; ++attempt) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      if (build(seed, bits + extra, true)) return;
    }
  }
  build(0x9E3779B97F4A7C15ULL, bits + 1, false);
}

}  // namespace accord::jsonschema::detail
