// `smh compare` and the configuration warnings: policies that place alike are
// named with the reason, ties are all marked best, the report's rows agree
// with the runs they carry, and ineffective configurations are warned about
// (in compare and in smh run).
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
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

// size_threshold on a machine with both roles is compared once per candidate
// threshold: the power-of-two sizes below which 50, 75, 90 and 99 % of the
// requests fall (worked out here from the trace's sizes), each row carrying its
// threshold, its run made with it.
TEST_F(Compare, SizeThresholdIsComparedAtThresholdsFromTheRequestSizes) {
  const std::string two_roles = region("small", "0x2000_0000", "8K", "cacheable", "small") + "," +
                                region("large", "0x2100_0000", "32K", "cacheable", "large");
  write("m.json", machine(two_roles, R"({"policy": "first_fit"})"));
  // Half the requests of 24 bytes, then 100, 400 and 1500 (2:2:1).
  std::vector<std::uint64_t> sizes;
  std::string text;
  for (unsigned handle = 1; handle <= 60; ++handle) {
    static constexpr std::uint64_t by_tenth[] = {24, 24, 24, 24, 24, 100, 100, 400, 400, 1500};
    sizes.push_back(by_tenth[handle % 10]);
    text += "{\"op\":\"alloc\",\"handle\":" + std::to_string(handle) + ",\"attr\":0,\"size\":" +
            std::to_string(sizes.back()) + "}\n";
    if (handle % 4 == 0) {
      text += "{\"op\":\"free\",\"handle\":" + std::to_string(handle - 2) + "}\n";
    }
  }
  write("t.jsonl", text);
  std::vector<std::uint64_t> expected;
  for (const std::uint64_t percent : {50, 75, 90, 99}) {
    for (std::uint64_t threshold = 1;; threshold *= 2) {
      const auto below = static_cast<std::uint64_t>(
          std::count_if(sizes.begin(), sizes.end(), [&](std::uint64_t size) { return size < threshold; }));
      if (below * 100 >= sizes.size() * percent) {
        if (below != sizes.size() && (expected.empty() || expected.back() != threshold)) {
          expected.push_back(threshold);
        }
        break;
      }
    }
  }
  ASSERT_GE(expected.size(), 2u) << "the trace's sizes spread over several powers of two";

  const Completed done = smh({"compare", "m.json", "t.jsonl", "--policies", "first_fit,size_threshold", "--report",
                              "c.json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("size_threshold tried at the thresholds below which 50, 75, 90 and 99 % of the 60 "
                          "requests fall"),
            std::string::npos)
      << done.out;
  EXPECT_EQ(done.out.find("without a threshold"), std::string::npos) << done.out;
  const Json report = Json::parse(read("c.json"));
  EXPECT_EQ(report["request_sizes"]["requests"], 60);
  const Json& rows = report["traces"][0]["policies"];
  ASSERT_EQ(rows.size(), 1 + expected.size());
  EXPECT_EQ(rows[0]["name"], "first_fit");
  EXPECT_FALSE(rows[0].contains("size_threshold"));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const Json& row = rows[1 + i];
    const std::string name = "size_threshold=" + std::to_string(expected[i]);
    EXPECT_EQ(row["policy"], "size_threshold");
    EXPECT_EQ(row["size_threshold"], expected[i]);
    EXPECT_EQ(row["name"], name);
    EXPECT_EQ(row["run"]["inputs"]["size_threshold"], expected[i]);
    EXPECT_NE(done.out.find("  " + name + " "), std::string::npos) << done.out;
  }
  // The smallest and the largest threshold route other requests to the small region.
  EXPECT_NE(rows[1]["digest"], rows[expected.size()]["digest"]);

  // Thresholds named on the command line replace the candidates.
  ASSERT_EQ(smh({"compare", "m.json", "t.jsonl", "--policies", "size_threshold", "--thresholds", "512,64,512",
                 "--report", "d.json"})
                .exit_code,
            0);
  const Json named = Json::parse(read("d.json"));
  EXPECT_FALSE(named.contains("request_sizes"));
  EXPECT_EQ(named["policies"], Json::parse(R"(["size_threshold=64", "size_threshold=512"])"));

  for (const auto& [arguments, why] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--thresholds", "0"}, "--thresholds: '0' is not a byte count from 1 to 2^63"},
           {{"--thresholds", "64,,128"}, "--thresholds: '' is not a byte count"},
           {{"--thresholds", "1K"}, "--thresholds: '1K' is not a byte count"},
           {{"--thresholds", "64", "--policies", "first_fit"},
            "--thresholds: policy size_threshold is not compared (--policies)"}}) {
    std::vector<std::string> command = {"compare", "m.json", "t.jsonl"};
    command.insert(command.end(), arguments.begin(), arguments.end());
    const Completed refused = smh(command);
    EXPECT_EQ(refused.exit_code, 2) << why;
    EXPECT_NE(refused.err.find(why), std::string::npos) << refused.err;
  }
  write("no_roles.json", machine(region("a", "0x2000_0000", "8K", "cacheable") + "," +
                                 region("b", "0x2100_0000", "32K", "cacheable")));
  const Completed no_roles = smh({"compare", "no_roles.json", "t.jsonl", "--thresholds", "64"});
  EXPECT_EQ(no_roles.exit_code, 2);
  EXPECT_NE(no_roles.err.find("no region has the role small or large, so a threshold changes nothing"),
            std::string::npos)
      << no_roles.err;
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
