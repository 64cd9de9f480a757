// Google Benchmark: the core against glibc malloc on real allocation traces.
//
//   BM_RealTrace/<trace>/smh     smh::Heap::alloc/realloc/free over one region
//   BM_RealTrace/<trace>/glibc   the same events through malloc/realloc/free
//
// Traces are named at run time (bench_traces.hpp: SMH_BENCH_TRACES, a
// ':'-separated list of trace files; <trace> is a file name up to its first '.').
// Each trace is decoded ahead of time into events on dense slots (nothing is
// parsed while timed); the smh region is 4x the trace's peak of live requested
// bytes, rounded up to 64 KiB, and re-initialised before every iteration
// (untimed); glibc keeps its own heap between iterations, as programs do. What a
// trace leaves live is freed after each iteration (untimed). Counters:
// ns_per_event, events, and failed_allocs (must be 0: the region is roomy).
//
// Run both rows of a trace in one process with interleaved repetitions and
// compare medians: the smh / glibc ratio is the figure to report, e.g.
//   SMH_BENCH_TRACES=/path/short.jsonl.zst:/path/vcs.jsonl.zst
//   build/release/bench/smh_bench --benchmark_filter=RealTrace
//     --benchmark_repetitions=11 --benchmark_enable_random_interleaving=true
//     --benchmark_report_aggregates_only=true
// (one command line).
//
// Bad input stops the benchmark with the reader's error (file:line:col, op
// index). Every trace is bounded: at most SMH_BENCH_TRACE_MAX_EVENTS events
// (default 50,000,000) and slots; a trace past it is refused with the limit named.
// Without SMH_BENCH_TRACES nothing is registered, except under ctest's
// bench_smoke, which replays a small generated trace (bench_traces.hpp).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "bench_traces.hpp"
#include "real_trace_events.hpp"
#include "smh/heap.hpp"

namespace {

using smh::bench::TraceEvent;
using smh::bench::TraceEvents;

struct SmhAllocator {
  smh::Heap* heap;
  void* alloc(std::size_t size_bytes) { return heap->alloc(size_bytes); }
  void* realloc(void* ptr, std::size_t size_bytes) { return heap->realloc(ptr, size_bytes); }
  void free(void* ptr) { heap->free(ptr); }
};

struct GlibcAllocator {
  void* alloc(std::size_t size_bytes) { return std::malloc(size_bytes); }
  void* realloc(void* ptr, std::size_t size_bytes) { return std::realloc(ptr, size_bytes); }
  void free(void* ptr) { std::free(ptr); }
};

void report(benchmark::State& state, const TraceEvents& trace, std::uint64_t failed) {
  const auto events = static_cast<double>(trace.events.size());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(trace.events.size()));
  state.counters["ns_per_event"] = smh::bench::time_per_event(events);
  state.counters["events"] = events;
  state.counters["failed_allocs"] = static_cast<double>(failed);
}

void BM_RealTraceSmh(benchmark::State& state, std::shared_ptr<const TraceEvents> trace) {
  const std::size_t region_bytes = smh::bench::roomy_region_bytes(*trace);
  smh::bench::AlignedBuffer memory(region_bytes);
  std::vector<void*> slots(trace->slot_count, nullptr);
  std::uint64_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    smh::Heap heap;
    if (heap.init(memory.data(), region_bytes) != smh::Status::ok) {
      state.SkipWithError("smh::Heap::init refused the benchmark's region");
      return;
    }
    SmhAllocator allocator{&heap};
    state.ResumeTiming();
    failed += smh::bench::replay_events(allocator, *trace, slots);
    state.PauseTiming();
    for (void*& slot : slots) {
      slot = nullptr;  // the heap goes away with its region's contents
    }
    state.ResumeTiming();
  }
  report(state, *trace, failed);
}

void BM_RealTraceGlibc(benchmark::State& state, std::shared_ptr<const TraceEvents> trace) {
  std::vector<void*> slots(trace->slot_count, nullptr);
  GlibcAllocator allocator;
  std::uint64_t failed = 0;
  for (auto _ : state) {
    failed += smh::bench::replay_events(allocator, *trace, slots);
    state.PauseTiming();
    for (void*& slot : slots) {
      std::free(slot);
      slot = nullptr;
    }
    state.ResumeTiming();
  }
  report(state, *trace, failed);
}

void BM_RealTraceError(benchmark::State& state, const std::string& error) {
  for (auto _ : state) {
  }
  state.SkipWithError(error.c_str());
}

void register_trace(const smh::bench::BenchTrace& bench_trace) {
  const std::shared_ptr<const smh::bench::DecodedTrace> decoded = smh::bench::decoded_trace(bench_trace);
  const std::string& name = bench_trace.name;
  if (!decoded->error.empty()) {
    benchmark::RegisterBenchmark(("BM_RealTrace/" + name + "/error").c_str(), BM_RealTraceError, decoded->error);
    return;
  }
  const std::shared_ptr<const TraceEvents> trace(decoded, &decoded->events);
  benchmark::RegisterBenchmark(("BM_RealTrace/" + name + "/smh").c_str(), BM_RealTraceSmh, trace)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("BM_RealTrace/" + name + "/glibc").c_str(), BM_RealTraceGlibc, trace)
      ->Unit(benchmark::kMillisecond);
}

[[maybe_unused]] const bool real_trace_benchmarks_registered = [] {
  const smh::bench::BenchTraceList& list = smh::bench::bench_traces();
  if (!list.error.empty()) {
    benchmark::RegisterBenchmark("BM_RealTrace/error", BM_RealTraceError, list.error);
    return false;
  }
  for (const smh::bench::BenchTrace& trace : list.traces) {
    register_trace(trace);
  }
  return !list.traces.empty();
}();

}  // namespace
