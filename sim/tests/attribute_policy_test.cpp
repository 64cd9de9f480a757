// Per-attribute policies (pool.attribute_policies, issue 11): read and written
// back, refused with a position where wrong, set on the pool, and followed by
// the simulator's own restatement of which regions may serve a request.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "smh/sim/executor.hpp"
#include "smh/sim/scenario_parser.hpp"

namespace smh::sim {
namespace {

std::string with_pool(std::string_view pool) {
  return std::string(R"({"format_version": 1, "pool": )") + std::string(pool) + R"(,
  "machine": {"regions": [
    {"name": "a", "base": "0x1000", "size": "4K", "attr": "cacheable", "cache": "write_back"},
    {"name": "b", "base": "0x3000", "size": "4K", "attr": "non_cacheable", "cache": "non_cacheable"}
  ]}, "ops": []})";
}

Scenario parse_ok(std::string_view text) {
  Scenario scenario;
  ScenarioError error;
  EXPECT_TRUE(parse_scenario(text, "t.json", &scenario, &error)) << error.to_string();
  return scenario;
}

// Refused at `path` with `message`, at the column where `at` first occurs (one-line texts).
void expect_error(const std::string& text, std::string_view path, std::string_view message, std::string_view at) {
  Scenario scenario;
  ScenarioError error;
  ASSERT_FALSE(parse_scenario(text, "t.json", &scenario, &error)) << text;
  EXPECT_EQ(error.json_path, path);
  EXPECT_EQ(error.message, message);
  EXPECT_EQ(error.line, 1u) << error.to_string();
  EXPECT_EQ(error.column, text.find(at) + 1) << error.to_string();
}

TEST(AttributePolicy, ReadInAttributeOrderAndWrittenBackEqual) {
  const Scenario first = parse_ok(with_pool(
      R"({"policy": "best_fit", "attribute_policies": [{"attr": "non_cacheable", "policy": "worst_fit"},
          {"policy": "round_robin", "attr": 0}]})"));
  EXPECT_EQ(first.machine.pool.policy, Policy::best_fit);
  ASSERT_EQ(first.machine.attribute_policies.size(), 2u);
  EXPECT_EQ(first.machine.attribute_policies[0], (AttributePolicy{attr::cacheable, Policy::round_robin}));
  EXPECT_EQ(first.machine.attribute_policies[1], (AttributePolicy{attr::non_cacheable, Policy::worst_fit}));
  EXPECT_EQ(policy_for(first.machine, attr::non_cacheable), Policy::worst_fit);
  EXPECT_EQ(policy_for(first.machine, attr::external), Policy::best_fit);

  const std::string canonical = to_json(first);
  const Scenario second = parse_ok(canonical);
  EXPECT_EQ(second.machine.attribute_policies, first.machine.attribute_policies);
  EXPECT_EQ(second.machine.pool.policy, first.machine.pool.policy);
  EXPECT_EQ(to_json(second), canonical);
  // None: the canonical form has no key for it.
  EXPECT_EQ(to_json(parse_ok(with_pool(R"({"policy": "best_fit"})"))).find("attribute_policies"), std::string::npos);
}

TEST(AttributePolicy, BadEntriesArePlaced) {
  const std::string bad_policy =
      R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "pool": {"attribute_policies": [)"
      R"({"attr": 0, "policy": "first_fit"}, {"attr": 1, "policy": "fastest"}]}})";
  expect_error(bad_policy, "$.pool.attribute_policies[1].policy",
               R"(unknown policy "fastest" (expected one of: first_fit, best_fit, worst_fit, )"
               R"(smallest_region_first, round_robin, size_threshold))",
               R"("fastest")");
  const std::string twice =
      R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "pool": {"attribute_policies": [)"
      R"({"attr": 2, "policy": "first_fit"}, {"attr": "external", "policy": "best_fit"}]}})";
  expect_error(twice, "$.pool.attribute_policies[1].attr", "attribute 2 already has a policy", R"("external")");
  const std::string missing =
      R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "pool": {"attribute_policies": [)"
      R"({"attr": 2}]}})";
  expect_error(missing, "$.pool.attribute_policies[0]", R"(missing required key "policy")", R"({"attr": 2})");
  const std::string beyond =
      R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "pool": {"attribute_policies": [)"
      R"({"attr": 32, "policy": "best_fit"}]}})";
  expect_error(beyond, "$.pool.attribute_policies[0].attr", "attribute 32 is beyond the pool's 32 attributes",
               "32,");
  const std::string capability =
      R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "pool": {"mode": "capability", )"
      R"("attribute_policies": [{"attr": 1, "policy": "best_fit"}]}})";
  expect_error(capability, "$.pool.attribute_policies", R"(per-attribute policies need pool mode "exact")",
               R"([{"attr": 1)");
  const std::string unknown_key =
      R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "pool": {"attribute_policies": [)"
      R"({"attr": 1, "policy": "best_fit", "threshold": 4}]}})";
  Scenario scenario;
  ScenarioError error;
  ASSERT_FALSE(parse_scenario(unknown_key, "t.json", &scenario, &error));
  EXPECT_EQ(error.json_path, "$.pool.attribute_policies[0].threshold");
}

// Attribute 0 under worst_fit takes the larger of its two regions; attribute 1
// under the pool's first_fit the first of its two.
TEST(AttributePolicy, EachAttributePlacesByItsOwnPolicy) {
  const Scenario s = parse_ok(R"({"format_version": 1,
    "pool": {"policy": "first_fit", "attribute_policies": [{"attr": 0, "policy": "worst_fit"}]},
    "machine": {"regions": [
      {"name": "c_small", "base": "0x1000_0000", "size": "4K", "attr": 0, "cache": "write_back"},
      {"name": "c_large", "base": "0x2000_0000", "size": "16K", "attr": 0, "cache": "write_back"},
      {"name": "n_small", "base": "0x3000_0000", "size": "4K", "attr": 1, "cache": "non_cacheable"},
      {"name": "n_large", "base": "0x4000_0000", "size": "16K", "attr": 1, "cache": "non_cacheable"}
    ]}, "ops": [
      {"op": "alloc", "handle": 1, "attr": 0, "size": 64},
      {"op": "alloc", "handle": 2, "attr": 1, "size": 64}
    ]})");
  const RunResult result = run_ops(s.machine, s.ops, s.seed);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.findings.empty());
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].region, 1u);
  EXPECT_EQ(result.events[1].region, 2u);
}

// Roles bind only the attributes under size_threshold: attribute 1, under
// first_fit, takes its first region though that region's role is large and the
// request small, and that region is its home (no spill), as the pool decides.
TEST(AttributePolicy, RolesBindOnlyTheAttributesUnderSizeThreshold) {
  const Scenario s = parse_ok(R"({"format_version": 1,
    "pool": {"policy": "size_threshold", "size_threshold": 256,
             "attribute_policies": [{"attr": 1, "policy": "first_fit"}]},
    "machine": {"regions": [
      {"name": "c_large", "base": "0x1000_0000", "size": "4K", "attr": 0, "cache": "write_back", "role": "large"},
      {"name": "c_small", "base": "0x2000_0000", "size": "4K", "attr": 0, "cache": "write_back", "role": "small"},
      {"name": "n_large", "base": "0x3000_0000", "size": "4K", "attr": 1, "cache": "non_cacheable", "role": "large"},
      {"name": "n_small", "base": "0x4000_0000", "size": "4K", "attr": 1, "cache": "non_cacheable", "role": "small"}
    ]}, "ops": [
      {"op": "alloc", "handle": 1, "attr": 0, "size": 64},
      {"op": "alloc", "handle": 2, "attr": 1, "size": 64}
    ]})");
  const RunResult result = run_ops(s.machine, s.ops, s.seed);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.findings.empty());
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].region, 1u);  // size_threshold: the small region
  EXPECT_EQ(result.events[1].region, 2u);  // first_fit: the first region
  for (const RegionSummary& region : result.summary.regions) {
    EXPECT_EQ(region.requests.spilled_in, 0u) << region.name;
    EXPECT_EQ(region.requests.spilled_out, 0u) << region.name;
  }
}

TEST(AttributePolicy, CapabilityModeRefusedByThePool) {
  MachineConfig machine;
  machine.pool.mode = MatchMode::capability;
  machine.regions.push_back(RegionSpec{});
  machine.regions.back().name = "a";
  machine.regions.back().base = 0x1000;
  machine.regions.back().size_bytes = 4096;
  machine.attribute_policies.push_back({1, Policy::best_fit});
  const RunResult result = run_ops(machine, {}, 0);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("the policy of attribute 1 refused by the pool"), std::string::npos) << result.error;
}

}  // namespace
}  // namespace smh::sim
