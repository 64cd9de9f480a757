// Google Benchmark: smh::BasicPool's region-selection policies against one heap.
//
//   BM_PoolAllocFree/<policy>/<regions>  the steady-state workload through a pool of
//                                        2, 8 or 32 regions under each policy
//   BM_HeapAllocFreeBaseline             the same workload on one smh::Heap
//
// Workload (steady_workload() below, generated once, ahead of time): a working set
// of 64 live blocks; each iteration frees the block in a pseudo-random slot and
// allocates a new pseudo-random size into it (log-uniform in [16, 1023] bytes, so
// the live set is ~16 KiB). One iteration = 2 operations (a free and an alloc);
// ns_per_op is the time per operation. Before timing, the working set is filled and
// the whole step sequence is replayed once, so timing starts in steady state, and
// the timed loop replays the same sequence from its first step (wrapping).
//
// Pool set-up: BasicPool<32>, exact mode; N regions of 64 KiB carved back to back
// from one 4096-aligned buffer, all of attribute `cacheable`, so every request goes
// through the policy over all N matching regions (the worst case for a policy
// pass). Roles, used only by size_threshold: the first N/2 regions take requests
// below 128 bytes (half of the requests), the others the rest. Under the other
// policies the roles are ignored, so the configuration differs only in the policy.
//
// Comparability: the baseline heap is one 64 KiB region, 4096-aligned like the
// pool's first region, and replays the same sequence. The live set never outgrows
// one region, so under first_fit every block lands in region 0 and that region's
// heap sees exactly the baseline's calls at the same offsets: the
// first_fit/8 - baseline difference is the pool's dispatch alone (lock guard, policy
// pass, owner lookup on free). The other policies also spread blocks differently.
//
// Untimed counters: failed_allocs (must be 0) and regions_used (regions holding
// blocks at the end).
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "smh/heap.hpp"
#include "smh/pool.hpp"
#include "smh/sim/prng.hpp"

namespace {

constexpr std::size_t working_set = 64;
constexpr std::size_t step_count = 4096;  // a power of two: the timed loop wraps with a mask
static_assert((step_count & (step_count - 1)) == 0);
constexpr std::uint32_t min_size_bytes = 16;
constexpr std::uint32_t max_size_bytes = 1023;
constexpr std::size_t size_threshold_bytes = 128;  // the median request
constexpr std::size_t region_bytes = 64u << 10;
constexpr std::uint32_t request_attr = smh::attr::cacheable;

using BenchPool = smh::BasicPool<32>;

struct Step {
  std::uint32_t slot;
  std::uint32_t size_bytes;
};

struct SteadyWorkload {
  std::array<std::uint32_t, working_set> initial_sizes{};
  std::vector<Step> steps;
};

// Deterministic (smh::sim::Rng): the same sequence on every host and run.
SteadyWorkload make_steady_workload() {
  smh::sim::Rng rng = smh::sim::Rng::stream(0x5EED'0003, "bench.pool_steady");
  SteadyWorkload workload;
  for (std::uint32_t& size : workload.initial_sizes) {
    size = static_cast<std::uint32_t>(rng.log_uniform(min_size_bytes, max_size_bytes));
  }
  workload.steps.resize(step_count);
  for (Step& step : workload.steps) {
    step.slot = static_cast<std::uint32_t>(rng.below(working_set));
    step.size_bytes = static_cast<std::uint32_t>(rng.log_uniform(min_size_bytes, max_size_bytes));
  }
  return workload;
}

const SteadyWorkload& steady_workload() {
  static const SteadyWorkload workload = make_steady_workload();
  return workload;
}

// The two allocators behind one interface, so both run the identical driver.
struct HeapTarget {
  smh::Heap* heap;
  void* alloc(std::size_t size_bytes) const { return heap->alloc(size_bytes); }
  void free(void* ptr) const { heap->free(ptr); }
};

struct PoolTarget {
  BenchPool* pool;
  void* alloc(std::size_t size_bytes) const { return pool->alloc(request_attr, size_bytes); }
  void free(void* ptr) const { pool->free(ptr); }
};

template <class Target>
void run_steady_state(benchmark::State& state, const Target& target) {
  const SteadyWorkload& workload = steady_workload();
  std::array<void*, working_set> live{};
  for (std::size_t slot = 0; slot < working_set; ++slot) {
    live[slot] = target.alloc(workload.initial_sizes[slot]);
  }
  for (const Step& step : workload.steps) {  // untimed warm-up pass
    target.free(live[step.slot]);
    live[step.slot] = target.alloc(step.size_bytes);
  }

  const Step* const steps = workload.steps.data();
  std::size_t next = 0;
  for (auto _ : state) {
    const Step& step = steps[next];
    target.free(live[step.slot]);
    void* block = target.alloc(step.size_bytes);
    benchmark::DoNotOptimize(block);
    live[step.slot] = block;
    next = (next + 1) & (step_count - 1);
  }
  state.SetItemsProcessed(state.iterations() * 2);
  state.counters["ns_per_op"] = smh::bench::time_per_event(2);
}

void BM_PoolAllocFree(benchmark::State& state, smh::Policy policy, unsigned region_count) {
  smh::bench::AlignedBuffer memory(region_count * region_bytes);
  auto pool = std::make_unique<BenchPool>();
  smh::PoolConfig config;
  config.mode = smh::MatchMode::exact;
  config.policy = policy;
  config.size_threshold_bytes = size_threshold_bytes;
  if (pool->init(config) != smh::Status::ok) {
    state.SkipWithError("pool init failed");
    return;
  }
  for (unsigned index = 0; index < region_count; ++index) {
    smh::RegionConfig region;
    region.address = reinterpret_cast<std::uintptr_t>(memory.data() + index * region_bytes);
    region.size_bytes = region_bytes;
    region.attr = request_attr;
    region.role = index < region_count / 2 ? smh::RegionRole::small_requests
                                           : smh::RegionRole::large_requests;
    if (pool->add(region) != smh::Status::ok) {
      state.SkipWithError("pool add failed");
      return;
    }
  }

  run_steady_state(state, PoolTarget{pool.get()});

  unsigned regions_used = 0;
  for (unsigned index = 0; index < region_count; ++index) {
    regions_used += pool->region_stats(index).allocated_block_count > 0 ? 1u : 0u;
  }
  state.counters["regions_used"] = regions_used;
  state.counters["failed_allocs"] = static_cast<double>(pool->failed_alloc_count());
}

// BM_PoolAllocFree/<policy name>/<regions>, every policy x {2, 8, 32}.
[[maybe_unused]] const bool pool_benchmarks_registered = [] {
  for (std::size_t policy_index = 0; policy_index < smh::policy_count; ++policy_index) {
    const auto policy = static_cast<smh::Policy>(policy_index);
    for (const unsigned region_count : {2u, 8u, 32u}) {
      const std::string name = std::string("BM_PoolAllocFree/") + smh::to_string(policy) + "/" +
                               std::to_string(region_count);
      benchmark::RegisterBenchmark(name.c_str(), BM_PoolAllocFree, policy, region_count);
    }
  }
  return true;
}();

void BM_HeapAllocFreeBaseline(benchmark::State& state) {
  smh::bench::BenchHeap region(region_bytes);
  smh::Heap& heap = region.heap();
  run_steady_state(state, HeapTarget{&heap});
  const smh::HeapStats stats = heap.stats();
  state.counters["regions_used"] = stats.allocated_block_count > 0 ? 1 : 0;
  state.counters["failed_allocs"] = static_cast<double>(stats.failed_alloc_count);
}
BENCHMARK(BM_HeapAllocFreeBaseline);

}  // namespace
