#include "region_sizing.hpp"

#include <algorithm>

#include "smh/assert.hpp"

namespace smh::cli {

namespace {

// Granules x weight overflows 64 bits on large machines (a 2^35-granule budget
// of regions up to 4 GiB): the shares are computed in 128.
__extension__ typedef unsigned __int128 Wide;

std::uint64_t round_down(std::uint64_t bytes) { return bytes / sizing_granule_bytes * sizing_granule_bytes; }
std::uint64_t round_up(std::uint64_t bytes) { return round_down(bytes + sizing_granule_bytes - 1); }

class Search {
 public:
  Search(const SizingLimits& limits, const SizingTrialFn& trial, SizingResult* result)
      : limits_(limits), trial_(trial), result_(result) {}

  // Runs one trial; false when it could not run (result_->error set).
  bool run(const std::vector<std::uint64_t>& sizes, SizingTrial* out) {
    ++result_->trials;
    *out = trial_(sizes);
    if (!out->error.empty()) {
      result_->error = out->error;
      return false;
    }
    return true;
  }

  // Grows the failing regions until the sizes pass. False: error set.
  bool grow(std::vector<std::uint64_t>* sizes) {
    for (;;) {
      SizingTrial trial;
      if (!run(*sizes, &trial)) {
        return false;
      }
      if (trial.passed) {
        return true;
      }
      bool grown = false;
      for (std::size_t region = 0; region < sizes->size(); ++region) {
        // A trial that cannot say which region failed grows them all.
        const bool failed = trial.region_failed.empty() ||
                            (region < trial.region_failed.size() && trial.region_failed[region]);
        if (failed && (*sizes)[region] < limits_.max_region_bytes) {
          (*sizes)[region] = std::min(round_up((*sizes)[region] * 2), limits_.max_region_bytes);
          grown = true;
        }
      }
      if (!grown) {
        result_->error = "the workload fails even with the failing regions at the largest size allowed (" +
                         std::to_string(limits_.max_region_bytes) + " bytes)";
        return false;
      }
    }
  }

  // Whether `region` one granule smaller still passes (then it is not minimal).
  // False: error set (*can_shrink unspecified).
  bool shrinkable(const std::vector<std::uint64_t>& sizes, std::size_t region, bool* can_shrink) {
    const std::uint64_t smaller = sizes[region] - sizing_granule_bytes;
    if (sizes[region] <= limits_.min_region_bytes || smaller < limits_.min_region_bytes) {
      *can_shrink = false;
      return true;
    }
    std::vector<std::uint64_t> trial_sizes = sizes;
    trial_sizes[region] = smaller;
    SizingTrial trial;
    if (!run(trial_sizes, &trial)) {
      return false;
    }
    *can_shrink = trial.passed;
    return true;
  }

  // Bisects `region` down from its passing size, others held. False: error set.
  bool bisect(std::vector<std::uint64_t>* sizes, std::size_t region) {
    std::uint64_t hi = (*sizes)[region];  // passes
    std::uint64_t lo = round_up(limits_.min_region_bytes);
    std::vector<std::uint64_t> trial_sizes = *sizes;
    SizingTrial trial;
    trial_sizes[region] = lo;
    if (lo >= hi) {
      return true;
    }
    if (!run(trial_sizes, &trial)) {
      return false;
    }
    if (trial.passed) {
      (*sizes)[region] = lo;
      return true;
    }
    // lo fails, hi passes.
    while (hi - lo > sizing_granule_bytes) {
      const std::uint64_t mid = lo + round_down((hi - lo) / 2);
      SMH_ASSERT(mid > lo && mid < hi);
      trial_sizes[region] = mid;
      if (!run(trial_sizes, &trial)) {
        return false;
      }
      (trial.passed ? hi : lo) = mid;
    }
    (*sizes)[region] = hi;
    return true;
  }

 private:
  const SizingLimits& limits_;
  const SizingTrialFn& trial_;
  SizingResult* result_;
};

}  // namespace

SizingResult size_regions(const std::vector<std::uint64_t>& start_bytes, const SizingLimits& limits,
                          const SizingTrialFn& trial) {
  SizingResult result;
  Search search(limits, trial, &result);
  // A heap uses whole granules of its region (the rest is trimmed), so a
  // size rounded down behaves the same: the search works in granules.
  std::vector<std::uint64_t> sizes;
  for (const std::uint64_t bytes : start_bytes) {
    sizes.push_back(std::max(round_down(bytes), round_up(limits.min_region_bytes)));
  }
  if (!search.grow(&sizes)) {
    return result;
  }
  // Rounds: bisect the regions that may still lose a granule (all of them
  // first), last region first (region_sizing.hpp says why), then ask of each,
  // by a trial of its own, whether one granule less still passes: minimal when
  // none does.
  std::vector<bool> shrinkable(sizes.size(), true);
  for (unsigned round = 0; round < limits.max_rounds; ++round) {
    for (std::size_t region = sizes.size(); region-- > 0;) {
      if (shrinkable[region] && !search.bisect(&sizes, region)) {
        return result;
      }
    }
    bool minimal = true;
    for (std::size_t region = 0; region < sizes.size(); ++region) {
      bool can_shrink = false;
      if (!search.shrinkable(sizes, region, &can_shrink)) {
        return result;
      }
      shrinkable[region] = can_shrink;
      minimal = minimal && !can_shrink;
    }
    if (minimal) {
      result.ok = true;
      result.sizes_bytes = sizes;
      return result;
    }
  }
  result.error = "no minimal sizes after " + std::to_string(limits.max_rounds) +
                 " rounds: placement is not monotone in the region sizes here";
  result.sizes_bytes = sizes;
  return result;
}

std::vector<std::uint64_t> group_region_sizes(const std::vector<SizingGroup>& groups,
                                              const std::vector<std::uint64_t>& budget_bytes,
                                              std::size_t region_count, std::uint64_t min_region_bytes) {
  SMH_ASSERT(groups.size() == budget_bytes.size());
  std::vector<std::uint64_t> sizes(region_count, 0);
  std::vector<bool> placed(region_count, false);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const SizingGroup& group = groups[g];
    SMH_ASSERT(!group.regions.empty() && group.regions.size() == group.weight_bytes.size());
    const std::uint64_t granules = budget_bytes[g] / sizing_granule_bytes;
    Wide weight_sum = 0;
    for (const std::uint64_t weight : group.weight_bytes) {
      weight_sum += weight;
    }
    std::uint64_t given = 0;
    for (std::size_t k = 0; k < group.regions.size(); ++k) {
      // Rounded down.
      const std::uint64_t share =
          weight_sum == 0 ? granules / group.regions.size()
                          : static_cast<std::uint64_t>(static_cast<Wide>(granules) *
                                                       group.weight_bytes[k] / weight_sum);
      sizes[group.regions[k]] = share;
      given += share;
    }
    SMH_ASSERT(given <= granules && granules - given <= group.regions.size());
    for (std::size_t k = 0; given < granules; ++k, ++given) {
      ++sizes[group.regions[k]];
    }
    for (const std::size_t region : group.regions) {
      SMH_ASSERT(region < region_count && !placed[region]);
      placed[region] = true;
      sizes[region] = std::max(sizes[region] * sizing_granule_bytes, round_up(min_region_bytes));
    }
  }
  SMH_ASSERT(std::find(placed.begin(), placed.end(), false) == placed.end());
  return sizes;
}

}  // namespace smh::cli
