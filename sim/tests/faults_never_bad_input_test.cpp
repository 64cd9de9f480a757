// Fault injection never turns a valid scenario into bad input (issue 13: with
// "alloc_failure": 100000, network_dma_ring.json exited 2 with "no live block
// has this handle" at a later cpu_write). Firmware checks for NULL: an op on a
// handle whose allocation failed is skipped and counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/scenario_runner.hpp"
#include "support/bundled_scenarios.hpp"

namespace smh::sim {
namespace {

ScenarioOutcome run_with_faults(const std::string& path, const FaultPlan& faults, std::uint64_t seed) {
  Scenario scenario;
  ScenarioError error;
  EXPECT_TRUE(load_scenario_file(path, &scenario, &error)) << error.to_string();
  scenario.faults = faults;
  scenario.seed = seed;
  scenario.expect = Expectations{};  // only the verdict's class matters here
  return run_scenario(scenario, path, 0, RunnerOptions{});
}

TEST(FaultsNeverBadInput, EveryAllocationFailingSkipsTheOpsOnNullHandles) {
  const std::string ring = std::string(SMH_SCENARIOS_DIR) + "/network_dma_ring.json";
  FaultPlan faults;
  faults.rate_ppm[static_cast<unsigned>(FaultKind::alloc_failure)] = 1'000'000;
  const ScenarioOutcome outcome = run_with_faults(ring, faults, 1);
  ASSERT_NE(outcome.verdict, Verdict::bad_input) << outcome.error;
  EXPECT_GT(outcome.summary.failed_allocs, 0u);
  EXPECT_GT(outcome.summary.skipped_null_ops, 0u);
}

TEST(FaultsNeverBadInput, SwarmAndHeavyFaultsOnEveryBundledScenario) {
  const std::vector<std::string> paths = testing::bundled_scenario_paths();
  ASSERT_GT(paths.size(), 10u);
  for (const std::string& path : paths) {
    std::vector<FaultPlan> plans;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
      plans.push_back(FaultPlan::swarm(seed));
    }
    for (const FaultKind kind : {FaultKind::alloc_failure, FaultKind::region_offline}) {
      FaultPlan heavy;
      heavy.rate_ppm[static_cast<unsigned>(kind)] = 100'000;
      plans.push_back(heavy);
    }
    for (std::size_t i = 0; i < plans.size(); ++i) {
      const ScenarioOutcome outcome = run_with_faults(path, plans[i], i + 1);
      EXPECT_NE(outcome.verdict, Verdict::bad_input) << path << " plan " << i << ": " << outcome.error;
    }
  }
}

}  // namespace
}  // namespace smh::sim
