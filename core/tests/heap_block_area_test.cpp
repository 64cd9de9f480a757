// The block area init() carves out of every region size: the largest that leaves
// room for the start bitmap (one bit per block granule, whole 64-bit words). Some
// sizes then keep one spare granule — 586 granules hold 576 blocks and 9 bitmap
// words, and 577 would need 10 — which HeapConsistent() must accept, not report
// as waste (the property suites found it flagging a 4688-byte region).
#include <gtest/gtest.h>

#include <cstddef>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"

namespace smh::test {
namespace {

TEST(HeapBlockArea, EveryRegionSizeGetsTheLargestAreaItsBitmapAllows) {
  AlignedBuffer buffer(16384);
  for (std::size_t size = Heap::min_region_bytes; size <= buffer.size(); ++size) {
    Heap heap;
    ASSERT_EQ(heap.init(buffer.data(), size), Status::ok) << "size " << size;
    const std::size_t granules = size / Heap::granule_bytes;
    const std::size_t blocks = heap.block_area_bytes() / Heap::granule_bytes;
    EXPECT_LE(blocks + (blocks + 63) / 64, granules) << "size " << size << ": no room for the bitmap";
    EXPECT_GT(blocks + 1 + (blocks + 64) / 64, granules) << "size " << size << ": a granule left unused";
    EXPECT_TRUE(HeapConsistent(heap)) << "size " << size;
  }
}

TEST(HeapBlockArea, ASpareGranuleThatNoBlockCanUseIsConsistent) {
  OwnedHeap h(4688);  // 586 granules: 576 block granules, 9 bitmap words, 1 spare
  ASSERT_EQ(h.status, Status::ok);
  EXPECT_EQ(h.heap.block_area_bytes(), 576u * Heap::granule_bytes);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

}  // namespace
}  // namespace smh::test
