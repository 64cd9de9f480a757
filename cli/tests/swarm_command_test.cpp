// smh swarm and smh merge: the shard rules, the seed runner, and the command
// run end to end — the report is the same bytes (up to its timings) for any
// --jobs and for 4 shards merged as for one run, failing seeds are written as
// scenarios that `smh run` replays, and bad input is exit 2 with a precise message.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli_test_support.hpp"
#include "merge_command.hpp"
#include "smh/sim/host_memory_reuse.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/workload.hpp"
#include "support/damaged_heap.hpp"
#include "swarm_campaign.hpp"
#include "swarm_seed.hpp"
#include "swarm_shard.hpp"
#include "swarm_shrink.hpp"

namespace smh::cli {
namespace {

using test::CliTest;

EnvironmentLookup environment_of(std::map<std::string, std::string> variables) {
  return [variables](const char* name) -> std::optional<std::string> {
    const auto found = variables.find(name);
    return found == variables.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
}

Shard resolved(const std::optional<std::string>& flag, std::optional<std::uint64_t> count,
               std::map<std::string, std::string> variables, std::string* error) {
  Shard shard;
  shard.source = "unresolved";
  if (!resolve_shard(flag, count, environment_of(std::move(variables)), &shard, error)) {
    shard.source = "error";
  }
  return shard;
}

TEST(SwarmShard, TheIndexComesFromTheFlagOrFromWhatTheEngineSets) {
  std::string error;
  Shard shard = resolved("2/4", std::nullopt, {{"JOB_COMPLETION_INDEX", "1"}}, &error);
  EXPECT_EQ(shard.index, 2u);
  EXPECT_EQ(shard.count, 4u);
  shard = resolved(std::nullopt, 4, {{"JOB_COMPLETION_INDEX", "3"}}, &error);
  EXPECT_EQ(shard.source, "JOB_COMPLETION_INDEX=3 with --shard-count");
  EXPECT_EQ(shard.index, 3u);
  shard = resolved(std::nullopt, std::nullopt, {{"JOB_COMPLETION_INDEX", "1"}, {"SMH_SHARD_COUNT", "2"}}, &error);
  EXPECT_EQ(shard.index, 1u);
  EXPECT_EQ(shard.count, 2u);
  shard = resolved(std::nullopt, std::nullopt, {{"CI_NODE_INDEX", "1"}, {"CI_NODE_TOTAL", "3"}}, &error);
  EXPECT_EQ(shard.index, 0u);  // 1-based in the CI's variables
  EXPECT_EQ(shard.count, 3u);
  shard = resolved(std::nullopt, std::nullopt, {{"SMH_SHARD", "1/5"}, {"CI_NODE_INDEX", "1"}}, &error);
  EXPECT_EQ(shard.index, 1u);
  EXPECT_EQ(shard.count, 5u);
  shard = resolved(std::nullopt, std::nullopt, {}, &error);
  EXPECT_EQ(shard.index, 0u);
  EXPECT_EQ(shard.count, 1u);
}

TEST(SwarmShard, BadOrIncompleteSpecsAreRefusedPrecisely) {
  std::string error;
  EXPECT_EQ(resolved("4/4", std::nullopt, {}, &error).source, "error");
  EXPECT_EQ(error, "--shard '4/4': expected index I of N shards with 0 <= I < N (index 4 is not below 4)");
  EXPECT_EQ(resolved("1/0", std::nullopt, {}, &error).source, "error");
  EXPECT_EQ(resolved("x/2", std::nullopt, {}, &error).source, "error");
  EXPECT_EQ(resolved("1", std::nullopt, {}, &error).source, "error");
  EXPECT_EQ(resolved(std::nullopt, std::nullopt, {{"JOB_COMPLETION_INDEX", "1"}}, &error).source, "error");
  EXPECT_EQ(error, "JOB_COMPLETION_INDEX=1 with SMH_SHARD_COUNT=(unset): expected index I of N shards with 0 <= I < N");
  EXPECT_EQ(resolved(std::nullopt, 4, {}, &error).source, "error");
  EXPECT_EQ(resolved(std::nullopt, std::nullopt, {{"CI_NODE_INDEX", "0"}, {"CI_NODE_TOTAL", "2"}}, &error).source,
            "error");
  EXPECT_EQ(resolved("1/2", 2, {}, &error).source, "error");
}

TEST(SwarmShard, ShardsPartitionTheRangeAndSeedsRangesParse) {
  SeedRange range;
  std::string error;
  ASSERT_TRUE(parse_seed_range("5..104", &range, &error)) << error;
  std::multiset<std::uint64_t> seen;
  for (std::uint64_t index = 0; index < 4; ++index) {
    const Shard shard{index, 4, ""};
    const std::uint64_t count = *shard_seed_count(range, shard);
    for (std::uint64_t k = 0; k < count; ++k) {
      const std::uint64_t seed = *shard_seed(range, shard, k);
      EXPECT_EQ((seed - 5) % 4, index);
      seen.insert(seed);
    }
    EXPECT_FALSE(shard_seed(range, shard, count).has_value());
  }
  ASSERT_EQ(seen.size(), 100u);
  EXPECT_EQ(std::set<std::uint64_t>(seen.begin(), seen.end()).size(), 100u);
  EXPECT_EQ(*shard_seed_count(SeedRange{0, 1}, Shard{3, 4, ""}), 0u);
  EXPECT_FALSE(shard_seed(SeedRange{UINT64_MAX - 1, std::nullopt}, Shard{1, 4, ""}, 1).has_value());
  EXPECT_FALSE(parse_seed_range("9..3", &range, &error));
  EXPECT_FALSE(parse_seed_range("3", &range, &error));
  std::uint64_t seconds = 0;
  ASSERT_TRUE(parse_duration("2h", &seconds, &error));
  EXPECT_EQ(seconds, 7200u);
  EXPECT_FALSE(parse_duration("0s", &seconds, &error));
  EXPECT_FALSE(parse_duration("5d", &seconds, &error));
}

// A machine whose heap the seam damages (sim/tests/support/damaged_heap.hpp).
sim::Scenario damaged_machine() {
  sim::Scenario machine;
  machine.name = "damaged";
  sim::RegionSpec region;
  region.name = "r0";
  region.base = 0x1000'0000;
  region.size_bytes = sim::testing::damaged_region_bytes;
  machine.machine.regions.push_back(region);
  return machine;
}

TEST(SwarmSeed, ADamagedHeapFailsTheSeedWithTheCheckThatFound) {
  SwarmSettings settings;
  settings.ops_per_seed = 200;
  const SeedResult clean = run_seed_scenario(seed_scenario(damaged_machine(), 7, settings), settings);
  EXPECT_EQ(clean.failure, "") << clean.check << " " << clean.detail;
  settings.on_start = [](sim::Executor& executor) {
    ASSERT_TRUE(sim::testing::overstate_fresh_free_block(executor.memory_map().cpu_view(0)));
  };
  const SeedResult damaged = run_seed_scenario(seed_scenario(damaged_machine(), 7, settings), settings);
  EXPECT_EQ(damaged.failure, "finding");
  EXPECT_FALSE(damaged.check.empty());
}

// The bar: a planted defect shrinks to at most 10 ops, deterministically.
TEST(SwarmSeed, AFailingSeedShrinksToAFewOpsThatFailTheSameWay) {
  SwarmSettings settings;
  settings.ops_per_seed = 400;
  // Damages the heap where the region is the damaged one: a candidate with its
  // region halved is not damaged, so it passes and the shrinker keeps the size.
  settings.on_start = [](sim::Executor& executor) {
    (void)sim::testing::overstate_fresh_free_block(executor.memory_map().cpu_view(0));
  };
  const sim::Scenario scenario = seed_scenario(damaged_machine(), 7, settings);
  const SeedResult failing = run_seed_scenario(scenario, settings);
  ASSERT_EQ(failing.failure, "finding");
  const ShrinkResult shrunk = shrink_failing_scenario(scenario, failing.check, failing.at_op, settings, 2000);
  EXPECT_FALSE(shrunk.budget_spent);
  EXPECT_LE(shrunk.scenario.ops.size(), 10u);
  EXPECT_LT(shrunk.scenario.ops.size(), scenario.ops.size());
  const SeedResult replayed = run_seed_scenario(shrunk.scenario, settings);
  EXPECT_EQ(replayed.failure, "finding");
  const sim::RunResult run = run_swarm_scenario(shrunk.scenario, settings);
  EXPECT_GT(run.summary.finding_tally.of(*sim::check_named(failing.check)), 0u);
  const ShrinkResult again = shrink_failing_scenario(scenario, failing.check, failing.at_op, settings, 2000);
  EXPECT_EQ(sim::to_json(again.scenario), sim::to_json(shrunk.scenario));
  EXPECT_EQ(again.runs, shrunk.runs);
  const ShrinkResult bounded = shrink_failing_scenario(scenario, failing.check, failing.at_op, settings, 3);
  EXPECT_EQ(bounded.runs, 3u);
  EXPECT_TRUE(bounded.budget_spent);
}

// Shrinking also drops a region the failure does not need and merges handles
// whose lifetimes follow each other; it keeps the region the damage needs at
// its size (halved, the seam no longer damages it, so the check stays quiet).
TEST(SwarmSeed, ShrinkingDropsRegionsAndMergesHandles) {
  sim::Scenario machine = damaged_machine();
  sim::RegionSpec spare;
  spare.name = "spare";
  spare.base = 0x2000'0000;
  spare.size_bytes = 16 << 10;
  machine.machine.regions.push_back(spare);
  SwarmSettings settings;
  settings.ops_per_seed = 400;
  settings.on_start = [](sim::Executor& executor) {
    (void)sim::testing::overstate_fresh_free_block(executor.memory_map().cpu_view(0));
  };
  const sim::Scenario scenario = seed_scenario(machine, 7, settings);
  const SeedResult failing = run_seed_scenario(scenario, settings);
  ASSERT_EQ(failing.failure, "finding");
  const ShrinkResult shrunk = shrink_failing_scenario(scenario, failing.check, failing.at_op, settings, 2000);
  ASSERT_EQ(shrunk.scenario.machine.regions.size(), 1u);
  EXPECT_EQ(shrunk.scenario.machine.regions[0].name, "r0");
  EXPECT_EQ(shrunk.scenario.machine.regions[0].size_bytes, sim::testing::damaged_region_bytes);
  // Merged: no handle's ops all come before another's first op.
  std::map<sim::Handle, std::pair<std::size_t, std::size_t>> spans;
  for (std::size_t index = 0; index < shrunk.scenario.ops.size(); ++index) {
    const auto [at, fresh] = spans.emplace(shrunk.scenario.ops[index].handle, std::make_pair(index, index));
    at->second.second = index;
  }
  for (const auto& [handle, span] : spans) {
    for (const auto& [other, other_span] : spans) {
      EXPECT_FALSE(span.second < other_span.first) << handle << " ends before " << other << " starts";
    }
  }
  EXPECT_GT(run_swarm_scenario(shrunk.scenario, settings).summary.finding_tally.of(*sim::check_named(failing.check)),
            0u);
}

// A machine with DMA behind a write-back cache (where maintenance matters) and
// memory DMA cannot reach.
sim::Scenario dma_machine() {
  sim::Scenario machine;
  machine.name = "dma";
  machine.machine.regions = {
      {"dma_cached", 0x2000'0000, 32 << 10, 1, sim::CachePolicy::write_back, 64, true, false},
      {"sram", 0x2400'0000, 32 << 10, 2, sim::CachePolicy::write_back, 32, false, false},
      {"dma_plain", 0x3000'0000, 16 << 10, 4, sim::CachePolicy::non_cacheable, 32, true, false}};
  return machine;
}

// Generated workloads hold preference chains and driver transfer loops in DMA
// memory (aligned to the largest line), and pass: they are correct by construction.
TEST(SwarmSeed, WorkloadsHoldPreferenceChainsAndDriverLoopsThatPass) {
  SwarmSettings settings;
  settings.ops_per_seed = 400;
  std::uint64_t chains = 0;
  std::uint64_t receives = 0;
  std::uint64_t transmits = 0;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    const sim::Scenario scenario = seed_scenario(dma_machine(), seed, settings);
    for (std::size_t index = 0; index < scenario.ops.size(); ++index) {
      const sim::Op& op = scenario.ops[index];
      chains += op.kind == sim::OpKind::alloc && op.fallback_count != 0 ? 1 : 0;
      if (op.kind == sim::OpKind::dma_from_device_start || op.kind == sim::OpKind::dma_to_device_start) {
        const bool receive = op.kind == sim::OpKind::dma_from_device_start;
        const sim::Op& alloc = scenario.ops[index - (receive ? 2 : 3)];
        ASSERT_EQ(alloc.kind, sim::OpKind::alloc);
        EXPECT_TRUE(alloc.attr == 1 || alloc.attr == 4) << alloc.attr;  // never the region DMA cannot reach
        EXPECT_EQ(alloc.align_bytes, 64u);
        EXPECT_EQ(alloc.size_bytes % 64, 0u);
        (receive ? receives : transmits) += 1;
      }
    }
    const SeedResult result = run_seed_scenario(scenario, settings);
    EXPECT_EQ(result.failure, "") << seed << ": " << result.check << " at op " << result.at_op << result.detail;
  }
  EXPECT_GT(chains, 0u);
  EXPECT_GT(receives, 0u);
  EXPECT_GT(transmits, 0u);
}

// The loops' maintenance is what keeps them clean: without the clean before a
// transmit, or the invalidate after a receive, the checks fire.
TEST(SwarmSeed, ADriverLoopWithoutItsMaintenanceIsCaught) {
  sim::MachineConfig machine = dma_machine().machine;
  std::vector<sim::Op> transmit = sim::transfer_loop(1, 1, 128, 64, false);
  ASSERT_EQ(sim::run_ops(machine, transmit, 1).summary.finding_tally.total(), 0u);
  std::erase_if(transmit, [](const sim::Op& op) { return op.kind == sim::OpKind::cache_clean; });
  EXPECT_GT(sim::run_ops(machine, transmit, 1).summary.finding_tally.of(sim::Check::stale_tx), 0u);
  std::vector<sim::Op> receive = sim::transfer_loop(1, 1, 128, 64, true);
  ASSERT_EQ(sim::run_ops(machine, receive, 1).summary.finding_tally.total(), 0u);
  // A line the CPU read in while the device wrote RAM: stale without the invalidate after.
  receive.insert(receive.begin() + 3, sim::Op{sim::OpKind::speculative_fill, 1, 0, 0, 0});
  ASSERT_EQ(sim::run_ops(machine, receive, 1).summary.finding_tally.total(), 0u);
  receive.erase(receive.begin() + 5);  // the invalidate after the completion
  EXPECT_GT(sim::run_ops(machine, receive, 1).summary.finding_tally.of(sim::Check::stale_rx), 0u);
}

// Workers reuse their machines' host memory (sim::HostMemoryReuse): a seed
// gives the same result after any other, a damaged heap's included.
TEST(SwarmSeed, ReusedMachineMemoryGivesTheSameResults) {
  SwarmSettings clean;
  clean.ops_per_seed = 200;
  SwarmSettings damaged = clean;
  damaged.on_start = [](sim::Executor& executor) {
    ASSERT_TRUE(sim::testing::overstate_fresh_free_block(executor.memory_map().cpu_view(0)));
  };
  std::vector<SeedResult> fresh;
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const SwarmSettings& settings = seed % 2 == 0 ? damaged : clean;
    fresh.push_back(run_seed_scenario(seed_scenario(damaged_machine(), seed, settings), settings));
  }
  const sim::HostMemoryReuse reuse;
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    const SwarmSettings& settings = seed % 2 == 0 ? damaged : clean;
    EXPECT_EQ(run_seed_scenario(seed_scenario(damaged_machine(), seed, settings), settings), fresh[seed]) << seed;
  }
  EXPECT_GT(reuse.reused(), 0u);
  EXPECT_EQ(fresh[0].failure, "finding");
  EXPECT_EQ(fresh[1].failure, "");
}

TEST(SwarmSeed, TheSeedScenarioRoundTripsThroughItsJson) {
  SwarmSettings settings;
  settings.ops_per_seed = 300;
  const sim::Scenario scenario = seed_scenario(damaged_machine(), 11, settings);
  sim::Scenario parsed;
  sim::ScenarioError error;
  ASSERT_TRUE(sim::parse_scenario(sim::to_json(scenario), "seed.json", &parsed, &error)) << error.to_string();
  EXPECT_EQ(sim::to_json(parsed), sim::to_json(scenario));
  EXPECT_EQ(run_seed_scenario(parsed, settings), run_seed_scenario(scenario, settings));
}

// The report's text before "timings" (the last member): what must be byte-equal.
std::string content_of(const std::string& report_text) {
  const std::size_t timings = report_text.find(",\n  \"timings\"");
  EXPECT_NE(timings, std::string::npos);
  return report_text.substr(0, timings);
}

class SwarmCommand : public CliTest {
 protected:
  std::vector<std::string> campaign(std::vector<std::string> more) const {
    std::vector<std::string> args = {"swarm", test::bundled("fault_swarm.json"), "--seeds", "3..26", "--ops", "300"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
};

TEST_F(SwarmCommand, TheReportIsTheSameBytesForAnyJobs) {
  const test::Completed one = smh(campaign({"--jobs", "1", "--report", "one.json"}));
  ASSERT_EQ(one.exit_code, 0) << one.out << one.err;
  const test::Completed two = smh(campaign({"--jobs", "2", "--report", "two.json"}));
  ASSERT_EQ(two.exit_code, 0) << two.out << two.err;
  EXPECT_EQ(content_of(read("one.json")), content_of(read("two.json")));
  const nlohmann::json report = nlohmann::json::parse(read("one.json"));
  EXPECT_EQ(report["totals"]["seeds"], 24);
  EXPECT_EQ(report["results"][0]["seed"], 3);
  EXPECT_GT(report["totals"]["injections"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(one.err, "");  // no progress line without a terminal
}

TEST_F(SwarmCommand, FourShardsMergedEqualOneRun) {
  ASSERT_EQ(smh(campaign({"--report", "all.json"})).exit_code, 0);
  std::vector<std::string> merge_args = {"merge"};
  for (int index : {2, 0, 3}) {
    const test::Completed shard =
        smh(campaign({"--shard", std::to_string(index) + "/4", "--report", std::to_string(index) + ".json"}));
    ASSERT_EQ(shard.exit_code, 0) << shard.err;
    merge_args.push_back(std::to_string(index) + ".json");
  }
  // Shard 1 from a Kubernetes Indexed Job's environment.
  const test::Completed indexed =
      smh_with_environment(campaign({"--shard-count", "4", "--report", "1.json"}), {"JOB_COMPLETION_INDEX=1"});
  ASSERT_EQ(indexed.exit_code, 0) << indexed.err;
  EXPECT_NE(indexed.out.find("shard 1/4 (JOB_COMPLETION_INDEX=1 with --shard-count)"), std::string::npos)
      << indexed.out;
  merge_args.insert(merge_args.end(), {"1.json", "-o", "merged.json"});
  const test::Completed merged = smh(merge_args);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(content_of(read("merged.json")), content_of(read("all.json")));

  const test::Completed overlapping = smh({"merge", "0.json", "1.json", "2.json", "2.json", "-o", "x.json"});
  EXPECT_EQ(overlapping.exit_code, 2);
  EXPECT_EQ(overlapping.err, "smh merge: 2.json: is shard 2/4 again: its seeds overlap those of 2.json\n");
  const test::Completed missing = smh({"merge", "0.json", "1.json", "2.json", "-o", "x.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "smh merge: 0.json: shard count 4, but 3 reports given: a shard is missing\n");
  const test::Completed mixed = smh({"merge", "all.json", "1.json", "-o", "x.json"});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_NE(mixed.err.find("1.json: is shard 1/4, of another shard count than 1"), std::string::npos) << mixed.err;
}

// A time budget: seeds from 0 until it is spent, every seed started finished,
// so the seeds run are 0..K-1 with no gap.
TEST_F(SwarmCommand, ADurationRunsAPrefixOfTheSeeds) {
  const test::Completed run = smh({"swarm", test::bundled("fault_swarm.json"), "--duration", "1s", "--ops", "50",
                                   "--jobs", "2", "--report", "d.json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json report = nlohmann::json::parse(read("d.json"));
  EXPECT_TRUE(report["seeds"]["last"].is_null());
  const nlohmann::json& results = report["results"];
  ASSERT_GT(results.size(), 0u);
  for (std::size_t k = 0; k < results.size(); ++k) {
    EXPECT_EQ(results[k]["seed"].get<std::uint64_t>(), k);
  }
}

TEST_F(SwarmCommand, BadInputIsExit2WithAPreciseMessage) {
  const test::Completed bad_shard = smh(campaign({"--shard", "4/4"}));
  EXPECT_EQ(bad_shard.exit_code, 2);
  EXPECT_EQ(bad_shard.err,
            "smh swarm: --shard '4/4': expected index I of N shards with 0 <= I < N (index 4 is not below 4)\n");
  const test::Completed no_count = smh_with_environment(campaign({}), {"JOB_COMPLETION_INDEX=2"});
  EXPECT_EQ(no_count.exit_code, 2);
  EXPECT_EQ(smh(campaign({"--duration", "1m"})).exit_code, 2);  // with --seeds
  write("bad.json", test::bad_scenario());
  const test::Completed bad_machine = smh({"swarm", "bad.json"});
  EXPECT_EQ(bad_machine.exit_code, 2);
  EXPECT_EQ(bad_machine.err.rfind("smh swarm: bad.json:2:", 0), 0u) << bad_machine.err;
  EXPECT_EQ(smh({"swarm", test::bundled("fault_swarm.json"), "--max-input-bytes", "100"}).exit_code, 2);
  write("report.json", "{\"format\": \"smh-swarm-report\",\n \"format_version\": 1,\n}");
  const test::Completed bad_report = smh({"merge", "report.json", "-o", "x.json"});
  EXPECT_EQ(bad_report.exit_code, 2);
  EXPECT_EQ(bad_report.err.rfind("smh merge: report.json:3:", 0), 0u) << bad_report.err;
  write("shape.json", "{\"format\": \"smh-swarm-report\", \"format_version\": 1}");
  const test::Completed shape = smh({"merge", "shape.json", "-o", "x.json"});
  EXPECT_EQ(shape.exit_code, 2);
  EXPECT_EQ(shape.err, "smh merge: shape.json: $: missing \"machine\"\n");
}

// The budget of smh run's --max-sim-memory-bytes, for the machines of all jobs
// at once: fault_swarm's worst case is 970752 bytes (5 cacheable regions of
// 32+64+16+128+64 KiB with two views, 40 KiB without a cache, owner tables at
// half the region bytes, a copy of its largest block, 128 KiB).
TEST_F(SwarmCommand, TheMachinesOfAllJobsAreHeldToTheSimMemoryBudget) {
  const test::Completed two = smh(campaign({"--jobs", "2", "--max-sim-memory-bytes", "1048576"}));
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_EQ(two.err, "smh swarm: " + test::bundled("fault_swarm.json") +
                         ": the simulated machine, 2 at once, could use up to 1941504 bytes of host memory (its "
                         "regions' views, owner tables and a copy of the largest block), more than the budget of "
                         "1048576 (raise it with --max-sim-memory-bytes)\n");
  const test::Completed one = smh({"swarm", test::bundled("fault_swarm.json"), "--seeds", "3..4", "--ops", "50",
                                   "--max-sim-memory-bytes", "1048576"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
}

// A seed's scenario, written as a failing seed is, replays under `smh run`
// with the digest the campaign recorded.
TEST_F(SwarmCommand, ASeedScenarioReplaysUnderSmhRunWithTheSameDigest) {
  const test::Completed swarm =
      smh({"swarm", test::bundled("fault_swarm.json"), "--seeds", "9..9", "--ops", "300", "--report", "r.json"});
  ASSERT_EQ(swarm.exit_code, 0) << swarm.err;
  sim::Scenario machine;
  machine.name = "fault_swarm";
  sim::ScenarioError error;
  ASSERT_TRUE(sim::parse_scenario(test::read_text(test::bundled("fault_swarm.json")), "m.json", &machine, &error));
  SwarmSettings settings;
  settings.ops_per_seed = 300;
  write("seed.json", sim::to_json(seed_scenario(machine, 9, settings)));
  const test::Completed run = smh({"run", "seed.json", "--report", "run.json"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const nlohmann::json swarm_report = nlohmann::json::parse(read("r.json"));
  const nlohmann::json run_report = nlohmann::json::parse(read("run.json"));
  const std::string digest = swarm_report["results"][0]["digest"].get<std::string>();
  EXPECT_NE(run_report.dump().find("\"digest\":\"" + digest + "\""), std::string::npos) << digest;
}

// The Kubernetes recipe of docs/swarm.md: the fields smh relies on.
TEST(SwarmDocs, TheIndexedJobManifestRunsOneShardPerCompletion) {
  const nlohmann::json job =
      nlohmann::json::parse(test::read_text(std::string(SMH_SCENARIOS_DIR) + "/../docs/swarm/indexed-job.json"));
  EXPECT_EQ(job["apiVersion"], "batch/v1");
  EXPECT_EQ(job["kind"], "Job");
  const nlohmann::json& spec = job["spec"];
  EXPECT_EQ(spec["completionMode"], "Indexed");  // sets JOB_COMPLETION_INDEX in each pod
  const std::uint64_t completions = spec["completions"].get<std::uint64_t>();
  EXPECT_GE(completions, 1u);
  EXPECT_LE(spec["parallelism"].get<std::uint64_t>(), completions);
  EXPECT_EQ(spec["template"]["spec"]["restartPolicy"], "Never");
  const nlohmann::json& containers = spec["template"]["spec"]["containers"];
  ASSERT_EQ(containers.size(), 1u);
  const std::vector<std::string> command = containers[0]["command"].get<std::vector<std::string>>();
  ASSERT_GE(command.size(), 3u);
  EXPECT_EQ(command[0], "smh");
  EXPECT_EQ(command[1], "swarm");
  std::map<std::string, std::string> flags;
  for (std::size_t i = 3; i + 1 < command.size(); i += 2) {
    flags[command[i]] = command[i + 1];
  }
  EXPECT_EQ(flags["--shard-count"], std::to_string(completions));
  EXPECT_EQ(flags.count("--shard"), 0u);  // the index comes from the Job
  SeedRange range;
  std::string error;
  EXPECT_TRUE(parse_seed_range(flags["--seeds"], &range, &error)) << error;
  EXPECT_NE(flags["--report"].find("$(JOB_COMPLETION_INDEX)"), std::string::npos);  // one report per shard
  Shard shard;
  EXPECT_TRUE(resolve_shard(std::nullopt, std::stoull(flags["--shard-count"]),
                            environment_of({{"JOB_COMPLETION_INDEX", std::to_string(completions - 1)}}), &shard,
                            &error))
      << error;
}

}  // namespace
}  // namespace smh::cli
