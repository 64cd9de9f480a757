// Google Benchmark: the core against glibc malloc on real allocation traces.
//
//   BM_RealTrace/<trace>/smh     smh::Heap::alloc/realloc/free over one region
//   BM_RealTrace/<trace>/glibc   the same events through malloc/realloc/free
//
// Traces of real programs never enter the repository, so they are named at run
// time: SMH_BENCH_TRACES is a ':'-separated list of smh trace files (JSON Lines,
// plain or zstd: docs/scenario-format.md), for example the heaptrack captures
// `smh import` turns into traces. <trace> is the file name up to its first '.'.
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
// bench_smoke, which replays a small generated trace (SmokeTrace below).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include <filesystem>

#include "bench_support.hpp"
#include "real_trace_events.hpp"
#include "smh/heap.hpp"
#include "smh/sim/workload.hpp"

namespace {

using smh::bench::TraceEvent;
using smh::bench::TraceEvents;

// Replays the events through `Allocator` (alloc, realloc, free on slots).
// Returns the failed allocations and reallocs.
template <class Allocator>
std::uint64_t replay(Allocator& allocator, const TraceEvents& trace, std::vector<void*>& slots) {
  std::uint64_t failed = 0;
  for (const TraceEvent& event : trace.events) {
    void*& slot = slots[event.slot];
    switch (event.kind) {
      case TraceEvent::Kind::alloc:
        slot = allocator.alloc(event.size_bytes);
        failed += slot == nullptr ? 1u : 0u;
        break;
      case TraceEvent::Kind::realloc: {
        void* moved = allocator.realloc(slot, event.size_bytes);
        if (moved != nullptr) {
          slot = moved;
        } else {
          ++failed;
        }
        break;
      }
      case TraceEvent::Kind::free:
        allocator.free(slot);
        slot = nullptr;
        break;
    }
  }
  return failed;
}

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
    failed += replay(allocator, *trace, slots);
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
    failed += replay(allocator, *trace, slots);
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

// Under ctest's bench_smoke (SMH_BENCH_SMOKE set, no SMH_BENCH_TRACES): a small
// generated trace of plain requests, written to the temp folder and removed at
// exit, so that decoding and both rows keep running in CI.
class SmokeTrace {
 public:
  SmokeTrace() {
    smh::sim::WorkloadConfig workload;
    workload.op_count = 20'000;
    workload.aligned_per_mille = 0;  // the benchmark replays plain requests
    const std::vector<smh::sim::Op> ops = smh::sim::generate_workload(workload, 0x5EED'0012);
    path_ = (std::filesystem::temp_directory_path() /
             ("smh_real_trace_smoke_" + std::to_string(::getpid()) + ".jsonl"))
                .string();
    auto writer = smh::sim::TraceWriter::create(path_, false, &error_);
    for (std::size_t index = 0; writer && index < ops.size() && error_.empty(); ++index) {
      writer->write(ops[index], &error_);
    }
    if (writer && error_.empty()) {
      writer->close(&error_);
    }
  }
  ~SmokeTrace() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  SmokeTrace(const SmokeTrace&) = delete;
  SmokeTrace& operator=(const SmokeTrace&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& error() const { return error_; }  // empty: written

 private:
  std::string path_;
  std::string error_;
};

void register_trace(const std::string& name, const std::string& path, std::uint64_t max_events) {
  std::string error;
  auto trace = std::make_shared<const TraceEvents>(smh::bench::decode_trace(path, max_events, &error));
  if (!error.empty()) {
    benchmark::RegisterBenchmark(("BM_RealTrace/" + name + "/error").c_str(), BM_RealTraceError, error);
    return;
  }
  benchmark::RegisterBenchmark(("BM_RealTrace/" + name + "/smh").c_str(), BM_RealTraceSmh, trace)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(("BM_RealTrace/" + name + "/glibc").c_str(), BM_RealTraceGlibc, trace)
      ->Unit(benchmark::kMillisecond);
}

[[maybe_unused]] const bool real_trace_benchmarks_registered = [] {
  const char* list = std::getenv("SMH_BENCH_TRACES");
  if (list == nullptr) {
    if (std::getenv("SMH_BENCH_SMOKE") != nullptr) {
      static const SmokeTrace smoke;
      if (!smoke.error().empty()) {
        benchmark::RegisterBenchmark("BM_RealTrace/smoke/error", BM_RealTraceError, smoke.error());
        return false;
      }
      register_trace("smoke", smoke.path(), smh::bench::default_trace_event_limit);
    }
    return false;
  }
  std::string limit_error;
  const std::uint64_t max_events =
      smh::bench::trace_event_limit(std::getenv("SMH_BENCH_TRACE_MAX_EVENTS"), &limit_error);
  if (max_events == 0) {
    benchmark::RegisterBenchmark("BM_RealTrace/error", BM_RealTraceError, limit_error);
    return false;
  }
  const std::string paths = list;
  std::size_t begin = 0;
  while (begin <= paths.size()) {
    std::size_t end = paths.find(':', begin);
    end = end == std::string::npos ? paths.size() : end;
    if (end > begin) {
      const std::string path = paths.substr(begin, end - begin);
      register_trace(smh::bench::trace_name(path), path, max_events);
    }
    begin = end + 1;
  }
  return true;
}();

}  // namespace
