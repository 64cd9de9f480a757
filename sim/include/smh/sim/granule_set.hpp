// A set of granule indices in [0, size) with successor and predecessor queries
// in O(log64 size): a bitmap (one bit per granule) under summary levels, where
// bit i of a level is set when word i of the level below is not zero, up to one
// word. Sparse and cheap to create: every level is a LazyZeroArray, so a set over
// a 4 GiB region costs the pages its members touch, not 64 MiB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "smh/sim/lazy_zero_array.hpp"

namespace smh::sim {

class GranuleSet {
 public:
  static constexpr std::uint64_t none = ~std::uint64_t{0};

  GranuleSet() = default;
  explicit GranuleSet(std::uint64_t size);

  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] bool test(std::uint64_t index) const;
  void insert(std::uint64_t index);
  void erase(std::uint64_t index);
  // The least member >= index, or none.
  [[nodiscard]] std::uint64_t next(std::uint64_t index) const { return next_in(0, index); }
  // The greatest member <= index, or none.
  [[nodiscard]] std::uint64_t prev(std::uint64_t index) const { return prev_in(0, index); }
  // Hints the cache that a query or change near `index` is coming: the bitmap
  // word holding it (the summary levels, 64 times smaller, stay cached). Over
  // many live blocks each query's word is a miss of its own; issued together,
  // before the work that needs them, they overlap (executor.cpp).
  // always_inline: see ShadowState::prefetch.
  [[gnu::always_inline]] void prefetch(std::uint64_t index) const {
    if (index < size_) {
      __builtin_prefetch(levels_[0].data() + index / 64);
    }
  }

 private:
  [[nodiscard]] std::uint64_t next_in(unsigned level, std::uint64_t index) const;
  [[nodiscard]] std::uint64_t prev_in(unsigned level, std::uint64_t index) const;

  std::uint64_t size_ = 0;
  std::vector<LazyZeroArray<std::uint64_t>> levels_;  // levels_[0]: one bit per granule
  std::vector<std::uint64_t> level_bits_;             // how many bits each level holds
};

}  // namespace smh::sim
