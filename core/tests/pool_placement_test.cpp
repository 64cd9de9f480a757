// Zephyr's shared_multi_heap placement scenario: res0 = 4 KiB cacheable, res1 =
// 8 KiB non-cacheable, res2 = 12 KiB cacheable, added in that order over one
// 4096-aligned buffer (adjacent, or with gaps between them), then
//   cacheable 0x40, cacheable 0x80, cacheable 0x1200, non-cacheable 0x100 twice,
// and the requests that must fail (non-cacheable 0x10000, size 0, an attribute
// out of range) and a second init(). First under first_fit (Zephyr's behaviour),
// then under every other policy with the placements its definition in
// pool_types.hpp implies, then one scenario per policy that tells it apart from
// first_fit.
//
// Figures used in the derivations (heap.hpp: one 8-byte header per block, payload
// rounded up to 8; a region of G granules keeps ceil(G / 65) of them for the
// block-start bitmap, the rest is one free block after init):
//   res0 4096 B  -> one free block of 4032 B
//   res1 8192 B  -> 8064 B
//   res2 12288 B -> 12096 B
//   request 0x40 -> 72-byte block, 0x80 -> 136, 0x100 -> 264, 0x1200 -> 4616.
// A heap that has only served allocations keeps one free block: its size is the
// region's free bytes and its largest free block.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"

namespace smh::test {
namespace {

// Zephyr's attribute space: cacheable, non-cacheable, external (MAX = 3).
using ZephyrPool = BasicPool<8, 8, 3>;
constexpr std::uint32_t kOutOfRangeAttr = 3;
constexpr std::size_t kThreshold = 0x100;  // size_threshold: below it is "small"

static_assert(block_area_bytes(4096) == 4032);
static_assert(block_area_bytes(8192) == 8064);
static_assert(block_area_bytes(12288) == 12096);
static_assert(block_bytes_for(0x40) == 72 && block_bytes_for(0x80) == 136);
static_assert(block_bytes_for(0x100) == 264 && block_bytes_for(0x1200) == 4616);

constexpr int res0 = 0;
constexpr int res1 = 1;
constexpr int res2 = 2;

// Builds the scenario's pool: res0, res1, res2 in that order. Under size_threshold
// res0 takes the small requests, res2 the large ones and res1 serves both.
struct Scenario {
  explicit Scenario(Policy policy, std::size_t gap = 0) : layout(gap) {
    PoolConfig config;
    config.policy = policy;
    config.size_threshold_bytes = kThreshold;
    init_status = pool.init(config);
    const bool split = policy == Policy::size_threshold;
    add_status[0] = pool.add(layout.res0(split ? RegionRole::small_requests : RegionRole::any), &tag[0]);
    add_status[1] = pool.add(layout.res1(RegionRole::any), &tag[1]);
    add_status[2] = pool.add(layout.res2(split ? RegionRole::large_requests : RegionRole::any), &tag[2]);
  }

  ::testing::AssertionResult ready() const {
    if (init_status != Status::ok) {
      return ::testing::AssertionFailure() << "init: " << to_string(init_status);
    }
    for (int i = 0; i < 3; ++i) {
      if (add_status[i] != Status::ok) {
        return ::testing::AssertionFailure() << "add res" << i << ": " << to_string(add_status[i]);
      }
    }
    return ::testing::AssertionSuccess();
  }

  // The block lies entirely inside region `expected` (by address, independently
  // of owner()), and owner() agrees.
  ::testing::AssertionResult in_region(const void* p, std::size_t n, int expected) const {
    if (p == nullptr) {
      return ::testing::AssertionFailure() << "nullptr, expected a block in res" << expected;
    }
    const unsigned char* bases[3] = {layout.res0_base(), layout.res1_base(), layout.res2_base()};
    const std::size_t sizes[3] = {ZephyrLayout::res0_bytes, ZephyrLayout::res1_bytes,
                                  ZephyrLayout::res2_bytes};
    int by_address = -1;
    for (int i = 0; i < 3; ++i) {
      if (address_of(p) >= address_of(bases[i]) && address_of(p) + n <= address_of(bases[i]) + sizes[i]) {
        by_address = i;
      }
    }
    const Owner owner = pool.owner(p);
    if (by_address != expected || !owner.found || owner.region != static_cast<unsigned>(expected) ||
        owner.user_data != &tag[expected]) {
      return ::testing::AssertionFailure() << "block lies in res" << by_address << ", owner() says "
                                           << (owner.found ? static_cast<int>(owner.region) : -1)
                                           << "; expected res" << expected;
    }
    return ::testing::AssertionSuccess();
  }

  ZephyrLayout layout;
  ZephyrPool pool;
  int tag[3] = {0, 1, 2};
  Status init_status = Status::not_initialized;
  Status add_status[3] = {Status::not_initialized, Status::not_initialized, Status::not_initialized};
};

// ---------------------------------------------------------------- first_fit

TEST(PoolPlacement, FirstFitPlacesZephyrsScenarioLikeZephyr) {
  Scenario s(Policy::first_fit);
  ASSERT_TRUE(s.ready());
  PoolErrorLog errors;
  s.pool.set_hooks(errors.hooks());

  void* c40 = s.pool.alloc(attr::cacheable, 0x40);
  void* c80 = s.pool.alloc(attr::cacheable, 0x80);
  void* c1200 = s.pool.alloc(attr::cacheable, 0x1200);
  void* n100a = s.pool.alloc(attr::non_cacheable, 0x100);
  void* n100b = s.pool.alloc(attr::non_cacheable, 0x100);
  EXPECT_TRUE(s.in_region(c40, 0x40, res0));
  EXPECT_TRUE(s.in_region(c80, 0x80, res0));
  EXPECT_TRUE(s.in_region(c1200, 0x1200, res2)) << "res0 has 3824 bytes left, too few for 0x1200";
  EXPECT_TRUE(s.in_region(n100a, 0x100, res1));
  EXPECT_TRUE(s.in_region(n100b, 0x100, res1));
  EXPECT_NE(n100a, n100b);

  EXPECT_EQ(s.pool.alloc(attr::non_cacheable, 0x10000), nullptr) << "larger than res1";
  EXPECT_EQ(s.pool.alloc(attr::cacheable, 0), nullptr);
  EXPECT_EQ(s.pool.alloc(attr::non_cacheable, 0), nullptr);
  EXPECT_TRUE(errors.events.empty()) << "running out of memory is not an error event";
  EXPECT_EQ(s.pool.alloc(kOutOfRangeAttr, 0x40), nullptr);
  EXPECT_TRUE(errors.one(Status::unknown_attribute, 0));
  EXPECT_EQ(s.pool.alloc(attr::external, 0x40), nullptr) << "a valid attribute no region has";
  EXPECT_EQ(s.pool.init(), Status::already_initialized);
  EXPECT_EQ(s.pool.region_count(), 3u) << "a second init() must not drop the regions";

  // The blocks are distinct memory: fill each and check them all afterwards.
  void* blocks[] = {c40, c80, c1200, n100a, n100b};
  const std::size_t sizes[] = {0x40, 0x80, 0x1200, 0x100, 0x100};
  for (std::size_t i = 0; i < 5; ++i) {
    fill_block(blocks[i], sizes[i], i);
  }
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(first_bad_byte(blocks[i], sizes[i], i), sizes[i]) << "block " << i;
    EXPECT_EQ(s.pool.free(blocks[i]), Status::ok);
  }
  EXPECT_TRUE(PoolValid(s.pool));
  EXPECT_TRUE(EveryRegionOneFreeBlock(s.pool));
}

// ---------------------------------------------------------------- every policy

struct Expectation {
  Policy policy;
  // Regions for: cacheable 0x40, cacheable 0x80, cacheable 0x1200,
  // non-cacheable 0x100, non-cacheable 0x100.
  std::array<int, 5> regions;
  const char* why;
};

// res1 is the only non-cacheable region, so both 0x100 requests go there under
// every policy (size_threshold: 0x100 is not below the threshold, a large request,
// and res1's role is `any`). The policies differ on the cacheable requests, which
// res0 and res2 can both serve until res0 runs short.
const Expectation kExpectations[] = {
    {Policy::first_fit, {res0, res0, res2, res1, res1},
     "insertion order: res0 while it fits (4032, then 3960 bytes free); 0x1200 needs 4616 and res0 has 3824"},
    {Policy::best_fit, {res0, res0, res2, res1, res1},
     "the smallest largest-free-block that fits: res0 (4032, 3960) beats res2 (12096, 12024); only res2 "
     "holds 4616"},
    {Policy::worst_fit, {res2, res2, res2, res1, res1},
     "the most free bytes: res2 (12096, 12024, 11888) against res0's 4032 every time"},
    {Policy::smallest_region_first, {res0, res0, res2, res1, res1},
     "ascending capacity: res0 (4096) before res2 (12288) while res0 fits"},
    {Policy::round_robin, {res0, res2, res2, res1, res1},
     "the next fitting region after the last chosen: res0; then from res1 on, res2 (res1 does not match); "
     "then from res0 again, but res0 cannot hold 4616, so res2; non-cacheable: res1 twice"},
    {Policy::size_threshold, {res0, res0, res2, res1, res1},
     "threshold 0x100: 0x40 and 0x80 are small (res0 only), 0x1200 large (res2 only), 0x100 large and "
     "res1 serves any size"},
};

void PrintTo(const Expectation& e, std::ostream* os) { *os << to_string(e.policy); }

class PoolPlacementEveryPolicy
    : public ::testing::TestWithParam<std::tuple<Expectation, std::size_t>> {};

TEST_P(PoolPlacementEveryPolicy, PlacesZephyrsScenarioAsThePolicyDefines) {
  const Expectation& expected = std::get<0>(GetParam());
  const std::size_t gap = std::get<1>(GetParam());
  SCOPED_TRACE(expected.why);
  Scenario s(expected.policy, gap);
  ASSERT_TRUE(s.ready());

  void* blocks[5] = {
      s.pool.alloc(attr::cacheable, 0x40),      s.pool.alloc(attr::cacheable, 0x80),
      s.pool.alloc(attr::cacheable, 0x1200),    s.pool.alloc(attr::non_cacheable, 0x100),
      s.pool.alloc(attr::non_cacheable, 0x100),
  };
  const std::size_t sizes[5] = {0x40, 0x80, 0x1200, 0x100, 0x100};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(s.in_region(blocks[i], sizes[i], expected.regions[i])) << "request " << i;
  }

  // The requests that fail do so under every policy, and change nothing.
  const std::vector<HeapStats> before = snapshot_regions(s.pool);
  EXPECT_EQ(s.pool.alloc(attr::non_cacheable, 0x10000), nullptr);
  EXPECT_EQ(s.pool.alloc(attr::cacheable, 0), nullptr);
  EXPECT_EQ(s.pool.alloc(kOutOfRangeAttr, 0x40), nullptr);
  EXPECT_EQ(s.pool.init(), Status::already_initialized);
  EXPECT_EQ(regions_diff(s.pool, before), "");

  for (std::size_t i = 0; i < 5; ++i) {
    fill_block(blocks[i], sizes[i], i + 10);
  }
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(first_bad_byte(blocks[i], sizes[i], i + 10), sizes[i]);
    EXPECT_EQ(s.pool.free(blocks[i]), Status::ok);
  }
  EXPECT_TRUE(PoolValid(s.pool));
  EXPECT_TRUE(EveryRegionOneFreeBlock(s.pool));
}

INSTANTIATE_TEST_SUITE_P(
    Policies, PoolPlacementEveryPolicy,
    ::testing::Combine(::testing::ValuesIn(kExpectations), ::testing::Values(std::size_t{0}, std::size_t{264})),
    [](const ::testing::TestParamInfo<PoolPlacementEveryPolicy::ParamType>& info) {
      return std::string(to_string(std::get<0>(info.param).policy)) +
             (std::get<1>(info.param) == 0 ? "_adjacent" : "_with_gaps");
    });

// ---------------------------------------------------------------- what tells each policy apart

// After the scenario res0 has one 3824-byte free block and res2 one of 7480.
// Cacheable 7000 (a 7008-byte block) only fits res2, leaving it 472. Now res0's
// largest block (3824) is the larger one: best_fit sends a small request to res2
// (472 is the smallest that fits), where first_fit would take res0; a request of
// 0x200 (520-byte block) no longer fits res2 and goes to res0.
TEST(PoolPlacement, BestFitTakesTheRegionWhoseLargestFreeBlockIsTheSmallestThatFits) {
  Scenario s(Policy::best_fit);
  ASSERT_TRUE(s.ready());
  ASSERT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x40), 0x40, res0));
  ASSERT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x80), 0x80, res0));
  ASSERT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x1200), 0x1200, res2));
  ASSERT_EQ(s.pool.region_stats(res0).largest_free_block_bytes, 3824u);
  ASSERT_EQ(s.pool.region_stats(res2).largest_free_block_bytes, 7480u);

  EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 7000), 7000, res2));
  ASSERT_EQ(s.pool.region_stats(res2).largest_free_block_bytes, 472u);
  EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x40), 0x40, res2))
      << "472 is the smallest largest-free-block that holds 72 bytes";
  ASSERT_EQ(s.pool.region_stats(res2).largest_free_block_bytes, 400u);
  EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x200), 0x200, res0))
      << "520 bytes do not fit res2's 400";
  EXPECT_TRUE(PoolValid(s.pool));
}

// Worst fit ranks by free bytes, not by the largest block: res2 is fragmented so
// that it has the most free bytes (20 x 264 freed holes + a 1536-byte tail = 6816)
// but a largest block (1536) smaller than res0's single 4032-byte block.
//  - a 1000-byte request (1008) fits both: res2 wins on free bytes (a "largest
//    block" rule would pick res0);
//  - a 2000-byte request (2008) does not fit res2 at all: res0, the only candidate.
TEST(PoolPlacement, WorstFitTakesTheRegionWithTheMostFreeBytesAmongThoseThatFit) {
  Scenario s(Policy::worst_fit);
  ASSERT_TRUE(s.ready());
  void* slots[40];
  for (void*& p : slots) {
    p = s.pool.alloc_in(res2, 256);
    ASSERT_NE(p, nullptr);
  }
  for (std::size_t i = 0; i < 40; i += 2) {
    ASSERT_EQ(s.pool.free(slots[i]), Status::ok);
  }
  ASSERT_EQ(s.pool.region_stats(res2).free_bytes, 20u * 264u + 1536u);
  ASSERT_EQ(s.pool.region_stats(res2).largest_free_block_bytes, 1536u);
  ASSERT_EQ(s.pool.region_stats(res0).free_bytes, 4032u);

  EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 1000), 1000, res2));
  EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 2000), 2000, res0));
  // res0 now has 2024 free bytes, res2 6816 - 1008 = 5808: res2 still wins.
  EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 8), 8, res2));
  EXPECT_TRUE(PoolValid(s.pool));
}

// Drained to 96 free bytes, res2 loses to res0 (4032) under worst_fit.
TEST(PoolPlacement, WorstFitMovesOnWhenTheRoomiestRegionDrains) {
  Scenario s(Policy::worst_fit);
  ASSERT_TRUE(s.ready());
  ASSERT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x40), 0x40, res2));
  ASSERT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x80), 0x80, res2));
  ASSERT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x1200), 0x1200, res2));
  ASSERT_EQ(s.pool.region_stats(res2).free_bytes, 7272u);
  EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x1C00), 0x1C00, res2)) << "7272 > 4032";
  ASSERT_EQ(s.pool.region_stats(res2).free_bytes, 96u);
  EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x40), 0x40, res0)) << "4032 > 96";
}

// With res2 (12 KiB) added before res0 (4 KiB), first_fit would start in res2;
// smallest_region_first starts in res0 whatever the insertion order, falls back
// to the larger region only when the smaller cannot hold the request, and breaks
// ties between equal capacities by insertion order.
TEST(PoolPlacement, SmallestRegionFirstIgnoresInsertionOrder) {
  ZephyrLayout layout(64);
  ZephyrPool pool;
  PoolConfig config;
  config.policy = Policy::smallest_region_first;
  ASSERT_EQ(pool.init(config), Status::ok);
  ASSERT_EQ(pool.add(layout.res2()), Status::ok);  // index 0: 12 KiB
  ASSERT_EQ(pool.add(layout.res1()), Status::ok);  // index 1
  ASSERT_EQ(pool.add(layout.res0()), Status::ok);  // index 2: 4 KiB
  EXPECT_EQ(region_of(pool, pool.alloc(attr::cacheable, 0x40)), 2);
  EXPECT_EQ(region_of(pool, pool.alloc(attr::cacheable, 0x80)), 2);
  EXPECT_EQ(region_of(pool, pool.alloc(attr::cacheable, 0x1200)), 0) << "only the 12 KiB region holds it";
  EXPECT_EQ(region_of(pool, pool.alloc(attr::cacheable, 3800)), 2) << "3824 left in the 4 KiB region";
  EXPECT_EQ(region_of(pool, pool.alloc(attr::cacheable, 0x40)), 0) << "16 bytes left in the 4 KiB region";
  EXPECT_TRUE(PoolValid(pool));
}

TEST(PoolPlacement, SmallestRegionFirstBreaksCapacityTiesByInsertionOrder) {
  AlignedBuffer buffer(3 * 4096);
  ZephyrPool pool;
  PoolConfig config;
  config.policy = Policy::smallest_region_first;
  ASSERT_EQ(pool.init(config), Status::ok);
  ASSERT_EQ(pool.add(region(buffer.data() + 8192, 4096, attr::cacheable)), Status::ok);
  ASSERT_EQ(pool.add(region(buffer.data(), 4096, attr::cacheable)), Status::ok);
  EXPECT_EQ(region_of(pool, pool.alloc(attr::cacheable, 0x40)), 0);
  EXPECT_EQ(region_of(pool, pool.alloc(attr::cacheable, 0x40)), 0);
}

// Round robin: each request starts after the region chosen last. With only
// cacheable requests the two cacheable regions alternate; a region that cannot
// hold the request is skipped, not waited for.
TEST(PoolPlacement, RoundRobinAlternatesBetweenMatchingRegions) {
  Scenario s(Policy::round_robin);
  ASSERT_TRUE(s.ready());
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0x40)), res0);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0x40)), res2);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0x40)), res0);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0x40)), res2);
  // res0 has 4032 - 2 * 72 = 3888 bytes: a 3880-byte request (3888) fills it.
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 3880)), res0);
  EXPECT_EQ(s.pool.region_stats(res0).free_bytes, 0u);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0x40)), res2);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0x40)), res2) << "res0 is full: skipped";
}

// size_threshold (threshold 0x100; res0 small, res2 large, res1 any):
//  - 0x100 is not below the threshold: large, so res2 although res0 has room;
//  - 0xFF is small: res0 only. Once res0 cannot hold it the request fails, even
//    though res2 could: small requests go to small regions, nowhere else;
//  - res1 (any) serves small and large non-cacheable requests alike.
TEST(PoolPlacement, SizeThresholdSendsSmallAndLargeRequestsToTheirOwnRegions) {
  Scenario s(Policy::size_threshold);
  ASSERT_TRUE(s.ready());
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0x100)), res2);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0xFF)), res0);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::non_cacheable, 0x10)), res1);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::non_cacheable, 0x1000)), res1);

  // Fill res0 with small blocks until none fits.
  int in_res0 = 0;
  while (s.pool.region_stats(res0).largest_free_block_bytes >= block_bytes_for(0xFF)) {
    ASSERT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0xFF)), res0);
    ++in_res0;
  }
  EXPECT_GT(in_res0, 10);
  const std::uint64_t failed_before = s.pool.stats(attr::cacheable).failed_alloc_count;
  EXPECT_EQ(s.pool.alloc(attr::cacheable, 0xFF), nullptr) << "no fallback from small to large regions";
  EXPECT_EQ(s.pool.stats(attr::cacheable).failed_alloc_count, failed_before + 1);
  EXPECT_EQ(region_of(s.pool, s.pool.alloc(attr::cacheable, 0x100)), res2) << "large requests still served";
  EXPECT_TRUE(PoolValid(s.pool));
}

// Policies only choose among regions that can hold the request, so a request
// that one matching region can hold never fails, whatever the policy.
TEST(PoolPlacement, EveryPolicyFindsTheOnlyRegionThatCanHoldTheRequest) {
  for (const Expectation& e : kExpectations) {
    SCOPED_TRACE(to_string(e.policy));
    Scenario s(e.policy);
    ASSERT_TRUE(s.ready());
    // res2's 12096-byte block is the only one that holds 12000 bytes (12008),
    // 0x1200 is large under size_threshold.
    void* p = s.pool.alloc(attr::cacheable, 12000);
    EXPECT_EQ(region_of(s.pool, p), res2);
    EXPECT_EQ(s.pool.alloc(attr::cacheable, 12000), nullptr);
    EXPECT_EQ(s.pool.free(p), Status::ok);
  }
}

// ------------------------------------------------------- heap_search_count

// The heaps searched per request (the search length): each serving region whose
// heap was asked for a block, the one that gave it included. res1 (non-cacheable)
// never serves a cacheable request, so it is never searched for one.
TEST(PoolPlacement, HeapSearchCountCountsTheRegionsEachRequestTried) {
  {
    Scenario s(Policy::first_fit);
    ASSERT_TRUE(s.ready());
    EXPECT_EQ(s.pool.heap_search_count(), 0u);
    EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x40), 0x40, res0));
    EXPECT_EQ(s.pool.heap_search_count(), 1u) << "res0 holds it: one search";
    EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 12000), 12000, res2));
    EXPECT_EQ(s.pool.heap_search_count(), 3u) << "res0 (4 KiB) cannot, res2 can: two more";
    EXPECT_EQ(s.pool.alloc(attr::cacheable, 12000), nullptr);
    EXPECT_EQ(s.pool.heap_search_count(), 4u)
        << "res0's miss taught it that no block is that large (Heap::might_fit): only res2 is searched";
    EXPECT_EQ(s.pool.alloc(attr::cacheable, 12000), nullptr);
    EXPECT_EQ(s.pool.heap_search_count(), 4u) << "and res2's miss taught it too: a failure with no search";
    EXPECT_EQ(s.pool.alloc(attr::cacheable, 0), nullptr);
    EXPECT_EQ(s.pool.alloc(kOutOfRangeAttr, 0x40), nullptr);
    EXPECT_EQ(s.pool.heap_search_count(), 4u) << "size 0 and an unknown attribute search nothing";
    EXPECT_NE(s.pool.alloc_in(res0, 0x40), nullptr);
    EXPECT_EQ(s.pool.heap_search_count(), 4u) << "alloc_in names its region: no selection";
  }
  {
    // best_fit searches only a region whose largest free block would win:
    // res2's 12096 bytes do not beat res0's 4032 once res0 fits.
    Scenario s(Policy::best_fit);
    ASSERT_TRUE(s.ready());
    EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x40), 0x40, res0));
    EXPECT_EQ(s.pool.heap_search_count(), 1u);
  }
  {
    // worst_fit searches res0, then res2 (more free bytes), which wins.
    Scenario s(Policy::worst_fit);
    ASSERT_TRUE(s.ready());
    EXPECT_TRUE(s.in_region(s.pool.alloc(attr::cacheable, 0x40), 0x40, res2));
    EXPECT_EQ(s.pool.heap_search_count(), 2u);
  }
}

}  // namespace
}  // namespace smh::test
