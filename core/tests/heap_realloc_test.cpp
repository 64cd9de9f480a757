// realloc / aligned_realloc / try_realloc: in place when the neighbourhood allows
// (shrink, or grow into a free right neighbour), otherwise a move that preserves
// min(old usable, new size) bytes; realloc(nullptr, n) allocates, realloc(p, 0)
// frees; a failed realloc leaves the old block exactly as it was; bad pointers are
// refused with their status.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"

namespace smh::test {
namespace {

constexpr std::size_t kRegion = 64 * 1024;

void fill(void* p, std::size_t n, unsigned seed) {
  auto* bytes = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    bytes[i] = static_cast<unsigned char>((i * 31 + seed * 17 + (i >> 8)) & 0xFF);
  }
}

::testing::AssertionResult filled(const void* p, std::size_t n, unsigned seed) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (bytes[i] != static_cast<unsigned char>((i * 31 + seed * 17 + (i >> 8)) & 0xFF)) {
      return ::testing::AssertionFailure() << "byte " << i << " of " << n << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(HeapRealloc, GrowsInPlaceIntoAFreeRightNeighbour) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(64);
  void* b = h.heap.alloc(128);
  void* guard = h.heap.alloc(16);
  ASSERT_TRUE(a && b && guard);
  fill(a, 64, 1);
  ASSERT_EQ(h.heap.free(b), Status::ok);
  const HeapStats before = h.heap.stats();
  void* grown = h.heap.realloc(a, 150);
  EXPECT_EQ(grown, a);
  EXPECT_GE(h.heap.usable_size(a), 150u);
  EXPECT_TRUE(filled(a, 64, 1));
  const HeapStats after = h.heap.stats();
  EXPECT_EQ(after.allocated_requested_bytes, before.allocated_requested_bytes - 64 + 150);
  EXPECT_EQ(after.free_bytes, before.free_bytes - (h.heap.usable_size(a) - 64));
  EXPECT_EQ(after.alloc_count, before.alloc_count) << "an in-place resize is not an allocation";
  EXPECT_EQ(after.allocated_block_count, before.allocated_block_count);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, GrowsInPlaceIntoTheTrailingFreeSpace) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(100);
  ASSERT_NE(a, nullptr);
  fill(a, 100, 2);
  void* grown = h.heap.realloc(a, 20000);
  EXPECT_EQ(grown, a);
  EXPECT_TRUE(filled(a, 100, 2));
  EXPECT_GE(h.heap.usable_size(a), 20000u);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, GrowsInPlaceWhenTheNeighbourIsExactlyLargeEnough) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(64);   // block 72
  void* b = h.heap.alloc(40);   // block 48
  void* guard = h.heap.alloc(8);
  ASSERT_TRUE(a && b && guard);
  ASSERT_EQ(h.heap.free(b), Status::ok);
  fill(a, 64, 3);
  // 72 + 48 = 120 bytes of block: 112 usable.
  void* grown = h.heap.realloc(a, 112);
  EXPECT_EQ(grown, a);
  EXPECT_EQ(h.heap.usable_size(a), 112u);
  EXPECT_TRUE(filled(a, 64, 3));
  EXPECT_EQ(h.heap.stats().free_block_count, 1u) << describe_layout(h.heap);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, MovesWhenTheRightNeighbourIsUsedAndCopiesTheOldUsableBytes) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(61);  // usable 64: the caller may use all of it
  void* b = h.heap.alloc(32);
  ASSERT_TRUE(a && b);
  const std::size_t old_usable = h.heap.usable_size(a);
  ASSERT_EQ(old_usable, 64u);
  fill(a, old_usable, 4);
  fill(b, 32, 5);
  const std::size_t old_offset = offset_in(h.heap, a);
  const HeapStats before = h.heap.stats();
  void* moved = h.heap.realloc(a, 300);
  ASSERT_NE(moved, nullptr);
  EXPECT_NE(moved, a);
  EXPECT_TRUE(filled(moved, old_usable, 4)) << "min(old usable, n) bytes must be copied";
  EXPECT_TRUE(filled(b, 32, 5)) << "the neighbour must not be touched";
  EXPECT_FALSE(h.heap.is_live_block(at_offset(h.heap, old_offset)));
  EXPECT_TRUE(h.heap.is_live_block(moved));
  const HeapStats after = h.heap.stats();
  EXPECT_EQ(after.allocated_requested_bytes, before.allocated_requested_bytes - 61 + 300);
  EXPECT_EQ(after.allocated_block_count, before.allocated_block_count);
  EXPECT_EQ(after.alloc_count, before.alloc_count + 1) << "a move counts as an allocation";
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, MoveToASmallerSizeCopiesOnlyTheNewSize) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  // A block at a 16-aligned payload is shrunk with an alignment it does not meet,
  // which forces a move to a smaller block; only n bytes may be copied there.
  void* a = h.heap.alloc(200);
  ASSERT_NE(a, nullptr);
  fill(a, 200, 6);
  std::size_t align = 256;
  while (address_of(a) % align == 0) {
    align *= 2;
  }
  void* moved = h.heap.aligned_realloc(a, align, 50);
  ASSERT_NE(moved, nullptr);
  EXPECT_NE(moved, a);
  EXPECT_EQ(address_of(moved) % align, 0u);
  EXPECT_TRUE(filled(moved, 50, 6));
  EXPECT_GE(h.heap.usable_size(moved), 50u);
  EXPECT_LT(h.heap.usable_size(moved), 66u);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, ShrinksInPlaceAndReleasesTheTail) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(512);
  void* guard = h.heap.alloc(16);
  ASSERT_TRUE(a && guard);
  fill(a, 512, 7);
  const HeapStats before = h.heap.stats();
  void* shrunk = h.heap.realloc(a, 100);
  EXPECT_EQ(shrunk, a);
  EXPECT_TRUE(filled(a, 100, 7));
  const std::size_t usable = h.heap.usable_size(a);
  EXPECT_GE(usable, 100u);
  EXPECT_LT(usable, 116u);
  const HeapStats after = h.heap.stats();
  EXPECT_EQ(after.free_bytes, before.free_bytes + (512 - usable));
  EXPECT_EQ(after.free_block_count, before.free_block_count + 1) << describe_layout(h.heap);
  EXPECT_EQ(after.allocated_requested_bytes, before.allocated_requested_bytes - 512 + 100);
  EXPECT_EQ(after.allocated_usable_bytes, before.allocated_usable_bytes - (512 - usable));
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, ShrinkTailCoalescesWithAFreeRightNeighbour) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(512);
  void* b = h.heap.alloc(64);
  void* guard = h.heap.alloc(16);
  ASSERT_TRUE(a && b && guard);
  ASSERT_EQ(h.heap.free(b), Status::ok);
  const HeapStats before = h.heap.stats();
  EXPECT_EQ(h.heap.realloc(a, 64), a);
  const HeapStats after = h.heap.stats();
  EXPECT_EQ(after.free_block_count, before.free_block_count) << describe_layout(h.heap);
  EXPECT_EQ(after.free_bytes, before.free_bytes + 512 - 64);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, ShrinkByLessThanAMinimalBlockKeepsTheBlock) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(64);
  void* guard = h.heap.alloc(16);
  ASSERT_TRUE(a && guard);
  const HeapStats before = h.heap.stats();
  EXPECT_EQ(h.heap.realloc(a, 57), a);
  EXPECT_EQ(h.heap.usable_size(a), 64u);
  const HeapStats after = h.heap.stats();
  EXPECT_EQ(after.allocated_requested_bytes, before.allocated_requested_bytes - 7);
  EXPECT_EQ(after.free_bytes, before.free_bytes);
  EXPECT_EQ(h.heap.realloc(a, 50), a);
  EXPECT_GE(h.heap.usable_size(a), 50u);
  EXPECT_LT(h.heap.usable_size(a), 66u);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, SameSizeIsInPlaceAndChangesNothing) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(77);
  void* guard = h.heap.alloc(16);
  ASSERT_TRUE(a && guard);
  fill(a, 77, 8);
  const HeapStats before = h.heap.stats();
  EXPECT_EQ(h.heap.realloc(a, 77), a);
  EXPECT_TRUE(filled(a, 77, 8));
  EXPECT_EQ(stats_diff(h.heap.stats(), before), "");
}

TEST(HeapRealloc, NullPointerAllocates) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* p = h.heap.realloc(nullptr, 48);
  ASSERT_NE(p, nullptr);
  EXPECT_GE(h.heap.usable_size(p), 48u);
  const HeapStats s = h.heap.stats();
  EXPECT_EQ(s.alloc_count, 1u);
  EXPECT_EQ(s.allocated_requested_bytes, 48u);
  void* q = h.heap.aligned_realloc(nullptr, 256, 10);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(address_of(q) % 256, 0u);
  const ReallocResult r = h.heap.try_realloc(nullptr, 0, 24);
  EXPECT_NE(r.ptr, nullptr);
  EXPECT_EQ(r.status, Status::ok);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, SizeZeroFreesAndReturnsNull) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(100);
  void* b = h.heap.alloc(100);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(h.heap.realloc(a, 0), nullptr);
  EXPECT_FALSE(h.heap.is_live_block(a));
  HeapStats s = h.heap.stats();
  EXPECT_EQ(s.allocated_block_count, 1u);
  EXPECT_EQ(s.free_count, 1u);
  EXPECT_EQ(s.failed_alloc_count, 0u) << "freeing through realloc is not a failed allocation";
  const ReallocResult r = h.heap.try_realloc(b, 64, 0);
  EXPECT_EQ(r.ptr, nullptr);
  EXPECT_EQ(r.status, Status::ok);
  s = h.heap.stats();
  EXPECT_EQ(s.allocated_block_count, 0u);
  EXPECT_EQ(s.free_block_count, 1u);
  EXPECT_EQ(s.failed_alloc_count, 0u);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, FailureLeavesTheOldBlockIntact) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(1000);
  void* guard = h.heap.alloc(16);
  ASSERT_TRUE(a && guard);
  fill(a, 1000, 9);
  const std::size_t usable = h.heap.usable_size(a);
  const HeapStats before = h.heap.stats();
  for (const std::size_t n : {std::size_t{kRegion}, std::size_t{1} << 20, ~std::size_t{0},
                              ~std::size_t{0} - 7, ~std::size_t{0} / 2}) {
    const HeapStats step_before = h.heap.stats();
    EXPECT_EQ(h.heap.realloc(a, n), nullptr) << "n " << n;
    const ReallocResult r = h.heap.try_realloc(a, 0, n);
    EXPECT_EQ(r.ptr, nullptr) << "n " << n;
    EXPECT_EQ(r.status, Status::out_of_memory) << "n " << n;
    EXPECT_EQ(h.heap.stats().failed_alloc_count, step_before.failed_alloc_count + 2) << "n " << n;
  }
  EXPECT_TRUE(h.heap.is_live_block(a));
  EXPECT_EQ(h.heap.usable_size(a), usable);
  EXPECT_TRUE(filled(a, 1000, 9));
  HeapStats after = h.heap.stats();
  after.failed_alloc_count = before.failed_alloc_count;
  EXPECT_EQ(stats_diff(after, before), "");
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, FailureWithABadAlignmentLeavesTheOldBlockIntact) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(100);
  ASSERT_NE(a, nullptr);
  fill(a, 100, 10);
  const HeapStats before = h.heap.stats();
  for (const std::size_t align : {std::size_t{3}, std::size_t{24}, std::size_t{kRegion * 2}}) {
    const ReallocResult r = h.heap.try_realloc(a, align, 200);
    EXPECT_EQ(r.ptr, nullptr) << "align " << align;
    EXPECT_NE(r.status, Status::ok) << "align " << align;
  }
  EXPECT_TRUE(h.heap.is_live_block(a));
  EXPECT_TRUE(filled(a, 100, 10));
  HeapStats after = h.heap.stats();
  after.failed_alloc_count = before.failed_alloc_count;
  EXPECT_EQ(stats_diff(after, before), "");
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, RaisingTheAlignmentMovesToAnAlignedAddressWithContents) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  for (std::size_t align = 16; align <= 4096; align *= 2) {
    // Make sure the block does not already meet the new alignment: if the first
    // 32-byte block does, keep it as a pad; the next one is 40 bytes further.
    void* pad = nullptr;
    void* a = h.heap.alloc(32);
    ASSERT_NE(a, nullptr);
    if (address_of(a) % align == 0) {
      pad = a;
      a = h.heap.alloc(32);
      ASSERT_NE(a, nullptr);
      ASSERT_NE(address_of(a) % align, 0u);
    }
    fill(a, 32, static_cast<unsigned>(align));
    void* moved = h.heap.aligned_realloc(a, align, 32);
    ASSERT_NE(moved, nullptr) << "align " << align;
    EXPECT_NE(moved, a) << "align " << align;
    EXPECT_EQ(address_of(moved) % align, 0u) << "align " << align;
    EXPECT_TRUE(filled(moved, 32, static_cast<unsigned>(align))) << "align " << align;
    EXPECT_FALSE(h.heap.is_live_block(a)) << "align " << align;
    EXPECT_TRUE(HeapConsistent(h.heap)) << "align " << align;
    // Growing with the alignment kept is fine too, in place or not.
    void* grown = h.heap.aligned_realloc(moved, align, 400);
    ASSERT_NE(grown, nullptr) << "align " << align;
    EXPECT_EQ(address_of(grown) % align, 0u) << "align " << align;
    EXPECT_TRUE(filled(grown, 32, static_cast<unsigned>(align))) << "align " << align;
    ASSERT_EQ(h.heap.free(grown), Status::ok);
    if (pad != nullptr) {
      ASSERT_EQ(h.heap.free(pad), Status::ok);
    }
    EXPECT_EQ(h.heap.stats().free_block_count, 1u) << "align " << align << " " << describe_layout(h.heap);
  }
}

TEST(HeapRealloc, AlignedBlockShrinksInPlaceWhenItAlreadyMeetsTheAlignment) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.aligned_alloc(256, 1000);
  void* guard = h.heap.alloc(16);
  ASSERT_TRUE(a && guard);
  fill(a, 1000, 11);
  void* shrunk = h.heap.aligned_realloc(a, 256, 300);
  EXPECT_EQ(shrunk, a);
  EXPECT_TRUE(filled(a, 300, 11));
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, TryReallocNamesTheProblemWithABadPointer) {
  AlignedBuffer buffer(kRegion + 1024);
  Heap heap;
  ASSERT_EQ(heap.init(buffer.data() + 512, kRegion), Status::ok);
  void* a = heap.alloc(64);
  void* b = heap.alloc(64);
  void* c = heap.alloc(64);
  ASSERT_TRUE(a && b && c);
  ASSERT_EQ(heap.free(b), Status::ok);
  const HeapStats before = heap.stats();
  struct Case {
    const char* what;
    void* ptr;
    Status expected;
  };
  const Case cases[] = {
      {"freed block", b, Status::double_free},
      {"interior pointer", static_cast<unsigned char*>(a) + 8, Status::pointer_not_block},
      {"misaligned interior pointer", static_cast<unsigned char*>(a) + 3, Status::pointer_not_block},
      {"header of a live block", static_cast<unsigned char*>(c) - 8, Status::pointer_not_block},
      {"below the region", buffer.data(), Status::pointer_outside_region},
      {"just past the region", buffer.data() + 512 + kRegion, Status::pointer_outside_region},
  };
  for (const Case& k : cases) {
    for (const std::size_t n : {std::size_t{0}, std::size_t{16}, std::size_t{5000}}) {
      const ReallocResult r = heap.try_realloc(k.ptr, 0, n);
      EXPECT_EQ(r.ptr, nullptr) << k.what << " n " << n;
      EXPECT_EQ(r.status, k.expected) << k.what << " n " << n;
      EXPECT_EQ(heap.realloc(k.ptr, n), nullptr) << k.what << " n " << n;
      EXPECT_EQ(heap.aligned_realloc(k.ptr, 64, n), nullptr) << k.what << " n " << n;
      EXPECT_EQ(stats_diff(heap.stats(), before), "") << k.what << " n " << n;
    }
  }
  EXPECT_TRUE(HeapConsistent(heap));
}

// The pool's realloc checks the pointer once: resize_in_place with the old
// block's usable size as well. A live block gives its size whether it stays or
// not; may_stay false only checks it; a bad pointer gives 0 and its status.
TEST(HeapRealloc, ResizeInPlaceSaysTheOldUsableSizeAndMayOnlyCheck) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(100);  // 13 granules of payload: 104 usable bytes
  void* guard = h.heap.alloc(16);  // keeps a's released tail away from b
  void* b = h.heap.alloc(64);
  void* c = h.heap.alloc(16);  // and b away from the free end
  ASSERT_TRUE(a && guard && b && c);
  ASSERT_EQ(h.heap.usable_size(a), 104u);
  fill(a, 100, 7);
  const HeapStats before = h.heap.stats();
  std::size_t old_usable = 1;
  EXPECT_EQ(h.heap.resize_in_place(a, 0, 40, false, &old_usable), Status::out_of_memory);
  EXPECT_EQ(old_usable, 104u);
  EXPECT_EQ(stats_diff(h.heap.stats(), before), "");
  EXPECT_EQ(h.heap.usable_size(a), 104u);

  old_usable = 1;  // a bad alignment is refused, yet the block is named
  EXPECT_EQ(h.heap.resize_in_place(a, 24, 40, true, &old_usable), Status::invalid_argument);
  EXPECT_EQ(old_usable, 104u);
  EXPECT_EQ(stats_diff(h.heap.stats(), before), "");

  old_usable = 1;
  EXPECT_EQ(h.heap.resize_in_place(a, 0, 40, true, &old_usable), Status::ok);
  EXPECT_EQ(old_usable, 104u);
  EXPECT_EQ(h.heap.usable_size(a), 40u);
  EXPECT_TRUE(filled(a, 40, 7));

  for (const bool may_stay : {false, true}) {
    old_usable = 1;
    EXPECT_EQ(h.heap.resize_in_place(static_cast<unsigned char*>(a) + 8, 0, 40, may_stay, &old_usable),
              Status::pointer_not_block);
    EXPECT_EQ(old_usable, 0u);
  }
  ASSERT_EQ(h.heap.free(b), Status::ok);
  old_usable = 1;
  EXPECT_EQ(h.heap.resize_in_place(b, 0, 40, false, &old_usable), Status::double_free);
  EXPECT_EQ(old_usable, 0u);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapRealloc, ReallocChainPreservesContentsWhetherMovedOrInPlace) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* p = h.heap.alloc(8);
  ASSERT_NE(p, nullptr);
  fill(p, 8, 12);
  std::size_t valid = 8;
  void* blockers[64] = {};
  for (std::size_t i = 0; i < 64; ++i) {
    blockers[i] = h.heap.alloc(8);  // lands in holes or right of p: some steps move
    ASSERT_NE(blockers[i], nullptr);
    const std::size_t n = 8 + (i + 1) * 40;
    void* q = h.heap.realloc(p, n);
    ASSERT_NE(q, nullptr) << "step " << i;
    ASSERT_TRUE(filled(q, valid, 12)) << "step " << i;
    fill(q, n, 12);
    valid = n;
    p = q;
    ASSERT_TRUE(HeapConsistent(h.heap)) << "step " << i;
  }
  ASSERT_EQ(h.heap.free(p), Status::ok);
  for (void* blocker : blockers) {
    ASSERT_EQ(h.heap.free(blocker), Status::ok);
  }
  EXPECT_EQ(h.heap.stats().free_block_count, 1u);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

}  // namespace
}  // namespace smh::test
