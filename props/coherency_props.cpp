// Suite 5: cache coherency. Generated driver workloads
// (support/driver_workload.hpp: TX, RX and descriptor buffers in write-back,
// write-through and non-cacheable memory, CPU-only objects beside them, explicit
// evictions and speculative fills, transfers aborted in flight, and seeded
// background cache activity):
//   * with correct maintenance, no oracle ever fires, op after op;
//   * with exactly one maintenance step removed at a random point, the oracle
//     for that removal fires
//     at the op where the damage shows, and nothing unrelated fires
//     (support/maintenance_mutation.hpp has the mapping and why each is detectable).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "smh/sim/executor.hpp"
#include "support/counterexample.hpp"
#include "support/driver_workload.hpp"
#include "support/live_executor.hpp"
#include "support/maintenance_mutation.hpp"
#include "support/suite_budget.hpp"

namespace smh::props {
namespace {

constexpr SuiteBudget coherency_budget{300, 200, 0x5eed'0005};

// Applies each op as the commands emit it and requires silence from every check.
class SilentDriverSut final : public DriverSut {
 public:
  SilentDriverSut(const sim::MachineConfig& machine, const sim::ExecutorOptions& options, std::uint64_t seed)
      : executor_(machine, options, seed) {}

  void apply(const AnnotatedOp& op) override {
    applied_.push_back(op);
    const auto events = executor_.apply(op.op);
    if (op.op.kind == sim::OpKind::alloc) {
      // The regions are far larger than the workload: a failure is a model bug.
      RC_ASSERT(std::none_of(events.begin(), events.end(),
                             [](const sim::Event& e) { return e.kind == sim::EventKind::alloc_failed; }));
    }
    require_silence();
  }

  // Closes the open transactions, then the end-of-run checks.
  void finish() {
    for (const AnnotatedOp& op : closing_ops(applied_)) {
      apply(op);
    }
    executor_.finish();
    require_silence();
  }

  [[nodiscard]] const LiveExecutor& executor() const { return executor_; }

 private:
  void require_silence() {
    const auto& findings = executor_.executor().findings();
    if (!findings.empty()) {
      RC_FAIL(std::string(to_string(findings.front().check)) + " at op " + std::to_string(findings.front().op_index) + ": " +
              findings.front().message);
    }
  }

  LiveExecutor executor_;
  std::vector<AnnotatedOp> applied_;
};

TEST(CoherencyProps, CorrectMaintenanceNeverTriggersAnOracle) {
  check_within_budget(
      [] {
        const auto machine = std::make_shared<const sim::MachineConfig>(*gen_driver_machine());
        sim::ExecutorOptions options;
        options.cache_noise_ppm = *rc::gen::element<std::uint32_t>(0, 1'000, 30'000, 300'000);
        const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
        SilentDriverSut sut(*machine, options, seed);
        const DriverModel initial{machine, {}, {}, 1};
        const auto commands = *rc::state::gen::commands(initial, &gen_driver_command);
        try {
          rc::state::runAll(commands, initial, static_cast<DriverSut&>(sut));
          sut.finish();
        } catch (...) {
          RC_LOG() << counterexample_json("coherency_correct_maintenance", *machine, sut.executor().ops(), seed,
                                          options.cache_noise_ppm)
                   << "\n";
          throw;
        }
        RC_CLASSIFY(options.cache_noise_ppm != 0, "background cache activity");
        RC_CLASSIFY(std::any_of(sut.executor().ops().begin(), sut.executor().ops().end(),
                                [](const sim::Op& op) { return op.kind == sim::OpKind::dma_abort; }),
                    "a transfer aborted");
      },
      coherency_budget);
}

TEST(CoherencyProps, RemovingOneMaintenanceStepIsCaughtByItsOracle) {
  check_within_budget(
      [] {
        const auto machine = std::make_shared<const sim::MachineConfig>(*gen_driver_machine());
        const DriverModel initial{machine, {}, {}, 1};
        const auto commands = *rc::state::gen::commands(initial, &gen_driver_command);
        DriverRecorder recorder;
        rc::state::runAll(commands, initial, static_cast<DriverSut&>(recorder));
        const std::vector<MutationSite> sites = mutation_sites(recorder.ops, *machine);
        RC_PRE(!sites.empty());
        const MutationSite site = sites[*rc::gen::inRange<std::size_t>(0, sites.size())];
        RC_CLASSIFY(true, to_string(site.mutation));
        const MutatedWorkload mutated = mutate(recorder.ops, site);

        const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
        const sim::RunResult result = sim::run_ops(*machine, mutated.ops, seed);  // no background noise
        RC_LOG() << "mutation: " << to_string(site.mutation) << "; expected " << to_string(mutated.expected) << " at op "
                 << mutated.detection_op << "\n"
                 << counterexample_json("coherency_" + std::string(to_string(mutated.expected)), *machine, mutated.ops, seed) << "\n";
        RC_ASSERT(result.ok);
        RC_ASSERT(std::any_of(result.findings.begin(), result.findings.end(), [&](const sim::Finding& finding) {
          return finding.check == mutated.expected && finding.op_index == mutated.detection_op;
        }));
        for (const sim::Finding& finding : result.findings) {
          RC_ASSERT(mutated.allowed.contains(finding.check));
          RC_ASSERT(finding.op_index >= mutated.first_changed_op);
        }
      },
      coherency_budget);
}

}  // namespace
}  // namespace smh::props
