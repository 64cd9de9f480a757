// scenarios/coherency_catalogue/: real-world DMA/cache bug patterns, each as a
// `_bug` and a `_fixed` scenario. The bundled-scenario test runs every one
// against its expectations at noise 0 (a bug requires its check, found by the
// worst-case model, not by luck); here every fixed one must also stay clean
// under heavy background cache activity over many seeds, so that a fix is not
// clean only because nothing happened to hit it.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "support/bundled_scenarios.hpp"

namespace smh::sim {
namespace {

std::vector<std::filesystem::path> catalogue_files() {
  std::vector<std::filesystem::path> files;
  for (const std::filesystem::path& file : testing::bundled_scenario_files()) {
    if (file.parent_path().filename() == "coherency_catalogue") {
      files.push_back(file);
    }
  }
  return files;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(CoherencyCatalogue, EveryPatternComesAsABugAndItsFix) {
  std::set<std::string> bugs;
  std::set<std::string> fixes;
  for (const std::filesystem::path& file : catalogue_files()) {
    const std::string stem = file.stem().string();
    if (ends_with(stem, "_bug")) {
      bugs.insert(stem.substr(0, stem.size() - 4));
    } else {
      ASSERT_TRUE(ends_with(stem, "_fixed")) << stem;
      fixes.insert(stem.substr(0, stem.size() - 6));
    }
  }
  EXPECT_GE(bugs.size(), 16u);  // issue 14: at least 15 distinct real-world patterns (16 bundled)
  EXPECT_EQ(bugs, fixes);
}

TEST(CoherencyCatalogue, EveryFixStaysCleanUnderBackgroundCacheActivity) {
  for (const std::filesystem::path& file : catalogue_files()) {
    if (!ends_with(file.stem().string(), "_fixed")) {
      continue;
    }
    Scenario scenario;
    ScenarioError error;
    ASSERT_TRUE(load_scenario_file(file.string(), &scenario, &error)) << error.to_string();
    ExecutorOptions options;
    options.cache_noise_ppm = 300'000;  // 30 % of the ops see an eviction or a fill
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      const RunResult result = run_ops(scenario.machine, scenario.ops, seed, options);
      ASSERT_TRUE(result.ok) << file << ": " << result.error;
      EXPECT_TRUE(result.findings.empty())
          << file << " seed " << seed << ": " << to_string(result.findings.front().check) << ": "
          << result.findings.front().message;
    }
  }
}

// Each bug's expected checks are the bundled test's business; at noise 0 the
// bug must be found, and by the check it names first.
TEST(CoherencyCatalogue, EveryBugIsFoundWithoutBackgroundActivity) {
  for (const std::filesystem::path& file : catalogue_files()) {
    if (!ends_with(file.stem().string(), "_bug")) {
      continue;
    }
    Scenario scenario;
    ScenarioError error;
    ASSERT_TRUE(load_scenario_file(file.string(), &scenario, &error)) << error.to_string();
    ASSERT_FALSE(scenario.expect.findings_required.empty()) << file;
    const RunResult result = run_ops(scenario.machine, scenario.ops, scenario.seed);
    ASSERT_TRUE(result.ok) << file << ": " << result.error;
    std::set<Check> found;
    for (const Finding& finding : result.findings) {
      found.insert(finding.check);
    }
    EXPECT_TRUE(found.contains(scenario.expect.findings_required.front())) << file;
  }
}

}  // namespace
}  // namespace smh::sim
