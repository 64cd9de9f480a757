// Google Benchmark: real traces on machines that fit them, and on machines too
// small for them, through the raw pool and through the simulator (issue 16).
//
//   BM_TraceMachine/<trace>/<fit>/pool       smh::BasicPool alloc/realloc/free
//   BM_TraceMachine/<trace>/<fit>/unchecked  the Executor, checks off
//   BM_TraceMachine/<trace>/<fit>/checked    the Executor, every check on (the
//                                            periodic validation at its default
//                                            cadence, and the end-of-run checks)
//
// <fit> is the machine: one write-back cacheable region of 150 % or 80 % of the
// trace's peak of live requested bytes (rounded up to 4 KiB), as the machine
// files beside the traces; at 80 % many allocations fail, and each failure is
// judged by NO_FALSE_OOM in the checked row. The three rows replay the same
// events (real_trace_events.hpp: each trace decoded once, ahead of time, onto
// dense slots; the Executor's handle is the slot), so pool against unchecked
// is the simulator's own cost, and unchecked against checked the checks'.
// Counters: items_per_second (events per second), ns_per_event, failed_allocs
// (per replay). Setting up a pool or an Executor is not timed.
//
// Traces are named at run time (bench_traces.hpp: SMH_BENCH_TRACES); without
// it only bench_smoke's small generated trace is registered, under ctest. E.g.
//   SMH_BENCH_TRACES=/work/traces/compiler.jsonl.zst:/work/traces/tool.jsonl.zst
//   build/release/bench/smh_bench --benchmark_filter=TraceMachine
//     --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "bench_traces.hpp"
#include "real_trace_events.hpp"
#include "smh/pool.hpp"
#include "smh/sim/executor.hpp"

namespace {

using smh::bench::TraceEvent;
using smh::bench::TraceEvents;

constexpr std::uint64_t region_base = 0x1000'0000;
constexpr std::uint32_t request_attr = 0;  // what `smh import` gives every request

// The machine's one region: percent of the trace's peak, rounded up to 4 KiB.
std::uint64_t region_bytes(const TraceEvents& trace, unsigned percent) {
  constexpr std::uint64_t step = 4096;
  const std::uint64_t bytes = (trace.peak_live_bytes * percent / 100 + step - 1) / step * step;
  return std::max(bytes, step);
}

void report(benchmark::State& state, const TraceEvents& trace, std::uint64_t failed) {
  const auto events = static_cast<double>(trace.events.size());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(trace.events.size()));
  state.counters["ns_per_event"] = smh::bench::time_per_event(events);
  state.counters["failed_allocs"] =
      state.iterations() == 0 ? 0.0 : static_cast<double>(failed) / static_cast<double>(state.iterations());
}

struct PoolAllocator {
  smh::BasicPool<1>* pool;
  void* alloc(std::size_t size_bytes) { return pool->alloc(request_attr, size_bytes); }
  void* realloc(void* ptr, std::size_t size_bytes) { return pool->realloc(request_attr, ptr, size_bytes); }
  void free(void* ptr) { pool->free(ptr); }
};

void BM_TraceMachinePool(benchmark::State& state, std::shared_ptr<const TraceEvents> trace, unsigned percent) {
  const std::uint64_t bytes = region_bytes(*trace, percent);
  smh::bench::AlignedBuffer memory(bytes);
  std::vector<void*> slots(trace->slot_count, nullptr);
  std::uint64_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto pool = std::make_unique<smh::BasicPool<1>>();
    smh::RegionConfig region;
    region.address = reinterpret_cast<std::uintptr_t>(memory.data());
    region.size_bytes = bytes;
    region.attr = request_attr;
    if (pool->init() != smh::Status::ok || pool->add(region) != smh::Status::ok) {
      state.SkipWithError("the pool refused the benchmark's region");
      return;
    }
    PoolAllocator allocator{pool.get()};
    state.ResumeTiming();
    failed += smh::bench::replay_events(allocator, *trace, slots);
    state.PauseTiming();
    std::fill(slots.begin(), slots.end(), nullptr);  // the pool goes away with its region's contents
    state.ResumeTiming();
  }
  report(state, *trace, failed);
}

// The events as ops, a chunk at a time (as the replay driver feeds them).
bool apply_events(smh::sim::Executor& executor, const TraceEvents& trace, std::string* error) {
  constexpr std::size_t chunk_ops = 256;
  std::vector<smh::sim::Op> chunk;
  chunk.reserve(chunk_ops);
  for (std::size_t begin = 0; begin < trace.events.size(); begin += chunk_ops) {
    chunk.clear();
    for (std::size_t index = begin; index < std::min(begin + chunk_ops, trace.events.size()); ++index) {
      const TraceEvent& event = trace.events[index];
      smh::sim::Op op;
      op.kind = event.kind == TraceEvent::Kind::alloc     ? smh::sim::OpKind::alloc
                : event.kind == TraceEvent::Kind::realloc ? smh::sim::OpKind::realloc
                                                          : smh::sim::OpKind::free;
      op.handle = event.slot;
      op.attr = request_attr;
      op.size_bytes = event.size_bytes;
      chunk.push_back(op);
    }
    if (!executor.apply_all(chunk, error)) {
      return false;
    }
  }
  executor.finish();
  return true;
}

void BM_TraceMachineExecutor(benchmark::State& state, std::shared_ptr<const TraceEvents> trace, unsigned percent,
                             bool checks) {
  smh::sim::MachineConfig machine;
  machine.regions = {{"r0", region_base, region_bytes(*trace, percent), request_attr,
                      smh::sim::CachePolicy::write_back, 32, false, false}};
  smh::sim::ExecutorOptions options;
  options.check_invariants = checks;
  options.keep_events = false;  // as smh replay: the digest still covers every outcome
  std::uint64_t failed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string error;
    std::unique_ptr<smh::sim::Executor> executor = smh::sim::Executor::create(machine, options, 1, &error);
    if (!executor) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.ResumeTiming();
    if (!apply_events(*executor, *trace, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    state.PauseTiming();
    failed += executor->summary().failed_allocs;
    benchmark::DoNotOptimize(executor->digest());
    executor.reset();
    state.ResumeTiming();
  }
  report(state, *trace, failed);
}

void BM_TraceMachineError(benchmark::State& state, const std::string& error) {
  for (auto _ : state) {
  }
  state.SkipWithError(error.c_str());
}

void register_trace(const smh::bench::BenchTrace& bench_trace) {
  const std::shared_ptr<const smh::bench::DecodedTrace> decoded = smh::bench::decoded_trace(bench_trace);
  const std::string prefix = "BM_TraceMachine/" + bench_trace.name + "/";
  if (!decoded->error.empty()) {
    benchmark::RegisterBenchmark((prefix + "error").c_str(), BM_TraceMachineError, decoded->error);
    return;
  }
  const std::shared_ptr<const TraceEvents> trace(decoded, &decoded->events);
  for (const unsigned percent : {150u, 80u}) {
    const std::string fit = prefix + (percent < 100 ? "0" : "") + std::to_string(percent) + "/";
    benchmark::RegisterBenchmark((fit + "pool").c_str(), BM_TraceMachinePool, trace, percent)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((fit + "unchecked").c_str(), BM_TraceMachineExecutor, trace, percent, false)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((fit + "checked").c_str(), BM_TraceMachineExecutor, trace, percent, true)
        ->Unit(benchmark::kMillisecond);
  }
}

[[maybe_unused]] const bool trace_machine_benchmarks_registered = [] {
  const smh::bench::BenchTraceList& list = smh::bench::bench_traces();
  if (!list.error.empty()) {
    return false;  // BM_RealTrace/error reports it
  }
  for (const smh::bench::BenchTrace& trace : list.traces) {
    register_trace(trace);
  }
  return !list.traces.empty();
}();

}  // namespace
