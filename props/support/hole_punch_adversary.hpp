// An adaptive adversary aimed at fits that look for the tightest hole: it asks
// for blocks one granule larger than the largest hole it sees (so no hole can take
// them and the heap must grow), then frees blocks whose neighbours stay live
// (so the holes it punches cannot merge), keeping pins between them. It watches
// the layout through the Executor's allocated events and stays within a peak live
// need M. Used on the "never fails at the proven bound" side, beside Robson's
// adversary and random workloads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "smh/sim/events.hpp"
#include "smh/sim/ops.hpp"
#include "smh/sim/prng.hpp"
#include "support/fragmentation_bound.hpp"
#include "support/live_executor.hpp"
#include "support/observed_heap.hpp"

namespace smh::props {

class HolePunchAdversary {
 public:
  HolePunchAdversary(LiveExecutor& sut, std::uint64_t region_base, std::uint64_t budget, std::uint64_t s_min,
                     std::uint64_t s_max, std::uint64_t seed)
      : heap_(sut, region_base), budget_(budget), s_min_(s_min), s_max_(s_max), rng_(seed) {}

  // False when an allocation failed.
  bool play(unsigned rounds) {
    for (unsigned round = 0; round < rounds; ++round) {
      for (;;) {
        const std::uint64_t size = std::clamp(largest_hole() + 1, s_min_, s_max_);
        if (heap_.live_need() + size > budget_) break;
        if (!heap_.allocate(size)) return false;
      }
      punch();
    }
    return true;
  }

  [[nodiscard]] std::uint64_t highest_end() const { return heap_.highest_end(); }

 private:
  std::vector<std::pair<sim::Handle, ObservedBlock>> by_address() const {
    std::vector<std::pair<sim::Handle, ObservedBlock>> blocks(heap_.live().begin(), heap_.live().end());
    std::sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) { return a.second.start < b.second.start; });
    return blocks;
  }

  // The largest gap between live blocks (not the space past the last one).
  std::uint64_t largest_hole() const {
    std::uint64_t largest = 0;
    std::uint64_t end = 0;
    for (const auto& [handle, block] : by_address()) {
      largest = std::max(largest, block.start - end);
      end = block.start + block.length;
    }
    return largest;
  }

  // Frees about half the live need, each freed block between two live pins, the
  // largest first (ties and the exact share drawn from the seed).
  void punch() {
    const auto blocks = by_address();
    std::vector<std::size_t> order;
    for (std::size_t i = 1; i + 1 < blocks.size(); ++i) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return blocks[a].second.length > blocks[b].second.length; });
    std::vector<bool> freed(blocks.size(), false);
    const std::uint64_t keep = budget_ * rng_.between(30, 70) / 100;
    for (const std::size_t i : order) {
      if (heap_.live_need() <= keep) break;
      if (freed[i - 1] || freed[i + 1] || rng_.chance(1, 8)) continue;
      freed[i] = true;
      heap_.release(blocks[i].first);
    }
  }

  ObservedHeap heap_;
  std::uint64_t budget_;
  std::uint64_t s_min_;
  std::uint64_t s_max_;
  sim::Rng rng_;
};

}  // namespace smh::props
