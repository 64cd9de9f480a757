// `smh tune` and its ranking: ranks with ties, the margin to the runner-up,
// the overall order and recommendation, reports read back from smh compare
// with positioned errors when malformed, and a recommended machine that
// smh replay runs.
#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli_test_support.hpp"
#include "policy_ranking.hpp"
#include "threshold_candidates.hpp"

namespace smh::cli::test {
namespace {

using Json = nlohmann::json;

std::vector<unsigned> ranks(const TraceRanking& ranking) {
  std::vector<unsigned> out;
  for (const RankedPolicy& ranked : ranking.ranked) {
    out.push_back(ranked.rank);
  }
  return out;
}

std::vector<Policy> order(const TraceRanking& ranking) {
  std::vector<Policy> out;
  for (const RankedPolicy& ranked : ranking.ranked) {
    out.push_back(ranked.policy);
  }
  return out;
}

TEST(PolicyRanking, TiesShareARankAndTheMarginIsToTheFirstBelow) {
  const std::vector<PolicyFigures> figures = {
      {Policy::worst_fit, 0, 5000}, {Policy::first_fit, 0, 4000}, {Policy::best_fit, 0, 4000},
      {Policy::round_robin, 2, 3000}};
  const TraceRanking failures = rank_trace("t", figures, Objective::failures);
  EXPECT_EQ(ranks(failures), (std::vector<unsigned>{1, 1, 3, 4}));
  EXPECT_EQ(order(failures),
            (std::vector<Policy>{Policy::first_fit, Policy::best_fit, Policy::worst_fit, Policy::round_robin}));
  EXPECT_TRUE(failures.tied_best);
  EXPECT_EQ(failures.margin_index, 1u) << "failures: both best have 0, so does worst_fit: the footprint decides";
  EXPECT_EQ(failures.margin, 1000u);

  const TraceRanking footprint = rank_trace("t", figures, Objective::footprint);
  EXPECT_EQ(ranks(footprint), (std::vector<unsigned>{1, 2, 2, 4}));
  EXPECT_EQ(footprint.ranked.front().policy, Policy::round_robin);
  EXPECT_FALSE(footprint.tied_best);
  EXPECT_EQ(footprint.margin_index, 0u);
  EXPECT_EQ(footprint.margin, 1000u);
}

TEST(PolicyRanking, OverallBySumOfRanksThenFiguresAndTiesGoToPolicyOrder) {
  const TraceRanking a = rank_trace("a", {{Policy::best_fit, 0, 100}, {Policy::first_fit, 0, 200}},
                                    Objective::footprint);
  const TraceRanking b = rank_trace("b", {{Policy::best_fit, 0, 300}, {Policy::first_fit, 0, 250}},
                                    Objective::footprint);
  const OverallRanking overall = rank_overall({a, b});
  ASSERT_EQ(overall.rows.size(), 2u);
  // Rank sums 3 and 3; footprint sums 400 (best_fit) and 450 (first_fit).
  EXPECT_EQ(overall.rows[0].policy, Policy::best_fit);
  EXPECT_EQ(overall.rows[0].rank, 1u);
  EXPECT_EQ(overall.rows[1].rank, 2u);
  EXPECT_EQ(overall.recommended, Policy::best_fit);

  const TraceRanking c = rank_trace("c", {{Policy::worst_fit, 0, 100}, {Policy::first_fit, 0, 100}},
                                    Objective::footprint);
  const OverallRanking tie = rank_overall({c});
  EXPECT_TRUE(tie.tied_best);
  EXPECT_EQ(tie.recommended, Policy::first_fit) << "among tied, the first in policy order";
}

TEST(PolicyRanking, LatencyRanksBySearchesThenTheLongestAndTies) {
  // policy, failed, footprint, heap searches, longest search
  const std::vector<PolicyFigures> figures = {{Policy::first_fit, 0, 4000, 120, 2},
                                              {Policy::best_fit, 0, 3000, 150, 2},
                                              {Policy::worst_fit, 1, 5000, 120, 2},
                                              {Policy::round_robin, 0, 4000, 120, 1}};
  const TraceRanking latency = rank_trace("t", figures, Objective::latency);
  EXPECT_EQ(order(latency),
            (std::vector<Policy>{Policy::round_robin, Policy::first_fit, Policy::worst_fit, Policy::best_fit}));
  EXPECT_EQ(ranks(latency), (std::vector<unsigned>{1, 2, 3, 4}));
  EXPECT_EQ(latency.margin_index, 1u) << "the same searches: the longest search decides";
  EXPECT_EQ(latency.margin, 1u);
  const TraceRanking tied = rank_trace("t", {figures[0], figures[0]}, Objective::latency);
  EXPECT_TRUE(tied.tied_best);
  EXPECT_EQ(ranks(tied), (std::vector<unsigned>{1, 1}));
}

TEST(PolicyRanking, WeightedScoresEachFigureAgainstTheTracesBest) {
  // best: 0 failures, 1000 bytes, 50 searches.
  const std::vector<PolicyFigures> figures = {{Policy::first_fit, 0, 1000, 100, 2},
                                              {Policy::best_fit, 0, 1100, 50, 2}};
  // first_fit 0 + 1000/1000 + 100/50 = 3; best_fit 0 + 1.1 + 1 = 2.1.
  const TraceRanking equal = rank_trace("t", figures, Objective::weighted);
  EXPECT_EQ(equal.ranked[0].policy, Policy::best_fit);
  EXPECT_EQ(equal.ranked[0].key[0], 2100000u);
  EXPECT_EQ(equal.ranked[1].key[0], 3000000u);
  EXPECT_EQ(equal.margin, 900000u);
  // Latency weighted 0.1: 1 + 0.2 = 1.2 against 1.1 + 0.1 = 1.2, a tie of
  // scores that the failures (equal) and then the footprint break.
  ObjectiveWeights light;
  std::string error;
  ASSERT_TRUE(parse_weights("latency=0.1", &light, &error)) << error;
  EXPECT_EQ(light.failures, 0.0) << "weights not named are 0";
  light.failures = 1;
  light.footprint = 1;
  const TraceRanking tilted = rank_trace("t", figures, Objective::weighted, light);
  EXPECT_EQ(tilted.ranked[0].policy, Policy::first_fit);
  EXPECT_EQ(tilted.ranked[0].key[0], tilted.ranked[1].key[0]);
  EXPECT_EQ(tilted.margin_index, 2u);
  EXPECT_EQ(tilted.margin, 100u);
  // 3 failures against a best of 0 count 3 (the best taken as 1).
  const TraceRanking failing =
      rank_trace("t", {{Policy::first_fit, 3, 1000, 50, 1}, {Policy::best_fit, 0, 1000, 50, 1}}, Objective::weighted);
  EXPECT_EQ(failing.ranked[1].key[0], 5000000u);
  EXPECT_EQ(failing.ranked[0].key[0], 2000000u);
}

TEST(PolicyRanking, WeightsParseOrSayWhy) {
  ObjectiveWeights weights;
  std::string error;
  ASSERT_TRUE(parse_weights("footprint=2,failures=1000,latency=0.5", &weights, &error)) << error;
  EXPECT_EQ(weights.failures, 1000.0);
  EXPECT_EQ(weights.footprint, 2.0);
  EXPECT_EQ(weights.latency, 0.5);
  for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
           {"speed=1", "'speed=1' is not failures=W"},
           {"failures", "'failures' is not failures=W"},
           {"failures=1,failures=2", "'failures' given twice"},
           {"failures=-1", "failures='-1': expected a number from 0 to 1000000"},
           {"footprint=nan", "footprint='nan': expected a number"},
           {"latency=1x", "latency='1x': expected a number"},
           {"failures=0,latency=0", "at least one weight must be above 0"},
           {"", "'' is not failures=W"}}) {
    error.clear();
    EXPECT_FALSE(parse_weights(text, &weights, &error)) << text;
    EXPECT_NE(error.find(why), std::string::npos) << text << ": " << error;
  }
}

TEST(ThresholdCandidates, WhereTheSharesOfRequestsAreReachedAndTheMachines) {
  RequestSizes sizes;
  sizes.buckets[5] = 50;   // [16, 32)
  sizes.buckets[7] = 30;   // [64, 128)
  sizes.buckets[10] = 19;  // [512, 1024)
  sizes.buckets[13] = 1;   // [4096, 8192)
  sizes.requests = 100;
  // 50 % below 32, 75 % (80) below 128, 90 % and 99 % (99) below 1024.
  EXPECT_EQ(threshold_candidates(sizes, 0), (std::vector<std::uint64_t>{32, 128, 1024}));
  EXPECT_EQ(threshold_candidates(sizes, 100), (std::vector<std::uint64_t>{32, 100, 128, 1024}));
  EXPECT_EQ(threshold_candidates(sizes, 128), (std::vector<std::uint64_t>{32, 128, 1024}));
  // One size only: no threshold splits the requests.
  RequestSizes one;
  one.buckets[9] = 7;
  one.requests = 7;
  EXPECT_TRUE(threshold_candidates(one, 0).empty());
  EXPECT_TRUE(threshold_candidates(RequestSizes{}, 0).empty());
  std::vector<std::uint64_t> parsed;
  std::string error;
  ASSERT_TRUE(parse_thresholds("auto", &parsed, &error));
  EXPECT_TRUE(parsed.empty());
  ASSERT_TRUE(parse_thresholds("9223372036854775808,8,8", &parsed, &error)) << error;
  EXPECT_EQ(parsed, (std::vector<std::uint64_t>{8, std::uint64_t{1} << 63}));
  EXPECT_FALSE(parse_thresholds("9223372036854775809", &parsed, &error));
  EXPECT_FALSE(parse_thresholds("", &parsed, &error));
  EXPECT_FALSE(parse_thresholds("-8", &parsed, &error));
}

std::string compare_report(const std::string& machine, const std::string& rows) {
  return R"({"report": "smh-compare", "report_version": 1, "machine": ")" + machine +
         R"(", "traces": [{"path": "t.jsonl", "policies": [)" + rows + "]}]}\n";
}

// A machine of two cacheable regions (requests spill from a into b).
std::string two_regions(const std::string& a_size, const std::string& b_size) {
  return R"({"format_version": 1, "name": "m", "seed": 1, "machine": {"regions": [
    {"name": "a", "base": "0x2000_0000", "size": ")" + a_size + R"(", "attr": "cacheable", "cache": "non_cacheable"},
    {"name": "b", "base": "0x2100_0000", "size": ")" + b_size + R"(", "attr": "cacheable", "cache": "non_cacheable"}]},
    "ops": []})";
}

using Tune = CliTest;

TEST_F(Tune, MalformedReportsArePositioned) {
  write("syntax.json", "{\"report\": \"smh-compare\",\n  \"report_version\": 1,\n  \"traces\": [,]}\n");
  const Completed syntax = smh({"tune", "syntax.json"});
  EXPECT_EQ(syntax.exit_code, 2);
  EXPECT_TRUE(syntax.err.starts_with("smh tune: syntax.json:3:14: ")) << syntax.err;

  write("shape.json", compare_report("m.json", R"({"policy": "first_fit", "failed_allocs": 0, "footprint_bytes": 9},
      {"policy": "best_fit", "failed_allocs": -1, "footprint_bytes": 9})"));
  const Completed shape = smh({"tune", "shape.json"});
  EXPECT_EQ(shape.exit_code, 2);
  EXPECT_EQ(shape.err, "smh tune: shape.json: $.traces[0].policies[1].failed_allocs: expected a non-negative integer\n");

  write("policy.json", compare_report("m.json", R"({"policy": "fastest", "failed_allocs": 0, "footprint_bytes": 9})"));
  EXPECT_EQ(smh({"tune", "policy.json"}).err, "smh tune: policy.json: $.traces[0].policies[0].policy: unknown policy 'fastest'\n");

  write("other.json", R"({"report": "smh", "report_version": 1})");
  EXPECT_NE(smh({"tune", "other.json"}).err.find("other.json: $: neither an smh compare report"), std::string::npos);

  write("a.json", compare_report("m1.json", R"({"policy": "first_fit", "failed_allocs": 0, "footprint_bytes": 9})"));
  write("b.json", compare_report("m2.json", R"({"policy": "first_fit", "failed_allocs": 0, "footprint_bytes": 9})"));
  const Completed two = smh({"tune", "a.json", "b.json"});
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_NE(two.err.find("b.json: $.machine: compares machine 'm2.json'"), std::string::npos) << two.err;

  // Latency ranks by search counts: a report row without them is refused by path.
  const Completed latency = smh({"tune", "a.json", "--objective", "latency"});
  EXPECT_EQ(latency.exit_code, 2);
  EXPECT_EQ(latency.err, "smh tune: a.json: $.traces[0].policies[0]: missing \"heap_searches\"\n");
  EXPECT_EQ(smh({"tune", "a.json", "--objective", "speed"}).exit_code, 2);
  const Completed weights = smh({"tune", "a.json", "--weights", "failures=2"});
  EXPECT_EQ(weights.exit_code, 2);
  EXPECT_NE(weights.err.find("--weights: only with --objective weighted"), std::string::npos) << weights.err;
  EXPECT_EQ(smh({"tune", "missing.json"}).exit_code, 2);
}

// size_threshold is ranked once per threshold compare tried; the winner's
// threshold goes into the written machine with the policy.
TEST_F(Tune, TheWinningThresholdGoesIntoTheMachine) {
  write("m.json", R"({"format_version": 1, "name": "m", "seed": 1, "machine": {"regions": [
    {"name": "s", "base": "0x2000_0000", "size": "8K", "attr": "cacheable", "cache": "non_cacheable", "role": "small"},
    {"name": "l", "base": "0x2100_0000", "size": "32K", "attr": "cacheable", "cache": "non_cacheable",
     "role": "large"}]}, "ops": []})");
  write("c.json", compare_report("m.json", R"({"policy": "first_fit", "failed_allocs": 0, "footprint_bytes": 900},
      {"policy": "size_threshold", "size_threshold": 64, "failed_allocs": 0, "footprint_bytes": 800},
      {"policy": "size_threshold", "size_threshold": 256, "failed_allocs": 0, "footprint_bytes": 700},
      {"policy": "size_threshold", "size_threshold": 1024, "failed_allocs": 0, "footprint_bytes": 750})"));
  const Completed tuned = smh({"tune", "c.json", "-o", "best.json"});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_NE(tuned.out.find("size_threshold=256 leads the runner-up by 50 (footprint)"), std::string::npos)
      << tuned.out;
  EXPECT_NE(tuned.out.find("recommended: size_threshold=256\n"), std::string::npos) << tuned.out;
  const Json machine = Json::parse(read("best.json"));
  EXPECT_EQ(machine["pool"]["policy"], "size_threshold");
  EXPECT_EQ(machine["pool"]["size_threshold"], 256);
  write("t.jsonl", alloc_free_trace(20));
  const Completed replay = smh({"replay", "--machine", "best.json", "t.jsonl", "--report", "r.json", "--quiet"});
  EXPECT_EQ(replay.exit_code, 0) << replay.err << replay.out;
  EXPECT_EQ(Json::parse(read("r.json"))["scenarios"][0]["inputs"]["size_threshold"], 256);

  // Two rows of one threshold, or a threshold on another policy, are refused by path.
  write("twice.json", compare_report("m.json", R"({"policy": "size_threshold", "size_threshold": 64,
      "failed_allocs": 0, "footprint_bytes": 8}, {"policy": "size_threshold", "size_threshold": 64,
      "failed_allocs": 0, "footprint_bytes": 9})"));
  EXPECT_EQ(smh({"tune", "twice.json"}).err,
            "smh tune: twice.json: $.traces[0].policies[1].policy: policy 'size_threshold=64' twice for trace "
            "'t.jsonl'\n");
  write("other.json", compare_report("m.json", R"({"policy": "best_fit", "size_threshold": 64,
      "failed_allocs": 0, "footprint_bytes": 8})"));
  EXPECT_EQ(smh({"tune", "other.json"}).err,
            "smh tune: other.json: $.traces[0].policies[0].size_threshold: a threshold belongs to policy "
            "size_threshold only, and is at least 1\n");
}

TEST_F(Tune, FromACompareReportToAMachineReplayRuns) {
  write("m.json", two_regions("8K", "32K"));
  write("t.jsonl", alloc_free_trace(50));
  ASSERT_EQ(smh({"compare", "m.json", "t.jsonl", "--report", "c.json"}).exit_code, 0);
  const Completed tuned = smh({"tune", "c.json", "--objective", "footprint", "-o", "best.json"});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  // The recommendation is the compare report's best row on footprint (failures
  // are 0 everywhere here), the first in policy order among ties.
  const Json report = Json::parse(read("c.json"));
  std::string expected;
  std::uint64_t least = ~std::uint64_t{0};
  for (const Json& row : report["traces"][0]["policies"]) {
    ASSERT_EQ(row["failed_allocs"], 0);
    if (row["footprint_bytes"].get<std::uint64_t>() < least) {
      least = row["footprint_bytes"].get<std::uint64_t>();
      expected = row["policy"].get<std::string>();
    }
  }
  EXPECT_NE(tuned.out.find("recommended: " + expected), std::string::npos) << tuned.out;
  const Json machine = Json::parse(read("best.json"));
  EXPECT_EQ(machine["pool"]["policy"], expected);
  const Completed replay = smh({"replay", "--machine", "best.json", "t.jsonl", "--report", "r.json"});
  EXPECT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(Json::parse(read("r.json"))["scenarios"][0]["footprint_bytes"], least);
}

// Each objective's recommendation, written with -o, is a machine that smh run,
// check and replay accept; latency recommends the policy with the fewest heap
// searches in the compare report, weighted the lowest score computed here.
TEST_F(Tune, LatencyAndWeightedRecommendMachinesThatRunCheckAndReplayAccept) {
  write("m.json", two_regions("4K", "16K"));
  write("t.jsonl", alloc_free_trace(80));
  ASSERT_EQ(smh({"compare", "m.json", "t.jsonl", "--report", "c.json"}).exit_code, 0);
  const Json rows = Json::parse(read("c.json"))["traces"][0]["policies"];
  std::string fewest;
  std::uint64_t least = ~std::uint64_t{0};
  std::set<std::uint64_t> searches;
  for (const Json& row : rows) {
    ASSERT_EQ(row["requests"], rows[0]["requests"]);
    // Every request that got a block searched at least the heap that gave it; one
    // that no serving heap might hold fails without a search (Heap::might_fit).
    ASSERT_GE(row["heap_searches"].get<std::uint64_t>() + row["failed_allocs"].get<std::uint64_t>(),
              row["requests"].get<std::uint64_t>());
    searches.insert(row["heap_searches"].get<std::uint64_t>());
    // Fewest searches, then the shortest longest search (first in policy order among ties).
    const std::uint64_t key = row["heap_searches"].get<std::uint64_t>() * 16 + row["search_max"].get<std::uint64_t>();
    if (key < least) {
      least = key;
      fewest = row["policy"].get<std::string>();
    }
  }
  ASSERT_GT(searches.size(), 1u) << "the policies must search differently here";
  const Completed latency = smh({"tune", "c.json", "--objective", "latency", "-o", "fast.json"});
  ASSERT_EQ(latency.exit_code, 0) << latency.err;
  EXPECT_NE(latency.out.find("objective latency (fewest heap searches"), std::string::npos) << latency.out;
  // Policies may tie on every figure (here first_fit, smallest_region_first and
  // size_threshold: each tries a, then b, and a request that neither heap might
  // hold fails unsearched in all three); tune then names the first in policy
  // order, as `fewest` is, and says that others tie with it.
  const std::string recommended = "recommended: " + fewest;
  const std::size_t at = latency.out.find(recommended);
  ASSERT_NE(at, std::string::npos) << latency.out;
  const std::string after = latency.out.substr(at + recommended.size());
  EXPECT_TRUE(after.starts_with("\n") || after.starts_with(" (tied with others;")) << latency.out;
  EXPECT_EQ(Json::parse(read("fast.json"))["pool"]["policy"], fewest);

  const Completed weighted = smh({"tune", "c.json", "--objective", "weighted", "--weights",
                                  "failures=100,footprint=1,latency=0.5", "-o", "weighted.json"});
  ASSERT_EQ(weighted.exit_code, 0) << weighted.err;
  EXPECT_NE(weighted.out.find("weights failures 100.000, footprint 1.000, latency (heap searches) 0.500"),
            std::string::npos)
      << weighted.out;
  std::uint64_t best_failed = ~std::uint64_t{0};
  std::uint64_t best_footprint = ~std::uint64_t{0};
  std::uint64_t best_searches = ~std::uint64_t{0};
  for (const Json& row : rows) {
    best_failed = std::min(best_failed, row["failed_allocs"].get<std::uint64_t>());
    best_footprint = std::min(best_footprint, row["footprint_bytes"].get<std::uint64_t>());
    best_searches = std::min(best_searches, row["heap_searches"].get<std::uint64_t>());
  }
  double lowest = 1e300;
  std::string cheapest;
  for (const Json& row : rows) {
    const double score =
        100 * static_cast<double>(row["failed_allocs"].get<std::uint64_t>()) / std::max<std::uint64_t>(best_failed, 1) +
        static_cast<double>(row["footprint_bytes"].get<std::uint64_t>()) / std::max<std::uint64_t>(best_footprint, 1) +
        0.5 * static_cast<double>(row["heap_searches"].get<std::uint64_t>()) / std::max<std::uint64_t>(best_searches, 1);
    if (score < lowest - 1e-9) {
      lowest = score;
      cheapest = row["policy"].get<std::string>();
    }
  }
  EXPECT_NE(weighted.out.find("recommended: " + cheapest), std::string::npos) << weighted.out;

  // The round trip: every written machine runs, checks and replays.
  for (const char* written : {"fast.json", "weighted.json"}) {
    SCOPED_TRACE(written);
    const Completed run = smh({"run", written, "--quiet"});
    EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
    const Completed check = smh({"check", written, "--quiet"});
    EXPECT_EQ(check.exit_code, 0) << check.err << check.out;
    const Completed replay = smh({"replay", "--machine", written, "t.jsonl", "--report", "r.json", "--quiet"});
    EXPECT_NE(replay.exit_code, 2) << replay.err;
    EXPECT_EQ(Json::parse(read("r.json"))["scenarios"][0]["inputs"]["policy"], Json::parse(read(written))["pool"]["policy"]);
  }
}

}  // namespace
}  // namespace smh::cli::test
