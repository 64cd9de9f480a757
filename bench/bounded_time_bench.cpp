// Google Benchmark: the time of the worst single operation as the number of free
// blocks grows (issue 12). Bounded time means these stay flat from 10 to 100,000
// free blocks; core/tests/bounded_time counts the reads that make it so.
//
//   BM_WorstOp_OneFitAmongNearMisses/N   X (512 bytes) freed among N free 504-byte
//        blocks, each between used blocks: alloc(512) then free of it. A search
//        that walks the blocks of a size range reads N headers here.
//   BM_WorstOp_AlignedAmongMisfits/N     N free 24-byte blocks, none 4 KiB-aligned,
//        and a large free block: aligned_alloc(4096, 8) then its free.
//   BM_WorstOp_ReallocMove/N             the state of the first benchmark and an
//        8-byte block between used ones: realloc of it to 512 bytes (it moves:
//        X is the only fit), then free, then alloc(8) (back into its old place).
// ns_per_op is per operation (each iteration runs two, or three).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench_support.hpp"
#include "smh/heap.hpp"

namespace {

using smh::bench::BenchHeap;

// The heap of BM_WorstOp_OneFitAmongNearMisses; returns X, and in *walled an
// 8-byte block whose neighbours are both used.
void* near_misses(smh::Heap& heap, std::size_t count, void** walled) {
  void* x = heap.alloc(512);
  heap.alloc(8);
  for (std::size_t i = 0; i < count; ++i) {
    heap.alloc(504);
    heap.alloc(8);
  }
  std::vector<void*> holes;
  // Re-walk: the 504-byte blocks are every other block after the first two.
  heap.walk([&](const smh::BlockInfo& block) {
    if (block.used && block.requested_bytes == 504) {
      holes.push_back(static_cast<unsigned char*>(heap.base()) + block.payload_offset_bytes);
    }
  });
  *walled = heap.alloc(8);
  const std::size_t rest = heap.stats().largest_free_block_bytes;
  if (rest > smh::Heap::header_bytes) {
    heap.alloc(rest - smh::Heap::header_bytes);
  }
  heap.free(x);
  for (void* hole : holes) {
    heap.free(hole);
  }
  return x;
}

// The counters every benchmark here reports: time per operation and the number
// of free blocks the state holds.
void report(benchmark::State& state, const smh::Heap& heap, double ops_per_iteration) {
  state.counters["ns_per_op"] = smh::bench::time_per_event(ops_per_iteration);
  state.counters["free_blocks"] = static_cast<double>(heap.stats().free_block_count);
}

// Times `allocate` (one allocation) and the free of its block.
template <class Allocate>
void time_alloc_and_free(benchmark::State& state, smh::Heap& heap, Allocate&& allocate) {
  for (auto _ : state) {
    void* p = allocate();
    benchmark::DoNotOptimize(p);
    heap.free(p);
  }
  report(state, heap, 2);
}

void BM_WorstOp_OneFitAmongNearMisses(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  BenchHeap region(count * 540 + (64u << 10));
  smh::Heap& heap = region.heap();
  void* walled = nullptr;
  near_misses(heap, count, &walled);
  time_alloc_and_free(state, heap, [&heap] { return heap.alloc(512); });
}
BENCHMARK(BM_WorstOp_OneFitAmongNearMisses)->RangeMultiplier(10)->Range(10, 100'000);

void BM_WorstOp_AlignedAmongMisfits(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  BenchHeap region(count * 48 + (1u << 20));
  smh::Heap& heap = region.heap();
  std::vector<void*> holes;
  for (std::size_t i = 0; i < count; ++i) {
    void* p = heap.alloc(16);
    heap.alloc(8);
    if (reinterpret_cast<std::uintptr_t>(p) % 4096 != 0) {
      holes.push_back(p);
    }
  }
  for (void* hole : holes) {
    heap.free(hole);
  }
  time_alloc_and_free(state, heap, [&heap] { return heap.aligned_alloc(4096, 8); });
}
BENCHMARK(BM_WorstOp_AlignedAmongMisfits)->RangeMultiplier(10)->Range(10, 100'000);

void BM_WorstOp_ReallocMove(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  BenchHeap region(count * 540 + (64u << 10));
  smh::Heap& heap = region.heap();
  void* walled = nullptr;
  void* x = near_misses(heap, count, &walled);
  for (auto _ : state) {
    void* moved = heap.realloc(walled, 512);
    benchmark::DoNotOptimize(moved);
    heap.free(moved);
    walled = heap.alloc(8);
  }
  if (heap.realloc(walled, 512) != x) {
    state.SkipWithError("the realloc did not move the block into X");
  }
  report(state, heap, 3);
}
BENCHMARK(BM_WorstOp_ReallocMove)->RangeMultiplier(10)->Range(10, 100'000);

}  // namespace
