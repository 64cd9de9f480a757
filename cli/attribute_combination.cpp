#include "attribute_combination.hpp"

#include <tuple>

#include "smh/assert.hpp"
#include "text_format.hpp"

namespace smh::cli {

namespace {

auto key(std::uint64_t failed_allocs, std::uint64_t footprint_bytes) {
  return std::make_tuple(failed_allocs, footprint_bytes);
}

}  // namespace

Combination combine_attribute_winners(const std::vector<CombinationCandidate>& candidates) {
  SMH_ASSERT(!candidates.empty());
  const CombinationCandidate* base = &candidates.front();
  for (const CombinationCandidate& candidate : candidates) {
    SMH_ASSERT(candidate.attributes.size() == candidates.front().attributes.size());
    if (key(candidate.failed_allocs, candidate.footprint_bytes) < key(base->failed_allocs, base->footprint_bytes)) {
      base = &candidate;
    }
  }
  Combination out;
  out.base = base->policy;
  for (std::size_t a = 0; a < base->attributes.size(); ++a) {
    const AttributeFigures* best = &base->attributes[a];
    Policy winner = base->policy;
    for (const CombinationCandidate& candidate : candidates) {
      const AttributeFigures& figures = candidate.attributes[a];
      SMH_ASSERT(figures.attr == best->attr);
      // Strictly better only: a tie keeps the base (one policy fewer to configure).
      if (key(figures.failed_allocs, figures.footprint_bytes) < key(best->failed_allocs, best->footprint_bytes)) {
        best = &figures;
        winner = candidate.policy;
      }
    }
    if (winner != base->policy) {
      out.attribute_policies.push_back(sim::AttributePolicy{best->attr, winner});
    }
  }
  out.differs = !out.attribute_policies.empty();
  return out;
}

std::string combination_name(const std::string& base_name, const std::vector<sim::AttributePolicy>& attribute_policies) {
  std::string out = base_name;
  for (std::size_t i = 0; i < attribute_policies.size(); ++i) {
    out += (i == 0 ? "+" : ",") + attribute_name(MatchMode::exact, attribute_policies[i].attr) + ":" +
           to_string(attribute_policies[i].policy);
  }
  return out;
}

}  // namespace smh::cli
