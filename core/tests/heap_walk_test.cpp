// walk(): visits every block once, in address order, contiguously (the first at
// offset 0, each next where the previous ended, the last ending at
// block_area_bytes(), where the start bitmap begins), with fields that match the pointer API,
// and sums that match stats(); and it reports an inconsistent header by stopping.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"
#include "support/prng.hpp"

namespace smh::test {
namespace {

TEST(HeapWalk, FreshHeapIsOneFreeBlockFromTheBitmapToTheEnd) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  const Walk walk = walk_blocks(h.heap);
  ASSERT_TRUE(walk.complete);
  ASSERT_EQ(walk.blocks.size(), 1u);
  const BlockInfo& b = walk.blocks[0];
  EXPECT_FALSE(b.used);
  EXPECT_EQ(b.block_offset_bytes, 0u);
  EXPECT_EQ(b.payload_offset_bytes, b.block_offset_bytes + Heap::header_bytes);
  EXPECT_EQ(b.block_size_bytes, h.heap.block_area_bytes());
  EXPECT_EQ(h.heap.block_area_bytes(), 4096u - 64u) << "504 block granules and 8 bitmap words";
  EXPECT_EQ(b.usable_bytes, b.block_size_bytes - Heap::header_bytes);
  EXPECT_EQ(b.requested_bytes, 0u);
}

TEST(HeapWalk, VisitsBlocksInAddressOrderWithTheirFields) {
  OwnedHeap h(8192);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(10);
  void* b = h.heap.alloc(100);
  void* c = h.heap.aligned_alloc(512, 33);
  void* d = h.heap.alloc(7);
  ASSERT_TRUE(a && b && c && d);
  ASSERT_EQ(h.heap.free(b), Status::ok);
  const Walk walk = walk_blocks(h.heap);
  ASSERT_TRUE(walk.complete);
  // Exactly a, c and d are used (d may sit in the alignment gap in front of c),
  // visited in ascending address order.
  std::vector<void*> used;
  for (const BlockInfo& block : walk.blocks) {
    if (block.used) {
      used.push_back(at_offset(h.heap, block.payload_offset_bytes));
    }
  }
  ASSERT_EQ(used.size(), 3u) << describe_layout(h.heap);
  EXPECT_TRUE(std::is_sorted(used.begin(), used.end(),
                             [](void* x, void* y) { return address_of(x) < address_of(y); }));
  std::vector<void*> expected = {a, c, d};
  std::sort(expected.begin(), expected.end(), [](void* x, void* y) { return address_of(x) < address_of(y); });
  EXPECT_EQ(used, expected) << describe_layout(h.heap);
  for (std::size_t i = 1; i < walk.blocks.size(); ++i) {
    EXPECT_LT(walk.blocks[i - 1].block_offset_bytes, walk.blocks[i].block_offset_bytes);
  }
  for (const BlockInfo& block : walk.blocks) {
    if (block.used) {
      void* p = at_offset(h.heap, block.payload_offset_bytes);
      const std::size_t expected_request = p == a ? 10 : p == c ? 33 : 7;
      EXPECT_EQ(block.requested_bytes, expected_request) << describe(block);
      EXPECT_EQ(block.usable_bytes, h.heap.usable_size(p)) << describe(block);
    }
  }
  EXPECT_FALSE(walk.blocks.back().used);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapWalk, TilesTheRegionAndMatchesStatsThroughARandomHistory) {
  for (const std::size_t size : {std::size_t{4096}, std::size_t{4100}, std::size_t{30000}}) {
    OwnedHeap h(size);
    ASSERT_EQ(h.status, Status::ok);
    Prng rng(size);
    std::vector<void*> live;
    for (int op = 0; op < 600; ++op) {
      if (live.empty() || rng.chance(3, 5)) {
        void* p = rng.chance(1, 4) ? h.heap.aligned_alloc(std::size_t{16} << rng.below(6), static_cast<std::size_t>(rng.between(1, 300)))
                                   : h.heap.alloc(static_cast<std::size_t>(rng.between(1, 300)));
        if (p != nullptr) {
          live.push_back(p);
        }
      } else {
        const std::size_t i = static_cast<std::size_t>(rng.below(live.size()));
        ASSERT_EQ(h.heap.free(live[i]), Status::ok);
        live[i] = live.back();
        live.pop_back();
      }
      // HeapConsistent checks contiguity from offset 0 to block_area_bytes(), no
      // adjacent free blocks, and every stat against the walk.
      ASSERT_TRUE(HeapConsistent(h.heap)) << "size " << size << " op " << op;
      const Walk walk = walk_blocks(h.heap);
      std::size_t used = 0;
      for (const BlockInfo& block : walk.blocks) {
        used += block.used ? 1 : 0;
      }
      ASSERT_EQ(used, live.size()) << "size " << size << " op " << op;
    }
  }
}

TEST(HeapWalk, FullyAllocatedHeapWalksOnlyUsedBlocks) {
  OwnedHeap h(2048);
  ASSERT_EQ(h.status, Status::ok);
  while (h.heap.alloc(24) != nullptr) {
  }
  const std::size_t rest = h.heap.stats().largest_free_block_bytes;
  if (rest > 0) {
    ASSERT_NE(h.heap.alloc(rest - Heap::header_bytes), nullptr);
  }
  const Walk walk = walk_blocks(h.heap);
  ASSERT_TRUE(walk.complete);
  for (const BlockInfo& block : walk.blocks) {
    EXPECT_TRUE(block.used) << describe(block);
  }
  EXPECT_EQ(walk.blocks.back().block_offset_bytes + walk.blocks.back().block_size_bytes,
            h.heap.block_area_bytes());
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapWalk, StopsAndReturnsFalseOnASizeFieldPastTheRegion) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(16);
  void* b = h.heap.alloc(16);
  ASSERT_TRUE(a && b);
  unsigned char* header = static_cast<unsigned char*>(b) - Heap::header_bytes;
  unsigned char saved[8];
  std::memcpy(saved, header, 8);
  header[3] = static_cast<unsigned char>(header[3] | 0x04);  // size bit 26 (the self word's top size bit): far past the end
  const Walk walk = walk_blocks(h.heap);
  EXPECT_FALSE(walk.complete);
  ASSERT_GE(walk.blocks.size(), 1u);
  EXPECT_EQ(walk.blocks[0].payload_offset_bytes, offset_in(h.heap, a));
  for (const BlockInfo& block : walk.blocks) {
    EXPECT_NE(block.payload_offset_bytes, offset_in(h.heap, b)) << "the bad block must not be visited";
  }
  std::memcpy(header, saved, 8);
  EXPECT_TRUE(walk_blocks(h.heap).complete);
}

TEST(HeapWalk, AcceptsAFunctionPointerVisitor) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  ASSERT_NE(h.heap.alloc(100), nullptr);
  std::size_t count = 0;
  const bool complete = h.heap.walk(
      [](void* context, const BlockInfo&) { ++*static_cast<std::size_t*>(context); }, &count);
  EXPECT_TRUE(complete);
  EXPECT_EQ(count, 2u);
}

}  // namespace
}  // namespace smh::test
