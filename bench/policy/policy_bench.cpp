// smh_policy_bench — Google Benchmark: every region-selection policy replaying
// each workload on its machine, with what tuning needs as user counters.
//
//   smh_policy_bench [--machine=M.json --trace=T.jsonl[.zst]]... [--no-bundled]
//                    [--max-trace-ops=N] [Google Benchmark flags]
//
// Workloads: the bundled scenarios (their own machine and inline ops, listed in
// bundled_scenarios below) unless --no-bundled, and every --trace replayed on
// every --machine (a scenario file whose machine, seed and faults are used, its
// own ops and expectations not: as `smh replay --machine`). A trace is read
// into memory once, before timing (at most --max-trace-ops ops).
//
// One benchmark per workload and policy: policy_replay/<policy>/<workload>
// (the workload is the trace's path, or the bundled scenario's), labelled with
// the machine's path; `smh tune` reads the JSON (--benchmark_format=json or
// --benchmark_out=F) as it reads `smh compare` reports. Each iteration is one
// fast replay (ScenarioRunner, invariant checks off, as `smh compare` runs).
// Counters:
//   time_per_event     the iteration's time over its ops (the timing)
//   time_slowest_op    the slowest single op of one extra replay, op by op, in
//                      seconds of the thread's CPU time (thread_cpu_clock.hpp:
//                      a wall clock counted preemption by other processes;
//                      the clock read, a few hundred ns, is in it)
//   and policy_counters.hpp's figures: failed allocations, footprint and its
//   overhead (run, per region, per attribute), allocations, failures and
//   spill per region, F_ext p50/p95/max over the fragmentation samples (run
//   and per region), search length (heaps searched per request) mean and max.
// Every counter but the time_* ones is a function of the inputs: identical from
// run to run (bench/policy/determinism_test.cmake checks it).
//
// Bad input (an unreadable machine or trace, an invalid op, an unknown flag):
// the error on stderr and exit 2.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "policy_counters.hpp"
#include "thread_cpu_clock.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/scenario_runner.hpp"
#include "smh/sim/trace.hpp"

namespace {

using smh::Policy;
namespace sim = smh::sim;

// Relative to the source tree: a multi-attribute workload over seven regions
// (two or three per attribute, size_threshold roles), and a DMA ring over three.
constexpr const char* bundled_scenarios[] = {
    "scenarios/policies/multi_attribute_first_fit.json",
    "scenarios/network_dma_ring.json",
};

constexpr std::uint64_t default_max_trace_ops = 20'000'000;

struct Workload {
  std::string name;          // in the benchmark's name: the trace, or the bundled scenario
  std::string machine_path;  // the benchmark's label
  std::string trace_path;    // empty for a bundled scenario
  sim::Scenario scenario;    // the machine, and the ops in memory
};

// Set by a benchmark that met bad input (an op the executor refuses): main exits 2.
bool bad_input_met = false;

int bad_input(const std::string& message) {
  std::fprintf(stderr, "smh_policy_bench: %s\n", message.c_str());
  return 2;
}

bool load_machine(const std::string& path, sim::Scenario* out, std::string* error) {
  sim::ScenarioError scenario_error;
  if (!sim::load_scenario_file(path, out, &scenario_error)) {
    *error = scenario_error.to_string();
    return false;
  }
  out->expect = sim::Expectations{};  // a benchmark reports figures; it judges nothing
  return true;
}

// The machine of machine_path with the ops of trace_path in memory.
bool load_trace_workload(const std::string& machine_path, const std::string& trace_path, std::uint64_t max_ops,
                         Workload* out, std::string* error) {
  if (!load_machine(machine_path, &out->scenario, error)) {
    return false;
  }
  out->scenario.ops.clear();
  out->scenario.trace.reset();
  sim::TraceError trace_error;
  auto reader = sim::TraceReader::open(trace_path, out->scenario.machine.pool.mode, &trace_error);
  if (!reader) {
    *error = trace_error.to_string();
    return false;
  }
  sim::Op op;
  while (reader->next(&op, &trace_error)) {
    if (out->scenario.ops.size() == max_ops) {
      *error = trace_path + ": more than " + std::to_string(max_ops) +
               " ops (raise the limit with --max-trace-ops)";
      return false;
    }
    out->scenario.ops.push_back(op);
  }
  if (!trace_error.message.empty()) {
    *error = trace_error.to_string();
    return false;
  }
  out->name = trace_path;
  out->machine_path = machine_path;
  out->trace_path = trace_path;
  return true;
}

// The slowest single op of one replay, op by op, in seconds of the thread's
// CPU time (not wall time: preemption is not the op's); -1 if the
// executor refused the machine or an op (*error set).
double slowest_op_seconds(const sim::Scenario& scenario, Policy policy, std::string* error) {
  sim::MachineConfig machine = scenario.machine;
  machine.pool.policy = policy;
  sim::ExecutorOptions options;
  options.check_invariants = false;
  options.keep_events = false;
  options.faults = scenario.faults;
  options.cache_noise_ppm = scenario.cache_noise_ppm;
  auto executor = sim::Executor::create(machine, options, scenario.seed, error);
  if (!executor) {
    return -1;
  }
  std::uint64_t slowest = 0;
  for (const sim::Op& op : scenario.ops) {
    const std::uint64_t start = smh::bench::thread_cpu_ns();
    const bool applied = executor->apply(op, error);
    const std::uint64_t took = smh::bench::thread_cpu_ns() - start;
    if (!applied) {
      return -1;
    }
    slowest = std::max(slowest, took);
    if (executor->halted()) {
      break;
    }
  }
  return static_cast<double>(slowest) * 1e-9;
}

void run_policy(benchmark::State& state, const Workload& workload, Policy policy) {
  sim::RunnerOptions options;
  options.overrides.policy = policy;
  options.check_invariants = false;
  options.max_samples = 1024;
  std::unique_ptr<sim::ScenarioOutcome> outcome;
  for (auto _ : state) {
    outcome = std::make_unique<sim::ScenarioOutcome>(
        sim::run_scenario(workload.scenario, workload.machine_path, 0, options));
    benchmark::DoNotOptimize(outcome->summary.digest);
  }
  if (!outcome || outcome->verdict == sim::Verdict::bad_input || outcome->verdict == sim::Verdict::crashed) {
    std::string why = outcome ? outcome->error : "no iteration ran";
    if (outcome && !workload.trace_path.empty()) {
      // The ops ran from memory, so the error names them as the machine's
      // inline ops: replaying from the file names the trace's line instead.
      why = sim::replay_trace(workload.machine_path, workload.trace_path, options).error;
    }
    bad_input_met = true;
    std::fprintf(stderr, "smh_policy_bench: %s under %s: %s\n", workload.name.c_str(), smh::to_string(policy),
                 why.c_str());
    state.SkipWithError(why.c_str());
    return;
  }
  std::string error;
  const double slowest = slowest_op_seconds(workload.scenario, policy, &error);
  if (slowest < 0) {
    bad_input_met = true;
    std::fprintf(stderr, "smh_policy_bench: %s under %s: %s\n", workload.name.c_str(), smh::to_string(policy),
                 error.c_str());
    state.SkipWithError(error.c_str());
    return;
  }
  state.SetLabel(workload.machine_path);
  state.counters["time_per_event"] = benchmark::Counter(
      static_cast<double>(outcome->summary.ops),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["time_slowest_op"] = slowest;
  for (const auto& [name, value] : smh::bench::policy_counters(*outcome)) {
    state.counters[name] = value;
  }
}

// "--name=value": the value; nullptr when `arg` is another flag.
const char* flag_value(const char* arg, const char* name) {
  const std::size_t length = std::strlen(name);
  return std::strncmp(arg, name, length) == 0 && arg[length] == '=' ? arg + length + 1 : nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  // Our flags out of argv first; Google Benchmark takes the rest.
  std::vector<std::string> machines;
  std::vector<std::string> traces;
  bool bundled = true;
  std::uint64_t max_trace_ops = default_max_trace_ops;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (const char* value = flag_value(argv[i], "--machine")) {
      machines.emplace_back(value);
    } else if (const char* value = flag_value(argv[i], "--trace")) {
      traces.emplace_back(value);
    } else if (const char* value = flag_value(argv[i], "--max-trace-ops")) {
      char* end = nullptr;
      max_trace_ops = std::strtoull(value, &end, 10);
      if (*value < '0' || *value > '9' || *end != '\0' || max_trace_ops == 0) {
        return bad_input(std::string("--max-trace-ops: '") + value + "' is not a positive whole number");
      }
    } else if (std::strcmp(argv[i], "--no-bundled") == 0) {
      bundled = false;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 2;
  }
  if (traces.empty() != machines.empty()) {
    return bad_input(traces.empty() ? "--machine given without --trace: name the traces to replay on it"
                                    : "--trace given without --machine: name the machine to replay it on");
  }

  std::vector<std::unique_ptr<Workload>> workloads;
  std::string error;
  if (bundled) {
    for (const char* relative : bundled_scenarios) {
      auto workload = std::make_unique<Workload>();
      workload->name = relative;
      workload->machine_path = std::string(SMH_SOURCE_DIR) + "/" + relative;
      if (!load_machine(workload->machine_path, &workload->scenario, &error)) {
        return bad_input("bundled scenario: " + error);
      }
      workloads.push_back(std::move(workload));
    }
  }
  for (const std::string& machine : machines) {
    for (const std::string& trace : traces) {
      auto workload = std::make_unique<Workload>();
      if (!load_trace_workload(machine, trace, max_trace_ops, workload.get(), &error)) {
        return bad_input(error);
      }
      workloads.push_back(std::move(workload));
    }
  }
  if (workloads.empty()) {
    return bad_input("no workloads (--no-bundled and no --trace)");
  }
  for (const auto& workload : workloads) {
    for (std::size_t index = 0; index < smh::policy_count; ++index) {
      const auto policy = static_cast<Policy>(index);
      const Workload* one = workload.get();
      benchmark::RegisterBenchmark(
          ("policy_replay/" + std::string(smh::to_string(policy)) + "/" + workload->name).c_str(),
          [one, policy](benchmark::State& state) { run_policy(state, *one, policy); })
          ->Unit(benchmark::kMillisecond);
    }
  }
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (ran == 0) {
    return bad_input("no benchmark matches --benchmark_filter");
  }
  return bad_input_met ? 2 : 0;
}
