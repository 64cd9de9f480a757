// An allocator that corrupts itself is a finding, not the end of the process:
// the Executor reports it and stops the run (Executor::halted()), without
// touching host memory the allocator pointed it at outside a region.
//
// The corruption is the test's own doing (support/damaged_heap.hpp), as a stray
// write by the program, or a bug in the simulator (issue 17), would do it.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <string>
#include <vector>

#include "smh/assert.hpp"
#include "smh/sim/executor.hpp"
#include "support/damaged_heap.hpp"

namespace smh::sim {
namespace {

// r1 is the region the test damages; r0 holds the blocks before.
MachineConfig two_regions() {
  MachineConfig machine;
  machine.regions = {{"r0", 0x1000'0000, 4096, 0, CachePolicy::non_cacheable, 32, false, false},
                     {"r1", 0x2000'0000, testing::damaged_region_bytes, 1, CachePolicy::non_cacheable, 32, false,
                      false}};
  return machine;
}

Op alloc(Handle handle, std::uint32_t attr, std::uint64_t size) { return Op{OpKind::alloc, handle, attr, size, 0}; }

std::vector<std::string> checks_of(const Executor& executor) {
  std::vector<std::string> checks;
  for (const Finding& finding : executor.findings()) {
    checks.push_back(to_string(finding.check));
  }
  return checks;
}

// Two blocks in r0, then r1's free block is damaged and op 2 allocates it.
std::unique_ptr<Executor> run_into_the_damage() {
  std::string error;
  auto executor = Executor::create(two_regions(), {}, 1, &error);
  EXPECT_NE(executor, nullptr) << error;
  EXPECT_TRUE(executor->apply(alloc(1, 0, 100), &error)) << error;
  EXPECT_TRUE(executor->apply(alloc(2, 0, 200), &error)) << error;
  EXPECT_TRUE(testing::overstate_fresh_free_block(executor->memory_map().cpu_view(1)));
  EXPECT_TRUE(executor->apply(alloc(3, 1, testing::overstated_request_bytes), &error)) << error;
  return executor;
}

// With SMH_ASSERTS the allocator stops itself on the overstated size; without,
// it hands out a block running past the region's end, which the harness reports
// before writing its fill there (the fill used to run into the simulator's own
// memory, issue 17). Either way the run stops at that op, and nothing after it
// is applied.
TEST(ExecutorHalt, AnAllocatorThatCorruptedItselfStopsTheRunWithAFinding) {
  const auto executor = run_into_the_damage();
  EXPECT_TRUE(executor->halted());
  ASSERT_EQ(executor->findings().size(), 1u);
  const Finding& finding = executor->findings().front();
  EXPECT_EQ(finding.op_index, 2u) << finding.message;
#if SMH_ASSERTS
  EXPECT_EQ(finding.check, Check::assertion_failed);
  EXPECT_EQ(finding.message.rfind("SMH_ASSERT(", 0), 0u) << finding.message;
  EXPECT_NE(finding.message.find(") failed at core/src/"), std::string::npos) << finding.message;
  EXPECT_NE(finding.message.find(" during alloc of handle 3; the run stops here"), std::string::npos)
      << finding.message;
#else
  EXPECT_EQ(finding.check, Check::containment);
  EXPECT_EQ(finding.message,
            "handle 3 [0x20000008, 0x200020c0) in 'r1' runs past the region's end 0x20002080; the run stops here: "
            "the allocator's state can no longer be trusted");
#endif
  const std::uint64_t digest = executor->digest();
  // Later ops change nothing, and the end-of-run checks check nothing.
  std::string error;
  EXPECT_TRUE(executor->apply(alloc(4, 0, 64), &error)) << error;
  EXPECT_TRUE(executor->apply(Op{OpKind::free, 1, 0, 0, 0}, &error)) << error;
  executor->finish();
  EXPECT_EQ(executor->ops_applied(), 3u);
  EXPECT_EQ(executor->summary().ops, 3u);
  EXPECT_EQ(checks_of(*executor), std::vector<std::string>{to_string(finding.check)});
  EXPECT_EQ(executor->digest(), digest);
}

// After the halt nothing reads the allocator's region metadata any more: the
// figures of a halted run are the heap's own counters, without the largest free
// block. The
// test makes every region unreadable, so that a read there faults (the
// determinism suite found summary() following a corrupted free-block trie).
TEST(ExecutorHalt, AStoppedRunsFiguresDoNotReadTheAllocatorsMetadata) {
  const auto executor = run_into_the_damage();
  ASSERT_TRUE(executor->halted());
  const MemoryMap& map = executor->memory_map();
  for (unsigned region = 0; region < map.region_count(); ++region) {
    ASSERT_EQ(::mprotect(map.cpu_view(region), map.spec(region).size_bytes, PROT_NONE), 0);
    ASSERT_EQ(::mprotect(map.ram_view(region), map.spec(region).size_bytes, PROT_NONE), 0);
  }
  const RunSummary summary = executor->summary();
  const PoolStats attr1 = executor->pool_stats(1);
  for (unsigned region = 0; region < map.region_count(); ++region) {
    ASSERT_EQ(::mprotect(map.cpu_view(region), map.spec(region).size_bytes, PROT_READ | PROT_WRITE), 0);
    ASSERT_EQ(::mprotect(map.ram_view(region), map.spec(region).size_bytes, PROT_READ | PROT_WRITE), 0);
  }
  EXPECT_EQ(summary.ops, 3u);
  ASSERT_EQ(summary.regions.size(), 2u);
  // The heap's own counters are still there: r0 holds the two blocks before.
  EXPECT_EQ(summary.regions[0].stats.allocated_block_count, 2u);
  EXPECT_EQ(summary.regions[0].stats.capacity_bytes, 4096u);
  EXPECT_EQ(summary.regions[0].stats.largest_free_block_bytes, 0u);
  EXPECT_EQ(summary.regions[0].external_fragmentation, 0.0);
  EXPECT_EQ(attr1.capacity_bytes, testing::damaged_region_bytes);
  EXPECT_EQ(attr1.largest_free_block_bytes, 0u);
}

// The finding enters the digest by identity, as every finding does: two runs
// stopping the same way agree.
TEST(ExecutorHalt, AStoppedRunIsDeterministic) {
  EXPECT_EQ(run_into_the_damage()->digest(), run_into_the_damage()->digest());
}

// Outside the Executor an assertion still ends the process, as it always did:
// the trap is scoped to the Executor's calls into the allocator.
TEST(ExecutorHaltDeathTest, AnAssertionOutsideTheExecutorStillAborts) {
  EXPECT_DEATH(smh_assert_failed("1 == 2", "test.cpp", 7), "smh assertion failed: 1 == 2 at test.cpp:7");
}

}  // namespace
}  // namespace smh::sim
