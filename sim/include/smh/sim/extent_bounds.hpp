// The bounds of disjoint extents of granules: each extent's first and last
// granule, kept in one GranuleSet with a lane for each so that what a query
// reads about one granule shares a cache line (over a million live extents each
// bitmap word is a cache miss: one per extent, not two). ShadowState keeps its
// blocks this way and FreeSpaceIndex its live extents. The callers never add an
// extent that overlaps one held (they test first), so firsts and lasts
// alternate by address: an extent's last is the first last from its first on.
#pragma once

#include <cstdint>

#include "smh/sim/granule_set.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

class ExtentBounds {
 public:
  static constexpr std::uint64_t none = GranuleSet::none;

  ExtentBounds() = default;
  explicit ExtentBounds(std::uint64_t granules) : bounds_(granules, lanes) {}

  [[nodiscard]] std::uint64_t size() const { return bounds_.size(); }
  // [first, last] becomes an extent (it overlaps none held: the caller's test).
  void add(std::uint64_t first, std::uint64_t last) {
    SMH_SIM_ASSERT(first <= last);
    bounds_.insert(first, first_lane);
    bounds_.insert(last, last_lane);
  }
  // The extent [first, last] is no longer held.
  void remove(std::uint64_t first, std::uint64_t last) {
    SMH_SIM_ASSERT(first <= last);
    bounds_.erase(first, first_lane);
    bounds_.erase(last, last_lane);
  }
  [[nodiscard]] bool starts_at(std::uint64_t granule) const { return bounds_.test(granule, first_lane); }
  // The greatest first at or below `granule`, or none.
  [[nodiscard]] std::uint64_t first_at_or_before(std::uint64_t granule) const {
    return bounds_.prev(granule, first_lane);
  }
  // The least first at or above `granule`, or none.
  [[nodiscard]] std::uint64_t first_at_or_after(std::uint64_t granule) const {
    return bounds_.next(granule, first_lane);
  }
  // The least last at or above `granule`, or none.
  [[nodiscard]] std::uint64_t last_at_or_after(std::uint64_t granule) const {
    return bounds_.next(granule, last_lane);
  }
  // The last granule of the extent whose first is `first`.
  [[nodiscard]] std::uint64_t last_of(std::uint64_t first) const {
    const std::uint64_t last = last_at_or_after(first);
    SMH_SIM_ASSERT(last != none);  // every first has its last
    return last;
  }
  // Hints the cache that a query or change near `granule` is coming (both
  // lanes' word). always_inline: see ShadowState::prefetch.
  [[gnu::always_inline]] void prefetch(std::uint64_t granule) const { bounds_.prefetch(granule); }

 private:
  static constexpr unsigned first_lane = 0;
  static constexpr unsigned last_lane = 1;
  static constexpr unsigned lanes = 2;

  GranuleSet bounds_;
};

}  // namespace smh::sim
