// Google Benchmark: `smh swarm`'s throughput (cli/swarm_campaign.hpp).
//
//   BM_SwarmCampaign/<jobs>/<reuse>
//                             32 seeds of 2000 generated ops on a 7-region
//                             machine shaped like scenarios/fault_swarm.json
//                             (cacheable, DMA and external regions), swarm faults
//                             and cache noise, each seed run twice with every
//                             check on, on <jobs> threads. Wall time
//                             (UseRealTime): seeds_per_s and checked_ops_per_s
//                             (both runs of each seed counted) at 1 vs 2 jobs is
//                             the scaling; per core, divide by jobs. <reuse>
//                             1: each worker reuses its machines' host memory
//                             (as smh swarm does); 0: every machine maps and
//                             unmaps its own (what it did before).
//                             cpu_ops_per_s: checked ops per second of CPU time
//                             of the process (all threads), the per-core figure
//                             on a shared, loaded machine.
// Under ctest's bench_smoke (SMH_BENCH_SMOKE set) it runs 4 seeds.
#include <benchmark/benchmark.h>
#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "smh/sim/scenario.hpp"
#include "swarm_campaign.hpp"

namespace {

// CPU time of the whole process (every worker thread).
double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

smh::sim::Scenario campaign_machine() {
  using smh::sim::CachePolicy;
  smh::sim::Scenario machine;
  machine.name = "swarm_bench";
  // name, base, size, attr, cache policy, line bytes, DMA-capable, reserved
  machine.machine.regions = {
      {"sram_mid", 0x2002'0000, 32 << 10, 1, CachePolicy::write_back, 32, false, false},
      {"sram_big", 0x2400'0000, 64 << 10, 1, CachePolicy::write_back, 32, false, false},
      {"sram_tiny", 0x2000'0000, 16 << 10, 1, CachePolicy::write_back, 32, false, false},
      {"dma_main", 0x3000'0000, 32 << 10, 2, CachePolicy::non_cacheable, 32, true, false},
      {"dma_small", 0x3001'0000, 8 << 10, 2, CachePolicy::non_cacheable, 32, true, false},
      {"psram_a", 0x6000'0000, 128 << 10, 4, CachePolicy::write_back, 32, false, false},
      {"psram_b", 0x6010'0000, 64 << 10, 4, CachePolicy::write_back, 32, false, false},
  };
  return machine;
}

void BM_SwarmCampaign(benchmark::State& state) {
  const smh::sim::Scenario machine = campaign_machine();
  smh::cli::CampaignPlan plan;
  plan.range = smh::cli::SeedRange{0, std::getenv("SMH_BENCH_SMOKE") != nullptr ? 3u : 31u};
  plan.jobs = static_cast<unsigned>(state.range(0));
  plan.reuse_host_memory = state.range(1) != 0;
  const double cpu_start_seconds = process_cpu_seconds();
  const smh::cli::SwarmSettings settings;  // 2000 ops per seed, as smh swarm
  std::uint64_t seeds = 0;
  std::uint64_t ops = 0;
  for (auto _ : state) {
    smh::cli::CampaignProgress progress;
    const std::vector<smh::cli::SeedResult> results =
        smh::cli::run_campaign(machine, plan, settings, &progress, [] {});
    seeds += results.size();
    for (const smh::cli::SeedResult& result : results) {
      if (!result.failure.empty()) {
        state.SkipWithError("a seed failed");
        return;
      }
      ops += 2 * result.ops;  // each seed runs twice
    }
  }
  state.counters["seeds_per_s"] = benchmark::Counter(static_cast<double>(seeds), benchmark::Counter::kIsRate);
  state.counters["checked_ops_per_s"] = benchmark::Counter(static_cast<double>(ops), benchmark::Counter::kIsRate);
  state.counters["cpu_ops_per_s"] = static_cast<double>(ops) / (process_cpu_seconds() - cpu_start_seconds);
}
BENCHMARK(BM_SwarmCampaign)
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->ArgNames({"jobs", "reuse"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
