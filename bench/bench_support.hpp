// Helpers shared by the benchmark sources (one smh_bench binary; heap_bench.cpp
// holds its main()).
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdlib>
#include <memory>

#include "smh/heap.hpp"

namespace smh::bench {

// Page-aligned (4096) memory owned by a benchmark, for heaps and pool regions.
class AlignedBuffer {
 public:
  static constexpr std::size_t alignment = 4096;

  explicit AlignedBuffer(std::size_t size_bytes)
      // aligned_alloc wants a size that is a multiple of the alignment.
      : memory_(static_cast<unsigned char*>(
            std::aligned_alloc(alignment, (size_bytes + alignment - 1) / alignment * alignment))),
        size_bytes_(size_bytes) {
    if (memory_ == nullptr) {
      std::abort();
    }
  }
  [[nodiscard]] unsigned char* data() const { return memory_.get(); }
  [[nodiscard]] std::size_t size() const { return size_bytes_; }

 private:
  struct FreeDeleter {
    void operator()(unsigned char* p) const { std::free(p); }
  };
  std::unique_ptr<unsigned char, FreeDeleter> memory_;
  std::size_t size_bytes_;
};

// A heap over a page-aligned region owned by the benchmark.
class BenchHeap {
 public:
  explicit BenchHeap(std::size_t region_bytes) : memory_(region_bytes) {
    if (heap_.init(memory_.data(), region_bytes) != Status::ok) {
      std::abort();
    }
  }
  Heap& heap() { return heap_; }

 private:
  AlignedBuffer memory_;
  Heap heap_;
};

// A counter reporting seconds per event (shown as e.g. "35.2n", i.e. ns) when
// each iteration performs `events_per_iteration` events.
inline benchmark::Counter time_per_event(double events_per_iteration) {
  return benchmark::Counter(events_per_iteration,
                            benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace smh::bench
