#include "swarm_flags.hpp"

#include <cstdint>

namespace smh::cli {

CLI::App* add_swarm_command(CLI::App& app, SwarmCommandOptions* options) {
  CLI::App* swarm = app.add_subcommand(
      "swarm", "Run a campaign of seeded workloads, faults and cache noise on a machine, every check on; exit 0 no "
               "failure, 1 a seed failed, 2 bad input");
  swarm->add_option("machine", options->machine_path, "Scenario file whose machine is used (its ops are not run)")
      ->required();
  swarm->add_option("--seeds", options->seeds, "Seed range A..B, both included (default 0..999)");
  swarm->add_option("--duration", options->duration,
                    "Run seeds from 0 until this time is spent (90s, 15m, 2h) instead of a range");
  swarm->add_option("--jobs,-j", options->jobs, "Threads (default 1); the report is the same for any number")
      ->check(CLI::Range(1u, 256u));
  swarm->add_option("--shard", options->shard,
                    "Run shard I of N (0-based): the seeds s with (s - A) mod N = I (default: from the environment, "
                    "docs/swarm.md, else 0/1)");
  swarm->add_option("--shard-count", options->shard_count,
                    "The shard count when the index is JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  swarm->add_option("--ops", options->ops_per_seed, "Generated ops per seed, before the closing frees (default 2000)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 24));
  swarm->add_option("--out", options->out_dir,
                    "Directory for the failing seeds' scenario files (default swarm-failures; made on a failure)");
  swarm->add_option("--shrink-runs", options->shrink_runs,
                    "Runs each failing seed's shrinking may spend (default 2000; 0: write it whole)")
      ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1} << 24));
  swarm->add_option("--report", options->report_path, "Write the JSON report (input of smh merge) to this file");
  swarm->add_option("--max-input-bytes", options->max_input_bytes, "Largest machine file read (default 64 MiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  swarm->add_option("--max-sim-memory-bytes", options->max_sim_memory_bytes,
                    "Host memory the simulated machines (one per job) may use at worst (default 8 GiB)")
      ->check(CLI::Range(std::uint64_t{1} << 20, std::uint64_t{1} << 44));
  return swarm;
}

CLI::App* add_merge_command(CLI::App& app, MergeCommandOptions* options) {
  CLI::App* merge = app.add_subcommand(
      "merge", "Merge the shard reports of one smh swarm campaign into the report of a single run; exit 0 no "
               "failure, 1 a seed failed, 2 bad input");
  merge->add_option("reports", options->report_paths, "smh swarm --report files, one per shard")->required();
  merge->add_option("-o,--output", options->output_path, "Write the merged report here")->required();
  merge->add_option("--max-input-bytes", options->max_input_bytes, "Largest report read (default 1 GiB)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  return merge;
}

}  // namespace smh::cli
