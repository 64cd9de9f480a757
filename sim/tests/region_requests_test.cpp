// Per-region request counts (RegionSummary::requests): where requests went by
// home region, spill between regions, failures charged to the home region, and
// figures that agree with the run's total and with the heaps' own counts.
#include <gtest/gtest.h>

#include <vector>

#include "smh/sim/executor.hpp"

namespace smh::sim {
namespace {

Op alloc(Handle handle, std::uint32_t attr, std::uint64_t size) { return Op{OpKind::alloc, handle, attr, size, 0}; }
Op realloc_op(Handle handle, std::uint32_t attr, std::uint64_t size) {
  return Op{OpKind::realloc, handle, attr, size, 0};
}
Op free_op(Handle handle) { return Op{OpKind::free, handle, 0, 0, 0}; }

RegionSpec region(const char* name, std::uint64_t base, std::uint64_t size_bytes, std::uint32_t attr,
                  RegionRole role = RegionRole::any, bool reserved = false) {
  return RegionSpec{name, base, size_bytes, attr, CachePolicy::non_cacheable, 32, false, reserved, role};
}

// Two cacheable regions (a small one first) and a non-cacheable one.
MachineConfig machine(Policy policy) {
  MachineConfig config;
  config.regions = {region("small", 0x2000'0000, 4096, attr::cacheable),
                    region("big", 0x2001'0000, 16384, attr::cacheable),
                    region("nc", 0x2002'0000, 4096, attr::non_cacheable)};
  config.pool.policy = policy;
  return config;
}

std::uint64_t sum_failed(const RunSummary& summary) {
  std::uint64_t total = 0;
  for (const RegionSummary& one : summary.regions) {
    total += one.requests.failed_allocs;
  }
  return total;
}

TEST(RegionRequests, ARequestThatDoesNotFitItsHomeSpillsAndOneThatFitsNowhereFailsAtHome) {
  const std::vector<Op> ops = {
      alloc(1, attr::cacheable, 1000),       // small
      alloc(2, attr::cacheable, 3100),       // small is too full: big (spill)
      alloc(3, attr::cacheable, 100000),     // fits nowhere: failed at home (small)
      alloc(4, attr::non_cacheable, 8000),   // fits nowhere: failed at home (nc)
      alloc(5, attr::non_cacheable, 100),    // nc
      free_op(1), free_op(2), free_op(5),
  };
  const RunResult result = run_ops(machine(Policy::first_fit), ops, 1);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().message;
  const auto& regions = result.summary.regions;
  EXPECT_EQ(regions[0].requests.allocs, 1u);
  EXPECT_EQ(regions[0].requests.spilled_out, 1u);
  EXPECT_EQ(regions[0].requests.spilled_in, 0u);
  EXPECT_EQ(regions[0].requests.failed_allocs, 1u);
  EXPECT_EQ(regions[1].requests.allocs, 1u);
  EXPECT_EQ(regions[1].requests.spilled_in, 1u);
  EXPECT_EQ(regions[1].requests.spilled_out, 0u);
  EXPECT_EQ(regions[1].requests.failed_allocs, 0u);
  EXPECT_EQ(regions[2].requests.allocs, 1u);
  EXPECT_EQ(regions[2].requests.failed_allocs, 1u);
  EXPECT_EQ(result.summary.failed_allocs, 2u);
  EXPECT_EQ(sum_failed(result.summary), result.summary.failed_allocs);
  for (const RegionSummary& one : regions) {
    EXPECT_EQ(one.requests.allocs, one.stats.alloc_count) << one.name << ": the heap counts what it served";
  }
}

// Search length: the heaps each request searched (PoolEngine::heap_search_count).
TEST(RegionRequests, SearchesCountTheRegionsEachRequestTried) {
  const std::vector<Op> ops = {
      alloc(1, attr::cacheable, 1000),      // small: 1 search
      alloc(2, attr::cacheable, 3100),      // small, then big: 2
      alloc(3, attr::cacheable, 100000),    // big, fails: 1 (small's miss on 2 ruled it out: Heap::might_fit)
      alloc(4, attr::non_cacheable, 100),   // nc: 1
      realloc_op(4, attr::non_cacheable, 200),  // grows in place: no request
      alloc(5, attr::cacheable, 0),         // 0 bytes: no request
  };
  const RunResult result = run_ops(machine(Policy::first_fit), ops, 1);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().message;
  EXPECT_EQ(result.summary.searches.requests, 4u);
  EXPECT_EQ(result.summary.searches.heap_searches, 5u);
  EXPECT_EQ(result.summary.searches.max_per_request, 2u);
}

TEST(RegionRequests, WorstFitSpillsOutOfTheFirstRegionEvenWithRoomThere) {
  // worst_fit picks the region with the most free bytes: "big", though "small"
  // (the home) could hold the request.
  const RunResult result = run_ops(machine(Policy::worst_fit), std::vector<Op>{alloc(1, attr::cacheable, 64)}, 1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.summary.regions[0].requests.spilled_out, 1u);
  EXPECT_EQ(result.summary.regions[1].requests.spilled_in, 1u);
  EXPECT_EQ(result.summary.regions[1].requests.allocs, 1u);
}

TEST(RegionRequests, AMoveIsARequestAndResizingInPlaceIsNot) {
  const std::vector<Op> ops = {
      alloc(1, attr::cacheable, 100),
      realloc_op(1, attr::cacheable, 200),   // grows in place (the rest of small is free)
      alloc(2, attr::cacheable, 64),         // right behind it
      realloc_op(1, attr::cacheable, 6000),  // moves: to big (spill)
      realloc_op(2, attr::cacheable, 50000), // fails: home small
  };
  const RunResult result = run_ops(machine(Policy::first_fit), ops, 1);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().message;
  const auto& regions = result.summary.regions;
  EXPECT_EQ(regions[0].requests.allocs, 2u);
  EXPECT_EQ(regions[0].requests.spilled_out, 1u);
  EXPECT_EQ(regions[0].requests.failed_allocs, 1u);
  EXPECT_EQ(regions[1].requests.allocs, 1u);
  EXPECT_EQ(regions[1].requests.spilled_in, 1u);
  EXPECT_EQ(result.summary.failed_allocs, 1u);
  for (const RegionSummary& one : regions) {
    EXPECT_EQ(one.requests.allocs, one.stats.alloc_count) << one.name;
  }
}

TEST(RegionRequests, TheHomeFollowsSizeThresholdRolesAndSkipsReservedRegions) {
  MachineConfig config;
  config.regions = {region("reserved", 0x2000'0000, 4096, attr::cacheable, RegionRole::any, true),
                    region("large", 0x2001'0000, 16384, attr::cacheable, RegionRole::large_requests),
                    region("small", 0x2002'0000, 4096, attr::cacheable, RegionRole::small_requests)};
  config.pool.policy = Policy::size_threshold;
  config.pool.size_threshold_bytes = 2048;
  const std::vector<Op> ops = {alloc(1, attr::cacheable, 64), alloc(2, attr::cacheable, 3000),
                               alloc(3, attr::cacheable, 2000),
                               alloc(4, attr::cacheable, 2000)};  // small is full; large does not take it
  const RunResult result = run_ops(config, ops, 1);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().message;
  const auto& regions = result.summary.regions;
  EXPECT_EQ(regions[0].requests.allocs + regions[0].requests.failed_allocs + regions[0].requests.spilled_out, 0u);
  EXPECT_EQ(regions[1].requests.allocs, 1u);
  EXPECT_EQ(regions[1].requests.failed_allocs, 0u);
  EXPECT_EQ(regions[2].requests.allocs, 2u);
  EXPECT_EQ(regions[2].requests.failed_allocs, 1u);
  EXPECT_EQ(regions[1].requests.spilled_in + regions[2].requests.spilled_in, 0u);
  EXPECT_EQ(result.summary.failed_allocs, 1u);
}

TEST(RegionRequests, ARequestNoRegionMayServeCountsOnlyInTheTotal) {
  const RunResult result = run_ops(machine(Policy::first_fit), std::vector<Op>{alloc(1, attr::external, 64)}, 1);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.summary.failed_allocs, 1u);
  EXPECT_EQ(sum_failed(result.summary), 0u);
}

}  // namespace
}  // namespace smh::sim
