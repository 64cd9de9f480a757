// PoolEngine::place — which matching region serves a request, per policy.
// Private to core/src and included by pool_engine.cpp alone: the allocation entry
// points there inline the policy pass and the candidate loop (a first_fit pool
// allocation is then one function calling each candidate heap's alloc_if_fits),
// which saves the call chain that separate objects without LTO would pay per
// request.
//
// Every policy is one pass over at most all regions (O(regions)). A region is a
// candidate when it serves the request (attribute, reserved, offline, role) and
// its heap finds a block for it (the heap's own bounded search). The policies
// that take the first candidate in some order (first_fit, size_threshold,
// smallest_region_first, round_robin) let each heap search and allocate in one
// call (Heap::alloc_if_fits). best_fit and worst_fit order the candidates by the
// heaps' O(1) or bounded queries (free_bytes, largest_free_block_bytes): each
// heap chooses a block without taking it (Heap::find), and the block found in
// the chosen region is the one allocated (Heap::alloc_at). Either way the region
// chosen never fails the allocation, no policy retries, and no search runs twice.
#pragma once

#include "hot.hpp"
#if !defined(__OPTIMIZE_SIZE__)
#include "heap_hot.hpp"
#endif
#include "smh/assert.hpp"
#include "smh/pool_engine.hpp"

namespace smh {

inline bool PoolEngine::matches(const Region& region, std::uint32_t attr) const {
  return attribute_matches(config_.mode, region.config.attr, attr);
}

// Whether `region` may serve an attribute request under `policy` (fit aside).
// Always inlined, as first_candidate, in every build: each placer then gets its
// own copy with what it knows folded (place_first_fit's has no policy test).
[[gnu::always_inline]] inline bool PoolEngine::serves(const Region& region, std::uint32_t attr, std::size_t size_bytes,
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

// Allocates in the first candidate in `order` (nullptr: insertion order),
// starting at `start` and wrapping around: each serving region's heap is asked
// once (Heap::alloc_if_fits: its search and, when it finds a block, the
// allocation, in one call), and the first that has room keeps the block. A heap
// whose free blocks are all smaller than the request (Heap::might_fit: one
// comparison) is passed over unsearched: full regions cost next to nothing.
[[gnu::always_inline]] inline PoolEngine::Placement PoolEngine::first_candidate(std::uint32_t attr, const Heap::Request& request,
                                                       Policy policy, const std::uint8_t* order, unsigned start) {
  Placement placement;
  for (unsigned step = 0; step < region_count_; ++step) {
    unsigned index = start + step;
    index = index < region_count_ ? index : index - region_count_;
    if (order != nullptr) {
      index = order[index];
    }
    Region& region = storage_.regions[index];
    if (region.heap.might_fit(request) && serves(region, attr, request.size_bytes, policy)) {
      ++heap_searches_;
      placement.block = region.heap.alloc_if_fits(request);
      if (placement.block != nullptr) {
        placement.region = static_cast<int>(index);
        return placement;
      }
    }
  }
  return placement;
}

// A request known well formed, in a heap known initialised: on hosts the search
// and take are inlined here without the checks the pool has made; an -Os image
// calls Heap::alloc_if_fits, so the heap's code exists once.
SMH_HOT void* PoolEngine::take_from(Heap& heap, const Heap::Request& request) {
#if defined(__OPTIMIZE_SIZE__)
  return heap.alloc_if_fits(request);
#else
  return heap.take_if_fits(request);
#endif
}

// A pointer find_owner placed in `heap`'s region: the same split as take_from.
SMH_HOT Status PoolEngine::free_into(Heap& heap, void* ptr) {
#if defined(__OPTIMIZE_SIZE__)
  return heap.free(ptr);
#else
  return heap.free_in_region(ptr);
#endif
}

// first_fit's fast path: first_candidate over the attribute's list of serving
// regions (rebuild_listed), so serves() was answered when the list was built and
// the loop only asks each heap whether it might fit before searching it. Each
// search is counted straight into heap_searches_ (no tally to carry and add).
SMH_HOT void* PoolEngine::listed_candidate(std::uint32_t attr, unsigned count, const Heap::Request& request) {
  const std::uint8_t* list = storage_.listed_regions + attr * limits_.max_regions_per_attribute;
  Region* const* by_address = storage_.by_address;
  for (unsigned position = 0; position < count; ++position) {
    Heap& heap = by_address[list[position]]->heap;
    if (heap.might_fit(request)) {
      ++heap_searches_;
      void* block = take_from(heap, request);
      if (block != nullptr) {
        return block;
      }
    }
  }
  return nullptr;
}

// best_fit: the candidate whose largest free block is the smallest; worst_fit:
// the one with the most free bytes. Ties go to insertion order. Each heap is
// searched (Heap::find) only when its key would win, and the block found in the
// winner is the one allocated (Heap::alloc_at): no heap has changed since.
inline PoolEngine::Placement PoolEngine::keyed_candidate(std::uint32_t attr, const Heap::Request& request,
                                                         Policy policy) {
  SMH_ASSERT(policy == Policy::best_fit || policy == Policy::worst_fit);
  const bool worst = policy == Policy::worst_fit;
  Placement placement;
  Heap::Fit chosen_fit;
  std::size_t chosen_key = 0;
  for (unsigned index = 0; index < region_count_; ++index) {
    Region& region = storage_.regions[index];
    if (!serves(region, attr, request.size_bytes, policy)) {
      continue;
    }
    const std::size_t key = worst ? region.heap.free_bytes() : region.heap.largest_free_block_bytes();
    if (placement.region >= 0 && (worst ? key <= chosen_key : key >= chosen_key)) {
      continue;  // search only a region that would win
    }
    ++heap_searches_;
    Heap::Fit fit;
    if (region.heap.find(request, &fit)) {
      placement.region = static_cast<int>(index);
      chosen_fit = fit;
      chosen_key = key;
    }
  }
  if (placement.region >= 0) {
    placement.block = storage_.regions[placement.region].heap.alloc_at(request, chosen_fit);
    SMH_ASSERT(placement.block != nullptr);
  }
  return placement;
}

// The block the policy places the request in (nullptr: no serving region has
// room), with its heap searches counted (heap_search_count()).
SMH_HOT void* PoolEngine::place(std::uint32_t attr, const Heap::Request& request) {
#if SMH_FAULT_HOOKS
  if (hooks_.refuse_alloc != nullptr && hooks_.refuse_alloc(hooks_.context, attr, request.size_bytes)) {
    return nullptr;  // refused by the fault-injection hook: no region, nothing searched
  }
#endif
  return placer_(*this, attr, request);
}

// The first-candidate policies differ only in their order and where it starts,
// so one first_candidate serves them all (one copy of the loop in any build).
SMH_HOT PoolEngine::Placement PoolEngine::in_order(std::uint32_t attr, const Heap::Request& request, Policy policy) {
  SMH_ASSERT(policy_available(policy) && !policy_in(keyed_policies, policy));  // validated on the way in
  const bool round_robin = policy == Policy::round_robin;
  const Placement placement =
      first_candidate(attr, request, policy, policy == Policy::smallest_region_first ? storage_.by_capacity : nullptr,
                      round_robin ? round_robin_next_ : 0);
  if (round_robin && placement.region >= 0) {
    round_robin_next_ = (static_cast<unsigned>(placement.region) + 1) % region_count_;
  }
  return placement;
}

// The placers (PoolEngine::placer_for). Not inline: place() reaches them only
// through placer_, and each is kept by the linker only where a pool names it.
// first_fit alone: insertion order from the first region, the policy a constant.
void* PoolEngine::place_first_fit(PoolEngine& engine, std::uint32_t attr, const Heap::Request& request) {
  SMH_ASSERT(engine.policy_for(attr) == Policy::first_fit);  // the only policy init() accepts
  return engine.first_candidate(attr, request, Policy::first_fit, nullptr, 0).block;
}

void* PoolEngine::place_in_order(PoolEngine& engine, std::uint32_t attr, const Heap::Request& request) {
  return engine.in_order(attr, request, engine.policy_for(attr)).block;
}

void* PoolEngine::place_by_policy(PoolEngine& engine, std::uint32_t attr, const Heap::Request& request) {
  const Policy policy = engine.policy_for(attr);
  if (policy_in(keyed_policies, policy)) {
    return engine.keyed_candidate(attr, request, policy).block;
  }
  return engine.in_order(attr, request, policy).block;
}

}  // namespace smh
