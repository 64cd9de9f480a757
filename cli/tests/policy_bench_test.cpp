// smh_policy_bench (bench/policy/): its counters are identical run to run, its
// figures are those `smh compare` reports for the same machine and trace,
// `smh tune` reads its Google Benchmark JSON as it reads compare reports, and
// bad input ends it with exit 2 and the reason.
#include <algorithm>
#include <chrono>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include "cli_test_support.hpp"
#include "smh/pool_types.hpp"
#include "thread_cpu_clock.hpp"

namespace smh::cli::test {
namespace {

using Json = nlohmann::json;

class PolicyBench : public CliTest {
 protected:
  // Two regions of one attribute (so the policies differ) and a trace that
  // fills the first: spill, searches of two regions, and some failures.
  void SetUp() override {
    CliTest::SetUp();
    write("m.json", R"({"format_version": 1, "name": "m", "seed": 1, "machine": {"regions": [
      {"name": "a", "base": "0x2000_0000", "size": "4K", "attr": "cacheable", "cache": "non_cacheable"},
      {"name": "b", "base": "0x2100_0000", "size": "16K", "attr": "cacheable", "cache": "non_cacheable"}]},
      "ops": []})");
    write("t.jsonl", alloc_free_trace(80));
  }

  Completed bench(std::vector<std::string> args) const {
    args.push_back("--benchmark_min_time=0.001");
    return spawn(SMH_POLICY_BENCH_BINARY, args);
  }
};

// Nearest rank: the smallest sample with at least pct % of them at or below it.
double nearest_rank(std::vector<double> samples, double pct) {
  std::sort(samples.begin(), samples.end());
  std::size_t rank = 1;
  while (static_cast<double>(rank) < pct / 100.0 * static_cast<double>(samples.size())) {
    ++rank;
  }
  return samples.at(rank - 1);
}

// The timings, the only figures that may differ between runs.
bool is_timing(const std::string& key) {
  static const std::set<std::string> timings = {"iterations", "real_time", "cpu_time", "time_per_event",
                                                "time_slowest_op"};
  return timings.count(key) != 0;
}

// The slowest-op counter's clock counts the thread's CPU time, not the time
// it waited: a wall clock counts preemption (here: a sleep) as the op's.
TEST(ThreadCpuClock, CountsRunningNotWaiting) {
  const std::uint64_t before_sleep = smh::bench::thread_cpu_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::uint64_t after_sleep = smh::bench::thread_cpu_ns();
  EXPECT_LT(after_sleep - before_sleep, std::uint64_t{50'000'000}) << "a 200 ms sleep counted as running";
  volatile std::uint64_t sink = 0;
  const std::uint64_t before_work = smh::bench::thread_cpu_ns();
  while (smh::bench::thread_cpu_ns() - before_work < 5'000'000) {
    sink = sink + 1;
  }
  EXPECT_GE(smh::bench::thread_cpu_ns() - before_work, std::uint64_t{5'000'000});
  EXPECT_GT(before_work, 0u);
}

TEST_F(PolicyBench, CountersAreIdenticalRunToRun) {
  const std::vector<std::string> args = {"--machine=m.json", "--trace=t.jsonl", "--benchmark_format=json"};
  const Completed first = bench(args);
  const Completed second = bench(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const Json a = Json::parse(first.out).at("benchmarks");
  const Json b = Json::parse(second.out).at("benchmarks");
  // The bundled scenarios and the trace, six policies each.
  ASSERT_EQ(a.size(), 3u * policy_count);
  ASSERT_EQ(b.size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].at("name").get<std::string>());
    EXPECT_EQ(a[i].at("name"), b[i].at("name"));
    for (const char* counter : {"failed_allocs", "footprint_bytes", "footprint_overhead", "spilled", "f_ext_p50",
                                "f_ext_p95", "f_ext_max", "search_mean", "search_max", "time_per_event",
                                "time_slowest_op"}) {
      EXPECT_TRUE(a[i].contains(counter)) << counter;
    }
    std::size_t compared = 0;
    for (const auto& [key, value] : a[i].items()) {
      if (!is_timing(key)) {
        EXPECT_EQ(value, b[i].at(key)) << key;
        ++compared;
      }
    }
    EXPECT_EQ(compared + 5, b[i].size()) << "the same counters in both runs";
    EXPECT_GT(a[i].at("time_slowest_op").get<double>(), 0.0);
  }
}

TEST_F(PolicyBench, FiguresAreSmhComparesAndTuneReadsThem) {
  const Completed ran = bench({"--no-bundled", "--machine=m.json", "--trace=t.jsonl", "--benchmark_out=b.json",
                               "--benchmark_out_format=json"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  ASSERT_EQ(smh({"compare", "m.json", "t.jsonl", "--report", "c.json"}).exit_code, 0);
  const Json benchmarks = Json::parse(read("b.json")).at("benchmarks");
  const Json rows = Json::parse(read("c.json")).at("traces")[0].at("policies");
  ASSERT_EQ(benchmarks.size(), rows.size());
  bool spilled = false;
  bool searched_two = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string policy = rows[i].at("policy");
    SCOPED_TRACE(policy);
    const Json& one = benchmarks[i];
    EXPECT_EQ(one.at("name"), "policy_replay/" + policy + "/t.jsonl");
    EXPECT_EQ(one.at("label"), "m.json");
    EXPECT_EQ(one.at("failed_allocs").get<double>(), rows[i].at("failed_allocs").get<double>());
    EXPECT_EQ(one.at("footprint_bytes").get<double>(), rows[i].at("footprint_bytes").get<double>());
    EXPECT_EQ(one.at("spilled").get<double>(), rows[i].at("spilled").get<double>());
    EXPECT_NEAR(one.at("footprint_overhead").get<double>(), rows[i].at("footprint_overhead").get<double>(), 1e-6);
    EXPECT_NEAR(one.at("f_ext_max").get<double>(), rows[i].at("f_ext_peak").get<double>(), 1e-6);
    // Per region: the run report's request counts, and its F_ext samples
    // (every op's: the trace is shorter than either's sample bound).
    const Json& regions = rows[i].at("run").at("regions");
    for (const Json& region : regions) {
      const std::string prefix = "region:" + region.at("name").get<std::string>() + ".";
      EXPECT_EQ(one.at(prefix + "allocs").get<double>(), region.at("allocs").get<double>());
      EXPECT_EQ(one.at(prefix + "spilled_in").get<double>(), region.at("spilled_in").get<double>());
    }
    const Json& fragmentation = rows[i].at("run").at("fragmentation");
    ASSERT_EQ(fragmentation.at("interval_ops"), 1);
    std::vector<double> all;
    for (const Json& region : fragmentation.at("regions")) {
      const std::string prefix = "region:" + region.at("name").get<std::string>() + ".";
      const std::vector<double> f_ext = region.at("f_ext").get<std::vector<double>>();
      all.insert(all.end(), f_ext.begin(), f_ext.end());
      EXPECT_NEAR(one.at(prefix + "f_ext_p50").get<double>(), nearest_rank(f_ext, 50), 1e-6) << prefix;
      EXPECT_NEAR(one.at(prefix + "f_ext_p95").get<double>(), nearest_rank(f_ext, 95), 1e-6) << prefix;
      EXPECT_NEAR(one.at(prefix + "f_ext_max").get<double>(), nearest_rank(f_ext, 100), 1e-6) << prefix;
    }
    EXPECT_NEAR(one.at("f_ext_p50").get<double>(), nearest_rank(all, 50), 1e-6);
    EXPECT_NEAR(one.at("f_ext_p95").get<double>(), nearest_rank(all, 95), 1e-6);
    EXPECT_NEAR(one.at("f_ext_p50").get<double>(), rows[i].at("f_ext_p50").get<double>(), 1e-6);
    EXPECT_NEAR(one.at("f_ext_p95").get<double>(), rows[i].at("f_ext_p95").get<double>(), 1e-6);
    EXPECT_EQ(one.at("requests").get<double>(), rows[i].at("requests").get<double>());
    EXPECT_EQ(one.at("heap_searches").get<double>(), rows[i].at("heap_searches").get<double>());
    EXPECT_EQ(one.at("search_max").get<double>(), rows[i].at("search_max").get<double>());
    spilled = spilled || one.at("spilled").get<double>() > 0;
    searched_two = searched_two || one.at("search_max").get<double>() == 2;
    // Every request that got a block searched at least the heap that gave it; a
    // request that no serving heap might hold fails without a search
    // (Heap::might_fit), so the mean may be below 1 where requests fail.
    const double requests = one.at("requests").get<double>();
    EXPECT_GE(one.at("heap_searches").get<double>(), requests - one.at("failed_allocs").get<double>());
    EXPECT_NEAR(one.at("search_mean").get<double>() * requests, one.at("heap_searches").get<double>(), 1e-6 * requests);
    EXPECT_LE(one.at("search_mean").get<double>(), one.at("search_max").get<double>());
  }
  EXPECT_TRUE(spilled) << "the trace is meant to fill region a";
  EXPECT_TRUE(searched_two);

  // Both reports rank alike and recommend the same policy.
  for (const char* objective : {"failures", "footprint", "latency", "weighted"}) {
    const Completed from_bench = smh({"tune", "b.json", "--objective", objective, "-o", "from_bench.json"});
    const Completed from_compare = smh({"tune", "c.json", "--objective", objective});
    ASSERT_EQ(from_bench.exit_code, 0) << from_bench.err;
    ASSERT_EQ(from_compare.exit_code, 0) << from_compare.err;
    const std::size_t at = from_compare.out.find("recommended: ");
    ASSERT_NE(at, std::string::npos);
    const std::string recommended = from_compare.out.substr(at, from_compare.out.find('\n', at) - at);
    EXPECT_NE(from_bench.out.find(recommended), std::string::npos) << from_bench.out;
    EXPECT_EQ(smh({"replay", "--machine", "from_bench.json", "t.jsonl"}).exit_code, 0);
  }
}

TEST_F(PolicyBench, BadInputEndsWithExit2AndTheReason) {
  const Completed no_machine = bench({"--trace=t.jsonl"});
  EXPECT_EQ(no_machine.exit_code, 2);
  EXPECT_NE(no_machine.err.find("--trace given without --machine"), std::string::npos) << no_machine.err;

  const Completed missing = bench({"--machine=m.json", "--trace=missing.jsonl"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("missing.jsonl"), std::string::npos) << missing.err;

  write("bad.jsonl", "{\"op\":\"alloc\",\"handle\":1,\"attr\":0,\"size\":8}\n{\"op\":\"free\",\"handle\":1,}\n");
  const Completed syntax = bench({"--machine=m.json", "--trace=bad.jsonl"});
  EXPECT_EQ(syntax.exit_code, 2);
  EXPECT_NE(syntax.err.find("bad.jsonl:2:"), std::string::npos) << syntax.err;

  write("unknown.jsonl", "{\"op\":\"free\",\"handle\":7}\n");
  const Completed unknown = bench({"--no-bundled", "--machine=m.json", "--trace=unknown.jsonl"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown.jsonl:1: op 0 (free handle 7): no live block has this handle"),
            std::string::npos)
      << unknown.err;

  EXPECT_EQ(bench({"--benchmark_filter=no_such_benchmark"}).exit_code, 2);

  const Completed limit = bench({"--machine=m.json", "--trace=t.jsonl", "--max-trace-ops=10"});
  EXPECT_EQ(limit.exit_code, 2);
  EXPECT_NE(limit.err.find("more than 10 ops (raise the limit with --max-trace-ops)"), std::string::npos)
      << limit.err;

  EXPECT_EQ(bench({"--max-trace-ops=ten"}).exit_code, 2);
  EXPECT_EQ(bench({"--benchmark_colour=maybe", "--no-such-flag"}).exit_code, 2);
}

TEST_F(PolicyBench, TuneRejectsMalformedBenchmarkReportsWithTheirPath) {
  const std::string head = R"({"context": {}, "benchmarks": [)";
  write("counter.json", head + R"({"name": "policy_replay/first_fit/t.jsonl", "run_type": "iteration",
      "label": "m.json", "failed_allocs": 1.5, "footprint_bytes": 100}]})");
  EXPECT_EQ(smh({"tune", "counter.json"}).err,
            "smh tune: counter.json: $.benchmarks[0].failed_allocs: expected a whole number of at most 2^53\n");

  write("policy.json", head + R"({"name": "policy_replay/fastest/t.jsonl", "label": "m.json",
      "failed_allocs": 0, "footprint_bytes": 100}]})");
  EXPECT_EQ(smh({"tune", "policy.json"}).err, "smh tune: policy.json: $.benchmarks[0].name: unknown policy 'fastest'\n");

  write("none.json", head + R"({"name": "BM_HeapAlloc/64", "label": ""}]})");
  const Completed none = smh({"tune", "none.json"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("$.benchmarks: no policy_replay benchmarks"), std::string::npos) << none.err;

  write("failed.json", head + R"({"name": "policy_replay/first_fit/t.jsonl", "error_occurred": true,
      "error_message": "t.jsonl: op 3: unknown handle"}]})");
  EXPECT_NE(smh({"tune", "failed.json"}).err.find("$.benchmarks[0]: benchmark 'policy_replay/first_fit/t.jsonl' "
                                                   "failed: t.jsonl: op 3: unknown handle"),
            std::string::npos);

  // Repetitions with the same figures are one; other figures are an error.
  write("twice.json", head + R"({"name": "policy_replay/first_fit/t.jsonl", "label": "m.json",
      "failed_allocs": 0, "footprint_bytes": 100}, {"name": "policy_replay/first_fit/t.jsonl", "label": "m.json",
      "failed_allocs": 0, "footprint_bytes": 100}, {"name": "policy_replay/first_fit/t.jsonl_mean",
      "run_type": "aggregate", "label": "m.json", "failed_allocs": 0, "footprint_bytes": 100}]})");
  EXPECT_EQ(smh({"tune", "twice.json"}).exit_code, 0);
  write("differ.json", head + R"({"name": "policy_replay/first_fit/t.jsonl", "label": "m.json",
      "failed_allocs": 0, "footprint_bytes": 100}, {"name": "policy_replay/first_fit/t.jsonl", "label": "m.json",
      "failed_allocs": 0, "footprint_bytes": 101}]})");
  EXPECT_EQ(smh({"tune", "differ.json"}).err,
            "smh tune: differ.json: $.benchmarks[1].name: policy 'first_fit' twice for trace 't.jsonl' with other "
            "figures\n");
  write("machines.json", head + R"({"name": "policy_replay/first_fit/t.jsonl", "label": "m.json",
      "failed_allocs": 0, "footprint_bytes": 100}, {"name": "policy_replay/best_fit/t.jsonl", "label": "n.json",
      "failed_allocs": 0, "footprint_bytes": 101}]})");
  EXPECT_NE(smh({"tune", "machines.json"}).err.find("$.benchmarks[1].label: compares machine 'n.json'"),
            std::string::npos);
}

}  // namespace
}  // namespace smh::cli::test
