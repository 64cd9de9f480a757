#include "run_command.hpp"

#include <cstdio>
#include <functional>
#include <vector>

#include "html_report.hpp"
#include "output_paths.hpp"
#include "progress.hpp"
#include "report_json.hpp"
#include "run_summary.hpp"
#include "smh/sim/scenario_runner.hpp"
#include "test_hook.hpp"
#include "text_format.hpp"
#include "validation_cadence.hpp"

namespace smh::cli {

namespace {

// The overrides from the options; false (message printed) when one is invalid.
bool make_runner_options(const char* command, const RunCommandOptions& options, sim::RunnerOptions* out) {
  if (options.seed) {
    const std::optional<std::uint64_t> seed = sim::parse_seed(*options.seed);
    if (!seed) {
      std::fprintf(stderr, "smh %s: --seed: expected a decimal or 0x-hex integer below 2^64, got '%s'\n", command,
                   options.seed->c_str());
      return false;
    }
    out->overrides.seed = *seed;
  }
  if (options.policy) {
    Policy policy{};
    if (!parse_policy(options.policy->c_str(), &policy)) {
      std::fprintf(stderr, "smh %s: --policy: unknown policy '%s'\n", command, options.policy->c_str());
      return false;
    }
    out->overrides.policy = policy;
  }
  std::string cadence_error;
  if (!apply_validate_every(options.validate_every, out, &cadence_error)) {
    std::fprintf(stderr, "smh %s: %s\n", command, cadence_error.c_str());
    return false;
  }
  out->check_invariants = !options.no_checks;
  out->max_input_bytes = options.max_input_bytes;
  out->max_findings_kept = options.max_findings;
  out->max_sim_memory_bytes = options.max_sim_memory_bytes;
  std::string error;
  std::optional<RunStartHook> hook = test_hook_from_environment(&error);
  if (!hook) {
    std::fprintf(stderr, "smh %s: %s\n", command, error.c_str());
    return false;
  }
  out->on_start = std::move(*hook);
  return true;
}

int finish(const char* command, const RunCommandOptions& options, const Baseline& baseline,
           const sim::ScenarioOutcome& outcome) {
  if (outcome.verdict == sim::Verdict::bad_input) {
    std::fprintf(stderr, "smh %s: %s\n", command, printable(outcome.error).c_str());
  }
  const std::string text = options.quiet ? render_outcome_line(outcome) : render_run_summary(outcome);
  std::fputs(text.c_str(), stdout);
  const std::vector<const sim::ScenarioOutcome*> outcomes = {&outcome};
  int code = finish_gate_outputs(command, options.outputs, baseline, outcomes, 1, outcome.wall_seconds,
                                 sim::exit_code(outcome.verdict));
  std::string error;
  if (!options.html_path.empty() &&
      !write_text_file(options.html_path, render_run_html(outcome_json(outcome)), &error)) {
    std::fprintf(stderr, "smh %s: --html: %s\n", command, error.c_str());
    code = 2;
  }
  return code;
}

// Overrides, progress, the run itself, then finish().
int run_one(const char* command, const RunCommandOptions& options,
            const std::function<sim::ScenarioOutcome(const sim::RunnerOptions&)>& run) {
  sim::RunnerOptions runner;
  if (!make_runner_options(command, options, &runner)) {
    return 2;
  }
  std::vector<std::string> inputs = {options.scenario_path};
  if (!options.trace_path.empty()) {
    inputs.push_back(options.trace_path);
  }
  const std::string clash =
      output_clash(
      {{"--report", options.outputs.report_path}, {"--junit", options.outputs.junit_path}, {"--html", options.html_path}},
      inputs);
  if (!clash.empty()) {
    std::fprintf(stderr, "smh %s: %s\n", command, clash.c_str());
    return 2;
  }
  Baseline baseline;
  if (!load_gate_baseline(command, options.outputs, options.max_input_bytes, &baseline)) {
    return 2;
  }
  ProgressLine progress(ProgressLine::stderr_is_terminal());
  runner.on_progress = run_progress_callback(progress);
  runner.region_maps = !options.html_path.empty();  // the page draws each region's map at its peak
  const sim::ScenarioOutcome outcome = run(runner);
  progress.clear();
  return finish(command, options, baseline, outcome);
}

}  // namespace

int run_command(const RunCommandOptions& options) {
  return run_one("run", options, [&](const sim::RunnerOptions& runner) {
    return sim::run_scenario_file(options.scenario_path, runner);
  });
}

int replay_command(const RunCommandOptions& options) {
  return run_one("replay", options, [&](const sim::RunnerOptions& runner) {
    return sim::replay_trace(options.scenario_path, options.trace_path, runner);
  });
}

}  // namespace smh::cli
