// The smh command: its subcommands and their flags. Each subcommand lives in its
// own file; this one only parses arguments and dispatches.
//
// Exit codes, for every subcommand: 0 success, 1 a run failed (an expectation
// unmet, an invariant broken, a baseline regression), 2 bad input (bad flags, an
// unreadable or invalid scenario, trace or baseline). No exception escapes.
#include <CLI/CLI.hpp>

#include <cstdlib>

#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "check_command.hpp"
#include "compare_command.hpp"
#include "demo.hpp"
#include "import_command.hpp"
#include "merge_command.hpp"
#include "run_command.hpp"
#include "validation_cadence.hpp"
#include "size_command.hpp"
#include "swarm_flags.hpp"
#include "tune_command.hpp"
#include "smh/pool_types.hpp"

namespace {

using smh::cli::CheckCommandOptions;
using smh::cli::RunCommandOptions;

std::vector<std::string> policy_names() {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < smh::policy_count; ++i) {
    names.emplace_back(smh::to_string(static_cast<smh::Policy>(i)));
  }
  return names;
}

// For the files smh writes: an empty name would write nothing and exit 0.
const CLI::Validator non_empty_file_name(
    [](const std::string& name) { return name.empty() ? std::string("an empty file name writes nothing") : ""; },
    "FILE");

// --report, --junit, --baseline and the baseline's tolerances: the gate's
// outputs, the same for check, run and replay.
void add_gate_flags(CLI::App* command, smh::cli::GateOutputs* outputs, const char* report_help) {
  command->add_option("--report", outputs->report_path, report_help)->check(non_empty_file_name);
  command->add_option("--junit", outputs->junit_path, "Write JUnit XML to this file (baseline regressions fail too)")
      ->check(non_empty_file_name);
  command->add_option("--baseline", outputs->baseline_path,
                      "Compare with an earlier --report: fail on a digest change or a metric regression");
  // Checked on the text, before conversion: "-1" would wrap into an unsigned
  // tolerance, and "nan" passes CLI11's numeric ranges.
  const CLI::Validator non_negative(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        const bool whole = end != text.c_str() && *end == '\0';
        return whole && value >= 0 && value <= 1e18 ? std::string() : "must be a number >= 0, got '" + text + "'";
      },
      "NUMBER >= 0");
  command->add_option("--footprint-tolerance", outputs->tolerances.footprint_ratio,
                      "Footprint growth allowed against the baseline, as a ratio (default 0.01 = 1%)")
      ->check(non_negative);
  command->add_option("--failed-allocs-tolerance", outputs->tolerances.failed_allocs,
                      "More failed allocations allowed against the baseline (default 0)")
      ->check(non_negative);
  command->add_option("--f-ext-tolerance", outputs->tolerances.f_ext,
                      "F_ext growth allowed per region, end and peak, absolute (default 0.02)")
      ->check(non_negative & CLI::Range(0.0, 1.0));
  command->add_flag_callback(
      "--allow-digest-change", [outputs] { outputs->tolerances.digest_must_match = false; },
      "Compare only the metrics with the baseline, not the digests (placement changed on purpose)");
}

// The flags run and replay share.
void add_single_run_flags(CLI::App* command, RunCommandOptions* options) {
  command->add_option("--seed", options->seed, "Override the scenario's seed (decimal or 0x hex); swarm faults are re-drawn from it");
  command->add_option("--policy", options->policy, "Override the pool's selection policy")
      ->check(CLI::IsMember(policy_names()));
  add_gate_flags(command, &options->outputs, "Write the JSON report to this file (usable as --baseline)");
  command->add_option("--html", options->html_path,
                      "Write the report as a self-contained HTML page (inline SVG charts) to this file")
      ->check(non_empty_file_name);
  command->add_flag("--quiet,-q", options->quiet, "Print only the one-line result");
  command->add_option("--max-input-bytes", options->max_input_bytes,
                      "Largest scenario or machine file read (default 64 MiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  command->add_option("--max-sim-memory-bytes", options->max_sim_memory_bytes,
                      "Host memory the simulated machine may use at worst (default 8 GiB)")
      ->check(CLI::Range(std::uint64_t{1} << 20, std::uint64_t{1} << 44));
  command->add_option("--max-findings", options->max_findings,
                      "Findings kept in full (default 1000); the rest are counted per check")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 32));
  command->add_option("--validate-every", options->validate_every, smh::cli::validate_every_help);
  command->add_flag("--no-checks", options->no_checks,
                    "Fast replay: outcomes, figures and digest only; the invariant checks do not run, so findings "
                    "are not looked for (the summary says so)");
}

// `smh import` and its flags.
CLI::App* add_import_command(CLI::App& app, smh::cli::ImportCommandOptions* options) {
  std::vector<std::string> formats;
  for (unsigned i = 0; i < smh::sim::import_format_count; ++i) {
    formats.emplace_back(smh::sim::to_string(static_cast<smh::sim::ImportFormat>(i)));
  }
  CLI::App* import = app.add_subcommand(
      "import", "Convert a heaptrack, mtrace, ESP-IDF, device-log or CSV capture into a trace for smh replay, and "
                "summarise it; exit 0 done, 2 bad input");
  import->add_option("format", options->format, "Input format")->required()->check(CLI::IsMember(formats));
  import->add_option("input", options->input_path, "The capture ('-': stdin; zstd recognised by its content)")
      ->required();
  import->add_option("-o,--output", options->output_path,
                     "Write the trace here (JSON Lines; zstd when the name ends in .zst; '-': stdout)");
  import->add_flag("--stats", options->stats_only, "Only print the summary, write no trace")->excludes("--output");
  import->add_option("--attr-map", options->attr_map_path,
                     "Attribute rules (JSON) by size, trace id, caller or heap id (docs/importing.md)");
  import->add_option("--mode", options->mode,
                     "What attribute names mean: exact or capability (default: capability for esp-idf, else exact)")
      ->check(CLI::IsMember({"exact", "capability"}));
  import->add_flag("--skip-bad", options->skip_bad, "Count and skip malformed lines instead of stopping at the first");
  import->add_option("--max-line-bytes", options->limits.max_line_bytes, "Longest input line (default 262144)")
      ->check(CLI::Range(std::size_t{16}, std::size_t{1} << 30));
  import->add_option("--max-live-blocks", options->limits.max_live_blocks,
                     "Most blocks live at once (default 4194304)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 36));
  import->add_option("--max-attributes", options->limits.max_attributes, "Most distinct attributes (default 256)")
      ->check(CLI::Range(1u, 1u << 20));
  import->add_option("--max-attr-map-bytes", options->max_attr_map_bytes,
                     "Largest attribute-map file (default 1048576)")
      ->check(CLI::Range(std::uint64_t{2}, std::uint64_t{1} << 32));
  return import;
}

int run(int argc, char** argv) {
  CLI::App app{"smh: shared multi-heap allocator and its simulation harness"};
  app.require_subcommand(1);

  CLI::App* demo = app.add_subcommand(
      "demo", "Run a fixed sequence of heap operations over a 64 KiB region and print what happened");

  RunCommandOptions run_options;
  CLI::App* run = app.add_subcommand("run", "Run one scenario and print a summary; exit 0 pass, 1 fail, 2 bad input");
  run->add_option("scenario", run_options.scenario_path, "Scenario file (JSON, docs/scenario-format.md)")->required();
  add_single_run_flags(run, &run_options);

  RunCommandOptions replay_options;
  CLI::App* replay = app.add_subcommand(
      "replay", "Replay a trace against a machine: the regions, pool, seed and faults of a scenario file");
  replay->add_option("--machine", replay_options.scenario_path, "Scenario file whose machine is used (its ops are not)")
      ->required();
  replay->add_option("trace", replay_options.trace_path, "Trace file (JSON Lines, optionally zstd-compressed)")
      ->required();
  add_single_run_flags(replay, &replay_options);

  CheckCommandOptions check_options;
  check_options.jobs = std::max(1u, std::thread::hardware_concurrency());
  CLI::App* check = app.add_subcommand(
      "check", "Run every scenario (the regression gate); exit 0 all pass, 1 any failure or regression, 2 bad input");
  check->add_option("inputs", check_options.inputs, "Scenario files, or directories searched for *.json scenarios")
      ->required();
  check->add_option("--jobs,-j", check_options.jobs,
                    "Scenarios run at once, each in a child process of its own (default: the number of cores)")
      ->check(CLI::Range(1u, 1024u));
  check->add_option("--time-limit", check_options.time_limit_seconds,
                    "Seconds a scenario may run before it is killed and reported as crashed (default 600; 0: no "
                    "limit)")
      ->check(CLI::Range(0.0, 1e9));
  add_gate_flags(check, &check_options.outputs, "Write the combined JSON report (usable as --baseline)");
  check->add_flag("--quiet,-q", check_options.quiet, "Print only failures and the totals");
  check->add_option("--max-input-bytes", check_options.max_input_bytes,
                    "Largest scenario or baseline file read (default 64 MiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  check->add_option("--max-sim-memory-bytes", check_options.max_sim_memory_bytes,
                    "Host memory a scenario's machine may use at worst (default 8 GiB)")
      ->check(CLI::Range(std::uint64_t{1} << 20, std::uint64_t{1} << 44));
  check->add_option("--max-findings", check_options.max_findings,
                    "Findings kept in full per scenario (default 1000); the rest are counted per check")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 32));
  check->add_option("--validate-every", check_options.validate_every, smh::cli::validate_every_help);

  smh::cli::ImportCommandOptions import_options;
  CLI::App* import = add_import_command(app, &import_options);

  smh::cli::CompareCommandOptions compare_options;
  CLI::App* compare = app.add_subcommand(
      "compare", "Replay traces under every policy (or those chosen) on a machine and compare them; exit 0 done, 2 "
                 "bad input");
  compare->add_option("machine", compare_options.machine_path, "Scenario file whose machine is used (its ops are not)")
      ->required();
  compare->add_option("traces", compare_options.trace_paths, "Trace files (JSON Lines, optionally zstd-compressed)")
      ->required();
  compare->add_option("--policies", compare_options.policies, "all (default), or policy names joined by ','");
  compare->add_option("--thresholds", compare_options.thresholds,
                      "size_threshold's thresholds in bytes, joined by ',', or auto (default: where 50, 75, 90 and "
                      "99 % of the traces' requests fall, on a machine with regions of role small or large)");
  compare->add_option("--report", compare_options.report_path, "Write the comparison as JSON to this file")
      ->check(non_empty_file_name);
  compare->add_option("--html", compare_options.html_path,
                      "Write the comparison as a self-contained HTML page (inline SVG bars) to this file")
      ->check(non_empty_file_name);
  compare->add_option("--max-input-bytes", compare_options.max_input_bytes,
                      "Largest machine file read (default 64 MiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));

  smh::cli::TuneCommandOptions tune_options;
  CLI::App* tune = app.add_subcommand(
      "tune", "Rank the policies of smh compare or smh_policy_bench reports and recommend one; exit 0 done, 2 bad input");
  tune->add_option("reports", tune_options.report_paths,
                   "smh compare --report files, or smh_policy_bench --benchmark_format=json output (one machine)")
      ->required();
  tune->add_option("--objective", tune_options.objective,
                   "failures (default: fewest failed allocations, then footprint), footprint, latency (fewest heap "
                   "searches) or weighted (docs/tuning.md)")
      ->check(CLI::IsMember({"failures", "footprint", "latency", "weighted"}));
  tune->add_option("--weights", tune_options.weights,
                   "With --objective weighted: failures=W,footprint=W,latency=W (each figure over the trace's best, "
                   "times W; default 1 each, unnamed 0)");
  tune->add_option("-o,--output", tune_options.output_path,
                   "Write the compared machine with the recommended policy (a scenario file) here");
  tune->add_option("--max-input-bytes", tune_options.max_input_bytes,
                   "Largest report, or compared machine file, read (default 1 GiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));

  smh::cli::SizeCommandOptions size_options;
  CLI::App* size = app.add_subcommand(
      "size", "The smallest region sizes at which every trace replays without a failed allocation; exit 0 sized, 2 "
              "bad input");
  size->add_option("machine", size_options.machine_path, "Scenario file whose machine is sized (its ops are not run)")
      ->required();
  size->add_option("traces", size_options.trace_paths, "Trace files (JSON Lines, optionally zstd-compressed)")
      ->required();
  size->add_option("--policy", size_options.policy, "Override the pool's selection policy")
      ->check(CLI::IsMember(policy_names()));
  size->add_option("--headroom", size_options.headroom_percent,
                   "Add this percentage to every needed size (default 0)")
      ->check(CLI::Range(0.0, 1000.0));
  size->add_option("--scale", size_options.scale,
                   "region (default: each region sized on its own) or attribute (each attribute's regions scaled "
                   "together, in the proportions of their sizes)")
      ->check(CLI::IsMember({"region", "attribute"}));
  size->add_option("-o,--output", size_options.output_path, "Write the sized machine (a scenario file) here")
      ->check(non_empty_file_name);
  size->add_option("--report", size_options.report_path,
                   "Write the sizes (per region and per attribute) as JSON to this file")
      ->check(non_empty_file_name);
  size->add_option("--html", size_options.html_path,
                   "Write the sizes as a self-contained HTML page (inline SVG bars) to this file")
      ->check(non_empty_file_name);
  size->add_option("--max-region-bytes", size_options.max_region_bytes,
                   "Largest size a region may grow to when the machine's own sizes fail (default 1073741824)")
      ->check(CLI::Range(std::uint64_t{16}, std::uint64_t{1} << 32));
  size->add_option("--max-input-bytes", size_options.max_input_bytes, "Largest machine file read (default 64 MiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));

  smh::cli::SwarmCommandOptions swarm_options;
  CLI::App* swarm = smh::cli::add_swarm_command(app, &swarm_options);
  smh::cli::MergeCommandOptions merge_options;
  CLI::App* merge = smh::cli::add_merge_command(app, &merge_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Help and version exit 0; any other mistake in the command line is bad input.
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }

  if (demo->parsed()) {
    return smh::cli::run_demo();
  }
  if (run->parsed()) {
    return smh::cli::run_command(run_options);
  }
  if (replay->parsed()) {
    return smh::cli::replay_command(replay_options);
  }
  if (check->parsed()) {
    return smh::cli::check_command(check_options);
  }
  if (import->parsed()) {
    return smh::cli::import_command(import_options);
  }
  if (compare->parsed()) {
    return smh::cli::compare_command(compare_options);
  }
  if (tune->parsed()) {
    return smh::cli::tune_command(tune_options);
  }
  if (size->parsed()) {
    return smh::cli::size_command(size_options);
  }
  if (swarm->parsed()) {
    return smh::cli::swarm_command(swarm_options);
  }
  if (merge->parsed()) {
    return smh::cli::merge_command(merge_options);
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "smh: internal error: %s\n", failure.what());
  } catch (...) {
    std::fprintf(stderr, "smh: internal error: unknown exception\n");
  }
  return 2;
}
