// The harness's self-checks (ShadowState::verify, CacheModel::verify) run with
// every periodic validation (issue 13). At a validation after every op, every
// bundled scenario, under heavy faults and background cache activity too, runs
// to a verdict: a self-check that fired on a correct harness would abort here.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/scenario_runner.hpp"

namespace smh::sim {
namespace {

std::vector<std::string> bundled_scenarios() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(SMH_SCENARIOS_DIR)) {
    if (entry.path().extension() == ".json" && entry.path().filename() != "scenario.schema.json") {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST(ExecutorSelfCheck, EveryBundledScenarioPassesItsSelfChecksAfterEveryOp) {
  const std::vector<std::string> paths = bundled_scenarios();
  ASSERT_GT(paths.size(), 10u);
  RunnerOptions options;
  options.validate_every_ops = 1;
  options.validate_scales_with_blocks = false;  // self-checks with every validation
  for (const std::string& path : paths) {
    for (const bool stressed : {false, true}) {
      Scenario scenario;
      ScenarioError error;
      ASSERT_TRUE(load_scenario_file(path, &scenario, &error)) << error.to_string();
      if (stressed) {
        scenario.faults = FaultPlan::swarm(3);
        scenario.cache_noise_ppm = 200'000;
      }
      const ScenarioOutcome outcome = run_scenario(scenario, path, 0, options);
      EXPECT_NE(outcome.verdict, Verdict::bad_input) << path << ": " << outcome.error;
    }
  }
}

}  // namespace
}  // namespace smh::sim
