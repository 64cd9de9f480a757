#include "check_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "isolated_runs.hpp"
#include "junit.hpp"
#include "outcome_wire.hpp"
#include "output_paths.hpp"
#include "progress.hpp"
#include "report_json.hpp"
#include "run_summary.hpp"
#include "scenario_discovery.hpp"
#include "smh/sim/scenario_runner.hpp"
#include "validation_cadence.hpp"
#include "test_hook.hpp"
#include "text_format.hpp"

namespace smh::cli {

namespace {

std::string totals_line(const std::vector<const sim::ScenarioOutcome*>& outcomes) {
  std::size_t counts[5] = {};
  for (const sim::ScenarioOutcome* outcome : outcomes) {
    ++counts[static_cast<unsigned>(outcome->verdict)];
  }
  static_assert(static_cast<unsigned>(sim::Verdict::bad_input) == 4);
  const std::size_t failed = counts[1] + counts[2] + counts[3];
  return std::to_string(outcomes.size()) + " scenario(s): " + std::to_string(counts[0]) + " passed, " +
         std::to_string(failed) + " failed (" + std::to_string(counts[1]) + " expectation_failed, " +
         std::to_string(counts[2]) + " invariant_broken, " + std::to_string(counts[3]) + " crashed), " +
         std::to_string(counts[4]) + " bad input\n";
}

}  // namespace

int check_command(const CheckCommandOptions& options) {
  std::vector<std::string> paths;
  std::vector<std::string> unreadable;  // folders that could not be searched: bad input, reported, not fatal
  std::string error;
  if (!discover_scenarios(options.inputs, &paths, &unreadable, &error)) {
    std::fprintf(stderr, "smh check: %s\n", printable(error).c_str());
    return 2;
  }
  for (const std::string& folder : unreadable) {
    std::fprintf(stderr, "smh check: %s\n", printable(folder).c_str());
  }
  if (paths.empty()) {
    std::fprintf(stderr, "smh check: no scenario files (*.json with \"format_version\") found\n");
    return 2;
  }
  // Overwriting a scenario with a report would lose it. (Writing the report
  // over the baseline is allowed: the baseline is read first.)
  const std::string clash =
      output_clash({{"--report", options.outputs.report_path}, {"--junit", options.outputs.junit_path}}, paths);
  if (!clash.empty()) {
    std::fprintf(stderr, "smh check: %s\n", clash.c_str());
    return 2;
  }
  // The baseline first: a typo in its name should not cost a whole run.
  Baseline baseline;
  if (!load_gate_baseline("check", options.outputs, options.max_input_bytes, &baseline)) {
    return 2;
  }

  sim::RunnerOptions runner;
  runner.max_input_bytes = options.max_input_bytes;
  runner.max_findings_kept = options.max_findings;
  runner.max_sim_memory_bytes = options.max_sim_memory_bytes;
  if (!apply_validate_every(options.validate_every, &runner, &error)) {
    std::fprintf(stderr, "smh check: %s\n", error.c_str());
    return 2;
  }
  std::optional<RunStartHook> hook = test_hook_from_environment(&error);
  if (!hook) {
    std::fprintf(stderr, "smh check: %s\n", error.c_str());
    return 2;
  }
  runner.on_start = std::move(*hook);

  // Each scenario is loaded here and run in a child process of its own: one that
  // crashes, aborts or hangs is that scenario's failure (crashed), and every
  // other scenario still runs.
  const auto start = std::chrono::steady_clock::now();
  std::vector<sim::ScenarioOutcome> results(paths.size());
  sim::PreparedRun prepared;  // the scenario about to be forked
  ProgressLine progress(ProgressLine::stderr_is_terminal());
  IsolatedWork work;
  work.prepare = [&](std::size_t index) {
    prepared = sim::prepare_scenario_file(paths[index], runner);
    results[index] = prepared.outcome;  // final when it cannot be run
    return prepared.ready;
  };
  work.run = [&](std::size_t) { return encode_outcome(sim::run_prepared(prepared, runner)); };
  work.collect = [&](std::size_t index, const ChildEnd& end) {
    sim::ScenarioOutcome& outcome = results[index];
    if (end.how == ChildEnd::How::finished && decode_outcome(end.sent, &outcome)) {
      return;
    }
    outcome.verdict = sim::Verdict::crashed;
    outcome.error = end.how == ChildEnd::How::finished ? "exited without sending its whole outcome"
                                                       : describe(end, options.time_limit_seconds);
    outcome.wall_seconds += end.wall_seconds;
  };
  run_isolated(paths.size(), options.jobs, options.time_limit_seconds, work, [&](std::size_t finished) {
    if (progress.due()) {
      progress.show(std::to_string(finished) + "/" + std::to_string(paths.size()) + " scenarios, " +
                    std::to_string(static_cast<unsigned>(progress.seconds_elapsed())) + " s");
    }
  });
  progress.clear();
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<const sim::ScenarioOutcome*> outcomes;
  int code = 0;
  for (const sim::ScenarioOutcome& outcome : results) {
    outcomes.push_back(&outcome);
    code = std::max(code, sim::exit_code(outcome.verdict));
    if (!options.quiet || outcome.verdict != sim::Verdict::pass) {
      std::fputs(render_outcome_line(outcome).c_str(), stdout);
    }
  }
  std::fputs(totals_line(outcomes).c_str(), stdout);
  code = finish_gate_outputs("check", options.outputs, baseline, outcomes, options.jobs, wall_seconds, code);
  if (!unreadable.empty()) {  // named on stderr above; the scenarios found still ran
    code = 2;
  }
  return code;
}

}  // namespace smh::cli
