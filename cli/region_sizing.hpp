// The search behind `smh size`: the smallest region sizes at which a machine
// runs its workload without a failed allocation, found by bisection over
// trials (deterministic replays). Kept apart from replaying so that the search
// itself is tested on any predicate.
//
// Sizes move in granules (8 bytes). Per region, with the others held, a size
// known to fail (lo) and one known to pass (hi) close in until they are one
// granule apart; regions are taken last first, and rounds repeat while
// some region could still lose a granule (shrinking one region can let another
// shrink further, or need it larger: placement is not monotone in general).
// The result is minimal region by region: every region one granule smaller
// fails, each checked by a trial of its own. Where regions can stand in for
// each other (the same attribute) many results are minimal; taking the last
// region first picks the one a machine's order asks for: policies try earlier
// regions first, so a later region is sized for what spills into it while the
// earlier ones keep their size, then the earlier ones shrink to what is left.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace smh::cli {

inline constexpr std::uint64_t sizing_granule_bytes = 8;

// What one trial says about a set of region sizes.
struct SizingTrial {
  bool passed = false;
  // Failed trials: per region, whether requests whose home it is failed (the
  // regions to grow when even the starting sizes fail). May be empty.
  std::vector<bool> region_failed;
  // Non-empty: the trial could not run (bad trace, invalid machine); the
  // search stops and reports it.
  std::string error;
  // Passed trials, when the trial measures it: per region, the highest high
  // water mark any trace reached (the bytes of the region it touched). May be empty.
  std::vector<std::uint64_t> region_high_water_bytes;
};

using SizingTrialFn = std::function<SizingTrial(const std::vector<std::uint64_t>& sizes_bytes)>;

struct SizingLimits {
  std::uint64_t min_region_bytes = 16;  // no region below this
  std::uint64_t max_region_bytes = 0;   // growing stops here (0: no growth)
  unsigned max_rounds = 4;              // of the per-region bisection
};

struct SizingResult {
  bool ok = false;        // sizes found and checked minimal
  std::string error;      // !ok: why (a trial's error, or growth or rounds exhausted)
  std::vector<std::uint64_t> sizes_bytes;
  std::uint64_t trials = 0;
};

// `start_bytes`: the machine's own sizes. If they fail, the regions whose
// requests failed are doubled (up to max_region_bytes) until a trial passes;
// then each region is bisected down.
SizingResult size_regions(const std::vector<std::uint64_t>& start_bytes, const SizingLimits& limits,
                          const SizingTrialFn& trial);

// Sizing per attribute (`smh size --scale attribute`): the search's variables
// are groups of regions (an attribute's), each a budget of bytes shared by its
// regions in the proportions of their own sizes, so that the regions of one
// attribute grow and shrink together. Each region gets its share of the
// budget's granules rounded down; the granules left over (fewer than the
// group's regions) go one each to its regions in machine order, so a group's
// sizes sum to its budget exactly; no region goes below `min_region_bytes`.
struct SizingGroup {
  std::vector<std::size_t> regions;          // indices in machine order, ascending
  std::vector<std::uint64_t> weight_bytes;   // each region's own size (the proportions)
};

// The region sizes (machine order, `region_count` of them) for one budget per
// group; every region must be in exactly one group.
std::vector<std::uint64_t> group_region_sizes(const std::vector<SizingGroup>& groups,
                                              const std::vector<std::uint64_t>& budget_bytes,
                                              std::size_t region_count, std::uint64_t min_region_bytes);

}  // namespace smh::cli
