// The scenario runner: loading, overrides, the op loop, the verdict.
#include "smh/sim/scenario_runner.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <utility>

#include "scenario_runner_internal.hpp"
#include "smh/sim/bounded_file.hpp"
#include "smh/sim/digest.hpp"
#include "smh/sim/expectations.hpp"
#include "number_text.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/sim_assert.hpp"
#include "smh/sim/trace.hpp"

namespace smh::sim {

namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t hash_bytes(const std::string& text) {
  Digest digest;
  digest.add_text(text);
  return digest.value();
}

// Parses the file; fills outcome->inputs.scenario_hash and outcome->error.
bool load(const std::string& path, std::uint64_t max_bytes, Scenario* scenario, ScenarioOutcome* outcome,
          ScenarioUse use) {
  std::string text;
  if (!read_bounded_file(path, max_bytes, &text, &outcome->error)) {
    outcome->error = path + ": " + outcome->error;
    return false;
  }
  outcome->inputs.scenario_hash = hash_bytes(text);
  ScenarioError error;
  if (!parse_scenario(text, path, scenario, &error, use)) {
    outcome->error = error.to_string();
    return false;
  }
  if (scenario->name.empty()) {
    scenario->name = std::filesystem::path(path).stem().string();
  }
  return true;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// load(), with anything thrown (resource exhaustion) turned into bad input and
// the time spent recorded when it fails.
bool load_guarded(const std::string& path, std::uint64_t max_bytes, Scenario* scenario, ScenarioOutcome* outcome,
                  Clock::time_point start, ScenarioUse use = ScenarioUse::run) {
  bool loaded = false;
  try {
    loaded = load(path, max_bytes, scenario, outcome, use);
  } catch (const std::exception& failure) {
    outcome->error = path + ": cannot read the file: " + failure.what();
  }
  if (!loaded) {
    outcome->wall_seconds = seconds_since(start);
  }
  return loaded;
}

// Applies the overrides to the run's inputs.
void take_inputs(const Scenario& scenario, const RunOverrides& overrides, RunInputs* inputs) {
  inputs->loaded = true;
  inputs->name = scenario.name;
  inputs->machine = scenario.machine;
  inputs->seed = overrides.seed.value_or(scenario.seed);
  inputs->seed_overridden = overrides.seed.has_value();
  inputs->swarm = scenario.swarm;
  // A swarm plan is a function of the seed: a new seed draws a new mix.
  inputs->faults = scenario.swarm && overrides.seed ? FaultPlan::swarm(*overrides.seed) : scenario.faults;
  inputs->cache_noise_ppm = scenario.cache_noise_ppm;
  if (overrides.policy) {
    // One policy for every attribute: the machine's per-attribute ones go too.
    inputs->machine.pool.policy = *overrides.policy;
    inputs->machine.attribute_policies.clear();
    inputs->policy_overridden = true;
  }
  if (overrides.attribute_policies) {
    inputs->machine.attribute_policies = *overrides.attribute_policies;
  }
  if (overrides.size_threshold_bytes) {
    inputs->machine.pool.size_threshold_bytes = static_cast<std::size_t>(*overrides.size_threshold_bytes);
  }
  inputs->expect = scenario.expect;
  inputs->inline_ops = scenario.ops.size();
  inputs->machine_at = scenario.machine_at;
  inputs->trace_at = scenario.trace_at;
}

// "s.json:3:14: $.machine: ": where an error about a part of the scenario that
// is found after parsing belongs ("s.json: $.machine: " when the position is
// unknown, as for a scenario built in code).
std::string placed(const RunInputs& inputs, const TextPosition& at, std::string_view json_path) {
  std::string out = inputs.scenario_path;
  if (at.line != 0) {
    out += ':' + std::to_string(at.line) + ':' + std::to_string(at.column);
  }
  return out + ": " + std::string(json_path) + ": ";
}

// An op error, placed: the op's JSON path in the scenario, or its trace line.
std::string op_error(const RunInputs& inputs, const detail::OpSource& source, std::uint64_t op_index,
                     const std::string& why) {
  return source.where(op_index) + ": " + why + " (seed " + std::to_string(inputs.seed) + ")";
}

// Every finding counts (the tally), also those not kept in full.
Verdict judge(const Expectations& expect, const FindingTally& tally, const std::vector<std::string>& unmet) {
  for (unsigned index = 0; index < check_count; ++index) {
    const auto check = static_cast<Check>(index);
    if (tally.of(check) != 0 && finding_unexpected(expect, check)) {
      return Verdict::invariant_broken;
    }
  }
  return unmet.empty() ? Verdict::pass : Verdict::expectation_failed;
}

// The Executor for the run: nullptr (outcome->error set) when the machine is
// bad input or could use more host memory than the budget allows.
std::unique_ptr<Executor> make_executor(const RunnerOptions& options, ScenarioOutcome* outcome) {
  RunInputs& inputs = outcome->inputs;
  if (const auto refusal = sim_memory_refusal(inputs.machine, 1, options.max_sim_memory_bytes)) {
    outcome->error = placed(inputs, inputs.machine_at, "$.machine") + *refusal;
    return nullptr;
  }
  ExecutorOptions executor_options;
  // Reports list findings, not events: without events a replay of any length
  // runs in constant memory, and the digest is the same.
  executor_options.keep_events = false;
  executor_options.check_invariants = options.check_invariants;
  executor_options.validate_every_ops = options.validate_every_ops;
  executor_options.validate_scales_with_blocks = options.validate_scales_with_blocks;
  executor_options.faults = inputs.faults;
  executor_options.cache_noise_ppm = inputs.cache_noise_ppm;
  executor_options.max_findings_kept = options.max_findings_kept;
  std::string error;
  std::unique_ptr<Executor> executor = Executor::create(inputs.machine, executor_options, inputs.seed, &error);
  if (!executor) {
    outcome->error = placed(inputs, inputs.machine_at, "$.machine") + error;
  }
  return executor;
}

// What the op loop keeps: the fragmentation samples, the request tally and the
// count of ops applied.
struct LoopState {
  detail::FragmentationSampler sampler;
  detail::RequestTally tally;
  std::uint64_t ops_done = 0;
  std::vector<RegionPeakMap> peak_maps;  // RunnerOptions::region_maps only
};

// A sample: the fragmentation series, and the maps of regions at a new peak.
void take_sample(const Executor& executor, const RunnerOptions& options, LoopState* state) {
  const RunSummary summary = executor.summary();
  state->sampler.add(state->ops_done, summary);
  if (options.region_maps) {
    update_peak_maps(executor, summary, state->ops_done, options.max_map_segments, &state->peak_maps);
  }
}

// The op loop: ops go to the Executor in chunks (apply_all prefetches a few ops
// ahead), cut at every sample and progress point. Returns false (*error set,
// positioned) on bad input; "" in *error when the source ran out or the
// Executor halted.
bool feed_ops(detail::OpSource& source, Executor& executor, const RunnerOptions& options, const RunInputs& inputs,
              LoopState* state, std::string* error) {
  const std::uint64_t progress_every = std::max<std::uint64_t>(options.progress_every_ops, 1);
  constexpr std::size_t chunk_ops = 256;
  std::vector<Op> buffer(chunk_ops);
  while (true) {
    const std::uint64_t next_progress = (state->ops_done / progress_every + 1) * progress_every;
    const std::uint64_t stop = std::min(state->sampler.next_due(state->ops_done), next_progress);
    SMH_SIM_ASSERT(stop > state->ops_done);
    const auto wanted = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_ops, stop - state->ops_done));
    const std::size_t got = source.next_ops(std::span<Op>(buffer.data(), wanted), error);
    const bool more = got == wanted;
    const std::span<const Op> chunk(buffer.data(), got);
    if (chunk.empty()) {
      return error->empty();
    }
    if (!executor.apply_all(chunk, error)) {
      // The Executor counts the ops it applied: the failed one is the next.
      *error = op_error(inputs, source, executor.ops_applied(), *error);
      return false;
    }
    // A halted run (the allocator failed an assertion or gave out memory outside
    // its region) applied only part of the chunk, and the rest of the ops is not
    // read: the run ends there, with its finding.
    const std::uint64_t applied = executor.ops_applied() - state->ops_done;
    for (std::size_t index = 0; index < applied; ++index) {
      state->tally.count(chunk[index]);
    }
    state->ops_done += applied;
    if (executor.halted()) {
      error->clear();
      return true;
    }
    if (state->sampler.due(state->ops_done)) {
      take_sample(executor, options, state);
    }
    if (options.on_progress && state->ops_done == next_progress) {
      options.on_progress(RunProgress{state->ops_done, source.ops_total(), source.fraction_done()});
    }
    if (!more) {
      // "" in *error: the ops ran out; else the trace itself (a bad line or an
      // I/O error, already positioned).
      return error->empty();
    }
  }
}

// The error a run stopped on, or, when the compressed frame of the trace that
// held it fails its check, that corruption, with the error it caused (issue 13,
// defect 9: damage mid-frame decoded to other ops, and the run blamed one).
std::string blame(detail::OpSource& source, const RunInputs& inputs, const std::string& error) {
  const std::string corruption = source.input_corruption();
  if (corruption.empty()) {
    return error;
  }
  return inputs.trace_path + ": " + corruption + " (found in the frame that held the text of this error, which " +
         "the damage made: " + error + ")";
}

// One run from its inputs to its outcome. Returns false (outcome->error set)
// on bad input.
bool execute(const std::vector<Op>& inline_ops, const RunnerOptions& options, ScenarioOutcome* outcome) {
  RunInputs& inputs = outcome->inputs;
  inputs.checks = options.check_invariants;
  std::unique_ptr<Executor> executor = make_executor(options, outcome);
  if (!executor) {
    return false;
  }
  std::string error;
  std::unique_ptr<detail::OpSource> source =
      inputs.trace_path.empty() ? detail::inline_op_source(inline_ops, inputs.scenario_path)
                                : detail::trace_op_source(inputs.trace_path, inputs.machine.pool.mode, &error);
  if (!source) {
    // A trace the scenario names: say which scenario and where it names it.
    outcome->error = inputs.replay ? error : placed(inputs, inputs.trace_at, "$.trace") + error;
    return false;
  }
  if (options.on_start) {
    options.on_start(inputs, *executor);
  }
  LoopState state{detail::FragmentationSampler(inputs.machine.regions.size(), options.max_samples), {}, 0, {}};
  take_sample(*executor, options, &state);
  if (!feed_ops(*source, *executor, options, inputs, &state, &error)) {
    outcome->error = blame(*source, inputs, error);
    return false;
  }
  executor->finish();
  outcome->summary = executor->summary();
  outcome->findings = executor->findings();
  outcome->injections = executor->injections();
  outcome->fragmentation = state.sampler.finish(state.ops_done, outcome->summary);
  if (options.region_maps && !executor->halted()) {  // the end is a sample too
    update_peak_maps(*executor, outcome->summary, state.ops_done, options.max_map_segments, &state.peak_maps);
  }
  outcome->peak_maps = std::move(state.peak_maps);
  outcome->attributes = state.tally.attribute_stats(inputs.machine, *executor);
  return true;
}

// take_inputs(), with the trace path, anything thrown (resource exhaustion)
// turned into bad input.
bool take_inputs_guarded(const Scenario& scenario, const RunOverrides& overrides, const std::string& trace_path,
                         ScenarioOutcome* outcome) {
  try {
    take_inputs(scenario, overrides, &outcome->inputs);
    outcome->inputs.trace_path = trace_path;
    return true;
  } catch (const std::exception& failure) {
    outcome->verdict = Verdict::bad_input;
    outcome->error = outcome->inputs.scenario_path + ": cannot run: " + failure.what();
    return false;
  }
}

// Runs a scenario whose inputs are taken, and judges it.
ScenarioOutcome run_taken(const Scenario& scenario, ScenarioOutcome outcome, const RunnerOptions& options,
                          Clock::time_point start) {
  try {
    if (execute(scenario.ops, options, &outcome)) {
      RunResult result;
      result.ok = true;
      result.findings = std::move(outcome.findings);
      result.summary = outcome.summary;
      outcome.unmet = unmet_expectations(outcome.inputs.expect, result);
      outcome.findings = std::move(result.findings);
      outcome.verdict = judge(outcome.inputs.expect, outcome.summary.finding_tally, outcome.unmet);
    } else {
      outcome.verdict = Verdict::bad_input;
    }
  } catch (const std::exception& failure) {
    // Only resource exhaustion gets here (the parser and the Executor report
    // errors as values); still a message and an exit code, never a crash.
    outcome.verdict = Verdict::bad_input;
    outcome.error = outcome.inputs.scenario_path + ": cannot run: " + failure.what();
  }
  outcome.wall_seconds = seconds_since(start);
  return outcome;
}

ScenarioOutcome run_loaded(const Scenario& scenario, ScenarioOutcome outcome, const std::string& trace_path,
                           const RunnerOptions& options, Clock::time_point start) {
  if (!take_inputs_guarded(scenario, options.overrides, trace_path, &outcome)) {
    outcome.wall_seconds = seconds_since(start);
    return outcome;
  }
  return run_taken(scenario, std::move(outcome), options, start);
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::expectation_failed: return "expectation_failed";
    case Verdict::invariant_broken: return "invariant_broken";
    case Verdict::crashed: return "crashed";
    case Verdict::bad_input: return "bad_input";
  }
  return "unknown_verdict";
}

int exit_code(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return 0;
    case Verdict::expectation_failed:
    case Verdict::invariant_broken:
    case Verdict::crashed: return 1;
    case Verdict::bad_input: return 2;
  }
  return 2;
}

std::optional<std::uint64_t> parse_seed(std::string_view text) {
  std::uint64_t seed = 0;
  if (!detail::parse_number_text(text, /*allow_units=*/false, &seed).empty()) {
    return std::nullopt;
  }
  return seed;
}

bool finding_unexpected(const Expectations& expect, Check check) {
  const auto listed = [&](const std::vector<Check>& checks) {
    return std::find(checks.begin(), checks.end(), check) != checks.end();
  };
  return !listed(expect.findings_required) && !listed(expect.findings_allowed);
}

ScenarioOutcome run_scenario(const Scenario& scenario, const std::string& scenario_path,
                             std::uint64_t scenario_hash, const RunnerOptions& options) {
  const Clock::time_point start = Clock::now();
  ScenarioOutcome outcome;
  outcome.inputs.scenario_path = scenario_path;
  outcome.inputs.scenario_hash = scenario_hash;
  const std::string trace = scenario.trace ? resolve_trace_path(scenario_path, *scenario.trace) : std::string();
  return run_loaded(scenario, std::move(outcome), trace, options, start);
}

PreparedRun prepare_scenario_file(const std::string& path, const RunnerOptions& options) {
  const Clock::time_point start = Clock::now();
  PreparedRun prepared;
  prepared.outcome.inputs.scenario_path = path;
  if (load_guarded(path, options.max_input_bytes, &prepared.scenario, &prepared.outcome, start)) {
    const std::string trace =
        prepared.scenario.trace ? resolve_trace_path(path, *prepared.scenario.trace) : std::string();
    prepared.ready = take_inputs_guarded(prepared.scenario, options.overrides, trace, &prepared.outcome);
  }
  prepared.outcome.wall_seconds = seconds_since(start);
  return prepared;
}

ScenarioOutcome run_prepared(const PreparedRun& prepared, const RunnerOptions& options) {
  if (!prepared.ready) {
    return prepared.outcome;
  }
  // The time spent loading counts, as it does for run_scenario_file().
  const auto loading = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(prepared.outcome.wall_seconds));
  return run_taken(prepared.scenario, prepared.outcome, options, Clock::now() - loading);
}

ScenarioOutcome run_scenario_file(const std::string& path, const RunnerOptions& options) {
  return run_prepared(prepare_scenario_file(path, options), options);
}

ScenarioOutcome replay_trace(const std::string& machine_path, const std::string& trace_path,
                             const RunnerOptions& options) {
  const Clock::time_point start = Clock::now();
  ScenarioOutcome outcome;
  outcome.inputs.scenario_path = machine_path;
  outcome.inputs.trace_path = trace_path;
  outcome.inputs.replay = true;
  Scenario scenario;
  if (!load_guarded(machine_path, options.max_input_bytes, &scenario, &outcome, start, ScenarioUse::machine)) {
    return outcome;
  }
  // The machine and the expectations count (a replay is a gate like a run); the
  // file's own ops or trace, if it has any, do not.
  scenario.ops.clear();
  scenario.trace.reset();
  return run_loaded(scenario, std::move(outcome), trace_path, options, start);
}

// The host memory a machine could use at worst: every byte of every view
// touched (the CPU view, and the RAM view of a cacheable region), the shadow
// state's owner tables (4 bytes per 8-byte granule), and a working copy of the
// largest block a CPU op could compare (expected contents). Views are committed
// lazily, so most runs use a small part of it; the budget is on what the
// scenario could make the simulator use, known before the first op.
std::uint64_t worst_host_bytes(const MachineConfig& machine) {
  std::uint64_t total = 0;
  std::uint64_t largest = 0;
  for (const RegionSpec& region : machine.regions) {
    const std::uint64_t views = region.cache_policy == CachePolicy::non_cacheable ? 1 : 2;
    total += views * region.size_bytes + region.size_bytes / 2;
    largest = std::max(largest, region.size_bytes);
  }
  return total + largest;
}

std::optional<std::string> sim_memory_refusal(const MachineConfig& machine, std::uint64_t copies,
                                              std::uint64_t budget_bytes) {
  SMH_SIM_ASSERT(copies >= 1 && copies <= max_sim_copies);
  const std::uint64_t worst = worst_host_bytes(machine) * copies;
  if (worst <= budget_bytes) {
    return std::nullopt;
  }
  return std::string("the simulated machine") + (copies == 1 ? "" : ", " + std::to_string(copies) + " at once,") +
         " could use up to " + std::to_string(worst) +
         " bytes of host memory (its regions' views, owner tables and a copy of the largest block), more than the "
         "budget of " + std::to_string(budget_bytes) + " (raise it with --max-sim-memory-bytes)";
}

}  // namespace smh::sim
