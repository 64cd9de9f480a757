// PoolEngine::select_region — which matching region serves a request, per policy.
//
// Every policy is one pass over the regions (O(regions)) using the heaps' cheap
// queries: can_alloc() (the heap's own bounded search, without taking the block),
// free_bytes() (O(1)) and largest_free_block_bytes() (a scan of the heap's top size
// class, usually one block). Only regions that can hold the request are candidates,
// so the region chosen never fails the allocation and nothing is retried.
#include "smh/assert.hpp"
#include "smh/pool_engine.hpp"

namespace smh {

bool PoolEngine::matches(const Region& region, std::uint32_t attr) const {
  if (config_.mode == MatchMode::exact) {
    return region.config.attr == attr;
  }
  return (region.config.attr & attr) == attr;
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

int PoolEngine::select_region(std::uint32_t attr, std::size_t align_bytes, std::size_t size_bytes) {
  const Policy policy = policy_for(attr);
  int chosen = -1;
  std::size_t chosen_key = 0;  // the policy's figure of merit for `chosen`
  for (unsigned step = 0; step < region_count_; ++step) {
    // Round robin starts after the last region it chose; the others in insertion order.
    const unsigned index =
        policy == Policy::round_robin ? (round_robin_next_ + step) % region_count_ : step;
    const Region& region = storage_.regions[index];
    if (!serves(region, attr, size_bytes, policy) || !region.heap.can_alloc(align_bytes, size_bytes)) {
      continue;
    }
    switch (policy) {
      case Policy::first_fit:
      case Policy::round_robin:
      case Policy::size_threshold:
        chosen = static_cast<int>(index);
        break;
      case Policy::best_fit: {
        const std::size_t largest = region.heap.largest_free_block_bytes();
        if (chosen < 0 || largest < chosen_key) {
          chosen = static_cast<int>(index);
          chosen_key = largest;
        }
        continue;
      }
      case Policy::worst_fit: {
        const std::size_t free_bytes = region.heap.free_bytes();
        if (chosen < 0 || free_bytes > chosen_key) {
          chosen = static_cast<int>(index);
          chosen_key = free_bytes;
        }
        continue;
      }
      case Policy::smallest_region_first: {
        const std::size_t capacity = region.config.size_bytes;
        if (chosen < 0 || capacity < chosen_key) {
          chosen = static_cast<int>(index);
          chosen_key = capacity;
        }
        continue;
      }
    }
    break;  // the first-fit family stops at the first candidate
  }
  if (policy == Policy::round_robin && chosen >= 0) {
    round_robin_next_ = (static_cast<unsigned>(chosen) + 1) % region_count_;
  }
  return chosen;
}

}  // namespace smh
