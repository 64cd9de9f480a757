// Google Benchmark: the simulator's Executor (sim/executor.hpp) replaying seeded
// workloads, with and without the per-op invariant checks.
//
//   BM_ExecutorReplay/<checks>/<live>   ops per second over a 1M-op workload holding
//                                       about <live> blocks live (1k .. 100k), so
//                                       the cost per op can be read against the
//                                       number of live blocks (it should stay flat:
//                                       the checks are incremental).
// The workload (generate_workload) and the machine are built outside the timing;
// each iteration creates a fresh Executor and replays every op.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/workload.hpp"

namespace {

constexpr std::uint64_t mean_size_bytes = 96;  // log-uniform 16..256 averages ~96 B

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
  smh::sim::WorkloadConfig workload;
  workload.op_count = 1'000'000;  // the 1M-op mixed workload
  workload.target_live_bytes = live_blocks * mean_size_bytes;
  workload.min_size_bytes = 16;
  workload.max_size_bytes = 256;
  const std::vector<smh::sim::Op> ops = smh::sim::generate_workload(workload, 0x5EED'0004);
  const smh::sim::MachineConfig machine = machine_for(live_blocks);
  smh::sim::ExecutorOptions options;
  options.check_invariants = checks;
  options.validate_every_ops = 0;  // the periodic full sweep is O(blocks): measured separately
  options.keep_events = false;     // the digest still covers every outcome
  std::uint64_t findings = 0;
  for (auto _ : state) {
    std::string error;
    auto executor = smh::sim::Executor::create(machine, options, 1, &error);
    if (!executor) {
      state.SkipWithError(error.c_str());
      return;
    }
    for (const smh::sim::Op& op : ops) {
      if (!executor->apply(op, &error)) {
        state.SkipWithError(error.c_str());
        return;
      }
    }
    findings += executor->findings().size();
    benchmark::DoNotOptimize(executor->digest());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops.size()));
  state.counters["ns_per_op"] = smh::bench::time_per_event(static_cast<double>(ops.size()));
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_ExecutorReplay)
    ->ArgNames({"checks", "live"})
    ->ArgsProduct({{0, 1}, {1'000, 10'000, 100'000}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
