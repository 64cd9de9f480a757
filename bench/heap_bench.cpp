// Google Benchmark: smh::Heap's core operations.
//
//   BM_AllocFreePair/N   alloc(N) then free, repeatedly (the fast path)
//   BM_AlignedAlloc32    batches of aligned_alloc(32, 16..1024) then frees
//   BM_Mixed             the mixed workload (mixed_workload.hpp), ns per event
//   BM_MixedGlibc        the same ops through glibc malloc/free/realloc: a
//                        reference every machine has, so a report can give the
//                        core's ratio to it (run both in one process, as here)
//
// BM_Mixed also reports, as counters from one untimed replay:
//   footprint_overhead  peak footprint / peak live requested bytes - 1, where the
//                       peak footprint is the highest block end from the region
//                       base (the start bitmap in front of the blocks included)
//   F_ext_at_peak       1 - largest_free / total_free when live bytes peaked
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "bench_support.hpp"
#include "mixed_workload.hpp"
#include "smh/heap.hpp"
#include "smh/sim/prng.hpp"

namespace {

using smh::bench::BenchHeap;

void BM_AllocFreePair(benchmark::State& state) {
  const auto size_bytes = static_cast<std::size_t>(state.range(0));
  BenchHeap region(1u << 20);
  smh::Heap& heap = region.heap();
  for (auto _ : state) {
    void* p = heap.alloc(size_bytes);
    benchmark::DoNotOptimize(p);
    heap.free(p);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_AllocFreePair)->Arg(16)->Arg(128)->Arg(1024)->Arg(4096);

void BM_AlignedAlloc32(benchmark::State& state) {
  constexpr std::size_t batch = 256;
  BenchHeap region(1u << 20);
  smh::Heap& heap = region.heap();
  smh::sim::Rng rng(7);
  std::vector<std::size_t> sizes(batch);
  for (std::size_t& size : sizes) {
    size = rng.log_uniform(16, 1024);
  }
  std::vector<void*> blocks(batch);
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) {
      blocks[i] = heap.aligned_alloc(32, sizes[i]);
    }
    for (std::size_t i = 0; i < batch; ++i) {
      heap.free(blocks[i]);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(2 * batch));
}
BENCHMARK(BM_AlignedAlloc32);

// glibc's allocator behind the calls replay() makes (it has no arena: its own
// heap carries over between iterations, which is how programs use it).
struct GlibcMalloc {
  void* alloc(std::size_t size_bytes) { return std::malloc(size_bytes); }
  void* realloc(void* ptr, std::size_t size_bytes) { return std::realloc(ptr, size_bytes); }
  void free(void* ptr) { std::free(ptr); }
};

// Applies one workload op; `after` sees the allocator after every op.
// Allocator: smh::Heap or GlibcMalloc.
template <class Allocator, class After>
void replay(Allocator& heap, const smh::bench::MixedWorkload& workload, std::vector<void*>& slots,
            After&& after) {
  using Kind = smh::bench::WorkloadOp::Kind;
  for (const smh::bench::WorkloadOp& op : workload.ops) {
    void*& slot = slots[op.slot];
    switch (op.kind) {
      case Kind::alloc:
        slot = heap.alloc(op.size_bytes);
        break;
      case Kind::free:
        heap.free(slot);
        slot = nullptr;
        break;
      case Kind::realloc: {
        void* moved = heap.realloc(slot, op.size_bytes);
        if (moved != nullptr) {
          slot = moved;
        }
        break;
      }
    }
    after(heap);
  }
}

struct Footprint {
  double overhead = 0;
  double f_ext_at_peak = 0;
  double failed_allocs = 0;
};

Footprint measure_footprint(const smh::bench::MixedWorkloadConfig& config,
                            const smh::bench::MixedWorkload& workload) {
  BenchHeap region(config.region_bytes);
  std::vector<void*> slots(workload.slot_count, nullptr);
  std::size_t peak_live = 0;
  Footprint footprint;
  replay(region.heap(), workload, slots, [&](const smh::Heap& heap) {
    const smh::HeapStats stats = heap.stats();
    if (stats.allocated_requested_bytes > peak_live) {
      peak_live = stats.allocated_requested_bytes;
      footprint.f_ext_at_peak =
          stats.free_bytes == 0 ? 0.0
                                : 1.0 - static_cast<double>(stats.largest_free_block_bytes) /
                                            static_cast<double>(stats.free_bytes);
    }
  });
  const smh::HeapStats stats = region.heap().stats();
  footprint.overhead =
      static_cast<double>(stats.high_water_bytes) / static_cast<double>(peak_live) - 1.0;
  footprint.failed_allocs = static_cast<double>(stats.failed_alloc_count);
  return footprint;
}

void BM_Mixed(benchmark::State& state) {
  const smh::bench::MixedWorkloadConfig config;
  const smh::bench::MixedWorkload workload = smh::bench::make_mixed_workload(config);
  BenchHeap region(config.region_bytes);
  std::vector<void*> slots(workload.slot_count, nullptr);
  for (auto _ : state) {
    replay(region.heap(), workload, slots, [](const smh::Heap&) {});
  }
  const auto events = static_cast<double>(workload.ops.size());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(workload.ops.size()));
  state.counters["ns_per_event"] = smh::bench::time_per_event(events);
  const Footprint footprint = measure_footprint(config, workload);
  state.counters["footprint_overhead"] = footprint.overhead;
  state.counters["F_ext_at_peak"] = footprint.f_ext_at_peak;
  state.counters["failed_allocs"] = footprint.failed_allocs;
}
BENCHMARK(BM_Mixed)->Unit(benchmark::kMillisecond);

void BM_MixedGlibc(benchmark::State& state) {
  const smh::bench::MixedWorkloadConfig config;
  const smh::bench::MixedWorkload workload = smh::bench::make_mixed_workload(config);
  GlibcMalloc glibc;
  std::vector<void*> slots(workload.slot_count, nullptr);
  for (auto _ : state) {
    replay(glibc, workload, slots, [](const GlibcMalloc&) {});
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(workload.ops.size()));
  state.counters["ns_per_event"] = smh::bench::time_per_event(static_cast<double>(workload.ops.size()));
}
BENCHMARK(BM_MixedGlibc)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
