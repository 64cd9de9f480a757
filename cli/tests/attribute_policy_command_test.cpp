// Per-attribute policies through the commands (issue 11): the choice of each
// attribute's winner (attribute_combination.hpp), `smh compare` replaying the
// combination where the attributes' best policies differ, `smh tune` writing it
// only where it pays, and the written machine accepted by run, check and replay.
#include <string>
#include <vector>

#include "attribute_combination.hpp"
#include "cli_test_support.hpp"

namespace smh::cli::test {
namespace {

using Json = nlohmann::json;

CombinationCandidate candidate(Policy policy, std::vector<AttributeFigures> attributes) {
  CombinationCandidate out{policy, attributes, 0, 0};
  for (const AttributeFigures& one : attributes) {
    out.failed_allocs += one.failed_allocs;
    out.footprint_bytes += one.footprint_bytes;
  }
  return out;
}

TEST(AttributeCombination, EachAttributeTakesItsStrictWinnerOverTheBase) {
  // first_fit is best over the machine (0 failures); on attribute 1 worst_fit
  // has the smaller footprint, on attribute 0 best_fit only ties first_fit.
  const Combination mixed = combine_attribute_winners({
      candidate(Policy::first_fit, {{0, 0, 100}, {1, 0, 500}}),
      candidate(Policy::best_fit, {{0, 0, 100}, {1, 2, 300}}),
      candidate(Policy::worst_fit, {{0, 1, 90}, {1, 0, 450}}),
  });
  EXPECT_TRUE(mixed.differs);
  EXPECT_EQ(mixed.base, Policy::first_fit);
  EXPECT_EQ(mixed.attribute_policies, (std::vector<sim::AttributePolicy>{{1, Policy::worst_fit}}));
  EXPECT_EQ(combination_name("first_fit", mixed.attribute_policies), "first_fit+non_cacheable:worst_fit");

  // The base wins or ties everywhere: nothing to combine.
  const Combination plain = combine_attribute_winners({
      candidate(Policy::round_robin, {{0, 0, 100}, {1, 0, 200}}),
      candidate(Policy::best_fit, {{0, 0, 100}, {1, 0, 250}}),
  });
  EXPECT_FALSE(plain.differs);
  EXPECT_EQ(plain.base, Policy::round_robin);
  EXPECT_TRUE(plain.attribute_policies.empty());
}

// Attribute 0 (cacheable): a 3.5 KiB block then a 7.5 KiB one, on an 8 KiB
// region before a 4 KiB one: best_fit puts the first in the 4 KiB region and
// both fit; first_fit and worst_fit put it in the 8 KiB one and the second
// fails. Attribute 1 (non_cacheable): many small blocks, some freed, on an
// 8 KiB region before a 32 KiB one, where worst_fit's footprint is smaller.
std::string machine() {
  return R"({"format_version": 1, "name": "m", "seed": 1, "machine": {"regions": [
    {"name": "a", "base": "0x2000_0000", "size": "8K", "attr": "cacheable", "cache": "non_cacheable"},
    {"name": "b", "base": "0x2100_0000", "size": "4K", "attr": "cacheable", "cache": "non_cacheable"},
    {"name": "c", "base": "0x3000_0000", "size": "8K", "attr": "non_cacheable", "cache": "non_cacheable"},
    {"name": "d", "base": "0x3100_0000", "size": "32K", "attr": "non_cacheable", "cache": "non_cacheable"}]},
    "ops": []})";
}

std::string trace() {
  std::string text = "{\"op\":\"alloc\",\"handle\":1000,\"attr\":0,\"size\":3584}\n"
                     "{\"op\":\"alloc\",\"handle\":1001,\"attr\":0,\"size\":7680}\n";
  for (unsigned handle = 1; handle <= 60; ++handle) {
    text += "{\"op\":\"alloc\",\"handle\":" + std::to_string(handle) + ",\"attr\":1,\"size\":" +
            std::to_string(40 + (handle * 37) % 700) + "}\n";
    if (handle % 4 == 0) {
      text += "{\"op\":\"free\",\"handle\":" + std::to_string(handle - 2) + "}\n";
    }
  }
  return text;
}

const Json* row_named(const Json& rows, const std::string& name) {
  for (const Json& row : rows) {
    if (row["name"] == name) {
      return &row;
    }
  }
  return nullptr;
}

using PerAttribute = CliTest;

TEST_F(PerAttribute, CompareReplaysTheCombinationAndTuneWritesItWhereItPays) {
  write("m.json", machine());
  write("t.jsonl", trace());
  const Completed compared = smh({"compare", "m.json", "t.jsonl", "--report", "c.json"});
  ASSERT_EQ(compared.exit_code, 0) << compared.err;
  const std::string name = "best_fit+non_cacheable:worst_fit";
  EXPECT_NE(compared.out.find("per attribute: best_fit is best over the machine, but non_cacheable does better "
                              "under worst_fit"),
            std::string::npos)
      << compared.out;
  const Json report = Json::parse(read("c.json"));
  EXPECT_EQ(report["per_attribute"]["name"], name);
  const Json& rows = report["traces"][0]["policies"];
  const Json* combined = row_named(rows, name);
  ASSERT_NE(combined, nullptr) << rows.dump(1);
  const Json* base = row_named(rows, "best_fit");
  const Json* worst = row_named(rows, "worst_fit");
  ASSERT_NE(base, nullptr);
  ASSERT_NE(worst, nullptr);
  // The combination keeps the base's success on attribute 0 and takes
  // worst_fit's smaller footprint on attribute 1: best of every row.
  EXPECT_EQ((*combined)["failed_allocs"], 0);
  EXPECT_GT((*worst)["failed_allocs"], 0);
  EXPECT_LT((*combined)["footprint_bytes"], (*base)["footprint_bytes"]);
  EXPECT_TRUE((*combined)["best"].get<bool>());
  EXPECT_EQ((*combined)["run"]["inputs"]["attribute_policies"],
            Json::parse(R"([{"attr": 1, "policy": "worst_fit"}])"));

  const Completed tuned = smh({"tune", "c.json", "-o", "best.json"});
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  EXPECT_NE(tuned.out.find("per attribute: " + name + " beats best_fit"), std::string::npos) << tuned.out;
  const Json written = Json::parse(read("best.json"));
  EXPECT_EQ(written["pool"]["policy"], "best_fit");
  EXPECT_EQ(written["pool"]["attribute_policies"], Json::parse(R"([{"attr": 1, "policy": "worst_fit"}])"));

  // The written machine: replayed with every check on, the same placements as
  // compare's fast replay of the combination; run and check accept it.
  const Completed replay = smh({"replay", "--machine", "best.json", "t.jsonl", "--report", "r.json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err << replay.out;
  EXPECT_EQ(Json::parse(read("r.json"))["scenarios"][0]["digest"], (*combined)["digest"]);
  EXPECT_EQ(smh({"run", "best.json"}).exit_code, 0);
  EXPECT_EQ(smh({"check", "best.json"}).exit_code, 0);
  // --policy places every attribute by one policy: the per-attribute ones go.
  const Completed single = smh({"replay", "--machine", "best.json", "t.jsonl", "--policy", "best_fit", "--report",
                                "s.json"});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  EXPECT_EQ(Json::parse(read("s.json"))["scenarios"][0]["digest"], (*base)["digest"]);
}

std::string report_with(const std::string& combined_row) {
  return R"({"report": "smh-compare", "report_version": 1, "machine": "m.json", "traces": [{"path": "t.jsonl",
    "policies": [{"policy": "first_fit", "failed_allocs": 0, "footprint_bytes": 900},
                 {"policy": "best_fit", "failed_allocs": 0, "footprint_bytes": 950},)" +
         combined_row + "]}]}\n";
}

TEST_F(PerAttribute, TuneKeepsOnePolicyWhenTheCombinationOnlyTiesAndPlacesBadRows) {
  write("m.json", machine());
  write("tie.json", report_with(R"({"policy": "first_fit", "attribute_policies": [{"attr": 1, "policy": "best_fit"}],
      "failed_allocs": 0, "footprint_bytes": 900})"));
  const Completed tie = smh({"tune", "tie.json", "-o", "tie_machine.json"});
  ASSERT_EQ(tie.exit_code, 0) << tie.err;
  EXPECT_NE(tie.out.find("per attribute: first_fit+non_cacheable:best_fit only ties first_fit: not recommended"),
            std::string::npos)
      << tie.out;
  EXPECT_FALSE(Json::parse(read("tie_machine.json"))["pool"].contains("attribute_policies"));

  write("bad.json", report_with(R"({"policy": "first_fit", "attribute_policies": [{"attr": 1, "policy": "fastest"}],
      "failed_allocs": 0, "footprint_bytes": 900})"));
  EXPECT_EQ(smh({"tune", "bad.json"}).err, "smh tune: bad.json: $.traces[0].policies[2].attribute_policies[0]: not "
                                           "an attribute below 32 with a known policy\n");
}

}  // namespace
}  // namespace smh::cli::test
