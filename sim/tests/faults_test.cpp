// Fault injection: every kind, injected at a known rate into a seeded workload,
// is detected and attributed; swarm plans are drawn from the seed.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "smh/sim/executor.hpp"
#include "smh/sim/workload.hpp"

namespace smh::sim {
namespace {

MachineConfig machine() {
  MachineConfig config;
  config.regions = {
      {"sram0", 0x2000'0000, 128 << 10, 0, CachePolicy::write_back, 32, true, false},
      {"sram1", 0x2010'0000, 128 << 10, 0, CachePolicy::non_cacheable, 32, true, false},
      {"sram2", 0x2020'0000, 128 << 10, 0, CachePolicy::write_through, 32, false, false},
  };
  return config;
}

std::vector<Op> workload(std::uint64_t seed) {
  WorkloadConfig config;
  config.op_count = 20'000;
  config.target_live_bytes = 128 << 10;
  config.max_size_bytes = 2048;
  return generate_workload(config, seed);
}

// What catches each kind of fault (Injection::detection).
Detection detector_of(FaultKind kind) {
  switch (kind) {
    case FaultKind::alloc_failure: return Detection::pool_returned_null;
    case FaultKind::metadata_flip: return Detection::validate;
    case FaultKind::dma_overrun: return Detection::bus_monitor;
    case FaultKind::double_free:
    case FaultKind::foreign_free: return Detection::pool_status;
    case FaultKind::region_offline: return Detection::honoured;
  }
  return Detection::undetected;
}

TEST(Faults, EveryKindIsInjectedAndEveryInjectionDetected) {
  for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
    ExecutorOptions options;
    options.faults.rate_ppm[kind] = kind == static_cast<unsigned>(FaultKind::region_offline) ? 100 : 5'000;
    const RunResult result = run_ops(machine(), workload(kind + 1), kind + 1, options);
    ASSERT_TRUE(result.ok) << result.error;
    const auto name = to_string(static_cast<FaultKind>(kind));
    std::size_t detected = 0;
    for (const Injection& injection : result.injections) {
      EXPECT_EQ(injection.kind, static_cast<FaultKind>(kind));
      EXPECT_TRUE(injection.detected) << name << " before op " << injection.op_index << ": " << injection.what;
      EXPECT_FALSE(injection.detected_by.empty()) << name;
      EXPECT_EQ(injection.detection, detector_of(injection.kind)) << name;
      detected += injection.detected ? 1 : 0;
    }
    EXPECT_GT(result.injections.size(), 0u) << name << " was never injected";
    std::printf("%-15s injected %zu, detected %zu\n", name, result.injections.size(), detected);
    for (const Finding& finding : result.findings) {
      ADD_FAILURE() << name << ": unexpected finding " << to_string(finding.check) << ": " << finding.message;
    }
  }
}

TEST(Faults, AFlippedHeaderBitIsCaughtByValidateAndRepaired) {
  ExecutorOptions options;
  options.faults.rate_ppm[static_cast<unsigned>(FaultKind::metadata_flip)] = 20'000;
  const RunResult result = run_ops(machine(), workload(3), 3, options);
  ASSERT_TRUE(result.ok);
  ASSERT_FALSE(result.injections.empty());
  EXPECT_EQ(result.injections[0].detected_by.rfind("validate: ", 0), 0u) << result.injections[0].detected_by;
  EXPECT_TRUE(result.findings.empty());  // repaired: the run itself stays clean
}

TEST(Faults, SwarmPlansComeFromTheSeedAndRunsReproduce) {
  const FaultPlan plan = FaultPlan::swarm(77);
  EXPECT_EQ(plan.rate_ppm, FaultPlan::swarm(77).rate_ppm);
  bool differs = false;
  for (std::uint64_t seed = 1; seed < 20 && !differs; ++seed) {
    differs = FaultPlan::swarm(seed).rate_ppm != plan.rate_ppm;
  }
  EXPECT_TRUE(differs);
  ExecutorOptions options;
  options.faults = plan;
  const RunResult first = run_ops(machine(), workload(77), 77, options);
  const RunResult second = run_ops(machine(), workload(77), 77, options);
  ASSERT_TRUE(first.ok && second.ok);
  EXPECT_EQ(first.summary.digest, second.summary.digest);
  EXPECT_EQ(first.injections.size(), second.injections.size());
}

TEST(Faults, SwarmRunsDetectEverything) {
  for (std::uint64_t seed = 100; seed < 110; ++seed) {
    ExecutorOptions options;
    options.faults = FaultPlan::swarm(seed);
    const RunResult result = run_ops(machine(), workload(seed), seed, options);
    ASSERT_TRUE(result.ok) << result.error;
    for (const Injection& injection : result.injections) {
      EXPECT_TRUE(injection.detected) << "seed " << seed << ": " << to_string(injection.kind) << " " << injection.what;
    }
    for (const Finding& finding : result.findings) {
      ADD_FAILURE() << "seed " << seed << ": " << to_string(finding.check) << ": " << finding.message;
    }
  }
}

}  // namespace
}  // namespace smh::sim
