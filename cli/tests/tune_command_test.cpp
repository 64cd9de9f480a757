// `smh tune` and its ranking: ranks with ties, the margin to the runner-up,
// the overall order and recommendation, reports read back from smh compare
// with positioned errors when malformed, and a recommended machine that
// smh replay runs.
#include <string>
#include <vector>

#include "cli_test_support.hpp"
#include "policy_ranking.hpp"

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
  EXPECT_EQ(failures.margin, 0u) << "failures: both best have 0, so does worst_fit";
  EXPECT_EQ(failures.margin_secondary, 1000u) << "the footprint then decides";

  const TraceRanking footprint = rank_trace("t", figures, Objective::footprint);
  EXPECT_EQ(ranks(footprint), (std::vector<unsigned>{1, 2, 2, 4}));
  EXPECT_EQ(footprint.ranked.front().policy, Policy::round_robin);
  EXPECT_FALSE(footprint.tied_best);
  EXPECT_EQ(footprint.margin, 1000u);
  EXPECT_EQ(footprint.margin_secondary, 0u);
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

std::string compare_report(const std::string& machine, const std::string& rows) {
  return R"({"report": "smh-compare", "report_version": 1, "machine": ")" + machine +
         R"(", "traces": [{"path": "t.jsonl", "policies": [)" + rows + "]}]}\n";
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

  EXPECT_EQ(smh({"tune", "a.json", "--objective", "latency"}).exit_code, 2);
  EXPECT_EQ(smh({"tune", "missing.json"}).exit_code, 2);
}

TEST_F(Tune, FromACompareReportToAMachineReplayRuns) {
  write("m.json", R"({"format_version": 1, "name": "m", "seed": 1, "machine": {"regions": [
    {"name": "a", "base": "0x2000_0000", "size": "8K", "attr": "cacheable", "cache": "non_cacheable"},
    {"name": "b", "base": "0x2100_0000", "size": "32K", "attr": "cacheable", "cache": "non_cacheable"}]},
    "ops": []})");
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

}  // namespace
}  // namespace smh::cli::test
