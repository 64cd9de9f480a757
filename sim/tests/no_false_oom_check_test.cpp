// The Executor's NO_FALSE_OOM check: a failed alloc while some matching region
// had a free block with room for it wherever it lies (docs/ARCHITECTURE.md, "No
// false out-of-memory"). Its verdict must depend only on the heap's contract,
// never on where the host backing landed.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "smh/sim/executor.hpp"

namespace smh::sim {
namespace {

// 4 KiB at a base whose 8 KiB-aligned address 0x20002000 lies inside the region:
// on the device an 8 KiB-aligned block would fit, but the heap refuses alignments
// beyond its region's size, and host and device agree only modulo 4 KiB there.
MachineConfig small_region_off_the_grid() {
  MachineConfig config;
  config.regions = {{"sram", 0x2000'1F00, 4096, 0, CachePolicy::non_cacheable, 32, true, false}};
  return config;
}

TEST(NoFalseOomCheck, AnAlignmentBeyondTheRegionIsNotAFalseOomWhereverTheHostBackingLands) {
  const std::vector<Op> ops = {Op{OpKind::alloc, 1, 0, 16, 8192, 0, 0}};
  // Executors kept alive side by side get their backings at different host
  // addresses, so some of them are 8 KiB-aligned where the device is not.
  std::vector<std::unique_ptr<Executor>> executors;
  for (int run = 0; run < 16; ++run) {
    std::string error;
    executors.push_back(Executor::create(small_region_off_the_grid(), {}, 1, &error));
    ASSERT_NE(executors.back(), nullptr) << error;
    ASSERT_TRUE(executors.back()->apply_all(ops, &error)) << error;
    executors.back()->finish();
    EXPECT_TRUE(executors.back()->findings().empty()) << "run " << run << ": " << executors.back()->findings()[0].message;
    EXPECT_EQ(executors.back()->summary().failed_allocs, 1u);
    EXPECT_EQ(executors.back()->digest(), executors.front()->digest()) << "run " << run;
  }
}

TEST(NoFalseOomCheck, AZeroByteAllocIsNeitherAFailureNorAFalseOom) {
  const RunResult result = run_ops(small_region_off_the_grid(), std::vector<Op>{Op{OpKind::alloc, 1, 0, 0, 0, 0, 0},
                                                                            Op{OpKind::free, 1, 0, 0, 0, 0, 0}},
                                   1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.findings.empty());
  EXPECT_EQ(result.summary.failed_allocs, 0u);
}

// Below the region size the check runs on device addresses: aligned blocks in
// an off-grid region are served, and a request that no free block can hold then
// fails without a finding.
TEST(NoFalseOomCheck, AlignmentsWithinTheRegionAreServedOrCleanlyRefused) {
  const std::vector<Op> ops = {Op{OpKind::alloc, 1, 0, 16, 2048, 0, 0}, Op{OpKind::alloc, 2, 0, 16, 2048, 0, 0},
                               Op{OpKind::alloc, 3, 0, 4000, 0, 0, 0}};
  const RunResult result = run_ops(small_region_off_the_grid(), ops, 1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.findings.empty()) << result.findings[0].message;
  EXPECT_EQ(result.summary.failed_allocs, 1u);  // the 4000-byte block no longer fits
}

// An aligned request that only a hole smaller than need + align + 8 bytes could
// hold (at its address) may fail: the heap tries its best fit, the newest hole of
// the smallest size, which is misaligned here. That is the heap's documented
// limit, not a false out-of-memory; the guarantee covers blocks with room for any
// alignment gap.
TEST(NoFalseOomCheck, AnAlignedFailureWithOnlySmallerHolesThatFitIsNotAFalseOom) {
  MachineConfig config;
  config.regions = {{"sram", 0x2000'0000, 4096, 0, CachePolicy::non_cacheable, 32, true, false}};
  std::vector<Op> ops;
  // 16 holes of 48 bytes at a 72-byte stride from offset 0: payloads at 8 + 72 i,
  // 64-aligned for i = 7 and 15; then the rest of the 4032-byte block area.
  Handle handle = 1;
  for (int i = 0; i < 16; ++i) {
    ops.push_back(Op{OpKind::alloc, handle++, 0, 40, 0, 0, 0});
    ops.push_back(Op{OpKind::alloc, handle++, 0, 16, 0, 0, 0});
  }
  ops.push_back(Op{OpKind::alloc, handle++, 0, 2872, 0, 0, 0});
  for (const Handle hole : {Handle{15}, Handle{31}}) {  // the aligned ones first: the oldest
    ops.push_back(Op{OpKind::free, hole, 0, 0, 0, 0, 0});
  }
  for (Handle hole = 1; hole < 32; hole += 2) {
    if (hole != 15 && hole != 31) {
      ops.push_back(Op{OpKind::free, hole, 0, 0, 0, 0, 0});
    }
  }
  ops.push_back(Op{OpKind::alloc, handle, 0, 40, 64, 0, 0});
  const RunResult result = run_ops(config, ops, 1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.summary.failed_allocs, 1u) << "the newest 48-byte hole is misaligned";
  EXPECT_TRUE(result.findings.empty()) << result.findings[0].message;
}

// Sizes near 2^64 must not wrap the check's arithmetic into a "fit" (found by
// review: a correctly failed alloc was reported as a false OOM).
TEST(NoFalseOomCheck, SizesNearTheTopOfTheRangeAreNotFalseOoms) {
  for (const std::uint64_t align : {std::uint64_t{0}, std::uint64_t{64}, std::uint64_t{4096}}) {
    for (const std::uint64_t size : {~std::uint64_t{0}, ~std::uint64_t{0} - 7, ~std::uint64_t{0} - 15,
                                     std::uint64_t{0xffff'ffff'ffff'ff00}}) {
      const RunResult result = run_ops(small_region_off_the_grid(), std::vector<Op>{Op{OpKind::alloc, 1, 0, size, align, 0, 0}}, 1);
      ASSERT_TRUE(result.ok) << result.error;
      EXPECT_TRUE(result.findings.empty()) << "size " << size << " align " << align << ": "
                                           << result.findings[0].message;
      EXPECT_EQ(result.summary.failed_allocs, 1u);
    }
  }
}

// Beyond the largest modulus host and device agree on, the outcome would depend
// on host placement: the op is refused as invalid, deterministically.
TEST(NoFalseOomCheck, AlignmentsBeyondWhatTheSimulatorModelsAreInvalidOps) {
  const RunResult result =
      run_ops(small_region_off_the_grid(), std::vector<Op>{Op{OpKind::alloc, 1, 0, 16, std::uint64_t{1} << 31, 0, 0}}, 1);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "op 0 (alloc handle 1): alignment 2147483648 is larger than the simulator models "
                          "(1073741824 bytes)");
}

}  // namespace
}  // namespace smh::sim
