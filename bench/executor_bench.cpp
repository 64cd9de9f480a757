// Google Benchmark: the simulator's Executor (sim/executor.hpp) replaying seeded
// workloads, with and without the per-op invariant checks.
//
//   BM_ExecutorReplay/<checks>/<live>/<validate>
//                                       ops per second over a workload of 1M ops (10M
//                                       for 1M live blocks: the ramp to a live count
//                                       takes about 5 ops per block) holding up to
//                                       about <live> blocks live (1k .. 1M), so
//                                       the cost per op can be read against the
//                                       number of live blocks (it should stay flat:
//                                       the checks are incremental). validate:1 adds
//                                       the periodic sweeps at the default cadence
//                                       (HEAP_VALIDATE and the harness's self-checks,
//                                       ExecutorOptions::validate_every_ops): every
//                                       check on.
// The workload (generate_workload) and the machine are built outside the timing;
// each iteration creates a fresh Executor and replays every op.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "smh/pool.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/workload.hpp"

namespace {

constexpr std::uint64_t mean_size_bytes = 96;  // log-uniform 16..256 averages ~96 B

// Below its live target the workload allocates 3 times in 5 and frees 2 times in 5,
// so reaching <live> blocks takes about 5 ops per block; 10 per block leaves half
// of the run at the target. At least the 1M ops. Under bench_smoke
// (SMH_BENCH_SMOKE, every test preset, the sanitizers' too) 100k ops whatever
// the target: each row runs, smaller.
std::uint64_t op_count_for(std::uint64_t live_blocks) {
  if (std::getenv("SMH_BENCH_SMOKE") != nullptr) {
    return 100'000;
  }
  return std::max<std::uint64_t>(1'000'000, 10 * live_blocks);
}

smh::sim::MachineConfig machine_for(std::uint64_t live_blocks) {
  // Two regions of one attribute, sized for twice the live bytes.
  const std::uint64_t region_bytes = std::max<std::uint64_t>(64 << 10, live_blocks * mean_size_bytes * 2);
  smh::sim::MachineConfig config;
  config.regions = {
      {"sram0", 0x2000'0000, region_bytes, 0, smh::sim::CachePolicy::non_cacheable, 32, true, false},
      {"sram1", 0x6000'0000, region_bytes, 0, smh::sim::CachePolicy::non_cacheable, 32, true, false},
  };
  return config;
}

void BM_ExecutorReplay(benchmark::State& state) {
  const bool checks = state.range(0) != 0;
  const auto live_blocks = static_cast<std::uint64_t>(state.range(1));
  const bool validate = state.range(2) != 0;
  smh::sim::WorkloadConfig workload;
  workload.op_count = op_count_for(live_blocks);
  workload.target_live_bytes = live_blocks * mean_size_bytes;
  workload.min_size_bytes = 16;
  workload.max_size_bytes = 256;
  const std::vector<smh::sim::Op> ops = smh::sim::generate_workload(workload, 0x5EED'0004);
  const smh::sim::MachineConfig machine = machine_for(live_blocks);
  smh::sim::ExecutorOptions options;
  options.check_invariants = checks;
  // The periodic sweeps (O(blocks)) only with validate:1, at the default cadence.
  options.validate_every_ops = validate ? smh::sim::ExecutorOptions{}.validate_every_ops : 0;
  options.keep_events = false;     // the digest still covers every outcome
  std::uint64_t findings = 0;
  for (auto _ : state) {
    std::string error;
    auto executor = smh::sim::Executor::create(machine, options, 1, &error);
    if (!executor) {
      state.SkipWithError(error.c_str());
      return;
    }
    if (!executor->apply_all(ops, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    findings += executor->findings().size();
    benchmark::DoNotOptimize(executor->digest());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops.size()));
  state.counters["ns_per_op"] = smh::bench::time_per_event(static_cast<double>(ops.size()));
  state.counters["findings"] = static_cast<double>(findings);
}
// The same ops straight into a pool over plain host memory, handles mapped to
// pointers by a flat vector: the allocator's own cost at each live-block count,
// so that executor - raw is the simulator's cost per op.
void BM_RawPoolReplay(benchmark::State& state) {
  const auto live_blocks = static_cast<std::uint64_t>(state.range(0));
  smh::sim::WorkloadConfig workload;
  workload.op_count = op_count_for(live_blocks);
  workload.target_live_bytes = live_blocks * mean_size_bytes;
  workload.min_size_bytes = 16;
  workload.max_size_bytes = 256;
  const std::vector<smh::sim::Op> ops = smh::sim::generate_workload(workload, 0x5EED'0004);
  const smh::sim::MachineConfig machine = machine_for(live_blocks);
  smh::sim::Handle max_handle = 0;
  for (const smh::sim::Op& op : ops) {
    max_handle = std::max(max_handle, op.handle);
  }
  using RawPool = smh::BasicPool<2>;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<smh::bench::AlignedBuffer> memory;
    auto pool = std::make_unique<RawPool>();
    (void)pool->init();
    for (const smh::sim::RegionSpec& spec : machine.regions) {
      memory.emplace_back(spec.size_bytes);
      smh::RegionConfig region;
      region.address = reinterpret_cast<std::uintptr_t>(memory.back().data());
      region.size_bytes = spec.size_bytes;
      (void)pool->add(region);
    }
    std::vector<void*> blocks(max_handle + 1, nullptr);
    state.ResumeTiming();
    for (const smh::sim::Op& op : ops) {
      void*& block = blocks[op.handle];
      switch (op.kind) {
        case smh::sim::OpKind::alloc:
          block = pool->aligned_alloc(op.attr, op.align_bytes, op.size_bytes);
          break;
        case smh::sim::OpKind::realloc:
          if (void* moved = pool->aligned_realloc(op.attr, block, op.align_bytes, op.size_bytes)) {
            block = moved;
          }
          break;
        default:
          (void)pool->free(block);
          block = nullptr;
          break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops.size()));
  state.counters["ns_per_op"] = smh::bench::time_per_event(static_cast<double>(ops.size()));
}
BENCHMARK(BM_RawPoolReplay)
    ->ArgName("live")
    ->Arg(1'000)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_ExecutorReplay)
    ->ArgNames({"checks", "live", "validate"})
    ->ArgsProduct({{0, 1}, {1'000, 10'000, 100'000, 1'000'000}, {0}})
    ->ArgsProduct({{1}, {1'000, 10'000, 100'000, 1'000'000}, {1}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
