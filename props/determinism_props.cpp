// Suite 6: determinism. Generated scenarios — random machines (every
// cache policy, line size, matching mode and selection policy), seeds, faults
// (none, swarm, or a hand-picked mix), background cache activity, and op mixes
// with every block, CPU, cache and DMA op — must give the same outcome every time:
//   * applied op by op (the LiveExecutor) and replayed with sim::run_ops: the same
//     events, findings, injections and digest;
//   * serialised with sim::to_json, parsed back with sim::parse_scenario (which
//     must reproduce the canonical text) and run: the same outcome again;
//   * replayed without keeping events (constant-memory replay): the same digest and
//     findings; and when nothing fired, replayed with the checks off (the fast
//     replayer): the same events and digest.
// The two replays live at different host addresses (fresh mappings), so anything
// that lets a host pointer or an allocation order leak into the outcome diverges.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <cstdint>
#include <string>

#include "smh/sim/executor.hpp"
#include "smh/sim/faults.hpp"
#include "smh/sim/scenario.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "support/live_executor.hpp"
#include "support/machine_generator.hpp"
#include "support/run_equality.hpp"
#include "support/scenario_commands.hpp"
#include "support/suite_budget.hpp"

namespace smh::props {
namespace {

constexpr SuiteBudget determinism_budget{300, 200, 0x5eed'0006};

// None, swarm (drawn from the seed, written "swarm"), or an explicit mix of rates.
void draw_faults(sim::Scenario* scenario) {
  const int choice = *rc::gen::weightedElement<int>({{2, 0}, {1, 1}, {1, 2}});
  if (choice == 1) {
    scenario->swarm = true;
    scenario->faults = sim::FaultPlan::swarm(scenario->seed);
  } else if (choice == 2) {
    for (std::uint32_t& rate : scenario->faults.rate_ppm) {
      rate = *rc::gen::weightedOneOf<std::uint32_t>(
          {{1, rc::gen::just<std::uint32_t>(0)}, {1, rc::gen::inRange<std::uint32_t>(1, 50'000)}});
    }
  }
}

// The executor options of a run: what the scenario carries (faults, cache
// noise) and what it does not (the checks and their period), which are the same
// for every replay.
sim::ExecutorOptions draw_options(const sim::Scenario& scenario) {
  sim::ExecutorOptions options;
  options.check_invariants = *rc::gen::weightedElement<bool>({{4, true}, {1, false}});
  options.validate_every_ops = *rc::gen::element<std::uint64_t>(0, 1, 7, 1024);
  options.validate_scales_with_blocks = *rc::gen::arbitrary<bool>();
  options.cache_noise_ppm = scenario.cache_noise_ppm;
  options.faults = scenario.faults;
  return options;
}

RunOutcome live_outcome(LiveExecutor& sut) {
  sim::Executor& executor = sut.executor();
  return RunOutcome{executor.events(), executor.findings(), executor.injections(), executor.digest(),
                    executor.summary().failed_allocs};
}

TEST(DeterminismProps, EveryScenarioReplaysIdenticallyAndSoDoesItsJsonRoundTrip) {
  check_within_budget(
      [] {
        sim::Scenario scenario;
        scenario.name = "determinism_counterexample";
        scenario.description = "Shrunk counterexample of the determinism suite (props/determinism_props.cpp).";
        scenario.machine = *gen_machine();
        scenario.seed = *rc::gen::arbitrary<std::uint64_t>();
        draw_faults(&scenario);
        scenario.cache_noise_ppm = *rc::gen::weightedOneOf<std::uint32_t>(
            {{1, rc::gen::just<std::uint32_t>(0)}, {1, rc::gen::inRange<std::uint32_t>(1, 300'000)}});
        const sim::ExecutorOptions options = draw_options(scenario);

        LiveExecutor sut(scenario.machine, options, scenario.seed);
        const ScenarioModel model{request_attrs(scenario.machine), 1};
        const auto commands = *rc::state::gen::commands(model, &gen_scenario_command);
        rc::state::runAll(commands, model, sut);
        sut.finish();
        scenario.ops = sut.ops();
        const RunOutcome first = live_outcome(sut);

        const std::string json = sim::to_json(scenario);
        RC_LOG() << "options: check_invariants " << options.check_invariants << ", validate_every_ops "
                 << options.validate_every_ops << " (scaled with live blocks: " << options.validate_scales_with_blocks
                 << ")\n"
                 << "counterexample scenario (save under scenarios/, replay with `smh run`):\n"
                 << json << "\n";

        const sim::RunResult replay = sim::run_ops(scenario.machine, scenario.ops, scenario.seed, options);
        RC_ASSERT(replay.ok);
        const std::string replay_difference = first_difference(first, outcome_of(replay));
        RC_ASSERT(replay_difference == "");

        sim::Scenario parsed;
        sim::ScenarioError error;
        const bool parsed_ok = sim::parse_scenario(json, "determinism.json", &parsed, &error);
        RC_ASSERT(parsed_ok);
        RC_ASSERT(sim::to_json(parsed) == json);
        sim::ExecutorOptions parsed_options = options;
        parsed_options.faults = parsed.faults;  // "swarm" is re-derived from the parsed seed
        parsed_options.cache_noise_ppm = parsed.cache_noise_ppm;
        const sim::RunResult round_trip = sim::run_ops(parsed.machine, parsed.ops, parsed.seed, parsed_options);
        RC_ASSERT(round_trip.ok);
        const std::string round_trip_difference = first_difference(first, outcome_of(round_trip));
        RC_ASSERT(round_trip_difference == "");

        sim::ExecutorOptions streaming = options;
        streaming.keep_events = false;
        const sim::RunResult streamed = sim::run_ops(scenario.machine, scenario.ops, scenario.seed, streaming);
        RC_ASSERT(streamed.ok);
        RC_ASSERT(streamed.summary.digest == first.digest);
        RunOutcome streamed_outcome = outcome_of(streamed);
        streamed_outcome.events = first.events;  // not kept: compare the rest
        const std::string streamed_difference = first_difference(first, streamed_outcome);
        RC_ASSERT(streamed_difference == "");

        // The fast replayer promises the checked run's digest when nothing fires.
        if (options.check_invariants && first.findings.empty() && first.injections.empty()) {
          sim::ExecutorOptions fast = options;
          fast.check_invariants = false;
          const sim::RunResult replayed_fast = sim::run_ops(scenario.machine, scenario.ops, scenario.seed, fast);
          RC_ASSERT(replayed_fast.ok);
          const std::string fast_difference = first_difference(first, outcome_of(replayed_fast));
          RC_ASSERT(fast_difference == "");
        }
        RC_CLASSIFY(scenario.swarm, "swarm faults");
        RC_CLASSIFY(!first.findings.empty(), "with findings");
      },
      determinism_budget);
}

}  // namespace
}  // namespace smh::props
