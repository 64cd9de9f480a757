// Counterexamples as scenarios. When a property fails, RapidCheck shrinks the
// command list; the suites then print the shrunk case in the scenario JSON format
// (docs/scenario-format.md), so it can be saved under scenarios/ as a regression
// case and replayed with `smh run`. One helper serves every suite.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "smh/sim/scenario.hpp"
#include "smh/sim/scenario_parser.hpp"

namespace smh::props {

// The scenario that reproduces `ops` on `machine` with `seed`. The expectation
// it carries is the clean one (no findings allowed), so `smh run` on the saved
// file fails until the bug is fixed, then passes and guards against its return.
inline sim::Scenario counterexample_scenario(std::string name, const sim::MachineConfig& machine,
                                             std::span<const sim::Op> ops, std::uint64_t seed,
                                             std::uint32_t cache_noise_ppm = 0) {
  sim::Scenario scenario;
  scenario.name = std::move(name);
  scenario.description = "Shrunk counterexample found by the property suites (props/).";
  scenario.machine = machine;
  scenario.seed = seed;
  scenario.cache_noise_ppm = cache_noise_ppm;
  scenario.ops.assign(ops.begin(), ops.end());
  return scenario;
}

// The text to log with RC_LOG() / RC_ASSERT messages.
inline std::string counterexample_json(std::string name, const sim::MachineConfig& machine,
                                       std::span<const sim::Op> ops, std::uint64_t seed,
                                       std::uint32_t cache_noise_ppm = 0) {
  return "counterexample scenario (save under scenarios/, replay with `smh run`):\n" +
         sim::to_json(counterexample_scenario(std::move(name), machine, ops, seed, cache_noise_ppm));
}

}  // namespace smh::props
