// `smh size` and its search (region_sizing.hpp): on predicates whose answer is
// known, and end to end on a machine and a trace made here, where the sized
// machine replays without a failed allocation and every region one granule
// smaller does not.
#include <cstdint>
#include <string>
#include <vector>

#include "cli_test_support.hpp"
#include "region_sizing.hpp"

namespace smh::cli::test {
namespace {

using Json = nlohmann::json;

SizingTrial verdict(bool passed) {
  SizingTrial trial;
  trial.passed = passed;
  return trial;
}

// Passes when region 0 has 1000 bytes and region 1 has 2000, or 2400 while
// region 0 is below 1200 (a smaller region 0 spills into region 1).
SizingTrial coupled(const std::vector<std::uint64_t>& sizes) {
  const std::uint64_t need_1 = sizes[0] < 1200 ? 2400 : 2000;
  return verdict(sizes[0] >= 1000 && sizes[1] >= need_1);
}

void expect_minimal(const SizingTrialFn& trial, const std::vector<std::uint64_t>& sizes) {
  EXPECT_TRUE(trial(sizes).passed);
  for (std::size_t region = 0; region < sizes.size(); ++region) {
    std::vector<std::uint64_t> smaller = sizes;
    smaller[region] -= sizing_granule_bytes;
    EXPECT_FALSE(trial(smaller).passed) << "region " << region << " at " << smaller[region] << " bytes";
  }
}

TEST(RegionSizing, FindsTheSmallestSizesAndEachGranuleLessFails) {
  SizingLimits limits;
  const SizingResult result = size_regions({8192, 8192}, limits, coupled);
  ASSERT_TRUE(result.ok) << result.error;
  // The last region first: region 1 is sized while region 0 keeps its 8 KiB
  // (2000), then region 0 shrinks as far as that allows (1200). {1000, 2400}
  // is minimal too; this order keeps the earlier region the larger one.
  EXPECT_EQ(result.sizes_bytes, (std::vector<std::uint64_t>{1200, 2000}));
  expect_minimal(coupled, result.sizes_bytes);
}

TEST(RegionSizing, SizesOffTheGranuleAreTakenDownToIt) {
  const SizingTrialFn trial = [](const std::vector<std::uint64_t>& sizes) { return verdict(sizes[0] >= 4001); };
  const SizingResult result = size_regions({10007}, SizingLimits{}, trial);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.sizes_bytes, std::vector<std::uint64_t>{4008});
  expect_minimal(trial, result.sizes_bytes);
}

TEST(RegionSizing, GrowsTheFailingRegionsWhenTheMachineIsTooSmall) {
  const SizingTrialFn trial = [](const std::vector<std::uint64_t>& sizes) {
    SizingTrial out = verdict(sizes[0] >= 64 && sizes[1] >= 5000);
    out.region_failed = {sizes[0] < 64, sizes[1] < 5000};
    return out;
  };
  SizingLimits limits;
  limits.max_region_bytes = 1 << 20;
  const SizingResult result = size_regions({4096, 1024}, limits, trial);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.sizes_bytes, (std::vector<std::uint64_t>{64, 5000}));
  limits.max_region_bytes = 4096;
  const SizingResult capped = size_regions({4096, 1024}, limits, trial);
  EXPECT_FALSE(capped.ok);
  EXPECT_EQ(capped.error,
            "the workload fails even with the failing regions at the largest size allowed (4096 bytes)");
}

TEST(RegionSizing, ATrialThatCannotRunStopsTheSearch) {
  const SizingTrialFn trial = [](const std::vector<std::uint64_t>& sizes) {
    SizingTrial out = verdict(true);
    if (sizes[0] < 3000) {
      out.error = "t.jsonl:7:1: op 6: bad";
    }
    return out;
  };
  const SizingResult result = size_regions({8192}, SizingLimits{}, trial);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.error, "t.jsonl:7:1: op 6: bad");
}

// Three regions: two cacheable (the first small, so requests spill into the
// second) and a non-cacheable one; a trace of allocations and frees of mixed
// sizes for both attributes.
constexpr const char* machine_json = R"({"format_version": 1, "name": "three", "seed": 3,
 "machine": {"regions": [
   {"name": "fast", "base": "0x2000_0000", "size": "16K", "attr": "cacheable", "cache": "write_back"},
   {"name": "slow", "base": "0x6000_0000", "size": "64K", "attr": "cacheable", "cache": "write_back"},
   {"name": "dma", "base": "0x3000_0000", "size": "32K", "attr": "non_cacheable", "cache": "non_cacheable"}]},
 "ops": []}
)";

std::string workload_trace() {
  std::string text;
  std::uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return (state >> 8) & 0xffff;
  };
  std::vector<unsigned> live;
  for (unsigned handle = 1; handle <= 400; ++handle) {
    const unsigned attr = next() % 4 == 0 ? 1 : 0;
    const unsigned size = 16 + next() % (attr == 1 ? 900 : 1500);
    text += "{\"op\":\"alloc\",\"handle\":" + std::to_string(handle) + ",\"attr\":" + std::to_string(attr) +
            ",\"size\":" + std::to_string(size) + "}\n";
    live.push_back(handle);
    if (live.size() > 20) {
      const std::size_t index = next() % live.size();
      text += "{\"op\":\"free\",\"handle\":" + std::to_string(live[index]) + "}\n";
      live.erase(live.begin() + static_cast<long>(index));
    }
  }
  return text;
}

using SizeCommand = CliTest;

TEST_F(SizeCommand, TheSizedMachineHoldsTheTraceAndOneGranuleLessInAnyRegionDoesNot) {
  write("m.json", machine_json);
  write("t.jsonl", workload_trace());
  const Completed done = smh({"size", "m.json", "t.jsonl", "-o", "sized.json"});
  ASSERT_EQ(done.exit_code, 0) << done.err << done.out;
  EXPECT_TRUE(done.out.starts_with("smh size m.json: 1 trace, policy first_fit, ")) << done.out;
  const Json sized = Json::parse(read("sized.json"));
  const auto replay_failures = [&](const Json& machine) {
    write("try.json", machine.dump());
    const Completed run = smh({"replay", "--machine", "try.json", "t.jsonl", "--report", "r.json", "--quiet"});
    EXPECT_NE(run.exit_code, 2) << run.err;
    return Json::parse(read("r.json"))["scenarios"][0]["failed_allocs"].get<int>();
  };
  EXPECT_EQ(replay_failures(sized), 0);
  for (std::size_t region = 0; region < 3; ++region) {
    Json smaller = sized;
    const std::uint64_t bytes = smaller["machine"]["regions"][region]["size"].get<std::uint64_t>();
    EXPECT_LT(bytes, std::uint64_t{64} << 10);
    EXPECT_NE(done.out.find(" " + std::to_string(bytes) + " "), std::string::npos) << done.out;
    smaller["machine"]["regions"][region]["size"] = bytes - 8;
    EXPECT_GT(replay_failures(smaller), 0) << "region " << region << " at " << bytes - 8 << " bytes";
  }
  // The same inputs, the same answer and file.
  const Completed again = smh({"size", "m.json", "t.jsonl", "-o", "again.json"});
  EXPECT_EQ(again.out, done.out);
  EXPECT_EQ(read("again.json"), read("sized.json"));
}

TEST_F(SizeCommand, HeadroomPolicyAndBadInput) {
  write("m.json", machine_json);
  write("t.jsonl", workload_trace());
  const Completed plain = smh({"size", "m.json", "t.jsonl", "-o", "a.json"});
  const Completed roomy = smh({"size", "m.json", "t.jsonl", "--headroom", "25", "-o", "b.json"});
  ASSERT_EQ(roomy.exit_code, 0) << roomy.err;
  const Json a = Json::parse(read("a.json"));
  const Json b = Json::parse(read("b.json"));
  for (std::size_t region = 0; region < 3; ++region) {
    const auto needed = a["machine"]["regions"][region]["size"].get<std::uint64_t>();
    const auto grown = b["machine"]["regions"][region]["size"].get<std::uint64_t>();
    EXPECT_EQ(grown, ((needed * 125 + 99) / 100 + 7) / 8 * 8) << region;
  }
  const Completed worst = smh({"size", "m.json", "t.jsonl", "--policy", "worst_fit"});
  ASSERT_EQ(worst.exit_code, 0) << worst.err;
  EXPECT_NE(worst.out.find("policy worst_fit"), std::string::npos);

  write("bad.jsonl", "{\"op\":\"alloc\",\"handle\":1,\"size\":16}\n{\"op\":\"free\",\"handle\":9}\n");
  const Completed bad = smh({"size", "m.json", "bad.jsonl"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.jsonl"), std::string::npos) << bad.err;
  const Completed missing = smh({"size", "m.json", "none.jsonl"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("none.jsonl"), std::string::npos) << missing.err;
  const Completed too_big = smh({"size", "m.json", "t.jsonl", "--max-region-bytes", "100"});
  EXPECT_EQ(too_big.exit_code, 0) << "the machine's own sizes hold the trace: nothing grows";
}

TEST(RegionSizing, GroupBudgetsAreSharedInProportionAndSumExactly) {
  // Regions 0 and 2 share a budget 1:3, region 1 has one of its own.
  const std::vector<SizingGroup> groups = {{{0, 2}, {4096, 12288}}, {{1}, {999}}};
  EXPECT_EQ(group_region_sizes(groups, {8000, 512}, 3, 16), (std::vector<std::uint64_t>{2000, 512, 6000}));
  // 1001 granules: 250 and 750 rounded down, the one left over to region 0.
  EXPECT_EQ(group_region_sizes(groups, {8008, 512}, 3, 16), (std::vector<std::uint64_t>{2008, 512, 6000}));
  // Off the granule: taken down to it; never below the smallest region.
  EXPECT_EQ(group_region_sizes(groups, {8015, 3}, 3, 16), (std::vector<std::uint64_t>{2008, 16, 6000}));
  EXPECT_EQ(group_region_sizes(groups, {16, 16}, 3, 16), (std::vector<std::uint64_t>{16, 16, 16}));
  // Budgets far past 64 bits of granules x weight.
  const std::vector<SizingGroup> large = {{{0, 1}, {std::uint64_t{1} << 32, std::uint64_t{3} << 32}}};
  EXPECT_EQ(group_region_sizes(large, {std::uint64_t{1} << 40}, 2, 16),
            (std::vector<std::uint64_t>{std::uint64_t{1} << 38, std::uint64_t{3} << 38}));
}

TEST_F(SizeCommand, PerAttributeScalesAnAttributesRegionsTogetherAndOneGranuleLessFails) {
  write("m.json", machine_json);
  write("t.jsonl", workload_trace());
  const Completed done = smh({"size", "m.json", "t.jsonl", "--scale", "attribute", "-o", "sized.json", "--report",
                              "s.json"});
  ASSERT_EQ(done.exit_code, 0) << done.err << done.out;
  EXPECT_NE(done.out.find("each attribute's regions scaled together"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("per attribute\n"), std::string::npos) << done.out;
  const Json report = Json::parse(read("s.json"));
  EXPECT_EQ(report["scale"], "attribute");
  const Json sized = Json::parse(read("sized.json"));
  std::vector<std::uint64_t> bytes;
  for (std::size_t region = 0; region < 3; ++region) {
    bytes.push_back(sized["machine"]["regions"][region]["size"].get<std::uint64_t>());
    EXPECT_EQ(report["regions"][region]["sized_bytes"].get<std::uint64_t>(), bytes.back());
    EXPECT_EQ(report["regions"][region]["needed_bytes"].get<std::uint64_t>(), bytes.back()) << "no headroom";
    EXPECT_LE(report["regions"][region]["high_water_bytes"].get<std::uint64_t>(), bytes.back());
  }
  // fast and slow (16K and 64K, both cacheable) keep their 1:4, to the granule.
  const std::uint64_t cacheable = bytes[0] + bytes[1];
  ASSERT_EQ(report["attributes"].size(), 2u);
  EXPECT_EQ(report["attributes"][0]["attr"], "cacheable");
  EXPECT_EQ(report["attributes"][0]["needed_bytes"].get<std::uint64_t>(), cacheable);
  EXPECT_EQ(report["attributes"][0]["regions"], Json::parse(R"(["fast", "slow"])"));
  EXPECT_EQ(report["attributes"][1]["needed_bytes"].get<std::uint64_t>(), bytes[2]);
  const std::vector<SizingGroup> groups = {{{0, 1}, {16384, 65536}}, {{2}, {32768}}};
  EXPECT_EQ(group_region_sizes(groups, {cacheable, bytes[2]}, 3, 16), bytes);
  EXPECT_LE(bytes[0] * 4, bytes[1] + 4 * sizing_granule_bytes);
  EXPECT_LE(bytes[1], bytes[0] * 4 + 4 * sizing_granule_bytes);
  const auto replay_failures = [&](const std::vector<std::uint64_t>& sizes) {
    Json machine = sized;
    for (std::size_t region = 0; region < 3; ++region) {
      machine["machine"]["regions"][region]["size"] = sizes[region];
    }
    write("try.json", machine.dump());
    const Completed run = smh({"replay", "--machine", "try.json", "t.jsonl", "--report", "r.json", "--quiet"});
    EXPECT_NE(run.exit_code, 2) << run.err;
    return Json::parse(read("r.json"))["scenarios"][0]["failed_allocs"].get<int>();
  };
  EXPECT_EQ(replay_failures(bytes), 0);
  // One granule less of either attribute's budget fails.
  EXPECT_GT(replay_failures(group_region_sizes(groups, {cacheable - 8, bytes[2]}, 3, 16)), 0);
  EXPECT_GT(replay_failures(group_region_sizes(groups, {cacheable, bytes[2] - 8}, 3, 16)), 0);
  // The same inputs, the same answer; and a scale that is not one.
  const Completed again = smh({"size", "m.json", "t.jsonl", "--scale", "attribute", "--report", "again.json"});
  EXPECT_EQ(again.out, done.out);
  EXPECT_EQ(read("again.json"), read("s.json"));
  const Completed bad = smh({"size", "m.json", "t.jsonl", "--scale", "bank"});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST_F(SizeCommand, ReportHoldsTheSizesPrintedAndWritten) {
  write("m.json", machine_json);
  write("t.jsonl", workload_trace());
  const Completed done = smh({"size", "m.json", "t.jsonl", "--headroom", "25", "-o", "sized.json", "--report",
                              "s.json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const Json report = Json::parse(read("s.json"));
  const Json sized = Json::parse(read("sized.json"));
  EXPECT_EQ(report["machine"], "m.json");
  EXPECT_EQ(report["traces"], Json::parse(R"(["t.jsonl"])"));
  EXPECT_EQ(report["scale"], "region");
  EXPECT_EQ(report["policy"], "first_fit");
  EXPECT_NE(done.out.find(", " + std::to_string(report["replays"].get<std::uint64_t>()) + " replays"),
            std::string::npos);
  std::uint64_t cacheable = 0;
  for (std::size_t region = 0; region < 3; ++region) {
    const Json& row = report["regions"][region];
    EXPECT_EQ(row["name"], sized["machine"]["regions"][region]["name"]);
    EXPECT_EQ(row["sized_bytes"], sized["machine"]["regions"][region]["size"]);
    const auto needed = row["needed_bytes"].get<std::uint64_t>();
    EXPECT_EQ(row["sized_bytes"].get<std::uint64_t>(), ((needed * 125 + 99) / 100 + 7) / 8 * 8);
    EXPECT_NE(done.out.find(" " + std::to_string(needed) + " "), std::string::npos) << done.out;
    EXPECT_GT(row["high_water_bytes"].get<std::uint64_t>(), 0u);
    EXPECT_LE(row["high_water_bytes"].get<std::uint64_t>(), row["sized_bytes"].get<std::uint64_t>());
    cacheable += region < 2 ? row["sized_bytes"].get<std::uint64_t>() : 0;
  }
  EXPECT_EQ(report["attributes"][0]["sized_bytes"].get<std::uint64_t>(), cacheable);
}

}  // namespace
}  // namespace smh::cli::test
