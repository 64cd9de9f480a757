// init(): every rejected region yields its status (never a crash), a heap is
// initialised once, nothing works before init(), and the statistics right after
// init() describe one free block covering everything but the fixed metadata.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"

namespace smh::test {
namespace {

TEST(HeapInit, NullMemoryIsInvalidArgument) {
  Heap heap;
  EXPECT_EQ(heap.init(nullptr, 4096), Status::invalid_argument);
  EXPECT_FALSE(heap.initialized());
}

// The heap tells its compiler that writes into the region never touch its own
// fields (SMH_RESTRICT_THIS): a Heap placed inside its region is refused.
TEST(HeapInit, AHeapInsideItsOwnRegionIsInvalidArgument) {
  AlignedBuffer buffer(sizeof(Heap) + 8192);
  for (const std::size_t at : {std::size_t{0}, std::size_t{4096}, std::size_t{8192}}) {
    Heap* heap = new (buffer.data() + at) Heap();
    EXPECT_EQ(heap->init(buffer.data(), buffer.size()), Status::invalid_argument) << "heap at " << at;
    EXPECT_FALSE(heap->initialized());
    heap->~Heap();
  }
  // Right after the region is fine.
  AlignedBuffer after(8192 + sizeof(Heap));
  Heap* heap = new (after.data() + 8192) Heap();
  EXPECT_EQ(heap->init(after.data(), 8192), Status::ok);
  heap->~Heap();
}

TEST(HeapInit, BaseNotEightByteAlignedIsRegionMisaligned) {
  AlignedBuffer buffer(4096 + 8);
  for (std::size_t shift = 1; shift < 8; ++shift) {
    Heap heap;
    EXPECT_EQ(heap.init(buffer.data() + shift, 4096), Status::region_misaligned) << "shift " << shift;
    EXPECT_FALSE(heap.initialized()) << "shift " << shift;
  }
}

TEST(HeapInit, RegionBelowMinimumIsTooSmallAndMinimumIsAccepted) {
  AlignedBuffer buffer(Heap::min_region_bytes);
  for (std::size_t size = 0; size < Heap::min_region_bytes; ++size) {
    Heap heap;
    EXPECT_EQ(heap.init(buffer.data(), size), Status::region_too_small) << "size " << size;
    EXPECT_FALSE(heap.initialized()) << "size " << size;
  }
  Heap heap;
  ASSERT_EQ(heap.init(buffer.data(), Heap::min_region_bytes), Status::ok);
  EXPECT_TRUE(HeapConsistent(heap));
}

TEST(HeapInit, MinimalRegionHoldsExactlyOneMinimalBlock) {
  AlignedBuffer buffer(Heap::min_region_bytes);
  Heap heap;
  ASSERT_EQ(heap.init(buffer.data(), buffer.size()), Status::ok);
  const HeapStats s = heap.stats();
  EXPECT_EQ(s.free_block_count, 1u);
  EXPECT_EQ(s.largest_free_block_bytes, Heap::min_block_bytes);
  EXPECT_EQ(heap.alloc(9), nullptr);
  void* p = heap.alloc(8);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(heap.usable_size(p), 8u);
  EXPECT_EQ(heap.alloc(1), nullptr);
  EXPECT_TRUE(HeapConsistent(heap));
  EXPECT_EQ(heap.free(p), Status::ok);
  EXPECT_TRUE(HeapConsistent(heap));
}

// Regions up to max_region_bytes are accepted, larger ones are region_too_large.
// The 1 GiB reservation is lazily backed: init() touches only the start bitmap.
// The limit is the header's: 27-bit block sizes (detail/block_header.hpp), so a
// region of 1 GiB (2^27 granules) is one granule too large.
static_assert(Heap::max_region_bytes == (std::size_t{1} << 30) - Heap::granule_bytes);
TEST(HeapInit, RegionAboveMaximumIsTooLargeAndMaximumIsAccepted) {
  if (sizeof(void*) < 8) {
    GTEST_SKIP() << "needs a 64-bit address space";
  }
  const std::size_t reserve = Heap::max_region_bytes + 2 * 4096;
  void* mapping = ::mmap(nullptr, reserve, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapping == MAP_FAILED) {
    GTEST_SKIP() << "cannot reserve " << reserve << " bytes of address space";
  }
  {
    Heap heap;
    EXPECT_EQ(heap.init(mapping, Heap::max_region_bytes + Heap::granule_bytes), Status::region_too_large);
    EXPECT_FALSE(heap.initialized());
  }
  {
    Heap heap;
    EXPECT_EQ(heap.init(mapping, reserve), Status::region_too_large);
    EXPECT_FALSE(heap.initialized());
  }
  {
    Heap heap;
    ASSERT_EQ(heap.init(mapping, Heap::max_region_bytes), Status::ok);
    const HeapStats s = heap.stats();
    EXPECT_EQ(s.capacity_bytes, heap.region_bytes());
    EXPECT_EQ(s.free_block_count, 1u);
    EXPECT_EQ(s.free_bytes + s.overhead_bytes, s.capacity_bytes);
    // The largest possible request works on the largest region.
    void* p = heap.alloc(s.largest_free_block_bytes - Heap::header_bytes);
    EXPECT_NE(p, nullptr);
    EXPECT_EQ(heap.free(p), Status::ok);
    EXPECT_EQ(heap.stats().free_block_count, 1u);
  }
  ::munmap(mapping, reserve);
}

TEST(HeapInit, SecondInitIsAlreadyInitializedAndChangesNothing) {
  OwnedHeap h(8192);
  ASSERT_EQ(h.status, Status::ok);
  void* p = h.heap.alloc(100);
  ASSERT_NE(p, nullptr);
  const HeapStats before = h.heap.stats();
  AlignedBuffer other(8192);
  EXPECT_EQ(h.heap.init(other.data(), other.size()), Status::already_initialized);
  EXPECT_EQ(h.heap.init(h.buffer.data(), h.buffer.size()), Status::already_initialized);
  EXPECT_EQ(h.heap.base(), h.buffer.data());
  EXPECT_EQ(stats_diff(h.heap.stats(), before), "");
  EXPECT_TRUE(h.heap.is_live_block(p));
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapInit, FailedInitLeavesHeapUsableForALaterValidInit) {
  AlignedBuffer buffer(4096);
  Heap heap;
  EXPECT_EQ(heap.init(buffer.data() + 4, 1024), Status::region_misaligned);
  EXPECT_EQ(heap.init(buffer.data(), 8), Status::region_too_small);
  EXPECT_EQ(heap.init(buffer.data(), buffer.size()), Status::ok);
  EXPECT_TRUE(heap.initialized());
  EXPECT_TRUE(HeapConsistent(heap));
}

TEST(HeapInit, EveryOperationBeforeInitIsRefusedWithoutCrashing) {
  Heap heap;
  AlignedBuffer buffer(64);
  void* foreign = buffer.data() + 8;
  EXPECT_FALSE(heap.initialized());
  EXPECT_EQ(heap.alloc(16), nullptr);
  EXPECT_EQ(heap.aligned_alloc(64, 16), nullptr);
  EXPECT_EQ(heap.realloc(nullptr, 16), nullptr);
  EXPECT_EQ(heap.free(foreign), Status::not_initialized);
  const ReallocResult r = heap.try_realloc(foreign, 0, 32);
  EXPECT_EQ(r.ptr, nullptr);
  EXPECT_EQ(r.status, Status::not_initialized);
  EXPECT_EQ(heap.usable_size(foreign), 0u);
  EXPECT_FALSE(heap.contains(foreign));
  EXPECT_FALSE(heap.is_live_block(foreign));
  EXPECT_EQ(heap.validate().check, ValidationCheck::not_initialized);
  const HeapStats s = heap.stats();
  EXPECT_EQ(s.capacity_bytes, 0u);
  EXPECT_EQ(s.free_bytes, 0u);
  EXPECT_EQ(s.allocated_block_count, 0u);
  EXPECT_EQ(s.alloc_count, 0u);
  EXPECT_EQ(s.free_count, 0u);
  std::size_t visited = 0;
  heap.walk([&visited](const BlockInfo&) { ++visited; });
  EXPECT_EQ(visited, 0u);
}

TEST(HeapInit, StatsAfterInitDescribeOneFreeBlockOverTheWholeRegion) {
  for (const std::size_t size : {std::size_t{64}, std::size_t{4096}, std::size_t{65536}, std::size_t{100000}}) {
    OwnedHeap h(size);
    ASSERT_EQ(h.status, Status::ok) << "size " << size;
    const HeapStats s = h.heap.stats();
    const std::size_t area = h.heap.block_area_bytes();
    const std::size_t fixed = size - area;  // start bitmap + < 8 spare bytes
    EXPECT_EQ(h.heap.base(), h.buffer.data());
    EXPECT_EQ(h.heap.region_bytes(), size);
    EXPECT_EQ(s.capacity_bytes, size) << "size " << size;
    EXPECT_EQ(area % Heap::granule_bytes, 0u) << "size " << size;
    // One bitmap bit per block granule: about 1/64 of the region, in whole words.
    EXPECT_GT(fixed, 0u) << "size " << size;
    EXPECT_LE(fixed, size / 64 + 2 * Heap::granule_bytes) << "size " << size;
    EXPECT_EQ(s.free_block_count, 1u) << "size " << size;
    EXPECT_EQ(s.allocated_block_count, 0u) << "size " << size;
    EXPECT_EQ(s.free_bytes, area) << "size " << size;
    EXPECT_EQ(s.largest_free_block_bytes, area) << "size " << size;
    EXPECT_EQ(s.min_free_bytes, s.free_bytes) << "size " << size;
    EXPECT_EQ(s.overhead_bytes, fixed) << "size " << size;
    EXPECT_EQ(s.allocated_requested_bytes, 0u) << "size " << size;
    EXPECT_EQ(s.allocated_usable_bytes, 0u) << "size " << size;
    EXPECT_EQ(s.peak_allocated_requested_bytes, 0u) << "size " << size;
    EXPECT_EQ(s.high_water_bytes, 0u) << "size " << size << ": no block was ever live";
    EXPECT_EQ(s.alloc_count, 0u) << "size " << size;
    EXPECT_EQ(s.free_count, 0u) << "size " << size;
    EXPECT_EQ(s.failed_alloc_count, 0u) << "size " << size;
    EXPECT_EQ(s.allocated_usable_bytes + s.free_bytes + s.overhead_bytes, s.capacity_bytes);
    EXPECT_TRUE(HeapConsistent(h.heap)) << "size " << size;
  }
}

// The region is what the caller gave; the bytes past the last whole granule are
// never used and count as overhead.
TEST(HeapInit, TailBytesPastTheLastGranuleAreUnusedOverhead) {
  AlignedBuffer buffer(1008);
  Heap heap;
  ASSERT_EQ(heap.init(buffer.data(), 1001), Status::ok);
  EXPECT_EQ(heap.region_bytes(), 1001u);
  const HeapStats s = heap.stats();
  EXPECT_EQ(s.capacity_bytes, 1001u);
  EXPECT_EQ(s.allocated_usable_bytes + s.free_bytes + s.overhead_bytes, s.capacity_bytes);
  const Walk walk = walk_blocks(heap);
  ASSERT_TRUE(walk.complete);
  ASSERT_EQ(walk.blocks.size(), 1u);
  EXPECT_EQ(walk.blocks[0].block_offset_bytes, 0u);
  EXPECT_EQ(walk.blocks[0].block_offset_bytes + walk.blocks[0].block_size_bytes, heap.block_area_bytes());
  EXPECT_LE(heap.block_area_bytes() + 16, 1000u) << "room for a 2-word start bitmap";
  // The whole free block can be handed out, and nothing past the block area is used.
  void* p = heap.alloc(walk.blocks[0].usable_bytes);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(offset_in(heap, p) + heap.usable_size(p), heap.block_area_bytes());
  EXPECT_TRUE(HeapConsistent(heap));
}

TEST(HeapInit, RegionAtAnyEightByteAlignedBaseIsAccepted) {
  for (std::size_t shift = 0; shift < 64; shift += 8) {
    OwnedHeap h(4096, 64, shift);
    EXPECT_EQ(h.status, Status::ok) << "shift " << shift;
    EXPECT_TRUE(HeapConsistent(h.heap)) << "shift " << shift;
  }
}

}  // namespace
}  // namespace smh::test
