// How requests find regions beyond exact attributes: capability masks (a region
// serves a request when it has every requested bit), preference chains
// (alloc_prefer tries each attribute in order), reserved regions (only alloc_in
// reaches them), offline regions (no new blocks, old blocks keep working), a
// policy per attribute, and the policy names.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"

namespace smh::test {
namespace {

// ---------------------------------------------------------------- capability mode

struct CapabilityPool {
  static constexpr std::uint32_t kCaps[] = {
      caps::internal | caps::dma,
      caps::external | caps::cacheable,
      caps::internal | caps::cacheable | caps::dma,
      caps::internal | caps::cacheable | caps::exec | caps::tcm,
  };
  static constexpr std::size_t kSizes[] = {4096, 4096, 8192, 4096};

  explicit CapabilityPool(Policy policy = Policy::first_fit) : buffer(5 * 4096) {
    PoolConfig config;
    config.mode = MatchMode::capability;
    config.policy = policy;
    EXPECT_EQ(pool.init(config), Status::ok);
    std::size_t offset = 0;
    for (unsigned i = 0; i < 4; ++i) {
      EXPECT_EQ(pool.add(region(buffer.data() + offset, kSizes[i], kCaps[i])), Status::ok);
      offset += kSizes[i];
    }
  }
  AlignedBuffer buffer;
  Pool pool;
};

TEST(PoolMatching, CapabilityRequestsGoToRegionsHavingEveryRequestedBit) {
  CapabilityPool c;
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(caps::dma, 16)), 0);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(caps::internal | caps::cacheable, 16)), 2)
      << "region 0 lacks cacheable, region 1 lacks internal";
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(caps::cacheable, 16)), 1);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(caps::exec, 16)), 3);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(caps::internal | caps::cacheable | caps::dma, 16)), 2);
  EXPECT_EQ(c.pool.alloc(caps::external | caps::dma, 16), nullptr) << "no region has both";
  EXPECT_EQ(c.pool.alloc(caps::exec | caps::dma, 16), nullptr);
  EXPECT_EQ(c.pool.alloc(1u << 20, 16), nullptr) << "a bit no region has";
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(0, 16)), 0) << "no requirement: every region matches";
}

// Every mask over the six defined bits: first_fit gives the first region (in
// insertion order) whose capabilities include the mask, and nullptr exactly when
// no region does.
TEST(PoolMatching, EveryCapabilityMaskLandsInTheFirstRegionThatHasAllItsBits) {
  CapabilityPool c;
  for (std::uint32_t mask = 0; mask < 64; ++mask) {
    int expected = -1;
    for (int i = 0; i < 4; ++i) {
      if ((CapabilityPool::kCaps[i] & mask) == mask) {
        expected = i;
        break;
      }
    }
    void* p = c.pool.alloc(mask, 8);
    EXPECT_EQ(region_of(c.pool, p), expected) << "mask 0x" << std::hex << mask;
    EXPECT_EQ(c.pool.free(p), Status::ok);
  }
  EXPECT_TRUE(EveryRegionOneFreeBlock(c.pool));
}

TEST(PoolMatching, CapabilityRequestsFallBackToTheNextRegionWithTheBitsWhenOneIsFull) {
  CapabilityPool c;
  void* whole = c.pool.alloc(caps::dma, block_area_bytes(4096) - 8);  // region 0's single block
  ASSERT_EQ(region_of(c.pool, whole), 0);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(caps::dma, 16)), 2);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(caps::internal, 16)), 2);
}

TEST(PoolMatching, CapabilityModeAcceptsAnyMaskButHasNoPerAttributePolicy) {
  CapabilityPool c;
  AlignedBuffer extra(4096);
  EXPECT_EQ(c.pool.add(region(extra.data(), 4096, 0xFFFF0000u)), Status::ok) << "any mask is a valid region";
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(1u << 20, 16)), 4);
  EXPECT_EQ(c.pool.set_policy(caps::dma, Policy::worst_fit), Status::unknown_attribute);
  EXPECT_EQ(c.pool.set_policy(Policy::worst_fit), Status::ok);
  // worst_fit: region 2 (8 KiB) has the most free bytes of those with dma.
  EXPECT_EQ(region_of(c.pool, c.pool.alloc(caps::dma, 16)), 2);
}

// ---------------------------------------------------------------- preference chains

// Three 4 KiB regions, attributes 0, 1, 2. A 1000-byte request takes a 1008-byte
// block; a fresh region's 4032-byte block holds exactly four.
struct ChainPool {
  ChainPool() : buffer(3 * 4096) {
    EXPECT_EQ(pool.init(), Status::ok);
    for (unsigned i = 0; i < 3; ++i) {
      EXPECT_EQ(pool.add(region(buffer.data() + i * 4096, 4096, i)), Status::ok);
    }
    pool.set_hooks(errors.hooks());
  }
  AlignedBuffer buffer;
  Pool pool;
  PoolErrorLog errors;
};

TEST(PoolMatching, PreferenceChainFallsBackInOrderAndFailsOnlyWhenAllFail) {
  ChainPool c;
  static_assert(4 * block_bytes_for(1000) == block_area_bytes(4096));
  for (int expected = 0; expected < 3; ++expected) {
    for (int i = 0; i < 4; ++i) {
      void* p = c.pool.alloc_prefer({0u, 1u, 2u}, 1000);
      EXPECT_EQ(region_of(c.pool, p), expected) << "block " << i;
    }
  }
  const std::uint64_t failed = c.pool.failed_alloc_count();
  EXPECT_EQ(c.pool.alloc_prefer({0u, 1u, 2u}, 1000), nullptr);
  EXPECT_EQ(c.pool.failed_alloc_count(), failed + 1) << "one failed request, counted once";
  EXPECT_TRUE(c.errors.events.empty()) << "running out of memory is not an error";
}

TEST(PoolMatching, PreferenceChainTriesAttributesInTheOrderGiven) {
  ChainPool c;
  EXPECT_EQ(region_of(c.pool, c.pool.alloc_prefer({2u, 0u, 1u}, 16)), 2);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc_prefer({1u, 2u}, 16)), 1);
  const std::uint32_t chain[] = {2u, 1u};
  EXPECT_EQ(region_of(c.pool, c.pool.alloc_prefer(chain, 2, 16)), 2) << "the pointer-and-count form";
  EXPECT_EQ(region_of(c.pool, c.pool.alloc_prefer(chain + 1, 1, 16)), 1);
  void* aligned = c.pool.alloc_prefer({1u}, 100, 256);
  EXPECT_EQ(region_of(c.pool, aligned), 1);
  EXPECT_EQ(address_of(aligned) % 256, 0u);
}

TEST(PoolMatching, PreferenceChainSkipsAttributesWithoutRoomOrRegions) {
  ChainPool c;
  void* whole = c.pool.alloc(0, block_area_bytes(4096) - 8);
  ASSERT_EQ(region_of(c.pool, whole), 0);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc_prefer({0u, 5u, 2u}, 16)), 2)
      << "0 is full, 5 has no region";
  // An attribute out of range is reported and skipped, not fatal to the chain.
  EXPECT_EQ(region_of(c.pool, c.pool.alloc_prefer({99u, 1u}, 16)), 1);
  EXPECT_TRUE(c.errors.one(Status::unknown_attribute, 0));
  EXPECT_EQ(c.pool.alloc_prefer({0u}, 16), nullptr);
  EXPECT_EQ(c.pool.alloc_prefer({}, 16), nullptr) << "an empty chain";
  EXPECT_EQ(c.pool.alloc_prefer({1u, 2u}, 0), nullptr) << "size 0";
}

TEST(PoolMatching, PreferenceChainWorksWithCapabilityMasks) {
  CapabilityPool c;
  // Region 0 (internal|dma) full: "internal + dma" falls to region 2, and with
  // region 2 full too, "any internal" falls to region 3 (internal, no dma).
  ASSERT_NE(c.pool.alloc_in(0, block_area_bytes(4096) - 8), nullptr);
  ASSERT_NE(c.pool.alloc_in(2, block_area_bytes(8192) - 8), nullptr);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc_prefer({caps::internal | caps::dma, caps::internal}, 64)), 3);
  EXPECT_EQ(region_of(c.pool, c.pool.alloc_prefer({caps::external, caps::internal}, 64)), 1);
}

// ---------------------------------------------------------------- reserved regions

// Region 0: cacheable but reserved, and the largest, so every policy would pick it
// for some request if reserved regions were candidates; region 1: cacheable, small.
TEST(PoolMatching, ReservedRegionsNeverServeAttributeRequestsUnderAnyPolicy) {
  for (std::size_t index = 0; index < policy_count; ++index) {
    const auto policy = static_cast<Policy>(index);
    SCOPED_TRACE(to_string(policy));
    AlignedBuffer buffer(4 * 4096);
    Pool pool;
    PoolConfig config;
    config.policy = policy;
    config.size_threshold_bytes = 64;
    ASSERT_EQ(pool.init(config), Status::ok);
    ASSERT_EQ(pool.add(region(buffer.data(), 3 * 4096, attr::cacheable, true)), Status::ok);
    ASSERT_EQ(pool.add(region(buffer.data() + 3 * 4096, 4096, attr::cacheable)), Status::ok);
    int placed = 0;
    for (void* p = pool.alloc(attr::cacheable, 100); p != nullptr; p = pool.alloc(attr::cacheable, 100)) {
      ASSERT_EQ(region_of(pool, p), 1);
      ++placed;
    }
    EXPECT_EQ(placed, static_cast<int>(block_area_bytes(4096) / block_bytes_for(100)));
    EXPECT_EQ(pool.alloc_prefer({attr::cacheable}, 16), nullptr);
    EXPECT_EQ(pool.region_stats(0).alloc_count, 0u) << "the reserved region is untouched";
    // Named explicitly, it serves.
    void* reserved = pool.alloc_in(0, 5000, 64);
    EXPECT_EQ(region_of(pool, reserved), 0);
    EXPECT_EQ(address_of(reserved) % 64, 0u);
    EXPECT_EQ(pool.free(reserved), Status::ok);
    EXPECT_TRUE(PoolValid(pool));
  }
}

TEST(PoolMatching, ReservedRegionsAreReservedInCapabilityModeToo) {
  AlignedBuffer buffer(2 * 4096);
  Pool pool;
  PoolConfig config;
  config.mode = MatchMode::capability;
  ASSERT_EQ(pool.init(config), Status::ok);
  ASSERT_EQ(pool.add(region(buffer.data(), 4096, caps::dma | caps::internal, true)), Status::ok);
  ASSERT_EQ(pool.add(region(buffer.data() + 4096, 4096, caps::internal)), Status::ok);
  EXPECT_EQ(pool.alloc(caps::dma, 16), nullptr) << "only the reserved region has dma";
  EXPECT_EQ(region_of(pool, pool.alloc(caps::internal, 16)), 1);
  EXPECT_EQ(region_of(pool, pool.alloc_in(0, 16)), 0);
}

TEST(PoolMatching, AllocInAnUnknownRegionFailsAndIsReported) {
  ChainPool c;
  const std::uint64_t failed = c.pool.failed_alloc_count();
  EXPECT_EQ(c.pool.alloc_in(3, 16), nullptr);
  EXPECT_TRUE(c.errors.one(Status::region_out_of_range, 0));
  EXPECT_EQ(c.pool.failed_alloc_count(), failed + 1);
  EXPECT_EQ(c.pool.alloc_in(0, 0), nullptr) << "size 0";
  EXPECT_EQ(c.pool.alloc_in(0, 5000), nullptr) << "larger than the region";
  EXPECT_EQ(c.pool.failed_alloc_count(), failed + 2);
}

// ---------------------------------------------------------------- offline regions

struct OfflinePool {
  OfflinePool() : buffer(2 * 4096) {
    EXPECT_EQ(pool.init(), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data(), 4096, attr::cacheable)), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data() + 4096, 4096, attr::cacheable)), Status::ok);
  }
  AlignedBuffer buffer;
  Pool pool;
};

TEST(PoolMatching, AnOfflineRegionServesNoNewAllocations) {
  OfflinePool o;
  ASSERT_EQ(region_of(o.pool, o.pool.alloc(attr::cacheable, 16)), 0);
  ASSERT_EQ(o.pool.set_region_offline(0, true), Status::ok);
  const HeapStats region0 = o.pool.region_stats(0);
  EXPECT_EQ(region_of(o.pool, o.pool.alloc(attr::cacheable, 16)), 1);
  EXPECT_EQ(region_of(o.pool, o.pool.alloc_prefer({attr::cacheable}, 16)), 1);
  EXPECT_EQ(o.pool.alloc_in(0, 16), nullptr) << "not even when named";
  for (std::size_t index = 0; index < policy_count; ++index) {
    ASSERT_EQ(o.pool.set_policy(static_cast<Policy>(index)), Status::ok);
    EXPECT_EQ(region_of(o.pool, o.pool.alloc(attr::cacheable, 16)), 1) << to_string(static_cast<Policy>(index));
  }
  EXPECT_EQ(stats_diff(region0, o.pool.region_stats(0)), "");

  // With every matching region offline the request fails.
  ASSERT_EQ(o.pool.set_region_offline(1, true), Status::ok);
  const std::uint64_t failed = o.pool.stats(attr::cacheable).failed_alloc_count;
  EXPECT_EQ(o.pool.alloc(attr::cacheable, 16), nullptr);
  EXPECT_EQ(o.pool.stats(attr::cacheable).failed_alloc_count, failed + 1);

  // Back online, it serves again.
  ASSERT_EQ(o.pool.set_policy(Policy::first_fit), Status::ok);
  ASSERT_EQ(o.pool.set_region_offline(0, false), Status::ok);
  EXPECT_EQ(region_of(o.pool, o.pool.alloc(attr::cacheable, 16)), 0);
  EXPECT_EQ(o.pool.set_region_offline(2, true), Status::region_out_of_range);
}

TEST(PoolMatching, BlocksOfAnOfflineRegionCanStillBeFreedAndResizedInPlace) {
  OfflinePool o;
  void* a = o.pool.alloc(attr::cacheable, 64);
  void* b = o.pool.alloc(attr::cacheable, 256);
  void* c = o.pool.alloc(attr::cacheable, 64);
  ASSERT_TRUE(region_of(o.pool, a) == 0 && region_of(o.pool, b) == 0 && region_of(o.pool, c) == 0);
  fill_block(b, 256, 7);
  fill_block(c, 64, 8);
  ASSERT_EQ(o.pool.set_region_offline(0, true), Status::ok);

  EXPECT_EQ(o.pool.free(a), Status::ok);
  EXPECT_EQ(o.pool.realloc(attr::cacheable, b, 100), b) << "shrinks in place";
  EXPECT_EQ(first_bad_byte(b, 100, 7), 100u);
  EXPECT_EQ(o.pool.realloc(attr::cacheable, c, 2000), c) << "grows into the free space after it";
  EXPECT_EQ(first_bad_byte(c, 64, 8), 64u);
  EXPECT_GE(o.pool.usable_size(c), 2000u);
  // A size the offline region cannot hold in place moves to an online region.
  void* moved = o.pool.realloc(attr::cacheable, b, 3000);
  EXPECT_EQ(region_of(o.pool, moved), 1);
  EXPECT_EQ(first_bad_byte(moved, 100, 7), 100u);
  EXPECT_EQ(o.pool.free(c), Status::ok);
  EXPECT_EQ(o.pool.free(moved), Status::ok);
  EXPECT_TRUE(PoolValid(o.pool));
  EXPECT_TRUE(EveryRegionOneFreeBlock(o.pool));
}

// ---------------------------------------------------------------- per-attribute policy

// For each of cacheable and non-cacheable: a 4 KiB region, then a 12 KiB one.
// first_fit picks the small one, worst_fit the large one.
struct TwoAttributePool {
  TwoAttributePool() : buffer(8 * 4096) {
    EXPECT_EQ(pool.init(), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data(), 4096, attr::cacheable)), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data() + 4096, 3 * 4096, attr::cacheable)), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data() + 4 * 4096, 4096, attr::non_cacheable)), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data() + 5 * 4096, 3 * 4096, attr::non_cacheable)), Status::ok);
  }
  AlignedBuffer buffer;
  Pool pool;
};

TEST(PoolMatching, SetPolicyForOneAttributeLeavesTheOthersAlone) {
  TwoAttributePool t;
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::cacheable, 16)), 0);
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::non_cacheable, 16)), 2);
  ASSERT_EQ(t.pool.set_policy(attr::cacheable, Policy::worst_fit), Status::ok);
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::cacheable, 16)), 1) << "worst_fit now";
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::non_cacheable, 16)), 2) << "still first_fit";
  ASSERT_EQ(t.pool.set_policy(attr::non_cacheable, Policy::smallest_region_first), Status::ok);
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::cacheable, 16)), 1) << "still worst_fit";
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::non_cacheable, 16)), 2);
  // The pool-wide setter changes every attribute.
  ASSERT_EQ(t.pool.set_policy(Policy::worst_fit), Status::ok);
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::non_cacheable, 16)), 3);
  ASSERT_EQ(t.pool.set_policy(Policy::first_fit), Status::ok);
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::cacheable, 16)), 0);
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::non_cacheable, 16)), 2);
}

TEST(PoolMatching, SetPolicyRejectsUnknownPoliciesAndAttributesWithoutChangingAnything) {
  TwoAttributePool t;
  const auto bad = static_cast<Policy>(policy_count);
  EXPECT_EQ(t.pool.set_policy(bad), Status::invalid_argument);
  EXPECT_EQ(t.pool.set_policy(attr::cacheable, bad), Status::invalid_argument);
  EXPECT_EQ(t.pool.set_policy(Pool::attribute_count, Policy::worst_fit), Status::unknown_attribute);
  EXPECT_EQ(t.pool.set_policy(0xFFFFFFFFu, Policy::worst_fit), Status::unknown_attribute);
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::cacheable, 16)), 0) << "still first_fit";
  EXPECT_EQ(region_of(t.pool, t.pool.alloc(attr::non_cacheable, 16)), 2);
}

TEST(PoolMatching, InitPolicyAppliesToEveryAttribute) {
  AlignedBuffer buffer(8 * 4096);
  Pool pool;
  PoolConfig config;
  config.policy = Policy::worst_fit;
  ASSERT_EQ(pool.init(config), Status::ok);
  for (std::uint32_t a = 0; a < 4; ++a) {
    // Per attribute: a 2 KiB region, then a 4 KiB one right after it.
    ASSERT_EQ(pool.add(region(buffer.data() + a * 2 * 4096, 2048, a)), Status::ok);
    ASSERT_EQ(pool.add(region(buffer.data() + a * 2 * 4096 + 2048, 4096, a)), Status::ok);
  }
  for (std::uint32_t a = 0; a < 4; ++a) {
    EXPECT_EQ(region_of(pool, pool.alloc(a, 16)), static_cast<int>(2 * a + 1)) << "attribute " << a;
  }
}

// ---------------------------------------------------------------- names

TEST(PoolMatching, EveryPolicyNameRoundTrips) {
  const char* const names[] = {"first_fit", "best_fit", "worst_fit", "smallest_region_first",
                               "round_robin", "size_threshold"};
  static_assert(sizeof(names) / sizeof(names[0]) == policy_count);
  for (std::size_t index = 0; index < policy_count; ++index) {
    const auto policy = static_cast<Policy>(index);
    EXPECT_STREQ(to_string(policy), names[index]);
    Policy parsed = index == 0 ? Policy::round_robin : Policy::first_fit;
    ASSERT_TRUE(parse_policy(to_string(policy), &parsed)) << names[index];
    EXPECT_EQ(parsed, policy);
  }
}

TEST(PoolMatching, UnknownPolicyNamesAreRejectedAndLeaveTheOutputAlone) {
  for (const char* name : {"", "first", "FIRST_FIT", "first_fit ", " first_fit", "best_fit_", "unknown_policy",
                           "round-robin"}) {
    Policy out = Policy::best_fit;
    EXPECT_FALSE(parse_policy(name, &out)) << '"' << name << '"';
    EXPECT_EQ(out, Policy::best_fit) << '"' << name << '"';
  }
  Policy out = Policy::worst_fit;
  EXPECT_FALSE(parse_policy(nullptr, &out));
  EXPECT_EQ(out, Policy::worst_fit);
  EXPECT_STREQ(to_string(static_cast<Policy>(policy_count)), "unknown_policy");
}

}  // namespace
}  // namespace smh::test
