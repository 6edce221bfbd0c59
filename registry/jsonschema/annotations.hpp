// Which members of an object (or items of an array) the keywords of a schema have evaluated:
// the annotation that unevaluatedProperties / unevaluatedItems need. Only built for schemas
// that use those keywords, so plain validation never pays for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace accord::jsonschema::detail {

class Annotations {
 public:
  explicit Annotations(std::size_t count) : bits_((count + 63) / 64, 0) {}

  // A fresh set for the same instance, for a branch whose annotations count only if it passes.
  Annotations empty_like() const { return Annotations(bits_.size() * 64); }

  void mark(std::size_t i) { bits_[i >> 6] |= std::uint64_t{1} << (i & 63); }
  void mark_all() { all_ = true; }
  bool has(std::size_t i) const { return all_ || ((bits_[i >> 6] >> (i & 63)) & 1) != 0; }

  // Adds what a successful sibling evaluation (of the same instance) found.
  void merge(const Annotations& other) {
    if (other.all_) {
      all_ = true;
      return;
    }
    for (std::size_t w = 0; w < bits_.size() && w < other.bits_.size(); ++w) {
      bits_[w] |= other.bits_[w];
    }
  }

  std::size_t word_count() const { return bits_.size(); }

 private:
  std::vector<std::uint64_t> bits_;
  bool all_ = false;
};

}  // namespace accord::jsonschema::detail
