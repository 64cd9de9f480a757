// An outcome built by hand, for the unit tests of what consumes outcomes
// (reports, the baseline comparison): one region, a pass.
#pragma once

#include <string>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli::test {

inline sim::ScenarioOutcome hand_made_outcome(const std::string& path) {
  sim::ScenarioOutcome out;
  out.verdict = sim::Verdict::pass;
  out.inputs.scenario_path = path;
  out.inputs.loaded = true;
  out.inputs.scenario_hash = 0x1234;
  out.summary.ops = 10;
  out.summary.digest = 0xabcd;
  out.summary.peak_live_bytes = 1000;
  sim::RegionSummary region;
  region.name = "sram";
  region.stats.capacity_bytes = 8192;
  region.stats.high_water_bytes = 1000;
  region.external_fragmentation = 0.10;
  out.summary.regions.push_back(region);
  return out;
}

}  // namespace smh::cli::test
