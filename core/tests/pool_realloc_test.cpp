// BasicPool::realloc as the issue states it: realloc(attr, nullptr, n) allocates;
// n == 0 frees; the block stays put (same pointer) when its region satisfies attr
// and has room; otherwise it moves to a region that satisfies attr, carrying
// min(old usable size, n) bytes; a failed realloc leaves the old block intact; a
// bad pointer gives nullptr and changes nothing.
//
// Layout: Zephyr's regions, first_fit. res0 (4 KiB) and res2 (12 KiB) are
// cacheable, res1 (8 KiB) non-cacheable.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"

namespace smh::test {
namespace {

using ZephyrPool = BasicPool<8, 8, 3>;
constexpr int res0 = 0;
constexpr int res1 = 1;
constexpr int res2 = 2;

struct ReallocPool {
  ReallocPool() : layout(64) {
    EXPECT_EQ(pool.init(), Status::ok);
    EXPECT_EQ(pool.add(layout.res0()), Status::ok);
    EXPECT_EQ(pool.add(layout.res1()), Status::ok);
    EXPECT_EQ(pool.add(layout.res2()), Status::ok);
    pool.set_hooks(errors.hooks());
  }
  ZephyrLayout layout;
  ZephyrPool pool;
  PoolErrorLog errors;
};

TEST(PoolRealloc, ReallocOfNullptrAllocatesWithTheAttribute) {
  ReallocPool r;
  void* c = r.pool.realloc(attr::cacheable, nullptr, 100);
  void* n = r.pool.realloc(attr::non_cacheable, nullptr, 100);
  void* a = r.pool.aligned_realloc(attr::cacheable, nullptr, 512, 100);
  EXPECT_EQ(region_of(r.pool, c), res0);
  EXPECT_EQ(region_of(r.pool, n), res1);
  EXPECT_EQ(region_of(r.pool, a), res0);
  EXPECT_EQ(address_of(a) % 512, 0u);
  EXPECT_GE(r.pool.usable_size(c), 100u);
  EXPECT_EQ(r.pool.realloc(attr::external, nullptr, 100), nullptr) << "no external region";
  const std::vector<HeapStats> before = snapshot_regions(r.pool);
  EXPECT_EQ(r.pool.realloc(attr::cacheable, nullptr, 0), nullptr);
  EXPECT_EQ(regions_diff(r.pool, before), "");
  EXPECT_TRUE(r.errors.events.empty());
}

TEST(PoolRealloc, ReallocToZeroFreesTheBlock) {
  ReallocPool r;
  void* p = r.pool.alloc(attr::cacheable, 100);
  void* q = r.pool.alloc(attr::non_cacheable, 100);
  ASSERT_TRUE(p && q);
  EXPECT_EQ(r.pool.realloc(attr::cacheable, p, 0), nullptr);
  EXPECT_EQ(r.pool.region_stats(res0).allocated_block_count, 0u);
  EXPECT_EQ(r.pool.region_stats(res0).free_count, 1u);
  // Whatever the attribute: n == 0 frees the block where it is.
  EXPECT_EQ(r.pool.realloc(attr::cacheable, q, 0), nullptr);
  EXPECT_EQ(r.pool.region_stats(res1).allocated_block_count, 0u);
  EXPECT_TRUE(r.errors.events.empty());
  EXPECT_TRUE(EveryRegionOneFreeBlock(r.pool));
}

TEST(PoolRealloc, ShrinksAndGrowsInPlaceWhenTheOwningRegionSatisfiesTheAttribute) {
  ReallocPool r;
  void* p = r.pool.alloc(attr::cacheable, 1000);
  ASSERT_EQ(region_of(r.pool, p), res0);
  fill_block(p, 1000, 1);
  const std::uint64_t allocs = r.pool.region_stats(res0).alloc_count;

  EXPECT_EQ(r.pool.realloc(attr::cacheable, p, 400), p);
  EXPECT_EQ(r.pool.usable_size(p), 400u);
  EXPECT_EQ(first_bad_byte(p, 400, 1), 400u);
  EXPECT_EQ(r.pool.region_stats(res0).allocated_requested_bytes, 400u);

  EXPECT_EQ(r.pool.realloc(attr::cacheable, p, 3000), p) << "grows into the free space after it";
  EXPECT_GE(r.pool.usable_size(p), 3000u);
  EXPECT_EQ(first_bad_byte(p, 400, 1), 400u);
  EXPECT_EQ(r.pool.aligned_realloc(attr::cacheable, p, 8, 3004), p);
  EXPECT_EQ(r.pool.region_stats(res0).alloc_count, allocs) << "an in-place resize is not an allocation";
  EXPECT_EQ(r.pool.region_stats(res0).allocated_block_count, 1u);
  EXPECT_EQ(r.pool.region_stats(res2).alloc_count, 0u);
  EXPECT_TRUE(PoolValid(r.pool));
}

// A block in the non-cacheable region, realloc'd as cacheable: res1 does not
// satisfy the request, so the block moves to a cacheable region (first_fit: res0)
// even when res1 could resize it in place. The old block's whole usable size was
// filled; min(old usable, n) bytes must arrive.
TEST(PoolRealloc, MovesToARegionThatSatisfiesTheAttributeAndKeepsTheContents) {
  for (std::size_t n : {std::size_t{8}, std::size_t{50}, std::size_t{100}, std::size_t{104}, std::size_t{105},
                        std::size_t{2000}, std::size_t{5000}}) {
    SCOPED_TRACE(n);
    ReallocPool r;
    void* p = r.pool.alloc(attr::non_cacheable, 100);
    ASSERT_EQ(region_of(r.pool, p), res1);
    const std::size_t old_usable = r.pool.usable_size(p);
    ASSERT_EQ(old_usable, 104u);
    fill_block(p, old_usable, 2);

    void* moved = r.pool.realloc(attr::cacheable, p, n);
    ASSERT_NE(moved, nullptr);
    EXPECT_NE(moved, p);
    EXPECT_EQ(region_of(r.pool, moved), n <= 4024 ? res0 : res2) << "first cacheable region that holds n";
    EXPECT_GE(r.pool.usable_size(moved), n);
    const std::size_t kept = old_usable < n ? old_usable : n;
    EXPECT_EQ(first_bad_byte(moved, kept, 2), kept);
    EXPECT_EQ(r.pool.region_stats(res1).allocated_block_count, 0u) << "the old block was freed";
    EXPECT_EQ(r.pool.usable_size(p), 0u);
    EXPECT_TRUE(r.errors.events.empty());
    EXPECT_TRUE(PoolValid(r.pool));
  }
}

TEST(PoolRealloc, MovesBackAndForthBetweenAttributes) {
  ReallocPool r;
  void* p = r.pool.alloc(attr::cacheable, 256);
  fill_block(p, 256, 3);
  p = r.pool.realloc(attr::non_cacheable, p, 256);
  EXPECT_EQ(region_of(r.pool, p), res1);
  EXPECT_EQ(first_bad_byte(p, 256, 3), 256u);
  p = r.pool.realloc(attr::cacheable, p, 256);
  EXPECT_EQ(region_of(r.pool, p), res0);
  EXPECT_EQ(first_bad_byte(p, 256, 3), 256u);
  EXPECT_EQ(r.pool.free(p), Status::ok);
  EXPECT_TRUE(EveryRegionOneFreeBlock(r.pool));
}

// res0: [p 1000][guard 16][free ~2984]. Growing p to 2000 cannot happen in place
// (the guard is live), but res0 still has a free block that holds 2000: first_fit
// moves the block within res0. Growing it to 3500 fits no res0 block: res2.
TEST(PoolRealloc, MovesWhenTheOwningRegionHasNoRoomAroundTheBlock) {
  ReallocPool r;
  void* p = r.pool.alloc(attr::cacheable, 1000);
  void* guard = r.pool.alloc(attr::cacheable, 16);
  ASSERT_TRUE(region_of(r.pool, p) == res0 && region_of(r.pool, guard) == res0);
  fill_block(p, 1000, 4);

  void* moved = r.pool.realloc(attr::cacheable, p, 2000);
  ASSERT_NE(moved, nullptr);
  EXPECT_NE(moved, p);
  EXPECT_EQ(region_of(r.pool, moved), res0);
  EXPECT_EQ(first_bad_byte(moved, 1000, 4), 1000u);

  fill_block(moved, 2000, 5);
  void* far = r.pool.realloc(attr::cacheable, moved, 3500);
  ASSERT_NE(far, nullptr);
  EXPECT_EQ(region_of(r.pool, far), res2);
  EXPECT_EQ(first_bad_byte(far, 2000, 5), 2000u);
  EXPECT_EQ(r.pool.region_stats(res0).allocated_block_count, 1u) << "only the guard is left in res0";
  EXPECT_EQ(r.pool.free(guard), Status::ok);
  EXPECT_EQ(r.pool.free(far), Status::ok);
  EXPECT_TRUE(EveryRegionOneFreeBlock(r.pool));
}

// An alignment the block does not have forces a move to an aligned block.
TEST(PoolRealloc, AlignedReallocMovesToAnAlignedBlockWhenNeeded) {
  ReallocPool r;
  void* p = r.pool.alloc(attr::cacheable, 200);
  ASSERT_NE(address_of(p) % 1024, 0u) << "the first block of a 4096-aligned region is at offset 8";
  fill_block(p, 200, 6);
  void* q = r.pool.aligned_realloc(attr::cacheable, p, 1024, 300);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(address_of(q) % 1024, 0u);
  EXPECT_EQ(first_bad_byte(q, 200, 6), 200u);
  EXPECT_EQ(r.pool.aligned_realloc(attr::cacheable, q, 1024, 100), q) << "already aligned: shrinks in place";
  EXPECT_TRUE(PoolValid(r.pool));
}

// No cacheable region holds 20000 or 12090 bytes (res2's block is 12096, its
// header included): the realloc fails and the block is exactly as it was, in
// place and in content; the regions' stats are unchanged, and each failure is
// counted once, for the attribute asked for.
TEST(PoolRealloc, AFailedReallocLeavesTheOldBlockIntact) {
  ReallocPool r;
  void* p = r.pool.alloc(attr::cacheable, 300);
  void* q = r.pool.alloc(attr::non_cacheable, 300);
  fill_block(p, 300, 7);
  fill_block(q, 300, 8);
  const std::vector<HeapStats> before = snapshot_regions(r.pool);
  const std::uint64_t failed_cacheable = r.pool.stats(attr::cacheable).failed_alloc_count;
  const std::uint64_t failed_external = r.pool.stats(attr::external).failed_alloc_count;

  EXPECT_EQ(r.pool.realloc(attr::cacheable, p, 20000), nullptr);
  EXPECT_EQ(r.pool.realloc(attr::cacheable, p, 12090), nullptr) << "res2's block serves at most 12088";
  EXPECT_EQ(r.pool.realloc(attr::cacheable, q, 20000), nullptr) << "cannot move to a cacheable region";
  EXPECT_EQ(r.pool.realloc(attr::external, p, 16), nullptr) << "no region satisfies external";

  EXPECT_EQ(regions_diff(r.pool, before), "");
  EXPECT_EQ(r.pool.stats(attr::cacheable).failed_alloc_count, failed_cacheable + 3);
  EXPECT_EQ(r.pool.stats(attr::external).failed_alloc_count, failed_external + 1);
  EXPECT_EQ(first_bad_byte(p, 300, 7), 300u);
  EXPECT_EQ(first_bad_byte(q, 300, 8), 300u);
  EXPECT_EQ(r.pool.usable_size(p), 304u);
  EXPECT_EQ(region_of(r.pool, p), res0);
  EXPECT_TRUE(r.errors.events.empty()) << "running out of memory is not an error";
  EXPECT_EQ(r.pool.free(p), Status::ok);
  EXPECT_EQ(r.pool.free(q), Status::ok);
}

// A request no heap can ever satisfy (beyond the heap's largest request): same
// guarantees as any failed realloc.
TEST(PoolRealloc, AnImpossibleSizeLeavesTheOldBlockIntact) {
  ReallocPool r;
  void* p = r.pool.alloc(attr::cacheable, 300);
  fill_block(p, 300, 9);
  EXPECT_EQ(r.pool.realloc(attr::cacheable, p, static_cast<std::size_t>(-1) / 2), nullptr);
  EXPECT_EQ(r.pool.realloc(attr::non_cacheable, p, static_cast<std::size_t>(-1) / 2), nullptr);
  EXPECT_EQ(first_bad_byte(p, 300, 9), 300u);
  EXPECT_EQ(r.pool.usable_size(p), 304u);
  EXPECT_EQ(r.pool.region_stats(res0).allocated_block_count, 1u);
  EXPECT_TRUE(PoolValid(r.pool));
}

TEST(PoolRealloc, BadPointersGiveNullptrAndChangeNothing) {
  ReallocPool r;
  void* a = r.pool.alloc(attr::cacheable, 64);
  void* b = r.pool.alloc(attr::cacheable, 64);
  void* c = r.pool.alloc(attr::cacheable, 64);
  ASSERT_TRUE(a && b && c);
  ASSERT_EQ(r.pool.free(b), Status::ok);  // a and c keep b from coalescing
  AlignedBuffer foreign(256);
  struct Case {
    const char* name;
    void* ptr;
    Status status;
  };
  const Case cases[] = {
      {"foreign", foreign.data() + 8, Status::pointer_outside_region},
      {"between regions", r.layout.res0_base() + ZephyrLayout::res0_bytes + 8, Status::pointer_outside_region},
      {"interior", static_cast<unsigned char*>(a) + 8, Status::pointer_not_block},
      {"freed", b, Status::double_free},
  };
  const std::vector<HeapStats> before = snapshot_regions(r.pool);
  const std::uint64_t failed = r.pool.failed_alloc_count();
  for (const Case& c_ : cases) {
    for (std::size_t n : {std::size_t{16}, std::size_t{5000}}) {
      r.errors.clear();
      EXPECT_EQ(r.pool.realloc(attr::cacheable, c_.ptr, n), nullptr) << c_.name << " " << n;
      EXPECT_TRUE(r.errors.one(c_.status, address_of(c_.ptr))) << c_.name << " " << n;
      r.errors.clear();
      EXPECT_EQ(r.pool.realloc(attr::non_cacheable, c_.ptr, n), nullptr) << c_.name << " " << n;
      EXPECT_TRUE(r.errors.one(c_.status, address_of(c_.ptr))) << c_.name << " " << n;
    }
    r.errors.clear();
    EXPECT_EQ(r.pool.realloc(attr::cacheable, c_.ptr, 0), nullptr) << c_.name << " (n == 0 frees)";
    EXPECT_TRUE(r.errors.one(c_.status, address_of(c_.ptr))) << c_.name << " (n == 0 frees)";
  }
  EXPECT_EQ(regions_diff(r.pool, before), "");
  EXPECT_EQ(r.pool.failed_alloc_count(), failed);
  EXPECT_TRUE(PoolValid(r.pool));
}

TEST(PoolRealloc, AnUnknownAttributeGivesNullptrAndKeepsTheBlock) {
  ReallocPool r;
  void* p = r.pool.alloc(attr::cacheable, 64);
  fill_block(p, 64, 10);
  const std::vector<HeapStats> before = snapshot_regions(r.pool);
  EXPECT_EQ(r.pool.realloc(3, p, 32), nullptr);
  EXPECT_TRUE(r.errors.one(Status::unknown_attribute, address_of(p)));
  EXPECT_EQ(regions_diff(r.pool, before), "");
  EXPECT_EQ(first_bad_byte(p, 64, 10), 64u);
}

// A reserved region's blocks resize in place there, but a move is an attribute
// request: it lands in an ordinary region, never a reserved one.
TEST(PoolRealloc, BlocksOfAReservedRegionResizeInPlaceAndMoveOnlyToOrdinaryRegions) {
  AlignedBuffer buffer(3 * 4096);
  ZephyrPool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  ASSERT_EQ(pool.add(region(buffer.data(), 4096, attr::cacheable, true)), Status::ok);
  ASSERT_EQ(pool.add(region(buffer.data() + 4096, 2 * 4096, attr::cacheable)), Status::ok);
  void* p = pool.alloc_in(0, 100);
  void* guard = pool.alloc_in(0, 16);
  ASSERT_TRUE(region_of(pool, p) == 0 && region_of(pool, guard) == 0);
  fill_block(p, 100, 11);
  EXPECT_EQ(pool.realloc(attr::cacheable, p, 40), p);
  void* moved = pool.realloc(attr::cacheable, p, 200);
  EXPECT_EQ(region_of(pool, moved), 1) << "res0 has room, but it is reserved";
  EXPECT_EQ(first_bad_byte(moved, 40, 11), 40u);
}

}  // namespace
}  // namespace smh::test
