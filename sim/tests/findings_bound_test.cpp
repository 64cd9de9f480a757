// Findings are kept without bound no more (issue 13: one alloc and then 60M DMA
// ops on a block DMA cannot reach grew to 7.2 GiB): the first N are kept in
// full, every one is counted per check and enters the digest.
#include <gtest/gtest.h>

#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/expectations.hpp"
#include "smh/sim/scenario.hpp"

namespace smh::sim {
namespace {

// One region DMA cannot reach; every dma_to_device on its block is ATTR_MISMATCH.
MachineConfig no_dma_machine() {
  MachineConfig config;
  config.regions = {{"sram", 0x2000'0000, 64 << 10, 0, CachePolicy::non_cacheable, 32, false, false}};
  return config;
}

std::vector<Op> dma_on_every_op(unsigned transfers) {
  std::vector<Op> ops = {Op{OpKind::alloc, 1, 0, 64, 0}};
  for (unsigned i = 0; i < transfers; ++i) {
    ops.push_back(Op{OpKind::dma_to_device, 1, 0, 0, 0, 0, 0});
  }
  return ops;
}

TEST(FindingsBound, TheFirstAreKeptAndEveryOneIsCounted) {
  constexpr unsigned transfers = 5000;
  ExecutorOptions bounded;
  bounded.keep_events = false;
  bounded.max_findings_kept = 10;
  const RunResult kept = run_ops(no_dma_machine(), dma_on_every_op(transfers), 1, bounded);
  ASSERT_TRUE(kept.ok) << kept.error;
  ASSERT_EQ(kept.findings.size(), 10u);
  EXPECT_EQ(kept.findings.front().check, Check::attr_mismatch);
  EXPECT_EQ(kept.findings.front().op_index, 1u);
  EXPECT_EQ(kept.findings.back().op_index, 10u);
  EXPECT_EQ(kept.summary.finding_tally.of(Check::attr_mismatch), transfers);
  EXPECT_EQ(kept.summary.finding_tally.first_op_of(Check::attr_mismatch), 1u);
  EXPECT_EQ(kept.summary.finding_tally.total(), transfers);

  // The digest covers every finding, kept or not.
  ExecutorOptions unbounded = bounded;
  unbounded.max_findings_kept = transfers;
  const RunResult all = run_ops(no_dma_machine(), dma_on_every_op(transfers), 1, unbounded);
  EXPECT_EQ(all.findings.size(), transfers);
  EXPECT_EQ(all.summary.digest, kept.summary.digest);
  const RunResult fewer = run_ops(no_dma_machine(), dma_on_every_op(transfers - 1), 1, bounded);
  EXPECT_NE(fewer.summary.digest, kept.summary.digest);
}

// Expectations see the findings that were not kept: an unexpected check past
// the bound still breaks the run, with its count and first op.
TEST(FindingsBound, ExpectationsCountTheFindingsNotKept) {
  ExecutorOptions options;
  options.max_findings_kept = 0;
  const RunResult result = run_ops(no_dma_machine(), dma_on_every_op(3), 1, options);
  ASSERT_TRUE(result.ok);
  EXPECT_TRUE(result.findings.empty());
  Expectations expect;
  EXPECT_EQ(unmet_expectations(expect, result),
            std::vector<std::string>{"unexpected finding ATTR_MISMATCH (3x, first at op 1)"});
  expect.findings_required = {Check::attr_mismatch};
  EXPECT_TRUE(unmet_expectations(expect, result).empty());
}

}  // namespace
}  // namespace smh::sim
