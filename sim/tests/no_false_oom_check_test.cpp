// The Executor's NO_FALSE_OOM check: a failed alloc while some matching region
// had a free block that could hold it. Its verdict must depend only on device
// addresses and the heap's contract, never on where the host backing landed.
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
