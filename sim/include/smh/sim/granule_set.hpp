// A set of granule indices in [0, size) with successor and predecessor queries
// in O(log64 size): a bitmap (one bit per granule) under summary levels, where
// bit i of a level is set when word i of the level below is not zero, up to one
// word. Every level is a LazyZeroArray: a bitmap under 2 MiB is sparse (it
// costs the 4 KiB pages its members touch); one of 2 MiB or more is backed in
// huge pages (granule_set.cpp), so a touched stretch costs 2 MiB. The summary
// levels stay sparse.
//
// With `lanes` > 1 it is that many sets over the same granules, their bitmap
// words interleaved (word w of every lane side by side), so that what the lanes
// hold about one granule shares a cache line: the harness keeps a block's first
// and last granule this way (ShadowState, FreeSpaceIndex), and over a million
// live blocks each bitmap word is a cache miss, one per block instead of two.
// Each lane has its own summary levels (64 times smaller: they stay cached).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "smh/sim/lazy_zero_array.hpp"

namespace smh::sim {

class GranuleSet {
 public:
  static constexpr std::uint64_t none = ~std::uint64_t{0};
  static constexpr unsigned max_lanes = 4;

  GranuleSet() = default;
  explicit GranuleSet(std::uint64_t size, unsigned lanes = 1);

  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] unsigned lanes() const { return lanes_; }
  [[nodiscard]] bool test(std::uint64_t index, unsigned lane = 0) const;
  void insert(std::uint64_t index, unsigned lane = 0);
  void erase(std::uint64_t index, unsigned lane = 0);
  // The least member of `lane` >= index, or none.
  [[nodiscard]] std::uint64_t next(std::uint64_t index, unsigned lane = 0) const { return next_in(0, lane, index); }
  // The greatest member of `lane` <= index, or none.
  [[nodiscard]] std::uint64_t prev(std::uint64_t index, unsigned lane = 0) const { return prev_in(0, lane, index); }
  // Hints the cache that a query or change near `index` is coming: the bitmap
  // words holding it, every lane's (one cache line with 1, 2 or 4 lanes). Over many live blocks each query's word is
  // a miss of its own; issued together, before the work that needs them, they
  // overlap (executor.cpp).
  // always_inline: see ShadowState::prefetch.
  [[gnu::always_inline]] void prefetch(std::uint64_t index) const {
    if (index < size_) {
      __builtin_prefetch(bits_.data() + index / 64 * lanes_);
    }
  }

 private:
  [[nodiscard]] std::uint64_t next_in(unsigned level, unsigned lane, std::uint64_t index) const;
  [[nodiscard]] std::uint64_t prev_in(unsigned level, unsigned lane, std::uint64_t index) const;
  // Word `index` of `lane` at `level`.
  [[nodiscard]] const std::uint64_t& word(unsigned level, unsigned lane, std::uint64_t index) const {
    return level == 0 ? bits_[index * lanes_ + lane] : summaries_[(level - 1) * lanes_ + lane][index];
  }
  [[nodiscard]] std::uint64_t& word(unsigned level, unsigned lane, std::uint64_t index) {
    return const_cast<std::uint64_t&>(std::as_const(*this).word(level, lane, index));
  }
  [[nodiscard]] unsigned level_count() const { return static_cast<unsigned>(level_bits_.size()); }

  std::uint64_t size_ = 0;
  unsigned lanes_ = 1;
  LazyZeroArray<std::uint64_t> bits_;                    // level 0: one bit per granule, lanes interleaved
  std::vector<LazyZeroArray<std::uint64_t>> summaries_;  // level l >= 1 of lane k at (l - 1) * lanes + k
  std::vector<std::uint64_t> level_bits_;                // how many bits each level holds (per lane)
};

}  // namespace smh::sim
