// Per-attribute policies from a comparison (issue 11): in exact mode each
// attribute has regions of its own, so a policy can win on one attribute and
// lose on another. `smh compare` sums each policy's figures per attribute over
// every trace, takes each attribute's winner, and where the winners differ
// replays their combination (a machine with pool.attribute_policies) as a row
// of its own, beside the single policies; `smh tune` writes it when it beats
// the recommended single policy (tune_command.cpp says how).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smh/pool_types.hpp"
#include "smh/sim/executor.hpp"

namespace smh::cli {

// One attribute's figures under one policy, summed over the traces.
struct AttributeFigures {
  std::uint32_t attr = 0;
  std::uint64_t failed_allocs = 0;    // requests for it no region took
  std::uint64_t footprint_bytes = 0;  // its regions' high water marks
};

// One single policy's figures: per attribute (ascending attr, the same
// attributes for every candidate), and over the whole machine.
struct CombinationCandidate {
  Policy policy{};
  std::vector<AttributeFigures> attributes;
  std::uint64_t failed_allocs = 0;
  std::uint64_t footprint_bytes = 0;
};

struct Combination {
  // False: every attribute's best is the base policy (or no candidate beats it
  // on any attribute): there is nothing to combine.
  bool differs = false;
  // The candidate best over the whole machine (fewest failed allocations, then
  // the smallest footprint; the first in candidate order among ties): the
  // pool's policy, for every attribute without one of its own.
  Policy base{};
  // The attributes whose best policy beats the base on them, strictly, by
  // (failed allocations, footprint): ascending attr.
  std::vector<sim::AttributePolicy> attribute_policies;
};

// candidates: non-empty, each with the same attributes in the same order.
Combination combine_attribute_winners(const std::vector<CombinationCandidate>& candidates);

// "first_fit+non_cacheable:worst_fit,external:best_fit": a combination's name
// in tables and reports, after its base's (attribute names as exact mode writes them).
std::string combination_name(const std::string& base_name, const std::vector<sim::AttributePolicy>& attribute_policies);

}  // namespace smh::cli
