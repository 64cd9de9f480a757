// Suite 2's region-choice oracle: which region each selection policy must pick,
// restated from docs/ARCHITECTURE.md ("Selection policies") over the regions'
// blocks as walk() shows them. Candidates are the regions that serve the request
// (support/pool_machine.hpp) and whose heap places it (the caller says which:
// the suite predicts each region's heap from the layout rules,
// support/layout_predictor.hpp); an alignment larger than a region is not one it
// accepts. Among candidates: first fit and size threshold take the first in
// insertion order, smallest region first the smallest capacity (then insertion
// order), round robin the first at or after the one following its last choice,
// best fit the smallest largest free block, worst fit the most free bytes (ties:
// insertion order).
#pragma once

#include <cstdint>
#include <vector>

#include "smh/heap_types.hpp"
#include "smh/pool_types.hpp"
#include "smh/sim/executor.hpp"
#include "support/pool_machine.hpp"

namespace smh::props {

class PolicyOracle {
 public:
  explicit PolicyOracle(const sim::MachineConfig& machine) : machine_(machine) {}

  // The region a request for `attr` goes to, or -1. `blocks[r]` are region r's
  // blocks; `places[r]` says whether region r's heap would place the request.
  // Round robin remembers its choice.
  int choose(const std::vector<std::vector<BlockInfo>>& blocks, const std::vector<bool>& places, std::uint32_t attr,
             std::uint64_t size_bytes, std::uint64_t align_bytes) {
    const unsigned count = static_cast<unsigned>(machine_.regions.size());
    std::vector<bool> candidate(count, false);
    for (unsigned r = 0; r < count; ++r) {
      candidate[r] = region_serves(machine_.pool, machine_.regions[r], attr, size_bytes) &&
                     align_bytes <= machine_.regions[r].size_bytes && places[r];
    }
    int chosen = -1;
    switch (machine_.pool.policy) {
      case Policy::first_fit:
      case Policy::size_threshold:
        chosen = first_candidate(candidate, 0);
        break;
      case Policy::round_robin:
        chosen = first_candidate(candidate, round_robin_next_);
        if (chosen >= 0) {
          round_robin_next_ = (static_cast<unsigned>(chosen) + 1) % count;
        }
        break;
      case Policy::smallest_region_first:
        for (unsigned r = 0; r < count; ++r) {
          if (candidate[r] && (chosen < 0 || machine_.regions[r].size_bytes < machine_.regions[chosen].size_bytes)) {
            chosen = static_cast<int>(r);
          }
        }
        break;
      case Policy::best_fit:
      case Policy::worst_fit: {
        std::uint64_t chosen_key = 0;
        for (unsigned r = 0; r < count; ++r) {
          if (!candidate[r]) {
            continue;
          }
          const bool best = machine_.pool.policy == Policy::best_fit;
          const std::uint64_t key = best ? largest_free_bytes(blocks[r]) : free_bytes(blocks[r]);
          if (chosen < 0 || (best ? key < chosen_key : key > chosen_key)) {
            chosen = static_cast<int>(r);
            chosen_key = key;
          }
        }
        break;
      }
    }
    return chosen;
  }

 private:
  static std::uint64_t largest_free_bytes(const std::vector<BlockInfo>& blocks) {
    std::uint64_t largest = 0;
    for (const BlockInfo& block : blocks) {
      largest = !block.used && block.block_size_bytes > largest ? block.block_size_bytes : largest;
    }
    return largest;
  }
  static std::uint64_t free_bytes(const std::vector<BlockInfo>& blocks) {
    std::uint64_t total = 0;
    for (const BlockInfo& block : blocks) {
      total += block.used ? 0 : block.block_size_bytes;
    }
    return total;
  }
  int first_candidate(const std::vector<bool>& candidate, unsigned start) const {
    const unsigned count = static_cast<unsigned>(candidate.size());
    for (unsigned step = 0; step < count; ++step) {
      const unsigned r = (start + step) % count;
      if (candidate[r]) {
        return static_cast<int>(r);
      }
    }
    return -1;
  }

  sim::MachineConfig machine_;
  unsigned round_robin_next_ = 0;
};

}  // namespace smh::props
