// ShadowState::overlapping() against a reference that keeps one owner entry per
// 8-byte granule, set on every insert and cleared (where it still names the
// block) on every erase — the full tables the shadow kept before it kept only
// block starts. Through random inserts, erases and overlaps (a pool bug), the
// answer of every query, including which block a shared granule names after an
// overlap, must be the reference's: findings and scenario digests depend on it.
#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "smh/sim/memory_map.hpp"
#include "smh/sim/prng.hpp"
#include "smh/sim/shadow_state.hpp"

namespace smh::sim {
namespace {

constexpr std::uint64_t kBase = 0x1000'0000;
constexpr std::uint64_t kSize = 8 << 10;
constexpr std::uint64_t kGranule = 8;

MemoryMap two_regions() {
  RegionSpec a;
  a.name = "a";
  a.base = kBase;
  a.size_bytes = kSize;
  RegionSpec b = a;
  b.name = "b";
  b.base = kBase + 2 * kSize;
  MemoryMap map;
  std::string error;
  EXPECT_TRUE(MemoryMap::build({a, b}, &map, &error)) << error;
  return map;
}

// The old full owner tables: region -> one entry per granule (handle + 1).
struct ReferenceOwners {
  std::vector<std::vector<std::uint32_t>> owners;

  static std::uint64_t first(const LiveBlock& block, std::uint64_t base) { return (block.device_address - base) / kGranule; }
  static std::uint64_t last(const LiveBlock& block, std::uint64_t base) {
    return (block.device_address - base + block.size_bytes + kGranule - 1) / kGranule;
  }
  void insert(const LiveBlock& block, std::uint64_t base, Handle handle) {
    for (std::uint64_t g = first(block, base); g < last(block, base); ++g) {
      owners[block.region][g] = handle + 1;
    }
  }
  void erase(const LiveBlock& block, std::uint64_t base, Handle handle) {
    for (std::uint64_t g = first(block, base); g < last(block, base); ++g) {
      if (owners[block.region][g] == handle + 1) {
        owners[block.region][g] = 0;
      }
    }
  }
  std::optional<Handle> overlapping(unsigned region, std::uint64_t first_g, std::uint64_t last_g,
                                    std::optional<Handle> except) const {
    for (std::uint64_t g = first_g; g < last_g && g < owners[region].size(); ++g) {
      const std::uint32_t owner = owners[region][g];
      if (owner != 0 && (!except || owner != *except + 1)) {
        return owner - 1;
      }
    }
    return std::nullopt;
  }
};

// Random range queries, each with or without an excepted live block.
void check_queries(const MemoryMap& map, const ShadowState& shadow, const ReferenceOwners& reference,
                   const std::map<Handle, LiveBlock>& live, std::uint64_t* state, std::uint64_t seed,
                   unsigned step) {
  for (unsigned query = 0; query < 8; ++query) {
    const std::uint64_t q = splitmix64(*state);
    const unsigned region = static_cast<unsigned>(q % 2);
    const std::uint64_t begin = map.spec(region).base + (q >> 8) % kSize;
    const std::uint64_t end = begin + (q >> 24) % 300;
    std::optional<Handle> except;
    if (!live.empty() && (q >> 40) % 2 == 0) {
      except = std::next(live.begin(), static_cast<long>((q >> 44) % live.size()))->first;
    }
    const std::uint64_t first_g = (begin - map.spec(region).base) / kGranule;
    const std::uint64_t last_g = (begin - map.spec(region).base + (end - begin) + kGranule - 1) / kGranule;
    const auto want = begin >= end ? std::nullopt : reference.overlapping(region, first_g, last_g, except);
    ASSERT_EQ(shadow.overlapping(begin, end, except), want)
        << "seed " << seed << " step " << step << " [" << begin << ", " << end << ")";
  }
}

// One random run: mostly disjoint blocks in granule slots, an overlapping one
// every `overlap_every` inserts (0: never); owner tracking from the start or
// from op `track_at`.
void run(std::uint64_t seed, unsigned overlap_every, unsigned track_at) {
  const MemoryMap map = two_regions();
  ShadowState shadow(map, track_at == 0);
  ReferenceOwners reference;
  reference.owners.assign(2, std::vector<std::uint32_t>(kSize / kGranule, 0));
  std::map<Handle, LiveBlock> live;
  std::uint64_t state = seed;
  Handle next_handle = 0;
  unsigned inserts = 0;
  for (unsigned step = 0; step < 3000; ++step) {
    if (step == track_at && track_at != 0) {
      // As the full tables were built late: from the live blocks in handle order.
      shadow.track_owners();
      reference.owners.assign(2, std::vector<std::uint32_t>(kSize / kGranule, 0));
      for (const auto& [handle, block] : live) {
        reference.insert(block, map.spec(block.region).base, handle);
      }
    }
    const std::uint64_t r = splitmix64(state);
    if (live.size() < 40 && (r % 3 != 0 || live.empty())) {
      LiveBlock block;
      block.region = static_cast<std::uint16_t>((r >> 8) % 2);
      const std::uint64_t base = map.spec(block.region).base;
      block.size_bytes = static_cast<std::uint32_t>((r >> 16) % 200);  // 0 included
      const bool overlap = overlap_every != 0 && ++inserts % overlap_every == 0;
      std::uint64_t offset = ((r >> 32) % (kSize / kGranule - 32)) * kGranule + ((r >> 60) % 2) * 4;
      if (!overlap) {
        // Retry until disjoint from every live block (granule-wise) or give up.
        for (unsigned tries = 0; tries < 20; ++tries) {
          block.device_address = base + offset;
          if (!reference.overlapping(block.region, ReferenceOwners::first(block, base),
                                     ReferenceOwners::last(block, base), std::nullopt)) {
            break;
          }
          offset = (splitmix64(state) % (kSize / kGranule - 32)) * kGranule;
        }
      }
      block.device_address = base + offset;
      if (block.device_address + block.size_bytes > base + kSize) {
        continue;
      }
      const bool disjoint = !reference.overlapping(block.region, ReferenceOwners::first(block, base),
                                                   ReferenceOwners::last(block, base), std::nullopt);
      if (!overlap && !disjoint) {
        continue;
      }
      shadow.insert(next_handle, block);
      reference.insert(block, base, next_handle);
      live[next_handle++] = block;
    } else {
      auto it = live.begin();
      std::advance(it, static_cast<long>((r >> 8) % live.size()));
      shadow.erase(it->first);
      reference.erase(it->second, map.spec(it->second.region).base, it->first);
      live.erase(it);
    }
    if (!shadow.tracks_owners()) {
      continue;
    }
    check_queries(map, shadow, reference, live, &state, seed, step);
    shadow.verify();
  }
}

TEST(ShadowStateOwners, DisjointBlocksAnswerAsFullTables) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    run(seed, 0, 0);
  }
}

TEST(ShadowStateOwners, OverlapsNameTheLastBlockAsFullTables) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    run(seed, 50, 0);
    run(seed, 7, 0);
  }
}

TEST(ShadowStateOwners, LateTrackingAnswersAsFullTables) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    run(seed, 0, 500);
    run(seed, 30, 200);
  }
}

}  // namespace
}  // namespace smh::sim
