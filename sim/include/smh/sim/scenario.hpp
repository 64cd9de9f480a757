// A scenario: a simulated machine, a seed, faults, the ops to apply and what must
// hold afterwards. Scenarios are written as JSON (docs/scenario-format.md,
// scenarios/scenario.schema.json) and read by scenario_parser.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/faults.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim {

// What a run of the scenario must satisfy. The parser only records these; the
// driver (smh run / smh check) evaluates them against the RunResult.
struct Expectations {
  // Checks (Finding::check, written by name, e.g. "STALE_RX") that must each
  // appear at least once. A scenario demonstrating a bug requires its finding.
  std::vector<Check> findings_required;
  // Checks that may appear without failing the run. Any finding whose check is
  // in neither list fails the run.
  std::vector<Check> findings_allowed;
  // RunSummary::failed_allocs must be <= this.
  std::optional<std::uint64_t> max_failed_allocs;
  // Overall, not per region: at the end of the run, every region's F_ext
  // (RegionSummary::external_fragmentation, in [0, 1]) must be <= this.
  std::optional<double> max_f_ext;
  // Peak footprint overhead, a ratio >= 0: footprint / peak requested live bytes
  // - 1, the footprint being the sum over regions of the highest block end ever
  // reached (HeapStats::high_water_bytes: headers, padding and holes included).
  std::optional<double> max_footprint_overhead;
  // The run's digest must equal this (written "0x..." in JSON).
  std::optional<std::uint64_t> golden_digest;
};

// Where a value stands in a scenario's text (1-based; 0 when unknown, as for a
// scenario built in code): for the errors found about it after parsing.
struct TextPosition {
  std::size_t line = 0;
  std::size_t column = 0;
};

struct Scenario {
  std::uint32_t format_version = 1;
  std::string name;
  std::string description;
  MachineConfig machine;
  std::uint64_t seed = 0;
  // faults: "swarm" sets swarm = true and faults = FaultPlan::swarm(seed); a
  // driver that overrides the seed must re-derive faults from the new seed.
  bool swarm = false;
  FaultPlan faults{};
  // Background cache activity (ExecutorOptions::cache_noise_ppm): seeded
  // evictions and speculative fills behind the program's back, so that a
  // counterexample found with noise replays with it.
  std::uint32_t cache_noise_ppm = 0;
  // Inline ops; empty when the scenario names a trace instead.
  std::vector<Op> ops;
  // `trace`: a path (as written, relative to the scenario file) to a JSON Lines
  // file of ops; reading it is the driver's job. Mutually exclusive with ops.
  std::optional<std::string> trace;
  Expectations expect;
  // Where "machine" and "trace" have their values: an error found when the
  // machine is built or the trace opened is shown there.
  TextPosition machine_at;
  TextPosition trace_at;
};

// A syntax or schema error, positioned in the scenario text.
struct ScenarioError {
  std::string file;
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in characters (UTF-8 code points)
  std::string json_path;   // "$.ops[3].size"; empty for syntax errors
  std::string message;
  // "file:line:col: path: message" ("file:line:col: message" without a path).
  [[nodiscard]] std::string to_string() const;
};

}  // namespace smh::sim
