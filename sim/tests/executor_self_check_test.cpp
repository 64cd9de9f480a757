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
#include "support/bundled_scenarios.hpp"

namespace smh::sim {
namespace {

TEST(ExecutorSelfCheck, EveryBundledScenarioPassesItsSelfChecksAfterEveryOp) {
  const std::vector<std::string> paths = testing::bundled_scenario_paths();
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
