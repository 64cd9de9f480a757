// Scenario expectations: each kind can pass and can fail, with a message that
// says what was expected and what happened.
#include "smh/sim/expectations.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smh::sim {
namespace {

RunResult result_with(std::vector<std::string> checks) {
  RunResult result;
  result.ok = true;
  std::uint64_t op = 0;
  for (const std::string& name : checks) {
    const Check check = *check_named(name);
    result.findings.push_back(Finding{op, check, "message"});
    result.summary.finding_tally.add(check, op);
    ++op;
  }
  result.summary.failed_allocs = 3;
  result.summary.peak_live_bytes = 1000;
  result.summary.digest = 0xABCD;
  RegionSummary a;
  a.name = "sram";
  a.stats.high_water_bytes = 1100;
  a.external_fragmentation = 0.25;
  result.summary.regions.push_back(a);
  return result;
}

TEST(Expectations, AllHoldGivesNoLines) {
  Expectations expect;
  expect.findings_required = {Check::stale_tx};
  expect.findings_allowed = {Check::dma_line_shared};
  expect.max_failed_allocs = 3;
  expect.max_f_ext = 0.25;
  expect.max_footprint_overhead = 0.10;
  expect.golden_digest = 0xABCD;
  EXPECT_TRUE(unmet_expectations(expect, result_with({"STALE_TX", "DMA_LINE_SHARED", "STALE_TX"})).empty());
}

TEST(Expectations, EachUnmetExpectationIsOneLineInAFixedOrder) {
  Expectations expect;
  expect.findings_required = {Check::collateral_invalidate};
  expect.max_failed_allocs = 2;
  expect.max_f_ext = 0.2;
  expect.max_footprint_overhead = 0.05;
  expect.golden_digest = 0x1234;
  const std::vector<std::string> unmet = unmet_expectations(expect, result_with({"STALE_TX", "STALE_TX"}));
  const std::vector<std::string> expected = {
      "expected finding COLLATERAL_INVALIDATE did not occur",
      "unexpected finding STALE_TX (2x, first at op 0)",
      "failed allocations: 3 > max 2",
      "F_ext of region 'sram': 0.2500 > max 0.2000",
      "footprint overhead: 0.1000 > max 0.0500",
      "digest 0xabcd != golden 0x1234",
  };
  EXPECT_EQ(unmet, expected);
}

TEST(Expectations, FootprintOverheadIsHighWaterOverPeakLive) {
  EXPECT_DOUBLE_EQ(footprint_overhead(result_with({}).summary), 0.1);
  EXPECT_EQ(footprint_overhead(RunSummary{}), 0.0);
}

}  // namespace
}  // namespace smh::sim
