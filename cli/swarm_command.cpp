#include "swarm_command.hpp"

#include <time.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "input_files.hpp"
#include "progress.hpp"
#include "report_json.hpp"
#include "smh/sim/host_memory_reuse.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/scenario_runner.hpp"
#include "swarm_campaign.hpp"
#include "swarm_report.hpp"
#include "swarm_shrink.hpp"
#include "text_format.hpp"

namespace smh::cli {
namespace {

double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// The seed range and shard from the options; false with *error.
bool make_plan(const SwarmCommandOptions& options, CampaignPlan* plan, std::string* error) {
  if (options.seeds && options.duration) {
    *error = "--seeds and --duration exclude each other: a campaign is a range of seeds or a time budget";
    return false;
  }
  if (options.duration) {
    std::uint64_t seconds = 0;
    if (!parse_duration(*options.duration, &seconds, error)) {
      return false;
    }
    plan->duration_seconds = seconds;
  } else if (!parse_seed_range(options.seeds.value_or("0..999"), &plan->range, error)) {
    return false;
  }
  plan->jobs = options.jobs;
  return resolve_shard(options.shard, options.shard_count, process_environment(), &plan->shard, error);
}

// "1200 seeds, 2.1 M ops/s, 0 failures, about 40 s left".
std::string progress_text(const CampaignPlan& plan, const CampaignProgress& progress, double elapsed_seconds) {
  const std::uint64_t done = progress.seeds_done.load();
  char text[160];
  double left_seconds = 0;
  if (plan.duration_seconds) {
    left_seconds = static_cast<double>(*plan.duration_seconds) - elapsed_seconds;
  } else if (done != 0) {
    const std::uint64_t total = shard_seed_count(plan.range, plan.shard).value_or(done);
    left_seconds = elapsed_seconds / static_cast<double>(done) * static_cast<double>(total - done);
  }
  std::snprintf(text, sizeof text, "%" PRIu64 " seeds, %.2f M ops/s, %" PRIu64 " failures, about %.0f s left", done,
                static_cast<double>(progress.ops_done.load()) / elapsed_seconds / 1e6, progress.failures.load(),
                left_seconds < 0 ? 0 : left_seconds);
  return text;
}

// A failing seed's scenario, shrunk when a check fired (a disagreement or a
// refused op is written whole), and what the shrinking did, in words.
sim::Scenario failing_scenario(const SwarmCommandOptions& options, const sim::Scenario& machine,
                               const SwarmSettings& settings, const SeedResult& result, std::string* note) {
  const sim::Scenario scenario = seed_scenario(machine, result.seed, settings);
  if (result.failure != "finding" || options.shrink_runs == 0) {
    *note = "not shrunk";
    return scenario;
  }
  const auto start = std::chrono::steady_clock::now();
  ShrinkResult shrunk = shrink_failing_scenario(scenario, result.check, result.at_op, settings, options.shrink_runs);
  const std::chrono::duration<double> spent = std::chrono::steady_clock::now() - start;
  char text[160];
  std::snprintf(text, sizeof text, "shrunk from %zu to %zu ops in %" PRIu64 " runs, %.2f s%s", scenario.ops.size(),
                shrunk.scenario.ops.size(), shrunk.runs, spent.count(),
                shrunk.budget_spent ? " (--shrink-runs spent)" : "");
  *note = text;
  return std::move(shrunk.scenario);
}

// Writes each failing seed's scenario to the out directory and prints it with
// its reproduce command; false (message printed) when a file cannot be written.
bool write_failures(const SwarmCommandOptions& options, const sim::Scenario& machine, const SwarmSettings& settings,
                    const std::vector<SeedResult>& results) {
  const sim::HostMemoryReuse reuse;  // shrinking runs one machine after another
  for (const SeedResult& result : results) {
    if (result.failure.empty()) {
      continue;
    }
    std::error_code ignored;
    std::filesystem::create_directories(options.out_dir, ignored);
    std::string note;
    const sim::Scenario scenario = failing_scenario(options, machine, settings, result, &note);
    const std::string path = (std::filesystem::path(options.out_dir) / (scenario.name + ".json")).string();
    std::string error;
    if (!write_text_file(path, sim::to_json(scenario), &error)) {
      std::fprintf(stderr, "smh swarm: %s\n", error.c_str());
      return false;
    }
    const std::string what = result.check.empty() ? result.failure + " (" + result.detail + ")"
                                                   : result.check + " at op " + std::to_string(result.at_op);
    std::printf("FAIL seed %" PRIu64 ": %s; %s; reproduce: smh run %s\n", result.seed, what.c_str(), note.c_str(),
                shell_quote(path).c_str());
  }
  return true;
}

// Refuses, before any thread starts, a machine whose --jobs copies could use
// more host memory than the budget, and one the executor cannot build.
bool machine_runs(const SwarmCommandOptions& options, const sim::Scenario& machine, std::string* error) {
  if (const auto refusal = sim::sim_memory_refusal(machine.machine, options.jobs, options.max_sim_memory_bytes)) {
    *error = options.machine_path + ": " + *refusal;
    return false;
  }
  std::unique_ptr<sim::Executor> executor = sim::Executor::create(machine.machine, {}, 0, error);
  return executor != nullptr;
}

}  // namespace

int swarm_command(const SwarmCommandOptions& options) {
  CampaignPlan plan;
  std::string error;
  sim::Scenario machine;
  if (!make_plan(options, &plan, &error) ||
      !load_machine_file(options.machine_path, options.max_input_bytes, &machine, &error) ||
      !machine_runs(options, machine, &error)) {
    std::fprintf(stderr, "smh swarm: %s\n", error.c_str());
    return 2;
  }
  SwarmSettings settings;
  settings.ops_per_seed = options.ops_per_seed;
  const double cpu_start_seconds = process_cpu_seconds();
  CampaignProgress progress;
  ProgressLine line(ProgressLine::stderr_is_terminal());
  const std::vector<SeedResult> results = run_campaign(machine, plan, settings, &progress, [&] {
    if (line.due()) {
      line.show(progress_text(plan, progress, line.seconds_elapsed()));
    }
  });
  line.clear();
  SwarmReport report{machine.name, machine_hash(machine), options.ops_per_seed, plan.range.first,
                     plan.range.last, plan.shard.index, plan.shard.count, results,
                     SwarmTimings{line.seconds_elapsed(), process_cpu_seconds() - cpu_start_seconds, plan.jobs}};
  if (!write_failures(options, machine, settings, results)) {
    return 2;
  }
  const nlohmann::ordered_json json = to_json(report);
  std::printf("smh swarm: %s, shard %" PRIu64 "/%" PRIu64 " (%s): %" PRIu64 " seeds, %" PRIu64 " failures, %" PRIu64
              " checked ops, %.1f s\n",
              machine.name.c_str(), plan.shard.index, plan.shard.count, plan.shard.source.c_str(),
              json["totals"]["seeds"].get<std::uint64_t>(), failure_count(report),
              json["totals"]["ops"].get<std::uint64_t>(), report.timings.wall_seconds);
  if (!options.report_path.empty() && !write_text_file(options.report_path, json.dump(2) + "\n", &error)) {
    std::fprintf(stderr, "smh swarm: %s\n", error.c_str());
    return 2;
  }
  return failure_count(report) == 0 ? 0 : 1;
}

}  // namespace smh::cli
