// HostMemoryReuse: a thread's released machine memory comes back zero, at the
// same host residue, and a run on reused memory is the run on fresh memory —
// even after the previous machine's memory was written all over.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/host_memory_reuse.hpp"
#include "smh/sim/lazy_zero_array.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/workload.hpp"

namespace smh::sim {
namespace {

std::vector<RegionSpec> two_regions() {
  return {{"cached", 0x2000'1008, 64 << 10, 1, CachePolicy::write_back, 32, true, false},
          {"plain", 0x3000'0000, 16 << 10, 2, CachePolicy::non_cacheable, 32, true, false}};
}

bool all_zero(const unsigned char* bytes, std::size_t count) {
  return std::all_of(bytes, bytes + count, [](unsigned char byte) { return byte == 0; });
}

TEST(HostMemoryReuse, ReleasedViewsComeBackZeroAtTheSameResidue) {
  const HostMemoryReuse reuse;
  std::string error;
  {
    MemoryMap map;
    ASSERT_TRUE(MemoryMap::build(two_regions(), &map, &error)) << error;
    for (unsigned region = 0; region < map.region_count(); ++region) {
      std::memset(map.cpu_view(region), 0xA5, map.spec(region).size_bytes);
      std::memset(map.ram_view(region), 0x5A, map.spec(region).size_bytes);
    }
  }
  MemoryMap again;
  ASSERT_TRUE(MemoryMap::build(two_regions(), &again, &error)) << error;
  EXPECT_EQ(reuse.reused(), 3u);  // two views of the cached region, one of the plain one
  for (unsigned region = 0; region < again.region_count(); ++region) {
    const std::uint64_t size_bytes = again.spec(region).size_bytes;
    const std::uint64_t align = MemoryMap::host_alignment_bytes(size_bytes);
    EXPECT_TRUE(all_zero(again.cpu_view(region), size_bytes));
    EXPECT_TRUE(all_zero(again.ram_view(region), size_bytes));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(again.cpu_view(region)) & (align - 1),
              again.spec(region).base & (align - 1));
  }
}

TEST(HostMemoryReuse, SideTablesComeBackZeroAndOnlyWhileActive) {
  {
    const HostMemoryReuse reuse;
    {
      LazyZeroArray<std::uint32_t> table(5000);
      std::fill(table.begin(), table.end(), 7u);
    }
    const LazyZeroArray<std::uint32_t> again(5000);
    EXPECT_EQ(reuse.reused(), 1u);
    EXPECT_TRUE(all_zero(reinterpret_cast<const unsigned char*>(again.data()), 5000 * sizeof(std::uint32_t)));
    const LazyZeroArray<std::uint32_t> other_size(5001);
    EXPECT_EQ(reuse.reused(), 1u);
  }
  const HostMemoryReuse outer;
  {
    const HostMemoryReuse inner;  // inside an active one: does nothing
    { const LazyZeroArray<std::uint8_t> table(100); }
    EXPECT_EQ(inner.reused(), 0u);
  }
  const LazyZeroArray<std::uint8_t> kept_by_outer(100);
  EXPECT_EQ(outer.reused(), 1u);
}

RunResult seeded_run(std::uint64_t seed) {
  MachineConfig machine;
  machine.regions = two_regions();
  WorkloadConfig workload;
  workload.op_count = 400;
  workload.target_live_bytes = 40 << 10;
  workload.attrs = {1, 2};
  ExecutorOptions options;
  options.keep_events = false;
  options.faults = FaultPlan::swarm(seed);
  options.cache_noise_ppm = 20'000;
  return run_ops(machine, generate_workload(workload, seed), seed, options);
}

TEST(HostMemoryReuse, ARunOnReusedMemoryIsTheRunOnFreshMemory) {
  std::vector<std::uint64_t> fresh;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    fresh.push_back(seeded_run(seed).summary.digest);
  }
  const HostMemoryReuse reuse;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    const RunResult run = seeded_run(seed);
    ASSERT_TRUE(run.ok) << run.error;
    EXPECT_EQ(run.summary.digest, fresh[seed]) << "seed " << seed;
  }
  EXPECT_GT(reuse.reused(), 0u);
}

}  // namespace
}  // namespace smh::sim
