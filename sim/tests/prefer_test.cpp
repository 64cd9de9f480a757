// Preference chains ("prefer"): how scenarios and traces write them, and how
// the Executor applies them (pool.alloc_prefer) and checks them: ATTRIBUTE
// accepts any region of the chain but only the first attribute with room,
// NO_FALSE_OOM looks at every attribute, and the digest covers the chain.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/scenario_parser.hpp"

namespace smh::sim {
namespace {

Op chain_alloc(Handle handle, std::vector<std::uint32_t> attrs, std::uint64_t size, std::uint64_t align = 0) {
  Op op{OpKind::alloc, handle, attrs.at(0), size, align};
  op.fallback_count = static_cast<std::uint8_t>(attrs.size() - 1);
  for (std::size_t i = 1; i < attrs.size(); ++i) {
    op.fallback_attrs.at(i - 1) = attrs[i];
  }
  return op;
}

std::string scenario_with_ops(std::string_view ops, std::string_view mode = "exact") {
  return std::string(R"({"format_version": 1, "pool": {"mode": ")") + std::string(mode) +
         R"("}, "machine": {"regions": []}, "ops": )" + std::string(ops) + "}";
}

void expect_scenario_error(std::string_view text, std::string_view path, std::string_view message) {
  Scenario scenario;
  ScenarioError error;
  ASSERT_FALSE(parse_scenario(text, "p.json", &scenario, &error));
  EXPECT_EQ(error.json_path, path) << error.to_string();
  EXPECT_EQ(error.message, message) << error.to_string();
}

TEST(PreferParse, APreferenceListIsTheChainInOrder) {
  Scenario scenario;
  ScenarioError error;
  ASSERT_TRUE(parse_scenario(
      scenario_with_ops(R"([{"op": "alloc", "handle": 1, "prefer": ["external", "cacheable", 1], "size": "1K"}])"),
      "p.json", &scenario, &error))
      << error.to_string();
  ASSERT_EQ(scenario.ops.size(), 1u);
  EXPECT_EQ(scenario.ops[0], chain_alloc(1, {attr::external, attr::cacheable, attr::non_cacheable}, 1024));
  EXPECT_EQ(scenario.ops[0].attr_count(), 3u);
  // The canonical form keeps the chain.
  Scenario again;
  ASSERT_TRUE(parse_scenario(to_json(scenario), "again.json", &again, &error)) << error.to_string();
  EXPECT_EQ(again.ops, scenario.ops);
  EXPECT_NE(to_json(scenario).find("\"prefer\": [\n"), std::string::npos) << to_json(scenario);
}

TEST(PreferParse, BadChainsAreErrorsAtTheirPath) {
  expect_scenario_error(
      scenario_with_ops(R"([{"op": "alloc", "handle": 1, "attr": 0, "prefer": [2], "size": 8}])"), "$.ops[0].prefer",
      R"("attr" and "prefer" are mutually exclusive)");
  expect_scenario_error(scenario_with_ops(R"([{"op": "alloc", "handle": 1, "prefer": [], "size": 8}])"),
                        "$.ops[0].prefer", "a preference list needs at least one attribute");
  expect_scenario_error(scenario_with_ops(R"([{"op": "alloc", "handle": 1, "prefer": [0, 1, 2, 3, 4], "size": 8}])"),
                        "$.ops[0].prefer[4]", "a preference list holds at most 4 attributes");
  expect_scenario_error(scenario_with_ops(R"([{"op": "alloc", "handle": 1, "prefer": "external", "size": 8}])"),
                        "$.ops[0].prefer",
                        R"(expected a preference list (an array of 1 to 4 attributes), got string "external")");
  expect_scenario_error(
      scenario_with_ops(R"([{"op": "alloc", "handle": 1, "prefer": ["external", "fast"], "size": 8}])"),
      "$.ops[0].prefer[1]",
      R"(unknown attribute "fast" (expected one of: cacheable, non_cacheable, external, or an integer))");
  expect_scenario_error(
      scenario_with_ops(R"([{"op": "alloc", "handle": 1, "prefer": [["dma"], ["dma", "fast"]], "size": 8}])",
                        "capability"),
      "$.ops[0].prefer[1][1]",
      R"(unknown capability "fast" (expected one of: cacheable, dma, external, internal, exec, tcm))");
}

// External RAM holds about three 256-byte blocks; SRAM and the non-cacheable
// region much more.
MachineConfig machine() {
  MachineConfig config;
  config.regions = {
      {"ext", 0x6000'0000, 1024, attr::external, CachePolicy::non_cacheable, 32, false, false},
      {"sram", 0x2000'0000, 8192, attr::cacheable, CachePolicy::non_cacheable, 32, false, false},
      {"nc", 0x3000'0000, 8192, attr::non_cacheable, CachePolicy::non_cacheable, 32, true, false},
  };
  return config;
}

std::vector<std::string> region_names(const RunResult& result) {
  std::vector<std::string> names;
  for (const Event& event : result.events) {
    if (event.kind == EventKind::allocated) {
      names.push_back(result.summary.regions.at(event.region).name);
    } else if (event.kind == EventKind::alloc_failed) {
      names.emplace_back("failed");
    }
  }
  return names;
}

std::string findings_of(const RunResult& result) {
  std::string out;
  for (const Finding& finding : result.findings) {
    out += std::string(to_string(finding.check)) + ": " + finding.message + "\n";
  }
  return out;
}

TEST(PreferExecutor, FallsBackInChainOrderAndReturnsToTheFirstChoice) {
  const std::vector<std::uint32_t> chain = {attr::external, attr::cacheable};
  std::vector<Op> ops;
  for (Handle handle = 1; handle <= 5; ++handle) {
    ops.push_back(chain_alloc(handle, chain, 256));
  }
  ops.push_back(Op{OpKind::free, 2, 0, 0, 0});  // room in external RAM again
  ops.push_back(chain_alloc(6, chain, 256));
  const RunResult result = run_ops(machine(), ops, 1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(region_names(result), (std::vector<std::string>{"ext", "ext", "ext", "sram", "sram", "ext"}));
  EXPECT_TRUE(result.findings.empty()) << findings_of(result);
}

TEST(PreferExecutor, FailsOnlyWhenNoAttributeOfTheChainHasRoom) {
  // 3 KiB fits nowhere but the two 8 KiB regions; the third request finds both full.
  const std::vector<std::uint32_t> chain = {attr::external, attr::cacheable, attr::non_cacheable};
  const RunResult result =
      run_ops(machine(), std::vector<Op>{chain_alloc(1, chain, 6000), chain_alloc(2, chain, 6000), chain_alloc(3, chain, 6000)},
              1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(region_names(result), (std::vector<std::string>{"sram", "nc", "failed"}));
  EXPECT_EQ(result.summary.failed_allocs, 1u);
  EXPECT_TRUE(result.findings.empty()) << findings_of(result);
}

TEST(PreferExecutor, ZeroByteRequestsFailByDesignNotAsFalseOutOfMemory) {
  const RunResult result =
      run_ops(machine(), std::vector<Op>{Op{OpKind::alloc, 1, attr::cacheable, 0, 0},
                                         chain_alloc(2, {attr::external, attr::cacheable}, 0)},
              1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(region_names(result), (std::vector<std::string>{"failed", "failed"}));
  EXPECT_TRUE(result.findings.empty()) << findings_of(result);
}

TEST(PreferExecutor, InCapabilityModeAnyRegionMatchingTheChainIsAccepted) {
  MachineConfig config;
  config.pool.mode = MatchMode::capability;
  config.regions = {
      {"tcm", 0x1000'0000, 1024, caps::dma | caps::internal | caps::tcm, CachePolicy::non_cacheable, 32, true, false},
      {"psram", 0x6000'0000, 8192, caps::dma | caps::external, CachePolicy::non_cacheable, 32, true, false},
  };
  const std::vector<std::uint32_t> chain = {caps::dma | caps::internal, caps::dma};
  std::vector<Op> ops;
  for (Handle handle = 1; handle <= 4; ++handle) {
    ops.push_back(chain_alloc(handle, chain, 400));
  }
  const RunResult result = run_ops(config, ops, 1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(region_names(result), (std::vector<std::string>{"tcm", "tcm", "psram", "psram"}));
  EXPECT_TRUE(result.findings.empty()) << findings_of(result);
}

TEST(PreferExecutor, TheDigestCoversTheChain) {
  // External RAM has room for every request: the outcomes are the same whatever
  // the fallbacks, the digests are not.
  const auto digest_of = [](const std::vector<std::uint32_t>& chain) {
    const RunResult result = run_ops(machine(), std::vector<Op>{chain_alloc(1, chain, 64), chain_alloc(2, chain, 64)}, 1);
    EXPECT_TRUE(result.ok) << result.error;
    EXPECT_EQ(region_names(result), (std::vector<std::string>{"ext", "ext"}));
    return result.summary.digest;
  };
  const std::uint64_t to_sram = digest_of({attr::external, attr::cacheable});
  EXPECT_EQ(digest_of({attr::external, attr::cacheable}), to_sram);
  EXPECT_NE(digest_of({attr::external, attr::non_cacheable}), to_sram);
  EXPECT_NE(digest_of({attr::external, attr::cacheable, attr::non_cacheable}), to_sram);
  EXPECT_NE(digest_of({attr::external}), to_sram);  // a plain alloc
}

TEST(PreferExecutor, ChainsOnOtherOpsOrTooLongAreInvalid) {
  std::string error;
  auto executor = Executor::create(machine(), {}, 1, &error);
  ASSERT_NE(executor, nullptr) << error;
  ASSERT_TRUE(executor->apply(Op{OpKind::alloc, 1, attr::cacheable, 64, 0}, &error)) << error;
  Op realloc = chain_alloc(1, {attr::external, attr::cacheable}, 128);
  realloc.kind = OpKind::realloc;
  EXPECT_FALSE(executor->apply(realloc, &error));
  EXPECT_EQ(error, "op 1 (realloc handle 1): only an alloc takes a preference chain");
  Op too_long = chain_alloc(2, {0, 1, 2, 0}, 8);
  too_long.fallback_count = max_prefer_attrs;
  EXPECT_FALSE(executor->apply(too_long, &error));
  EXPECT_EQ(error, "op 1 (alloc handle 2): a preference chain holds at most 4 attributes");
}

}  // namespace
}  // namespace smh::sim
