// PoolEngine::select_region — which matching region serves a request, per policy.
//
// Every policy is one pass over at most all regions (O(regions)) using the heaps'
// cheap queries: can_alloc() (answered from the heap's class bitmap in the usual
// cases, else by the heap's own bounded search, without taking the block),
// free_bytes() (O(1)) and largest_free_block_floor_bytes() (O(1); the exact
// largest block only to break a tie). Only regions that can hold the request are
// candidates, so the region chosen never fails the allocation and nothing is
// retried. The policy is decided once per request, outside the loops.
#include "smh/assert.hpp"
#include "smh/pool_engine.hpp"

namespace smh {

bool PoolEngine::matches(const Region& region, std::uint32_t attr) const {
  return attribute_matches(config_.mode, region.config.attr, attr);
}

// Whether `region` may serve an attribute request under `policy` (fit aside).
bool PoolEngine::serves(const Region& region, std::uint32_t attr, std::size_t size_bytes,
                        Policy policy) const {
  if (region.offline || region.config.reserved || !matches(region, attr)) {
    return false;
  }
  if (policy == Policy::size_threshold && region.config.role != RegionRole::any) {
    const bool small = size_bytes < config_.size_threshold_bytes;
    return small == (region.config.role == RegionRole::small_requests);
  }
  return true;
}

bool PoolEngine::candidate(const Region& region, std::uint32_t attr, const Heap::Request& request,
                           std::size_t size_bytes, Policy policy) const {
  return serves(region, attr, size_bytes, policy) && region.heap.can_alloc(request);
}

// The first candidate in `order` (nullptr: insertion order), starting at `start`
// and wrapping around.
int PoolEngine::first_candidate(std::uint32_t attr, const Heap::Request& request, std::size_t size_bytes,
                                Policy policy, const std::uint8_t* order, unsigned start) const {
  for (unsigned step = 0; step < region_count_; ++step) {
    unsigned index = start + step;
    index = index < region_count_ ? index : index - region_count_;
    if (order != nullptr) {
      index = order[index];
    }
    if (candidate(storage_.regions[index], attr, request, size_bytes, policy)) {
      return static_cast<int>(index);
    }
  }
  return -1;
}

// The candidate whose largest free block is the smallest; ties by insertion order.
int PoolEngine::best_fit_candidate(std::uint32_t attr, const Heap::Request& request, std::size_t size_bytes) const {
  int chosen = -1;
  std::size_t chosen_floor = 0;
  std::size_t chosen_largest = 0;  // exact, computed only when floors tie
  bool chosen_largest_known = false;
  for (unsigned index = 0; index < region_count_; ++index) {
    const Region& region = storage_.regions[index];
    if (!candidate(region, attr, request, size_bytes, Policy::best_fit)) {
      continue;
    }
    const std::size_t floor = region.heap.largest_free_block_floor_bytes();
    if (chosen >= 0 && floor > chosen_floor) {
      continue;
    }
    if (chosen >= 0 && floor == chosen_floor) {
      if (!chosen_largest_known) {
        chosen_largest = storage_.regions[chosen].heap.largest_free_block_bytes();
        chosen_largest_known = true;
      }
      const std::size_t largest = region.heap.largest_free_block_bytes();
      if (largest >= chosen_largest) {
        continue;
      }
      chosen_largest = largest;
    } else {
      chosen_largest_known = false;
    }
    chosen = static_cast<int>(index);
    chosen_floor = floor;
  }
  return chosen;
}

// The candidate with the most free bytes; ties by insertion order.
int PoolEngine::worst_fit_candidate(std::uint32_t attr, const Heap::Request& request, std::size_t size_bytes) const {
  int chosen = -1;
  std::size_t chosen_free = 0;
  for (unsigned index = 0; index < region_count_; ++index) {
    const Region& region = storage_.regions[index];
    if (!serves(region, attr, size_bytes, Policy::worst_fit)) {
      continue;
    }
    const std::size_t free_bytes = region.heap.free_bytes();
    // Ask can_alloc only of a region that would win: it is the costlier check.
    if ((chosen < 0 || free_bytes > chosen_free) && region.heap.can_alloc(request)) {
      chosen = static_cast<int>(index);
      chosen_free = free_bytes;
    }
  }
  return chosen;
}

int PoolEngine::select_region(std::uint32_t attr, const Heap::Request& request, std::size_t size_bytes) {
  if (region_count_ == 0) {
    return -1;
  }
  const Policy policy = policy_for(attr);
  switch (policy) {
    case Policy::first_fit:
    case Policy::size_threshold:
      return first_candidate(attr, request, size_bytes, policy, nullptr, 0);
    case Policy::smallest_region_first:
      return first_candidate(attr, request, size_bytes, policy, storage_.by_capacity, 0);
    case Policy::round_robin: {
      const int chosen = first_candidate(attr, request, size_bytes, policy, nullptr, round_robin_next_);
      if (chosen >= 0) {
        round_robin_next_ = (static_cast<unsigned>(chosen) + 1) % region_count_;
      }
      return chosen;
    }
    case Policy::best_fit:
      return best_fit_candidate(attr, request, size_bytes);
    case Policy::worst_fit:
      return worst_fit_candidate(attr, request, size_bytes);
  }
  SMH_ASSERT(false);  // policies are validated on the way in
  return -1;
}

}  // namespace smh
