// Google Benchmark: `smh replay` end to end (issue 16's targets: 2 M ops/s with
// every check on, 5 M ops/s with checks off), from the trace file as given
// (zstd or plain) and a machine file, through sim::replay_trace as the CLI
// calls it: reading the machine, building it, decompressing, parsing, the
// Executor, the end-of-run checks and the outcome. Only printing is left out.
//
//   BM_TraceFileReplay/<trace>/<machine>/checked    every check on (default cadence)
//   BM_TraceFileReplay/<trace>/<machine>/unchecked  --no-checks
//
// <machine> is each machine file found beside the trace, named
// <trace>_<machine>.json for <machine> in 1r_150 (one region at 1.5x the peak
// of live bytes), 1r_080 and 3r_080 (0.8x: many allocations fail), as
// /work/traces holds them (its README says how they were made). A trace
// without machine files registers nothing here (bench_smoke's generated trace
// has none: BM_TraceMachine replays it).
// Counters: items_per_second (ops per second, the trace's op count), ops,
// failed_allocs.
//
//   SMH_BENCH_TRACES=/work/traces/tool.jsonl.zst build/release/bench/smh_bench
//     --benchmark_filter=TraceFileReplay --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "bench_traces.hpp"
#include "smh/sim/scenario_runner.hpp"

namespace {

void BM_TraceFileReplay(benchmark::State& state, const std::string& machine_path, const std::string& trace_path,
                        bool checks) {
  smh::sim::RunnerOptions options;
  options.check_invariants = checks;
  std::uint64_t ops = 0;
  std::uint64_t failed = 0;
  for (auto _ : state) {
    const smh::sim::ScenarioOutcome outcome = smh::sim::replay_trace(machine_path, trace_path, options);
    if (outcome.verdict == smh::sim::Verdict::bad_input) {
      state.SkipWithError(outcome.error.c_str());
      return;
    }
    ops = outcome.summary.ops;
    failed = outcome.summary.failed_allocs;
    benchmark::DoNotOptimize(outcome.summary.digest);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops));
  state.counters["ops"] = static_cast<double>(ops);
  state.counters["failed_allocs"] = static_cast<double>(failed);
}

[[maybe_unused]] const bool trace_file_benchmarks_registered = [] {
  const smh::bench::BenchTraceList& list = smh::bench::bench_traces();
  if (!list.error.empty()) {
    return false;  // BM_RealTrace/error reports it
  }
  bool any = false;
  for (const smh::bench::BenchTrace& trace : list.traces) {
    const std::filesystem::path folder = std::filesystem::path(trace.path).parent_path();
    for (const char* machine : {"1r_150", "1r_080", "3r_080"}) {
      const std::string machine_path = (folder / (trace.name + "_" + machine + ".json")).string();
      std::error_code ignored;
      if (!std::filesystem::is_regular_file(machine_path, ignored)) {
        continue;
      }
      const std::string prefix = "BM_TraceFileReplay/" + trace.name + "/" + machine + "/";
      for (const bool checks : {true, false}) {
        benchmark::RegisterBenchmark((prefix + (checks ? "checked" : "unchecked")).c_str(), BM_TraceFileReplay,
                                     machine_path, trace.path, checks)
            ->Unit(benchmark::kMillisecond);
        any = true;
      }
    }
  }
  return any;
}();

}  // namespace
