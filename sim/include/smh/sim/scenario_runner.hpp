// Running a scenario end to end: what `smh run`, `smh check` and `smh replay`
// share. Load the scenario, apply the seed and policy overrides, feed the ops
// (inline, or streamed from the trace), sample fragmentation over time, evaluate
// the expectations and return one structured outcome with a verdict.
//
// Everything in ScenarioOutcome except `wall_seconds` is a function of the inputs
// (scenario bytes, trace bytes, overrides): two runs give equal outcomes, whatever
// the thread or the machine. The runner never throws and never crashes on bad
// input: that is the bad_input verdict with a positioned message.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smh/pool_types.hpp"
#include "smh/sim/bounded_file.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/region_peak_map.hpp"
#include "smh/sim/scenario.hpp"

namespace smh::sim {

// The failure class of a run, worst last. The process exit code follows from it
// (pass 0; expectation_failed, invariant_broken and crashed 1; bad_input 2).
enum class Verdict : std::uint8_t {
  pass,
  expectation_failed,  // every finding was expected or allowed, but an expectation is unmet
  invariant_broken,    // a finding the scenario neither requires nor allows
  crashed,             // the process running it died or ran past its time limit (`smh check`
                       // runs each scenario in a child process): `error` says how
  bad_input,           // the scenario, the trace or an override could not be run
};
// "pass", "expectation_failed", "invariant_broken", "crashed", "bad_input".
const char* to_string(Verdict verdict);
int exit_code(Verdict verdict);

struct RunInputs;

struct RunOverrides {
  std::optional<std::uint64_t> seed;  // re-derives swarm faults from the new seed
  // Every attribute's policy (the machine's per-attribute policies dropped).
  std::optional<Policy> policy;
  // Per-attribute policies (after `policy`): `smh compare` replays the
  // combination of each attribute's best policy with them.
  std::optional<std::vector<AttributePolicy>> attribute_policies;
  // pool.size_threshold (the size_threshold policy's split): `smh compare`
  // replays each candidate threshold with it.
  std::optional<std::uint64_t> size_threshold_bytes;
};

// Where a run stands, for drivers that show progress. ops_total is known for
// inline ops; a trace is measured in bytes of the file instead.
struct RunProgress {
  std::uint64_t ops_done = 0;
  std::uint64_t ops_total = 0;  // 0: unknown (trace)
  double fraction_done = 0;     // 0..1, from ops or from trace bytes
};

struct RunnerOptions {
  RunOverrides overrides;
  // The largest scenario (or machine) file read (bounded_file.hpp; the
  // --max-input-bytes flag): a larger one is bad input, never read whole.
  std::uint64_t max_input_bytes = default_max_input_bytes;
  // The host memory a scenario's machine may use at worst (its regions' views,
  // owner tables, a copy of its largest block; --max-sim-memory-bytes): a
  // machine beyond it is refused before the first op, not found out by the OOM
  // killer.
  std::uint64_t max_sim_memory_bytes = std::uint64_t{8} << 30;
  // Findings kept in full (ExecutorOptions::max_findings_kept; --max-findings);
  // the rest are counted per check.
  std::uint64_t max_findings_kept = 1000;
  // Bound on the fragmentation samples kept, whatever the run's length (>= 2).
  std::uint32_t max_samples = 128;
  // Called every progress_every_ops ops (from the running thread); the callee
  // throttles its own output.
  std::function<void(const RunProgress&)> on_progress;
  std::uint64_t progress_every_ops = 4096;
  // Off: a fast replay (ExecutorOptions::check_invariants): the same
  // placements, figures and, when no check would fire, digest, several times
  // sooner. `smh compare` runs each policy so; findings are then not looked for.
  bool check_invariants = true;
  // The deep check's cadence (ExecutorOptions::validate_every_ops and
  // validate_scales_with_blocks; --validate-every).
  std::uint64_t validate_every_ops = 1024;
  bool validate_scales_with_blocks = true;
  // The memory map of each region at its sampled peak (region_peak_map.hpp;
  // `smh run --html`): walked at the samples where a region's live bytes rise
  // to a new high, drawn in at most max_map_segments segments. Off: no walk.
  bool region_maps = false;
  std::uint32_t max_map_segments = 256;
  // Called once the simulated machine is built, before the first op. A test
  // seam: tests use it to damage the machine (a corrupted heap, a stray write),
  // and so does the cli's test hook (SMH_TEST_HOOK, cli/test_hook.hpp).
  std::function<void(const RunInputs&, Executor&)> on_start;
};

// Region state over the run: one sample after every interval_ops ops (and at op
// 0 and at the end). When max_samples are held, every other one is dropped and
// the interval doubles, so a run of any length keeps between max/2 and max+1.
struct FragmentationSeries {
  struct RegionSeries {
    std::vector<double> f_ext;                     // 1 - largest_free / free
    std::vector<std::uint64_t> live_bytes;         // requested bytes of live blocks
    std::vector<std::uint64_t> largest_free_bytes;
  };
  std::uint64_t interval_ops = 1;
  std::vector<std::uint64_t> at_ops;  // ops done when each sample was taken
  std::vector<RegionSeries> regions;  // machine order; each as long as at_ops
};

// The pool's view of one attribute at the end of the run: the regions that serve
// it and BasicPool::stats(attr) (sums over them, the largest free block of any;
// failed_alloc_count includes, in exact mode, the requests no region could take),
// and the requests the scenario made with it.
struct AttributeStats {
  std::uint32_t attr = 0;
  std::vector<unsigned> regions;  // indices in machine order
  PoolStats stats{};
  double external_fragmentation = 0;
  std::uint64_t alloc_requests = 0;    // alloc and realloc ops
  std::uint64_t requested_bytes = 0;   // their sizes, summed
  std::uint64_t peak_demand_bytes = 0; // RunSummary::peak_demand_bytes, for requests of this attr
};

// What was run, after overrides.
struct RunInputs {
  // replay_trace(): the machine came from scenario_path, the ops from trace_path.
  bool replay = false;
  std::string scenario_path;   // as given
  std::string trace_path;      // as opened (resolved against the scenario's folder); empty for inline ops
  std::string name;
  std::uint64_t scenario_hash = 0;  // sim::Digest over the scenario file's bytes
  // The scenario parsed: the fields below are meaningful.
  bool loaded = false;
  std::uint64_t seed = 0;
  bool seed_overridden = false;
  MachineConfig machine;       // policy override applied
  bool policy_overridden = false;
  bool swarm = false;
  FaultPlan faults{};
  std::uint32_t cache_noise_ppm = 0;  // the scenario's background cache activity
  Expectations expect;
  std::uint64_t inline_ops = 0;  // 0 for traces
  // RunnerOptions::check_invariants: false, the run looked for no findings
  // (--no-checks), and its outputs say so.
  bool checks = true;
  // Where the scenario gives its machine and its trace (Scenario::machine_at,
  // trace_at): errors about them are placed there.
  TextPosition machine_at;
  TextPosition trace_at;
};

struct ScenarioOutcome {
  Verdict verdict = Verdict::bad_input;
  // bad_input: "file:line:col: ..." or "file: op N (...): ..." with the seed;
  // crashed: how the process ended ("killed by signal 11 (SIGSEGV)").
  std::string error;
  // Filled as far as the run got (inputs.scenario_path always).
  RunInputs inputs;
  RunSummary summary;
  std::vector<Finding> findings;
  std::vector<Injection> injections;
  std::vector<std::string> unmet;  // unmet_expectations(), in its fixed order
  std::vector<AttributeStats> attributes;  // ascending attribute value
  FragmentationSeries fragmentation;
  std::vector<RegionPeakMap> peak_maps;  // RunnerOptions::region_maps: one per region; else empty
  // Timing: the only field that differs from run to run.
  double wall_seconds = 0;
};

// Loads and runs a scenario file: run_prepared(prepare_scenario_file()).
ScenarioOutcome run_scenario_file(const std::string& path, const RunnerOptions& options);

// A scenario file loaded, with the overrides of the options applied, not yet
// run. `smh check` prepares each scenario in its own process and runs it in a
// child process (cli/isolated_runs.hpp): a child that dies still leaves the
// scenario's inputs, and so its reproduce line, to report.
struct PreparedRun {
  // False when the file cannot be run: `outcome` is then final (bad_input).
  bool ready = false;
  Scenario scenario;
  // Inputs filled (as far as loading got); wall_seconds: the time loading took.
  ScenarioOutcome outcome;
};
PreparedRun prepare_scenario_file(const std::string& path, const RunnerOptions& options);
// Runs what prepare_scenario_file() prepared with the same options (their
// overrides are already applied); returns its outcome as is when not ready.
ScenarioOutcome run_prepared(const PreparedRun& prepared, const RunnerOptions& options);

// Replays a trace against the machine (regions, pool, seed, faults) of a
// scenario file and judges it by that file's expectations, as a run would (no
// expectations: any finding breaks the run). The file needs no "ops"; its own
// ops or trace, if any, are ignored. trace_path is used as given.
ScenarioOutcome replay_trace(const std::string& machine_path, const std::string& trace_path,
                             const RunnerOptions& options);

// Runs an already parsed scenario. scenario_path is used in messages and to
// resolve a relative trace path; scenario_hash is recorded as given.
ScenarioOutcome run_scenario(const Scenario& scenario, const std::string& scenario_path,
                             std::uint64_t scenario_hash, const RunnerOptions& options);

// The host memory a machine could use at worst: every byte of every view
// touched, the shadow state's owner tables, a copy of the largest block
// (RunnerOptions::max_sim_memory_bytes).
std::uint64_t worst_host_bytes(const MachineConfig& machine);
// Most machines one budget covers at once (smh swarm --jobs).
inline constexpr std::uint64_t max_sim_copies = 1024;
// Why `copies` of the machine running at once (1..max_sim_copies; smh swarm
// runs one per job) could use more host memory than `budget_bytes`, in the
// words of --max-sim-memory-bytes; nullopt within the budget. The one check of
// that budget: smh run, check and replay (the runner) and smh swarm.
std::optional<std::string> sim_memory_refusal(const MachineConfig& machine, std::uint64_t copies,
                                              std::uint64_t budget_bytes);

// A seed as scenarios write it: decimal or "0x" hex, '_' between digits.
// nullopt for anything else (negative, fractional, overflowing 64 bits).
std::optional<std::uint64_t> parse_seed(std::string_view text);

// Whether a finding's check is neither required nor allowed by the expectations.
bool finding_unexpected(const Expectations& expect, Check check);

}  // namespace smh::sim
