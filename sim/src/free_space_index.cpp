#include "smh/sim/free_space_index.hpp"

#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

void FreeSpaceIndex::add_region(std::uint64_t area_granules) {
  SMH_SIM_ASSERT(area_granules > 0);
  Region& r = regions_.emplace_back();
  r.area_granules = area_granules;
  r.bounds = ExtentBounds(area_granules);
  add_gap(r, area_granules);
  r.free_granules = area_granules;
}

std::optional<FreeSpaceIndex::Gap> FreeSpaceIndex::gap_around(const Region& r, std::uint64_t at) {
  SMH_SIM_ASSERT(at < r.area_granules);
  // The live extent starting last at or before `at` ends at the first last
  // granule after its start (extents never overlap); `at` is free when it ends
  // before `at`, and the gap then begins right after it.
  const std::uint64_t start_before = r.bounds.first_at_or_before(at);
  std::uint64_t begin = 0;
  if (start_before != ExtentBounds::none) {
    const std::uint64_t last = r.bounds.last_of(start_before);
    if (last >= at) {
      return std::nullopt;
    }
    begin = last + 1;
  }
  const std::uint64_t next_start = r.bounds.first_at_or_after(at);
  return Gap{begin, next_start == ExtentBounds::none ? r.area_granules : next_start};
}

void FreeSpaceIndex::add_gap(Region& r, std::uint64_t size) {
  if (size != 0) {
    if (size < small_gap_limit) {
      if (r.small_gaps[size]++ == 0) {
        r.small_sizes.insert(size);
      }
    } else {
      ++r.large_gaps[size];
    }
    ++r.gap_count;
  }
}

void FreeSpaceIndex::remove_gap(Region& r, std::uint64_t size) {
  if (size == 0) {
    return;
  }
  if (size < small_gap_limit) {
    SMH_SIM_ASSERT(r.small_gaps[size] > 0);  // only gaps the index holds
    if (--r.small_gaps[size] == 0) {
      r.small_sizes.erase(size);
    }
  } else {
    const auto it = r.large_gaps.find(size);
    SMH_SIM_ASSERT(it != r.large_gaps.end() && it->second > 0);  // only gaps the index holds
    if (--it->second == 0) {
      r.large_gaps.erase(it);
    }
  }
  --r.gap_count;
}

bool FreeSpaceIndex::allocate(unsigned region, std::uint64_t begin, std::uint64_t end) {
  SMH_SIM_ASSERT(region < regions_.size());
  Region& r = regions_[region];
  if (begin >= end || end > r.area_granules) {
    return false;
  }
  const std::optional<Gap> gap = gap_around(r, begin);
  if (!gap || end > gap->end) {
    return false;
  }
  remove_gap(r, gap->end - gap->begin);
  add_gap(r, begin - gap->begin);
  add_gap(r, gap->end - end);
  r.bounds.add(begin, end - 1);
  r.free_granules -= end - begin;
  return true;
}

bool FreeSpaceIndex::release(unsigned region, std::uint64_t begin) {
  SMH_SIM_ASSERT(region < regions_.size());
  Region& r = regions_[region];
  if (begin >= r.area_granules || !r.bounds.starts_at(begin)) {
    return false;
  }
  const std::uint64_t end = r.bounds.last_of(begin) + 1;
  r.bounds.remove(begin, end - 1);
  // The gaps on either side (possibly empty) and the extent become one gap.
  const std::uint64_t start_before = begin == 0 ? ExtentBounds::none : r.bounds.first_at_or_before(begin - 1);
  const std::uint64_t merged_begin = start_before == ExtentBounds::none ? 0 : r.bounds.last_of(start_before) + 1;
  const std::uint64_t start_after = r.bounds.first_at_or_after(end);
  const std::uint64_t merged_end = start_after == ExtentBounds::none ? r.area_granules : start_after;
  SMH_SIM_ASSERT(merged_begin <= begin && end <= merged_end);
  remove_gap(r, begin - merged_begin);
  remove_gap(r, merged_end - end);
  add_gap(r, merged_end - merged_begin);
  r.free_granules += end - begin;
  return true;
}

std::uint64_t FreeSpaceIndex::largest_gap(unsigned region) const {
  SMH_SIM_ASSERT(region < regions_.size());
  const Region& r = regions_[region];
  if (!r.large_gaps.empty()) {
    return r.large_gaps.rbegin()->first;
  }
  const std::uint64_t small = r.small_sizes.prev(small_gap_limit - 1);
  return small == GranuleSet::none ? 0 : small;
}

std::optional<FreeSpaceIndex::Gap> FreeSpaceIndex::first_gap_at_least(unsigned region,
                                                                      std::uint64_t granules) const {
  SMH_SIM_ASSERT(region < regions_.size());
  const Region& r = regions_[region];
  if (granules > largest_gap(region)) {
    return std::nullopt;
  }
  std::uint64_t begin = 0;  // the gap starting here, possibly empty
  for (std::uint64_t guard = 0; guard <= r.area_granules; ++guard) {  // bounded: one pass over the extents
    const std::uint64_t next_start = begin < r.area_granules ? r.bounds.first_at_or_after(begin) : ExtentBounds::none;
    const std::uint64_t end = next_start == ExtentBounds::none ? r.area_granules : next_start;
    if (end - begin >= granules && end > begin) {
      return Gap{begin, end};
    }
    if (next_start == ExtentBounds::none) {
      break;
    }
    begin = r.bounds.last_of(next_start) + 1;
  }
  SMH_SIM_ASSERT(false);  // largest_gap() said a gap this large exists
  return std::nullopt;
}

}  // namespace smh::sim
