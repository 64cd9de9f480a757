#include "swarm_seed.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "smh/sim/digest.hpp"
#include "smh/sim/prng.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/workload.hpp"

namespace smh::cli {
namespace {

// The attributes requests draw from: those of the regions that serve ordinary
// requests (a reserved region serves only alloc_in), each once, ascending, so
// that a request can be served and a refusal is the allocator's to justify.
std::vector<std::uint32_t> served_attrs(const sim::MachineConfig& machine) {
  std::vector<std::uint32_t> attrs;
  for (const sim::RegionSpec& spec : machine.regions) {
    if (!spec.reserved) {
      attrs.push_back(spec.attr);
    }
  }
  std::sort(attrs.begin(), attrs.end());
  attrs.erase(std::unique(attrs.begin(), attrs.end()), attrs.end());
  if (attrs.empty()) {
    attrs.push_back(machine.regions.empty() ? 0 : machine.regions.front().attr);
  }
  return attrs;
}

// The served attributes whose every serving region lets DMA reach it (the
// pool's own matching rule), and the largest cache line among those regions:
// where a driver loop's buffer lands in DMA memory whatever the pool picks.
std::vector<std::uint32_t> dma_attrs(const sim::MachineConfig& machine, std::uint32_t* line_bytes) {
  std::vector<std::uint32_t> attrs;
  for (const std::uint32_t attr : served_attrs(machine)) {
    bool served = false;
    bool all_dma = true;
    std::uint32_t line = 16;
    for (const sim::RegionSpec& spec : machine.regions) {
      if (!spec.reserved && attribute_matches(machine.pool.mode, spec.attr, attr)) {
        served = true;
        all_dma = all_dma && spec.dma_capable;
        line = std::max(line, sim::is_cacheable(spec.cache_policy) ? spec.line_bytes : 16u);
      }
    }
    if (served && all_dma) {
      attrs.push_back(attr);
      *line_bytes = std::max(*line_bytes, line);
    }
  }
  return attrs;
}

// The workload's shape, drawn from the seed: how full the machine runs (20..95 %
// of what its unreserved regions hold), the size range, and how often requests
// are aligned or reallocated. Each seed so explores its own mix.
sim::WorkloadConfig workload_config(const sim::MachineConfig& machine, std::uint64_t seed,
                                    const SwarmSettings& settings) {
  sim::Rng rng = sim::Rng::stream(seed, "swarm.workload");
  std::uint64_t capacity_bytes = 0;
  std::uint64_t largest_region_bytes = 0;
  for (const sim::RegionSpec& spec : machine.regions) {
    if (!spec.reserved) {
      capacity_bytes += spec.size_bytes;
      largest_region_bytes = std::max(largest_region_bytes, spec.size_bytes);
    }
  }
  sim::WorkloadConfig config;
  config.op_count = settings.ops_per_seed;
  config.target_live_bytes = capacity_bytes * rng.between(20, 95) / 100;
  const std::uint64_t size_ceiling_bytes = std::clamp<std::uint64_t>(largest_region_bytes / 4, 64, 1 << 20);
  config.max_size_bytes = static_cast<std::uint32_t>(rng.log_uniform(64, size_ceiling_bytes));
  config.min_size_bytes = static_cast<std::uint32_t>(rng.log_uniform(1, 16));
  config.realloc_per_mille = static_cast<std::uint32_t>(rng.between(0, 150));
  config.aligned_per_mille = static_cast<std::uint32_t>(rng.between(0, 200));
  config.max_align_bytes = 1u << rng.between(4, 10);
  config.attrs = served_attrs(machine);
  // Drawn after the above, so that the shape of the block ops stays as it was.
  config.prefer_per_mille = static_cast<std::uint32_t>(rng.between(0, 300));
  config.dma_line_bytes = 16;
  config.dma_attrs = dma_attrs(machine, &config.dma_line_bytes);
  config.dma_loop_per_mille = static_cast<std::uint32_t>(rng.between(0, 100));
  return config;
}

// The check that fired first (lowest op index; ties: lowest check number).
void name_first_finding(const sim::FindingTally& tally, SeedResult* result) {
  bool found = false;
  for (unsigned index = 0; index < sim::check_count; ++index) {
    const auto check = static_cast<sim::Check>(index);
    if (tally.of(check) != 0 && (!found || tally.first_op_of(check) < result->at_op)) {
      found = true;
      result->check = sim::to_string(check);
      result->at_op = tally.first_op_of(check);
    }
  }
}

}  // namespace

sim::RunResult run_swarm_scenario(const sim::Scenario& scenario, const SwarmSettings& settings) {
  sim::ExecutorOptions options;
  options.keep_events = false;  // the digest records them; a campaign needs no more
  options.faults = scenario.faults;
  options.cache_noise_ppm = scenario.cache_noise_ppm;
  sim::RunResult result;
  std::unique_ptr<sim::Executor> executor =
      sim::Executor::create(scenario.machine, options, scenario.seed, &result.error);
  if (!executor) {
    return result;
  }
  if (settings.on_start) {
    settings.on_start(*executor);
  }
  if (!executor->apply_all(scenario.ops, &result.error)) {
    return result;
  }
  executor->finish();
  result.ok = true;
  result.findings = executor->findings();
  result.injections = executor->injections();
  result.summary = executor->summary();
  return result;
}

sim::Scenario seed_scenario(const sim::Scenario& machine, std::uint64_t seed, const SwarmSettings& settings) {
  sim::Scenario scenario;
  scenario.name = machine.name + "_swarm_seed_" + std::to_string(seed);
  scenario.description = "A failing seed of `smh swarm` on the machine of " + machine.name +
                         ": the workload, faults (swarm, from the seed) and cache noise it drew.";
  scenario.machine = machine.machine;
  scenario.seed = seed;
  scenario.swarm = true;
  scenario.faults = sim::FaultPlan::swarm(seed);
  sim::Rng noise = sim::Rng::stream(seed, "swarm.cache_noise");
  scenario.cache_noise_ppm = noise.chance(1, 2) ? 0 : static_cast<std::uint32_t>(noise.log_uniform(100, 50'000));
  scenario.ops = sim::generate_workload(workload_config(machine.machine, seed, settings), seed);
  return scenario;
}

SeedResult run_seed_scenario(const sim::Scenario& scenario, const SwarmSettings& settings) {
  SeedResult result;
  result.seed = scenario.seed;
  const sim::RunResult first = run_swarm_scenario(scenario, settings);
  if (!first.ok) {
    result.failure = "run_error";
    result.detail = first.error;
    return result;
  }
  result.ops = first.summary.ops;
  result.digest = first.summary.digest;
  result.failed_allocs = first.summary.failed_allocs;
  result.injections = first.injections.size();
  const sim::RunResult second = run_swarm_scenario(scenario, settings);
  if (!second.ok || second.summary.digest != first.summary.digest ||
      second.summary.finding_tally.count != first.summary.finding_tally.count) {
    result.failure = "nondeterministic";
    result.detail = second.ok ? "the second run's digest or findings differ" : second.error;
    return result;
  }
  if (first.summary.finding_tally.total() != 0) {
    result.failure = "finding";
    name_first_finding(first.summary.finding_tally, &result);
  }
  return result;
}

std::uint64_t machine_hash(const sim::Scenario& machine) {
  sim::Scenario canonical;
  canonical.name = "machine";
  canonical.machine = machine.machine;
  sim::Digest digest;
  digest.add_text(sim::to_json(canonical));
  return digest.value();
}

}  // namespace smh::cli
