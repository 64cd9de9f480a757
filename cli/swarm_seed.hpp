// One seed of a swarm campaign (`smh swarm`): a workload generated on the
// given machine from the seed (sim::generate_workload: allocation mixes,
// aligned requests, reallocs, frees, preference chains, and driver transfer
// loops with correct cache maintenance in the memory DMA reaches; correct by
// construction, so any finding is the allocator's or the harness's fault), a swarm of injected faults drawn from
// the seed (FaultPlan::swarm) and background cache activity, run with every
// check on — twice, since two runs of one seed must agree.
//
// The result is a function of (machine, seed, settings) only: no clock, no host
// address, whatever thread runs it. That is what makes a campaign's report the
// same for any --jobs and any sharding.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "smh/sim/executor.hpp"
#include "smh/sim/scenario.hpp"

namespace smh::cli {

struct SwarmSettings {
  std::uint64_t ops_per_seed = 2000;  // generated ops before the closing frees
  // A test seam: called on each run's executor before its first op (the tests
  // damage the heap with it to see a failing seed reported and written).
  std::function<void(sim::Executor&)> on_start;
};

// What one seed gave. `failure` empty: the seed passed.
struct SeedResult {
  std::uint64_t seed = 0;
  std::uint64_t ops = 0;            // ops applied (the closing frees included)
  std::uint64_t digest = 0;         // of the first run
  std::uint64_t failed_allocs = 0;  // legitimate out-of-memory answers (no_false_oom vouches for them)
  std::uint64_t injections = 0;     // faults injected (each detected, or a FAULT_UNDETECTED finding)
  // "" (pass), "finding" (a check fired), "nondeterministic" (the two runs
  // disagree) or "run_error" (the machine or a generated op was refused).
  std::string failure;
  std::string check;                // finding: the check that fired first (ties: lowest number)
  std::uint64_t at_op = 0;          // finding: the op index of its first firing
  std::string detail;               // run_error / nondeterministic: what differed

  friend bool operator==(const SeedResult&, const SeedResult&) = default;
};

// The scenario of `seed` on the machine of `machine` (its name, regions and
// pool; its ops and expectations ignored): what a failing seed is written as,
// and what `smh run` on that file replays identically.
sim::Scenario seed_scenario(const sim::Scenario& machine, std::uint64_t seed, const SwarmSettings& settings);

// One run of a seed's scenario (or of a shrunk one), every check on, events not kept.
sim::RunResult run_swarm_scenario(const sim::Scenario& scenario, const SwarmSettings& settings);

// Runs the scenario of seed_scenario() twice and judges it.
SeedResult run_seed_scenario(const sim::Scenario& scenario, const SwarmSettings& settings);

// A digest of the machine's canonical text (path-independent): reports of
// different hosts can be merged only when they ran the same machine.
std::uint64_t machine_hash(const sim::Scenario& machine);

}  // namespace smh::cli
