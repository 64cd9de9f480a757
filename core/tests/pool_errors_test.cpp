// The pool's error paths: every way add() refuses a region, each with its own
// Status and an error-hook event carrying the region's address; alloc before
// init; foreign, interior and double frees through the pool (detected, reported to
// the pool hook and, for pointers inside a region, the heap hook; nothing
// changes); and owner(), whose address lookup checks both bounds of a region.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"

namespace smh::test {
namespace {

// 3 regions in total, 2 per attribute, attributes 0..3.
using SmallPool = BasicPool<3, 2, 4>;

TEST(PoolErrors, AddBeforeInitIsNotInitializedAndReported) {
  AlignedBuffer buffer(4096);
  SmallPool pool;
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  EXPECT_EQ(pool.add(region(buffer.data(), 4096, attr::cacheable)), Status::not_initialized);
  EXPECT_TRUE(errors.one(Status::not_initialized, address_of(buffer.data())));
  EXPECT_EQ(pool.region_count(), 0u);
}

TEST(PoolErrors, EveryAllocationBeforeInitReturnsNullptr) {
  AlignedBuffer buffer(4096);
  SmallPool pool;
  EXPECT_EQ(pool.alloc(attr::cacheable, 16), nullptr);
  EXPECT_EQ(pool.aligned_alloc(attr::cacheable, 64, 16), nullptr);
  EXPECT_EQ(pool.alloc_prefer({attr::cacheable, attr::non_cacheable}, 16), nullptr);
  EXPECT_EQ(pool.alloc_in(0, 16), nullptr);
  EXPECT_EQ(pool.realloc(attr::cacheable, nullptr, 16), nullptr);
  EXPECT_EQ(pool.free(nullptr), Status::ok);
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  EXPECT_EQ(pool.free(buffer.data() + 8), Status::not_initialized);
  EXPECT_TRUE(errors.one(Status::not_initialized, address_of(buffer.data() + 8)));
  EXPECT_FALSE(pool.owner(buffer.data()).found);
  EXPECT_EQ(pool.usable_size(buffer.data() + 8), 0u);
}

TEST(PoolErrors, InitRejectsAnUnknownPolicyOrModeAndStaysUninitialized) {
  SmallPool pool;
  PoolConfig bad_policy;
  bad_policy.policy = static_cast<Policy>(policy_count);
  EXPECT_EQ(pool.init(bad_policy), Status::invalid_argument);
  PoolConfig bad_mode;
  bad_mode.mode = static_cast<MatchMode>(2);
  EXPECT_EQ(pool.init(bad_mode), Status::invalid_argument);
  AlignedBuffer buffer(4096);
  EXPECT_EQ(pool.add(region(buffer.data(), 4096, attr::cacheable)), Status::not_initialized);
  EXPECT_EQ(pool.init(), Status::ok);
  EXPECT_EQ(pool.init(), Status::already_initialized);
}

TEST(PoolErrors, AnAttributeOutOfRangeIsUnknownInExactMode) {
  AlignedBuffer buffer(4096);
  SmallPool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  for (std::uint32_t bad : {4u, 5u, 0x80000000u, 0xFFFFFFFFu}) {
    errors.clear();
    EXPECT_EQ(pool.add(region(buffer.data(), 4096, bad)), Status::unknown_attribute) << bad;
    EXPECT_TRUE(errors.one(Status::unknown_attribute, address_of(buffer.data()))) << bad;
  }
  EXPECT_EQ(pool.region_count(), 0u);
  EXPECT_EQ(pool.add(region(buffer.data(), 4096, 3)), Status::ok) << "the last valid attribute";
}

TEST(PoolErrors, ANullAddressIsRegionNull) {
  SmallPool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  EXPECT_EQ(pool.add(region_at(0, 4096, attr::cacheable)), Status::region_null);
  EXPECT_TRUE(errors.one(Status::region_null, 0));
  EXPECT_EQ(pool.region_count(), 0u);
}

TEST(PoolErrors, ARegionTooSmallForAHeapIsRegionTooSmall) {
  AlignedBuffer buffer(4096);
  SmallPool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  for (std::size_t size : {std::size_t{0}, std::size_t{8}, Heap::min_region_bytes - 1}) {
    errors.clear();
    EXPECT_EQ(pool.add(region(buffer.data(), size, attr::cacheable)), Status::region_too_small) << size;
    EXPECT_TRUE(errors.one(Status::region_too_small, address_of(buffer.data()))) << size;
  }
  EXPECT_EQ(pool.region_count(), 0u);
  EXPECT_EQ(pool.add(region(buffer.data(), Heap::min_region_bytes, attr::cacheable)), Status::ok);
  void* p = pool.alloc(attr::cacheable, 8);
  EXPECT_EQ(region_of(pool, p), 0) << "the smallest region holds one minimal block";
}

TEST(PoolErrors, AMisalignedBaseIsRegionMisalignedAndUsesNoSlot) {
  AlignedBuffer buffer(4 * 4096);
  SmallPool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  for (std::size_t shift : {1u, 4u, 7u}) {
    errors.clear();
    EXPECT_EQ(pool.add(region(buffer.data() + shift, 4096, attr::cacheable)), Status::region_misaligned)
        << shift;
    EXPECT_TRUE(errors.one(Status::region_misaligned, address_of(buffer.data() + shift))) << shift;
  }
  EXPECT_EQ(pool.region_count(), 0u);
  // The refused regions took no slot: all three still fit.
  EXPECT_EQ(pool.add(region(buffer.data() + 8, 4088, attr::cacheable)), Status::ok);
  EXPECT_EQ(pool.add(region(buffer.data() + 4096, 4096, attr::non_cacheable)), Status::ok);
  EXPECT_EQ(pool.add(region(buffer.data() + 8192, 4096, attr::external)), Status::ok);
  EXPECT_TRUE(PoolValid(pool));
}

// An existing region R = [base + 4096, base + 8192); candidates that share at
// least one byte with it are refused, neighbours touching it are not.
TEST(PoolErrors, OverlappingRegionsAreRegionOverlap) {
  AlignedBuffer buffer(4 * 4096);
  unsigned char* base = buffer.data();
  SmallPool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  ASSERT_EQ(pool.add(region(base + 4096, 4096, attr::cacheable)), Status::ok);
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  struct Case {
    const char* name;
    std::size_t offset;
    std::size_t size;
  };
  const Case cases[] = {
      {"identical", 4096, 4096},
      {"partial, from the left", 2048, 4096},
      {"partial, to the right", 6144, 4096},
      {"contained", 5120, 1024},
      {"containing", 0, 3 * 4096},
      {"same start, shorter", 4096, 1024},
      {"same end, later start", 6144, 2048},
      {"last byte of the left neighbour overlaps by 8", 0, 4096 + 8},
      {"starts at R's last granule", 8184, 4096},
  };
  for (const Case& c : cases) {
    errors.clear();
    EXPECT_EQ(pool.add(region(base + c.offset, c.size, attr::non_cacheable)), Status::region_overlap)
        << c.name;
    EXPECT_TRUE(errors.one(Status::region_overlap, address_of(base + c.offset))) << c.name;
  }
  EXPECT_EQ(pool.region_count(), 1u);
  EXPECT_EQ(pool.add(region(base, 4096, attr::non_cacheable)), Status::ok) << "ends where R begins";
  EXPECT_EQ(pool.add(region(base + 8192, 4096, attr::external)), Status::ok) << "begins where R ends";
  EXPECT_TRUE(PoolValid(pool));
}

// BasicPool<3, 2, 4>: the third region of one attribute and the fourth region in
// total are refused with capacity_exceeded; nothing is written past the arrays
// (the asan preset checks that).
TEST(PoolErrors, ExceedingRegionsPerAttributeOrInTotalIsCapacityExceeded) {
  AlignedBuffer buffer(5 * 4096);
  unsigned char* base = buffer.data();
  SmallPool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  ASSERT_EQ(pool.add(region(base, 4096, attr::cacheable)), Status::ok);
  ASSERT_EQ(pool.add(region(base + 4096, 4096, attr::cacheable)), Status::ok);
  EXPECT_EQ(pool.add(region(base + 8192, 4096, attr::cacheable)), Status::capacity_exceeded)
      << "a third cacheable region, 2 per attribute";
  EXPECT_TRUE(errors.one(Status::capacity_exceeded, address_of(base + 8192)));
  EXPECT_EQ(pool.region_count(), 2u);

  errors.clear();
  ASSERT_EQ(pool.add(region(base + 8192, 4096, attr::non_cacheable)), Status::ok) << "another attribute";
  EXPECT_EQ(pool.add(region(base + 12288, 4096, attr::external)), Status::capacity_exceeded)
      << "a fourth region, 3 in total";
  EXPECT_TRUE(errors.one(Status::capacity_exceeded, address_of(base + 12288)));
  errors.clear();
  EXPECT_EQ(pool.add(region(base + 16384, 4096, attr::non_cacheable)), Status::capacity_exceeded);
  EXPECT_TRUE(errors.one(Status::capacity_exceeded, address_of(base + 16384)));
  EXPECT_EQ(pool.region_count(), 3u);
  EXPECT_EQ(pool.region_config(3), nullptr);
  EXPECT_EQ(pool.alloc(attr::external, 16), nullptr) << "the refused region serves nothing";
  EXPECT_FALSE(pool.owner(base + 12288 + 8).found);
  EXPECT_EQ(region_of(pool, pool.alloc(attr::non_cacheable, 16)), 2);
  EXPECT_TRUE(PoolValid(pool));
}

// A region whose end would wrap past the top of the address space is refused
// before any byte of it is touched (the address is never dereferenced).
TEST(PoolErrors, ARegionWrappingTheAddressSpaceIsRefused) {
  SmallPool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  PoolErrorLog errors;
  pool.set_hooks(errors.hooks());
  constexpr std::uintptr_t top = std::numeric_limits<std::uintptr_t>::max();
  const std::uintptr_t near_top = (top - 4095) & ~std::uintptr_t{7};  // 4096 bytes below the top
  EXPECT_EQ(pool.add(region_at(near_top, 8192, attr::cacheable)), Status::invalid_argument);
  EXPECT_TRUE(errors.one(Status::invalid_argument, near_top));
  errors.clear();
  EXPECT_EQ(pool.add(region_at(top & ~std::uintptr_t{7}, 64, attr::cacheable)), Status::invalid_argument);
  EXPECT_TRUE(errors.one(Status::invalid_argument, top & ~std::uintptr_t{7}));
  EXPECT_EQ(pool.region_count(), 0u);
}

// Beyond what a heap's 27-bit granule counts address: the heap refuses it before
// touching memory, and the pool passes its status on.
TEST(PoolErrors, ARegionTooLargeForAHeapIsRegionTooLarge) {
  if constexpr (sizeof(std::size_t) < 8) {
    GTEST_SKIP() << "needs a 64-bit host to describe such a region";
  } else {
    SmallPool pool;
    ASSERT_EQ(pool.init(), Status::ok);
    PoolErrorLog errors;
    pool.set_hooks(errors.hooks());
    const std::uintptr_t fake = std::uintptr_t{1} << 44;
    EXPECT_EQ(pool.add(region_at(fake, Heap::max_region_bytes + 8, attr::cacheable)), Status::region_too_large);
    EXPECT_TRUE(errors.one(Status::region_too_large, fake));
    EXPECT_EQ(pool.region_count(), 0u);
  }
}

// ---------------------------------------------------------------- bad frees

// Two regions with a gap between them and a separate foreign buffer; a few live
// blocks in each region, with region hooks recording heap-level errors.
struct FreeFixture {
  FreeFixture() : buffer(3 * 4096), foreign(256) {
    EXPECT_EQ(pool.init(), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data(), 4096, attr::cacheable)), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data() + 8192, 4096, attr::non_cacheable)), Status::ok);
    pool.set_hooks(errors.hooks());
    for (unsigned i = 0; i < 2; ++i) {
      EXPECT_EQ(pool.set_region_hooks(i, heap_errors[i].hooks()), Status::ok);
    }
    for (int i = 0; i < 3; ++i) {
      cacheable[i] = pool.alloc(attr::cacheable, 48);
      non_cacheable[i] = pool.alloc(attr::non_cacheable, 48);
      EXPECT_EQ(region_of(pool, cacheable[i]), 0);
      EXPECT_EQ(region_of(pool, non_cacheable[i]), 1);
    }
    before = snapshot_regions(pool);
  }

  ::testing::AssertionResult unchanged() const {
    const std::string diff = regions_diff(pool, before);
    if (!diff.empty()) {
      return ::testing::AssertionFailure() << diff;
    }
    return PoolValid(pool);
  }

  AlignedBuffer buffer;
  AlignedBuffer foreign;
  SmallPool pool;
  PoolErrorLog errors;
  HeapErrorLog heap_errors[2];
  void* cacheable[3] = {};
  void* non_cacheable[3] = {};
  std::vector<HeapStats> before;
};

TEST(PoolErrors, FreeingAForeignPointerIsPointerOutsideRegionAndNeverReachesAHeap) {
  FreeFixture f;
  const void* foreign_pointers[] = {
      f.foreign.data() + 8,
      f.buffer.data() + 4096 + 8,  // in the gap between the regions
      f.buffer.data() + 4096,      // one past region 0's end
      f.buffer.data() + 8192 - 8,  // the last granule before region 1
  };
  for (const void* p : foreign_pointers) {
    f.errors.clear();
    EXPECT_EQ(f.pool.free(const_cast<void*>(p)), Status::pointer_outside_region);
    EXPECT_TRUE(f.errors.one(Status::pointer_outside_region, address_of(p)));
  }
  EXPECT_TRUE(f.heap_errors[0].events.empty());
  EXPECT_TRUE(f.heap_errors[1].events.empty());
  EXPECT_TRUE(f.unchanged());
}

TEST(PoolErrors, FreeingAnInteriorPointerIsPointerNotBlockAndChangesNothing) {
  FreeFixture f;
  unsigned char* p = static_cast<unsigned char*>(f.non_cacheable[1]);
  for (std::size_t delta : {std::size_t{1}, std::size_t{8}, std::size_t{16}, std::size_t{40}}) {
    f.errors.clear();
    f.heap_errors[1].events.clear();
    EXPECT_EQ(f.pool.free(p + delta), Status::pointer_not_block) << delta;
    EXPECT_TRUE(f.errors.one(Status::pointer_not_block, address_of(p + delta))) << delta;
    ASSERT_EQ(f.heap_errors[1].events.size(), 1u) << delta;
    EXPECT_EQ(f.heap_errors[1].events[0].status, Status::pointer_not_block);
    EXPECT_EQ(f.heap_errors[1].events[0].offset_bytes,
              address_of(p + delta) - address_of(f.buffer.data() + 8192));
  }
  // A block's header and the region's start-bit map are inside the region too.
  f.errors.clear();
  EXPECT_EQ(f.pool.free(p - 8), Status::pointer_not_block);
  EXPECT_EQ(f.pool.free(f.buffer.data() + 8192 + 4096 - 8), Status::pointer_not_block);
  EXPECT_EQ(f.errors.events.size(), 2u);
  EXPECT_TRUE(f.heap_errors[0].events.empty());
  EXPECT_TRUE(f.unchanged());
}

TEST(PoolErrors, FreeingTwiceIsDoubleFreeAndChangesNothing) {
  FreeFixture f;
  void* middle = f.cacheable[1];  // its neighbours stay live: no coalescing
  ASSERT_EQ(f.pool.free(middle), Status::ok);
  f.before = snapshot_regions(f.pool);
  EXPECT_EQ(f.pool.free(middle), Status::double_free);
  EXPECT_TRUE(f.errors.one(Status::double_free, address_of(middle)));
  ASSERT_EQ(f.heap_errors[0].events.size(), 1u);
  EXPECT_EQ(f.heap_errors[0].events[0].status, Status::double_free);
  EXPECT_EQ(f.heap_errors[0].events[0].offset_bytes, address_of(middle) - address_of(f.buffer.data()));
  EXPECT_TRUE(f.unchanged());
  // The other blocks still free normally.
  EXPECT_EQ(f.pool.free(f.cacheable[0]), Status::ok);
  EXPECT_EQ(f.pool.free(f.cacheable[2]), Status::ok);
  EXPECT_TRUE(PoolValid(f.pool));
}

TEST(PoolErrors, UsableSizeOfABadPointerIsZero) {
  FreeFixture f;
  EXPECT_EQ(f.pool.usable_size(f.foreign.data() + 8), 0u);
  EXPECT_EQ(f.pool.usable_size(static_cast<unsigned char*>(f.cacheable[0]) + 8), 0u);
  EXPECT_EQ(f.pool.usable_size(nullptr), 0u);
  EXPECT_EQ(f.pool.usable_size(f.cacheable[0]), 48u);
  EXPECT_TRUE(f.unchanged());
}

// ---------------------------------------------------------------- owner()

// Five regions added out of address order (the address index must sort them),
// some adjacent and some with gaps; each with its own user_data.
TEST(PoolErrors, OwnerFindsTheRegionAndUserDataOfEveryLiveBlock) {
  AlignedBuffer buffer(16 * 4096);
  unsigned char* base = buffer.data();
  // offset, size: region 3 and 1 touch; gaps elsewhere.
  const std::size_t offsets[] = {8 * 4096, 2 * 4096, 12 * 4096, 4096, 5 * 4096};
  const std::size_t sizes[] = {3 * 4096, 4096, 2 * 4096, 4096, 2 * 4096};
  int tags[5] = {};
  Pool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  for (unsigned i = 0; i < 5; ++i) {
    ASSERT_EQ(pool.add(region(base + offsets[i], sizes[i], i % 3), &tags[i]), Status::ok);
  }
  std::vector<std::pair<void*, unsigned>> live;
  for (unsigned i = 0; i < 5; ++i) {
    for (std::size_t n = 8; n < 900; n = n * 2 + 8) {
      void* p = pool.alloc_in(i, n);
      ASSERT_NE(p, nullptr);
      live.emplace_back(p, i);
    }
  }
  for (const auto& [p, expected] : live) {
    const Owner o = pool.owner(p);
    ASSERT_TRUE(o.found);
    EXPECT_EQ(o.region, expected);
    EXPECT_EQ(o.user_data, &tags[expected]);
    // Any byte of a block belongs to the same region.
    const Owner last = pool.owner(static_cast<unsigned char*>(p) + pool.usable_size(p) - 1);
    EXPECT_TRUE(last.found && last.region == expected);
  }

  for (unsigned i = 0; i < 5; ++i) {
    unsigned char* begin = base + offsets[i];
    unsigned char* end = begin + sizes[i];
    EXPECT_EQ(region_of(pool, begin), static_cast<int>(i)) << "first byte of region " << i;
    EXPECT_EQ(region_of(pool, end - 1), static_cast<int>(i)) << "last byte of region " << i;
  }
  // One byte before each start and one byte past each end: foreign unless a
  // neighbouring region begins or ends exactly there (region 3 ends where 1 begins).
  EXPECT_EQ(region_of(pool, base + 4096 - 1), -1) << "before region 3, the lowest";
  EXPECT_EQ(region_of(pool, base + 2 * 4096), 1) << "past region 3's end is region 1's start";
  EXPECT_EQ(region_of(pool, base + 2 * 4096 - 1), 3) << "before region 1's start is region 3's end";
  EXPECT_EQ(region_of(pool, base + 3 * 4096), -1) << "past region 1's end";
  EXPECT_EQ(region_of(pool, base + 5 * 4096 - 1), -1) << "before region 4";
  EXPECT_EQ(region_of(pool, base + 7 * 4096), -1) << "past region 4's end";
  EXPECT_EQ(region_of(pool, base + 8 * 4096 - 1), -1) << "before region 0";
  EXPECT_EQ(region_of(pool, base + 11 * 4096), -1) << "past region 0's end";
  EXPECT_EQ(region_of(pool, base + 12 * 4096 - 1), -1) << "before region 2";
  EXPECT_EQ(region_of(pool, base + 14 * 4096), -1) << "past region 2's end, the highest";
  // Between regions, below all, above all, and elsewhere.
  EXPECT_EQ(region_of(pool, base), -1);
  EXPECT_EQ(region_of(pool, base + 4 * 4096 + 100), -1);
  EXPECT_EQ(region_of(pool, base + 16 * 4096 - 1), -1);
  AlignedBuffer foreign(64);
  EXPECT_EQ(region_of(pool, foreign.data()), -1);
  EXPECT_EQ(region_of(pool, nullptr), -1);

  for (const auto& entry : live) {
    EXPECT_EQ(pool.free(entry.first), Status::ok);
  }
  EXPECT_TRUE(EveryRegionOneFreeBlock(pool));
}

// Adjacent regions at every position of the address index: every region's first
// and last byte map to it, and the bytes just outside the whole run do not.
TEST(PoolErrors, OwnerChecksBothBoundsOfEveryRegionInARunOfAdjacentRegions) {
  constexpr unsigned kRegions = 9;
  AlignedBuffer buffer((kRegions + 2) * 1024);
  unsigned char* first = buffer.data() + 1024;
  Pool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  // Insertion order 4, 0, 8, 2, 6, 1, 7, 3, 5 by address slot.
  const unsigned slots[kRegions] = {4, 0, 8, 2, 6, 1, 7, 3, 5};
  for (unsigned i = 0; i < kRegions; ++i) {
    ASSERT_EQ(pool.add(region(first + slots[i] * 1024, 1024, i % 8)), Status::ok);
  }
  for (unsigned i = 0; i < kRegions; ++i) {
    unsigned char* begin = first + slots[i] * 1024;
    EXPECT_EQ(region_of(pool, begin), static_cast<int>(i));
    EXPECT_EQ(region_of(pool, begin + 1023), static_cast<int>(i));
  }
  EXPECT_EQ(region_of(pool, first - 1), -1);
  EXPECT_EQ(region_of(pool, first + kRegions * 1024), -1);
}

// The address index is padded to a power of two (16 slots for 9 regions, 4 for
// 3): the highest address lands on the padding, whose entries name region 0, and
// is foreign; so is every address while there is no region.
TEST(PoolErrors, TheHighestAddressIsForeignAtEveryRegionCount) {
  const auto highest = reinterpret_cast<const void*>(~std::uintptr_t{0});
  AlignedBuffer buffer(10 * 1024);
  Pool pool;
  ASSERT_EQ(pool.init(), Status::ok);
  EXPECT_EQ(region_of(pool, highest), -1) << "no region";
  EXPECT_EQ(region_of(pool, buffer.data()), -1) << "no region";
  for (unsigned i = 0; i < 9; ++i) {
    ASSERT_EQ(pool.add(region(buffer.data() + (8 - i) * 1024, 1024, 0)), Status::ok);
    EXPECT_EQ(region_of(pool, highest), -1) << (i + 1) << " regions";
    EXPECT_EQ(region_of(pool, buffer.data() + (8 - i) * 1024 + 1023), static_cast<int>(i));
    EXPECT_EQ(region_of(pool, buffer.data() + 9 * 1024), -1) << "past the highest region, " << (i + 1) << " regions";
  }
  EXPECT_EQ(pool.free(const_cast<void*>(highest)), Status::pointer_outside_region);
}

}  // namespace
}  // namespace smh::test
