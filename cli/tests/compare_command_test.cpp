// `smh compare` and the configuration warnings: policies that place alike are
// named with the reason, ties are all marked best, the report's rows agree
// with the runs they carry, and ineffective configurations are warned about
// (in compare and in smh run).
#include <string>
#include <vector>

#include "cli_test_support.hpp"

namespace smh::cli::test {
namespace {

using Json = nlohmann::json;

std::string machine(const std::string& regions, const std::string& pool = "") {
  return R"({"format_version": 1, "name": "m", "seed": 1, "machine": {"regions": [)" + regions + "]}" +
         (pool.empty() ? "" : ", \"pool\": " + pool) + R"(, "ops": [])" + "}\n";
}

std::string region(const std::string& name, const std::string& base, const std::string& size,
                   const std::string& attr, const std::string& role = "") {
  return R"({"name": ")" + name + R"(", "base": ")" + base + R"(", "size": ")" + size + R"(", "attr": ")" + attr +
         R"(", "cache": "non_cacheable")" + (role.empty() ? "" : R"(, "role": ")" + role + "\"") + "}";
}

// Allocations of both attributes, a few freed, so that regions fill unevenly.
std::string trace() {
  std::string text;
  for (unsigned handle = 1; handle <= 60; ++handle) {
    const unsigned attr = handle % 3 == 0 ? 1 : 0;
    text += "{\"op\":\"alloc\",\"handle\":" + std::to_string(handle) + ",\"attr\":" + std::to_string(attr) +
            ",\"size\":" + std::to_string(40 + (handle * 37) % 700) + "}\n";
    if (handle % 4 == 0) {
      text += "{\"op\":\"free\",\"handle\":" + std::to_string(handle - 2) + "}\n";
    }
  }
  return text;
}

using Compare = CliTest;

TEST_F(Compare, OneRegionPerAttributeMakesEveryPolicyTheSameAndSaysWhy) {
  write("m.json", machine(region("ram", "0x2000_0000", "64K", "cacheable") + "," +
                          region("dma", "0x3000_0000", "32K", "non_cacheable")));
  write("t.jsonl", trace());
  const Completed done = smh({"compare", "m.json", "t.jsonl", "--report", "c.json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("warning: no request has two regions to choose between on this machine"),
            std::string::npos)
      << done.out;
  EXPECT_NE(done.out.find("indistinguishable (identical placements, the same digest): first_fit = best_fit = "
                          "worst_fit = smallest_region_first = round_robin = size_threshold: one region per "
                          "attribute leaves no choice"),
            std::string::npos)
      << done.out;
  const Json report = Json::parse(read("c.json"));
  EXPECT_EQ(report["report"], "smh-compare");
  const Json& rows = report["traces"][0]["policies"];
  ASSERT_EQ(rows.size(), 6u);
  for (const Json& row : rows) {
    EXPECT_TRUE(row["best"].get<bool>()) << row["policy"] << ": a tie, all best";
  }
  EXPECT_EQ(report["traces"][0]["indistinguishable"][0].size(), 6u);
}

TEST_F(Compare, CompetingRegionsTellPoliciesApartAndRowsAgreeWithTheirRuns) {
  write("m.json", machine(region("a", "0x2000_0000", "8K", "cacheable") + "," +
                          region("b", "0x2100_0000", "32K", "cacheable") + "," +
                          region("dma", "0x3000_0000", "32K", "non_cacheable")));
  write("t.jsonl", trace());
  const Completed done = smh({"compare", "m.json", "t.jsonl", "--policies", "first_fit,worst_fit", "--report",
                              "c.json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(done.out.find("warning"), std::string::npos) << done.out;
  EXPECT_EQ(done.out.find("indistinguishable"), std::string::npos) << done.out;
  const Json report = Json::parse(read("c.json"));
  const Json& rows = report["traces"][0]["policies"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["policy"], "first_fit");
  EXPECT_EQ(rows[1]["policy"], "worst_fit");
  EXPECT_NE(rows[0]["digest"], rows[1]["digest"]);
  int best = 0;
  for (const Json& row : rows) {
    const Json& run = row["run"];
    EXPECT_EQ(row["failed_allocs"], run["failed_allocs"]);
    EXPECT_EQ(row["footprint_bytes"], run["footprint_bytes"]);
    EXPECT_EQ(row["digest"], run["digest"]);
    EXPECT_EQ(run["inputs"]["policy"], row["policy"]);
    std::uint64_t spilled = 0;
    for (const Json& one : run["regions"]) {
      spilled += one["spilled_in"].get<std::uint64_t>();
    }
    EXPECT_EQ(row["spilled"], spilled);
    best += row["best"].get<bool>() ? 1 : 0;
  }
  EXPECT_EQ(best, 1);
  // worst_fit spreads the cacheable requests over a and b; first_fit fills a first.
  EXPECT_GT(rows[1]["spilled"].get<int>(), 0);
  // The same inputs, the same report.
  ASSERT_EQ(smh({"compare", "m.json", "t.jsonl", "--policies", "first_fit,worst_fit", "--report", "d.json"})
                .exit_code,
            0);
  EXPECT_EQ(read("c.json"), read("d.json"));
}

TEST_F(Compare, SizeThresholdWithoutAThresholdOrRolesIsWarnedAbout) {
  const std::string two_roles = region("small", "0x2000_0000", "8K", "cacheable", "small") + "," +
                                region("large", "0x2100_0000", "32K", "cacheable", "large");
  write("no_threshold.json", machine(two_roles, R"({"policy": "size_threshold"})"));
  write("t.jsonl", trace());
  const std::string warning = "policy size_threshold without a threshold (pool.size_threshold is 0)";
  const Completed run = smh({"replay", "--machine", "no_threshold.json", "t.jsonl"});
  EXPECT_NE(run.out.find("warning   " + warning), std::string::npos) << run.out;
  const Completed compare = smh({"compare", "no_threshold.json", "t.jsonl", "--policies", "size_threshold"});
  EXPECT_NE(compare.out.find("warning: " + warning), std::string::npos) << compare.out;

  write("no_roles.json", machine(region("a", "0x2000_0000", "8K", "cacheable") + "," +
                                     region("b", "0x2100_0000", "32K", "cacheable"),
                                 R"({"policy": "size_threshold", "size_threshold": 256})"));
  const Completed no_roles = smh({"replay", "--machine", "no_roles.json", "t.jsonl"});
  EXPECT_NE(no_roles.out.find("warning   policy size_threshold, but no region has the role small or large: it "
                              "places as first_fit does"),
            std::string::npos)
      << no_roles.out;

  write("set.json", machine(two_roles, R"({"policy": "size_threshold", "size_threshold": 256})"));
  const Completed fine = smh({"replay", "--machine", "set.json", "t.jsonl"});
  EXPECT_EQ(fine.out.find("warning"), std::string::npos) << fine.out;
}

TEST_F(Compare, BadInputIsExit2) {
  write("m.json", machine(region("ram", "0x2000_0000", "64K", "cacheable")));
  write("t.jsonl", trace());
  const Completed unknown = smh({"compare", "m.json", "t.jsonl", "--policies", "first_fit,fastest"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "smh compare: --policies: unknown policy 'fastest' (all, or names joined by ',')\n");
  const Completed twice = smh({"compare", "m.json", "t.jsonl", "--policies", "best_fit,best_fit"});
  EXPECT_EQ(twice.exit_code, 2);
  write("bad.jsonl",
        "{\"op\":\"alloc\",\"handle\":1,\"attr\":0,\"size\":16}\n{\"op\":\"free\",\"handle\":9}\n");
  const Completed bad = smh({"compare", "m.json", "bad.jsonl"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.jsonl:2:"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace smh::cli::test
