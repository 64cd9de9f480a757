// The harness's own picture of each region's free space, kept from what it saw
// the allocator hand out and take back (never read from the allocator's
// metadata), so that a failed allocation is judged in O(log n) instead of by a
// walk over the heap (issue 16).
//
// The heap's layout rules (docs/ARCHITECTURE.md) make the picture exact: blocks
// tile the block area without gaps, a live block occupies [payload - 8,
// payload + usable), and every stretch between two live blocks (or a live block
// and an end of the area) is exactly one free block — coalescing merges
// neighbours, and a split-off alignment gap is at least two granules, so it is a
// block. The largest free block of a region is therefore the largest gap
// between its live extents, which this index keeps in O(log n) per change.
//
// Extents are in granules (8 bytes) from the start of the region's block area.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "smh/sim/extent_bounds.hpp"
#include "smh/sim/granule_set.hpp"

namespace smh::sim {

class FreeSpaceIndex {
 public:
  static constexpr std::uint64_t granule_bytes = 8;

  // A region whose block area holds `area_granules` granules, all free. Regions
  // are numbered in the order they were added.
  void add_region(std::uint64_t area_granules);
  [[nodiscard]] unsigned region_count() const { return static_cast<unsigned>(regions_.size()); }

  // [begin, end) leaves the free space: false (and nothing changes) when it does
  // not lie inside one free gap, i.e. it overlaps a live extent — an allocator
  // bug, which the caller's overlap check reports.
  bool allocate(unsigned region, std::uint64_t begin, std::uint64_t end);
  // The live extent starting at `begin` returns to the free space and merges
  // with the gaps beside it: false (and nothing changes) when no live extent
  // starts there.
  bool release(unsigned region, std::uint64_t begin);

  [[nodiscard]] std::uint64_t largest_gap(unsigned region) const;  // O(1)
  // Hints the cache that allocate() or release() of an extent from `begin` to
  // `end` (granules) is coming: the bitmap words its queries start from.
  [[gnu::always_inline]] void prefetch(unsigned region, std::uint64_t begin, std::uint64_t end) const {
    const Region& r = regions_[region];
    r.bounds.prefetch(begin);
    if (end / 64 != begin / 64) {  // another bitmap word (release's query after the extent reads `end`)
      r.bounds.prefetch(end);
    }
  }
  [[nodiscard]] std::uint64_t free_granules(unsigned region) const { return regions_[region].free_granules; }
  [[nodiscard]] std::uint64_t gap_count(unsigned region) const { return regions_[region].gap_count; }
  // The first gap by address of at least `granules` granules: [begin, end).
  // O(gaps before it): for the message of a finding, never on the fast path.
  struct Gap {
    std::uint64_t begin;
    std::uint64_t end;
  };
  [[nodiscard]] std::optional<Gap> first_gap_at_least(unsigned region, std::uint64_t granules) const;

 private:
  static constexpr std::uint64_t small_gap_limit = 4096;

  struct Region {
    std::uint64_t area_granules = 0;
    ExtentBounds bounds;  // first and last granule of each live extent
    // How many gaps have each size (granules): the sizes below small_gap_limit
    // in a table with a set of its non-empty sizes, the rest in an ordered map.
    // In a churning heap almost every gap is small, and a map node per size
    // was a cache miss or two on every alloc and free over many live blocks.
    std::vector<std::uint64_t> small_gaps = std::vector<std::uint64_t>(small_gap_limit, 0);
    GranuleSet small_sizes = GranuleSet(small_gap_limit);
    std::map<std::uint64_t, std::uint64_t> large_gaps;
    std::uint64_t free_granules = 0;
    std::uint64_t gap_count = 0;
  };

  // The gap around free granule `at`, or nullopt when `at` lies in a live extent.
  [[nodiscard]] static std::optional<Gap> gap_around(const Region& r, std::uint64_t at);
  static void add_gap(Region& r, std::uint64_t size);
  static void remove_gap(Region& r, std::uint64_t size);

  std::vector<Region> regions_;
};

}  // namespace smh::sim
