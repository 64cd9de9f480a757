// The memory map of each region at its sampled peak (region_peak_map.hpp):
// taken only when asked, one segment per block while they fit, equal byte
// ranges holding the bytes in use when they do not, the largest free block
// found, and the map of the peak kept when live bytes fall again.
#include <gtest/gtest.h>

#include <string>

#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/scenario_runner.hpp"

namespace smh::sim {
namespace {

// 40 blocks of 64 bytes, every other one freed after the peak, then all but two.
Scenario scenario() {
  std::string ops;
  for (unsigned handle = 1; handle <= 40; ++handle) {
    ops += std::string(ops.empty() ? "" : ",") + R"({"op": "alloc", "handle": )" + std::to_string(handle) +
           R"(, "attr": 0, "size": 64})";
  }
  for (unsigned handle = 1; handle <= 38; ++handle) {
    ops += R"(, {"op": "free", "handle": )" + std::to_string(handle) + "}";
  }
  Scenario out;
  ScenarioError error;
  EXPECT_TRUE(parse_scenario(R"({"format_version": 1, "machine": {"regions": [
    {"name": "r", "base": "0x1000_0000", "size": "16K", "attr": 0, "cache": "non_cacheable"}]}, "ops": [)" + ops +
                                 "]}",
                             "t.json", &out, &error))
      << error.to_string();
  return out;
}

ScenarioOutcome run(bool maps, std::uint32_t max_segments) {
  RunnerOptions options;
  options.region_maps = maps;
  options.max_map_segments = max_segments;
  return run_scenario(scenario(), "t.json", 0, options);
}

TEST(RegionPeakMap, TakenOnlyWhenAsked) {
  EXPECT_TRUE(run(false, 256).peak_maps.empty());
  EXPECT_EQ(run(true, 256).peak_maps.size(), 1u);
}

TEST(RegionPeakMap, OneSegmentPerBlockAtThePeak) {
  const ScenarioOutcome outcome = run(true, 256);
  ASSERT_EQ(outcome.peak_maps.size(), 1u);
  const RegionPeakMap& map = outcome.peak_maps[0];
  EXPECT_EQ(map.live_bytes, 40u * 64);  // the peak, not the end (two blocks left)
  EXPECT_EQ(map.at_ops, 40u);
  EXPECT_FALSE(map.coalesced);
  EXPECT_EQ(map.used_blocks, 40u);
  EXPECT_EQ(map.blocks, 41u);  // and the free rest of the region
  ASSERT_EQ(map.segments.size(), 41u);
  std::uint64_t offset = 0;
  for (const MapSegment& segment : map.segments) {
    EXPECT_EQ(segment.offset_bytes, offset);
    EXPECT_EQ(segment.blocks, 1u);
    offset += segment.length_bytes;
  }
  EXPECT_EQ(offset, map.end_bytes);
  EXPECT_EQ(map.largest_free_offset_bytes, map.segments.back().offset_bytes);
  EXPECT_EQ(map.largest_free_bytes, map.segments.back().length_bytes);
  EXPECT_EQ(map.segments.back().used_bytes, 0u);
}

TEST(RegionPeakMap, ManyBlocksAreCoalescedIntoBoundedRanges) {
  const RegionPeakMap whole = run(true, 256).peak_maps.at(0);
  const RegionPeakMap map = run(true, 4).peak_maps.at(0);
  EXPECT_TRUE(map.coalesced);
  ASSERT_LE(map.segments.size(), 4u);
  std::uint64_t used = 0;
  std::uint64_t blocks = 0;
  std::uint64_t offset = 0;
  for (const MapSegment& segment : map.segments) {
    EXPECT_EQ(segment.offset_bytes, offset);
    EXPECT_LE(segment.used_bytes, segment.length_bytes);
    used += segment.used_bytes;
    blocks += segment.blocks;
    offset += segment.length_bytes;
  }
  std::uint64_t whole_used = 0;
  for (const MapSegment& segment : whole.segments) {
    whole_used += segment.used_bytes;
  }
  EXPECT_EQ(used, whole_used);  // the same bytes in use, drawn coarser
  EXPECT_EQ(blocks, whole.blocks);
  EXPECT_EQ(offset, whole.end_bytes);
  EXPECT_EQ(map.largest_free_bytes, whole.largest_free_bytes);
  EXPECT_EQ(map.largest_free_offset_bytes, whole.largest_free_offset_bytes);
}

}  // namespace
}  // namespace smh::sim
