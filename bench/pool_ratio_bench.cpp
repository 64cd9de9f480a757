// Google Benchmark: the 8-region pool's time per event over the single heap's, on
// the same workload, measured interleaved (issue 12's pool goal: at most 1.25).
//
//   BM_PoolOverHeapMix   each iteration replays the mixed workload
//                        (mixed_workload.hpp) once through a fresh smh::Heap over
//                        the whole arena, then once through a fresh first_fit
//                        BasicPool<8> whose 8 regions of one attribute split the
//                        same arena in eight (bench/callgrind/event_count.cpp's
//                        heap and pool8 set-up), so a live set beyond one eighth
//                        spreads over several regions.
//
// Counters: heap_ns_per_event and pool8_ns_per_event (thread CPU time of the
// replays alone, summed over the iterations: set-up is outside both, and a
// replay interrupted by another process is not charged for its wait), and
// pool8_over_heap, their ratio. Heap and pool alternate within every iteration,
// so load that drifts during the run hits both alike; run with
// --benchmark_repetitions=N for the median ratio. failed_allocs must be 0 (the
// arena holds the mix at ~50 % fill, an eighth of it is never the limit).
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "bench_support.hpp"
#include "alloc_targets.hpp"
#include "mixed_workload.hpp"
#include "smh/heap.hpp"
#include "smh/pool.hpp"

namespace {

using smh::bench::HeapTarget;
using smh::bench::Pool8;
using smh::bench::PoolTarget;

std::int64_t thread_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// The replay's thread CPU time in ns; failed allocations and reallocs are added
// to *failed. Every slot starts empty (the caller clears them).
template <class Target>
std::int64_t timed_replay(const Target& target, const smh::bench::MixedWorkload& workload,
                          std::vector<void*>& slots, std::uint64_t* failed) {
  using Kind = smh::bench::WorkloadOp::Kind;
  std::uint64_t failures = 0;
  const std::int64_t start_ns = thread_cpu_ns();
  for (const smh::bench::WorkloadOp& op : workload.ops) {
    void*& slot = slots[op.slot];
    if (op.kind == Kind::alloc) {
      slot = target.alloc(op.size_bytes);
      failures += slot == nullptr ? 1u : 0u;
    } else if (op.kind == Kind::realloc) {
      void* moved = target.realloc(slot, op.size_bytes);
      failures += moved == nullptr ? 1u : 0u;
      slot = moved != nullptr ? moved : slot;
    } else {
      target.free(slot);
      slot = nullptr;
    }
  }
  const std::int64_t elapsed_ns = thread_cpu_ns() - start_ns;
  *failed += failures;
  return elapsed_ns;
}

void BM_PoolOverHeapMix(benchmark::State& state) {
  const smh::bench::MixedWorkloadConfig config;
  const smh::bench::MixedWorkload workload = smh::bench::make_mixed_workload(config);
  smh::bench::AlignedBuffer arena(config.region_bytes);
  std::vector<void*> slots(workload.slot_count, nullptr);
  std::int64_t heap_ns = 0;
  std::int64_t pool_ns = 0;
  std::uint64_t failed = 0;
  for (auto _ : state) {
    smh::Heap heap;
    if (heap.init(arena.data(), config.region_bytes) != smh::Status::ok) {
      state.SkipWithError("heap init failed");
      return;
    }
    std::fill(slots.begin(), slots.end(), nullptr);
    heap_ns += timed_replay(HeapTarget{&heap}, workload, slots, &failed);

    const std::unique_ptr<Pool8> pool =
        smh::bench::make_first_fit_pool(smh::bench::pool_regions, arena.data(), config.region_bytes);
    if (pool == nullptr) {
      state.SkipWithError("pool set-up failed");
      return;
    }
    std::fill(slots.begin(), slots.end(), nullptr);
    pool_ns += timed_replay(PoolTarget{pool.get()}, workload, slots, &failed);
  }
  const double events = static_cast<double>(state.iterations()) * static_cast<double>(workload.ops.size());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(2 * workload.ops.size()));
  state.counters["heap_ns_per_event"] = static_cast<double>(heap_ns) / events;
  state.counters["pool8_ns_per_event"] = static_cast<double>(pool_ns) / events;
  state.counters["pool8_over_heap"] = heap_ns > 0 ? static_cast<double>(pool_ns) / static_cast<double>(heap_ns) : 0.0;
  state.counters["failed_allocs"] = static_cast<double>(failed);
}
BENCHMARK(BM_PoolOverHeapMix)->Unit(benchmark::kMillisecond);

}  // namespace
