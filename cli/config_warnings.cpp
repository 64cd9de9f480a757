#include "config_warnings.hpp"

#include <map>

namespace smh::cli {

bool regions_compete(const sim::MachineConfig& machine) {
  std::map<std::uint32_t, unsigned> regions_per_attr;
  unsigned usable = 0;
  for (const sim::RegionSpec& region : machine.regions) {
    if (region.reserved) {
      continue;  // serves alloc_in only: never a policy's choice
    }
    ++usable;
    if (++regions_per_attr[region.attr] > 1 && machine.pool.mode == MatchMode::exact) {
      return true;
    }
  }
  return machine.pool.mode == MatchMode::capability && usable > 1;
}

std::vector<std::string> configuration_warnings(const sim::MachineConfig& machine) {
  std::vector<std::string> out;
  const Policy policy = machine.pool.policy;
  if (policy == Policy::size_threshold) {
    bool small = false;
    bool large = false;
    for (const sim::RegionSpec& region : machine.regions) {
      small = small || region.role == RegionRole::small_requests;
      large = large || region.role == RegionRole::large_requests;
    }
    if (!small && !large) {
      out.emplace_back(
          "policy size_threshold, but no region has the role small or large: it places as first_fit does");
    } else if (machine.pool.size_threshold_bytes == 0) {
      out.emplace_back(
          "policy size_threshold without a threshold (pool.size_threshold is 0): every request counts as large, "
          "so the regions of role small serve nothing");
    }
  }
  if (policy != Policy::first_fit && !regions_compete(machine)) {
    out.push_back(std::string("policy ") + to_string(policy) +
                  " cannot place differently from first_fit on this machine: no request has two regions to "
                  "choose between (one region per attribute)");
  }
  return out;
}

}  // namespace smh::cli
