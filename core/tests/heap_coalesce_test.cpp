// free() of a block between two free neighbours of the same size: both sit in one
// ring of the free index (an exact class's ring, or one trie anchor's), so taking
// the right one out rewrites the left one's links when they named it. A free()
// that read both neighbours' links before any write (to read each word once) and
// used the left one's afterwards would corrupt the ring; these cases are the ones
// where it would (the left neighbour next to the right one in the ring, in either
// direction, alone together or with other blocks of the size). Each must leave one
// merged block, a consistent heap, and every other block of the size still served.
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"

namespace smh::test {
namespace {

struct RingCase {
  std::size_t payload_bytes;  // of A, B, C and the other blocks of their size
  int others;                 // other free blocks of that size, elsewhere (0..2)
  bool left_freed_first;      // A before C (else C before A)
  bool others_freed_first;    // the others before A and C (else after)
};

void free_between_two_of_one_ring(const RingCase& c) {
  SCOPED_TRACE(::testing::Message() << "payload " << c.payload_bytes << ", others " << c.others << ", left first "
                                    << c.left_freed_first << ", others first " << c.others_freed_first);
  OwnedHeap h(64 * 1024);
  ASSERT_EQ(h.status, Status::ok);
  Heap& heap = h.heap;
  // A fresh heap places blocks one after another: O0 g O1 g A B C g.
  std::vector<void*> others;
  for (int i = 0; i < c.others; ++i) {
    others.push_back(heap.alloc(c.payload_bytes));
    ASSERT_NE(others.back(), nullptr);
    ASSERT_NE(heap.alloc(8), nullptr);  // a used block between: no merge with the others
  }
  void* a = heap.alloc(c.payload_bytes);
  void* b = heap.alloc(c.payload_bytes);
  void* cc = heap.alloc(c.payload_bytes);
  ASSERT_NE(heap.alloc(8), nullptr);  // keeps C from the free tail
  ASSERT_TRUE(a != nullptr && b != nullptr && cc != nullptr);
  const std::size_t block_bytes = offset_in(heap, b) - offset_in(heap, a);
  ASSERT_EQ(offset_in(heap, cc) - offset_in(heap, b), block_bytes);

  auto free_others = [&] {
    for (void* other : others) {
      ASSERT_EQ(heap.free(other), Status::ok);
    }
  };
  if (c.others_freed_first) {
    free_others();
  }
  ASSERT_EQ(heap.free(c.left_freed_first ? a : cc), Status::ok);
  ASSERT_EQ(heap.free(c.left_freed_first ? cc : a), Status::ok);
  if (!c.others_freed_first) {
    free_others();
  }
  ASSERT_TRUE(HeapConsistent(heap));
  const std::size_t free_blocks_before = heap.stats().free_block_count;

  ASSERT_EQ(heap.free(b), Status::ok);
  ASSERT_TRUE(HeapConsistent(heap));
  EXPECT_EQ(heap.stats().free_block_count, free_blocks_before - 1);  // A, B and C are one block
  bool merged = false;
  for (const BlockInfo& block : free_blocks(heap)) {
    merged |= block.block_offset_bytes == offset_in(heap, a) - Heap::header_bytes &&
              block.block_size_bytes == 3 * block_bytes;
  }
  EXPECT_TRUE(merged) << describe_layout(heap);

  // The ring still holds every other block of the size: best fit serves each of
  // them (exact size) before the merged block, which then serves A's place.
  for (std::size_t i = 0; i < others.size(); ++i) {
    void* again = heap.alloc(c.payload_bytes);
    EXPECT_NE(again, nullptr);
    EXPECT_NE(again, a) << "the merged block served before an exact fit, request " << i;
  }
  EXPECT_EQ(heap.alloc(3 * block_bytes - Heap::header_bytes), a);
  EXPECT_TRUE(HeapConsistent(heap));
}

TEST(HeapCoalesce, FreeBetweenTwoFreeBlocksOfOneRingMergesAllThreeAndKeepsTheRing) {
  // 24 bytes: an exact class; 3,000 bytes: a trie class (its anchor's ring).
  for (const std::size_t payload : {std::size_t{24}, std::size_t{3000}}) {
    for (int others = 0; others <= 2; ++others) {
      for (const bool left_first : {true, false}) {
        for (const bool others_first : {true, false}) {
          free_between_two_of_one_ring(RingCase{payload, others, left_first, others_first});
        }
      }
    }
  }
}

}  // namespace
}  // namespace smh::test
