// PoolEngine::select_region — which matching region serves a request, per policy.
// Private to core/src and included by pool_engine.cpp alone: the allocation entry
// points there inline the policy pass and the candidate loop (a first_fit pool
// allocation is then one function calling the heaps' find and alloc_at), which
// saves the call chain that separate objects without LTO would pay per request.
//
// Every policy is one pass over at most all regions (O(regions)). A region is a
// candidate when it serves the request (attribute, reserved, offline, role) and
// its heap finds a block for it (Heap::find: the heap's own bounded search, which
// chooses the block without taking it); the policy then orders candidates by
// the heaps' O(1) or bounded queries (free_bytes, largest_free_block_bytes). The
// block found in the chosen region is the one allocated, so the region chosen
// never fails the allocation, no policy retries, and no search runs twice.
#pragma once

#include "hot.hpp"
#include "smh/assert.hpp"
#include "smh/pool_engine.hpp"

namespace smh {

inline bool PoolEngine::matches(const Region& region, std::uint32_t attr) const {
  return attribute_matches(config_.mode, region.config.attr, attr);
}

// Whether `region` may serve an attribute request under `policy` (fit aside).
inline bool PoolEngine::serves(const Region& region, std::uint32_t attr, std::size_t size_bytes,
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

// The first candidate in `order` (nullptr: insertion order), starting at `start`
// and wrapping around.
SMH_HOT PoolEngine::Choice PoolEngine::first_candidate(std::uint32_t attr, const Heap::Request& request, Policy policy,
                                               const std::uint8_t* order, unsigned start) const {
  Choice choice;
  for (unsigned step = 0; step < region_count_; ++step) {
    unsigned index = start + step;
    index = index < region_count_ ? index : index - region_count_;
    if (order != nullptr) {
      index = order[index];
    }
    const Region& region = storage_.regions[index];
    if (serves(region, attr, request.size_bytes, policy)) {
      ++choice.searched;
      if (region.heap.find(request, &choice.fit)) {
        choice.region = static_cast<int>(index);
        return choice;
      }
    }
  }
  return choice;
}

// The candidate whose largest free block is the smallest; ties by insertion order.
inline PoolEngine::Choice PoolEngine::best_fit_candidate(std::uint32_t attr, const Heap::Request& request) const {
  Choice chosen;
  std::size_t chosen_largest = 0;
  for (unsigned index = 0; index < region_count_; ++index) {
    const Region& region = storage_.regions[index];
    if (!serves(region, attr, request.size_bytes, Policy::best_fit)) {
      continue;
    }
    const std::size_t largest = region.heap.largest_free_block_bytes();
    if (chosen.region >= 0 && largest >= chosen_largest) {
      continue;  // search only a region that would win
    }
    ++chosen.searched;
    Heap::Fit fit;
    if (region.heap.find(request, &fit)) {
      chosen.region = static_cast<int>(index);
      chosen.fit = fit;
      chosen_largest = largest;
    }
  }
  return chosen;
}

// The candidate with the most free bytes; ties by insertion order.
inline PoolEngine::Choice PoolEngine::worst_fit_candidate(std::uint32_t attr, const Heap::Request& request) const {
  Choice chosen;
  std::size_t chosen_free = 0;
  for (unsigned index = 0; index < region_count_; ++index) {
    const Region& region = storage_.regions[index];
    if (!serves(region, attr, request.size_bytes, Policy::worst_fit)) {
      continue;
    }
    const std::size_t free_bytes = region.heap.free_bytes();
    if (chosen.region >= 0 && free_bytes <= chosen_free) {
      continue;  // search only a region that would win
    }
    ++chosen.searched;
    Heap::Fit fit;
    if (region.heap.find(request, &fit)) {
      chosen.region = static_cast<int>(index);
      chosen.fit = fit;
      chosen_free = free_bytes;
    }
  }
  return chosen;
}

// The policy's choice, with its heap searches counted (heap_search_count()).
SMH_HOT PoolEngine::Choice PoolEngine::select_region(std::uint32_t attr, const Heap::Request& request) {
#if SMH_FAULT_HOOKS
  if (hooks_.refuse_alloc != nullptr && hooks_.refuse_alloc(hooks_.context, attr, request.size_bytes)) {
    return Choice{};  // refused by the fault-injection hook: no region, nothing searched
  }
#endif
  const Choice chosen = select_by_policy(attr, request);
  heap_searches_ += chosen.searched;
  return chosen;
}

SMH_HOT PoolEngine::Choice PoolEngine::select_by_policy(std::uint32_t attr, const Heap::Request& request) {
  const Policy policy = policy_for(attr);
  switch (policy) {
    case Policy::first_fit:
    case Policy::size_threshold:
      return first_candidate(attr, request, policy, nullptr, 0);
    case Policy::smallest_region_first:
      return first_candidate(attr, request, policy, storage_.by_capacity, 0);
    case Policy::round_robin: {
      const Choice chosen = first_candidate(attr, request, policy, nullptr, round_robin_next_);
      if (chosen.region >= 0) {
        round_robin_next_ = (static_cast<unsigned>(chosen.region) + 1) % region_count_;
      }
      return chosen;
    }
    case Policy::best_fit:
      return best_fit_candidate(attr, request);
    case Policy::worst_fit:
      return worst_fit_candidate(attr, request);
  }
  SMH_ASSERT(false);  // policies are validated on the way in
  return {};
}

}  // namespace smh
