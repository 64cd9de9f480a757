// ShadowState::verify(), the full self-check the Executor runs with every
// periodic heap validation (issue 13): it holds through any sequence of inserts
// and erases, before and after the owner tables are built, and through an
// overlap (a NON_OVERLAP bug the Executor reports, after which the tables name
// the last block); and it aborts on a block it cannot account for, or on a
// damaged table entry (a start, last or owner entry no block accounts for).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "smh/sim/memory_map.hpp"
#include "smh/sim/shadow_state.hpp"

namespace smh::sim {

// Damages one table entry, as a bug in ShadowState would, for verify() to catch.
struct ShadowStateTamper {
  static void set_owner_entry(ShadowState& shadow, unsigned region, std::uint64_t granule, std::uint32_t entry) {
    shadow.owner_tables_[region][granule] = entry;
  }
  static void remove_bounds(ShadowState& shadow, unsigned region, std::uint64_t first, std::uint64_t last) {
    shadow.bounds_[region].remove(first, last);
  }
  static void add_bounds(ShadowState& shadow, unsigned region, std::uint64_t first, std::uint64_t last) {
    shadow.bounds_[region].add(first, last);
  }
};

namespace {

constexpr std::uint64_t kBase = 0x2000'0000;
constexpr std::uint64_t kSize = 64 << 10;

MemoryMap one_region() {
  RegionSpec sram;
  sram.name = "sram";
  sram.base = kBase;
  sram.size_bytes = kSize;
  MemoryMap map;
  std::string error;
  EXPECT_TRUE(MemoryMap::build({sram}, &map, &error)) << error;
  return map;
}

LiveBlock block_at(std::uint64_t offset, std::uint32_t size_bytes) {
  LiveBlock block;
  block.device_address = kBase + offset;
  block.size_bytes = size_bytes;
  return block;
}

// Blocks in their own 256-byte slots, as a heap places them (no two share a
// granule); handles reused after erase.
void churn(ShadowState& shadow, std::uint32_t seed, bool track_midway) {
  std::mt19937 rng(seed);
  std::map<Handle, LiveBlock> live;
  for (int step = 0; step < 3000; ++step) {
    if (track_midway && step == 1500) {
      shadow.track_owners();
    }
    const Handle handle = rng() % 200;
    if (live.contains(handle)) {
      shadow.erase(handle);
      live.erase(handle);
    } else {
      const LiveBlock block = block_at(handle * 256 + 8 * (rng() % 4), 1 + rng() % 200);
      shadow.insert(handle, block);
      live.emplace(handle, block);
    }
    shadow.verify();
    ASSERT_EQ(shadow.live_count(), live.size());
  }
}

TEST(ShadowStateVerify, HoldsThroughInsertsAndErasesWithOwnerTables) {
  const MemoryMap map = one_region();
  ShadowState shadow(map, true);
  churn(shadow, 1, false);
}

TEST(ShadowStateVerify, HoldsWhenTheOwnerTablesAreBuiltLate) {
  const MemoryMap map = one_region();
  ShadowState shadow(map, false);
  churn(shadow, 2, true);
}

TEST(ShadowStateVerify, HoldsAfterAnOverlap) {
  const MemoryMap map = one_region();
  ShadowState shadow(map, true);
  shadow.insert(1, block_at(64, 128));
  shadow.insert(2, block_at(128, 128));  // overlaps handle 1: the Executor reports NON_OVERLAP
  shadow.verify();
  shadow.erase(2);  // clears the granules it named, handle 1's shared ones included
  shadow.verify();
  shadow.erase(1);
  shadow.verify();
}

// The owner tables against the blocks (a multiset sum on each side): a start
// entry naming another handle, a last moved, a stale start and a lost one are
// each caught. Blocks at granules 8 (size 40: granules 8..12) and 32 (size 8).
ShadowState two_blocks(const MemoryMap& map) {
  ShadowState shadow(map, true);
  shadow.insert(1, block_at(64, 40));
  shadow.insert(2, block_at(256, 8));
  shadow.verify();
  return shadow;
}

TEST(ShadowStateVerifyDeathTest, AbortsOnAnOwnerEntryNamingAnotherBlock) {
  const MemoryMap map = one_region();
  ShadowState shadow = two_blocks(map);
  ShadowStateTamper::set_owner_entry(shadow, 0, 8, 3);  // handle 2's entry on handle 1's start
  EXPECT_DEATH(shadow.verify(), "simulator assertion failed: .*starts_hash");
}

TEST(ShadowStateVerifyDeathTest, AbortsOnAMovedLast) {
  const MemoryMap map = one_region();
  ShadowState shadow = two_blocks(map);
  ShadowStateTamper::remove_bounds(shadow, 0, 8, 12);
  ShadowStateTamper::add_bounds(shadow, 0, 8, 11);  // still alternating, one granule short
  EXPECT_DEATH(shadow.verify(), "simulator assertion failed: .*starts_hash");
}

TEST(ShadowStateVerifyDeathTest, AbortsOnAStaleStart) {
  const MemoryMap map = one_region();
  ShadowState shadow = two_blocks(map);
  ShadowStateTamper::add_bounds(shadow, 0, 20, 20);  // a start no block has, with its last
  EXPECT_DEATH(shadow.verify(), "simulator assertion failed: .*starts_hash");
}

TEST(ShadowStateVerifyDeathTest, AbortsOnALostBlock) {
  const MemoryMap map = one_region();
  ShadowState shadow = two_blocks(map);
  ShadowStateTamper::remove_bounds(shadow, 0, 32, 32);
  EXPECT_DEATH(shadow.verify(), "simulator assertion failed: .*starts_hash");
}

TEST(ShadowStateVerifyDeathTest, AbortsOnStartsAndLastsOutOfTurn) {
  const MemoryMap map = one_region();
  ShadowState shadow = two_blocks(map);
  ShadowStateTamper::remove_bounds(shadow, 0, 8, 12);
  ShadowStateTamper::add_bounds(shadow, 0, 8, 40);  // handle 1's last after handle 2's start
  EXPECT_DEATH(shadow.verify(), "simulator assertion failed: last != ExtentBounds::none");
}

TEST(ShadowStateVerifyDeathTest, AbortsOnABlockOutsideItsRegion) {
  const MemoryMap map = one_region();
  ShadowState shadow(map, false);  // no owner tables: insert writes nothing outside the region
  shadow.insert(3, block_at(kSize - 16, 64));
  EXPECT_DEATH(shadow.verify(), "simulator assertion failed: block.device_address >= spec.base");
}

}  // namespace
}  // namespace smh::sim
