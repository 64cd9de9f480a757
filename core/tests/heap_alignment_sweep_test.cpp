// The exhaustive alignment sweep of issue 2: every alignment 8..512 (powers of two)
// x every size 1..600 x 0..2 prefix allocations in front (so the aligned block's
// natural position, and with it the alignment gap, varies). Every allocation must
// be aligned in absolute address terms, lie inside the region, have a usable size
// of at least the request, and once everything is freed the heap is one free block
// again. Run over a page-aligned base and over a base 8 bytes past a page, so that
// aligning offsets instead of addresses cannot pass.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"

namespace smh::test {
namespace {

constexpr std::size_t kRegion = 64 * 1024;
// Prefix request sizes: blocks of 24 and 48 bytes, so the first free byte moves by
// amounts that are 8 mod 16 and 0 mod 16 (both the "no gap" and the "one-granule
// gap, widened by one alignment step" placements occur).
constexpr std::size_t kPrefixSizes[2] = {16, 40};

void sweep(std::size_t base_shift) {
  AlignedBuffer buffer(kRegion, 4096, base_shift);
  auto heap = std::make_unique<Heap>();
  ASSERT_EQ(heap->init(buffer.data(), buffer.size()), Status::ok);
  const HeapStats initial = heap->stats();
  const std::uintptr_t base = address_of(heap->base());
  const std::uintptr_t blocks_begin = base;
  const std::uintptr_t region_end = base + heap->block_area_bytes();
  std::size_t cases = 0;

  for (std::size_t align = 8; align <= 512; align *= 2) {
    for (std::size_t size = 1; size <= 600; ++size) {
      for (std::size_t prefixes = 0; prefixes <= 2; ++prefixes) {
        void* prefix[2] = {nullptr, nullptr};
        for (std::size_t i = 0; i < prefixes; ++i) {
          prefix[i] = heap->alloc(kPrefixSizes[i]);
          ASSERT_NE(prefix[i], nullptr) << "prefix " << i;
        }
        auto* p = static_cast<unsigned char*>(heap->aligned_alloc(align, size));
        ASSERT_NE(p, nullptr) << "base+" << base_shift << " align " << align << " size " << size
                              << " prefixes " << prefixes;
        const std::uintptr_t at = address_of(p);
        const std::size_t usable = heap->usable_size(p);
        ASSERT_EQ(at % align, 0u) << "base+" << base_shift << " align " << align << " size " << size
                                  << " prefixes " << prefixes << " offset " << (at - base);
        ASSERT_GE(at, blocks_begin + Heap::header_bytes)
            << "base+" << base_shift << " align " << align << " size " << size << " prefixes " << prefixes;
        ASSERT_LE(at + usable, region_end)
            << "base+" << base_shift << " align " << align << " size " << size << " prefixes " << prefixes;
        ASSERT_GE(usable, size) << "base+" << base_shift << " align " << align << " size " << size
                                << " prefixes " << prefixes;
        ASSERT_LT(usable, size + 16) << "base+" << base_shift << " align " << align << " size " << size
                                     << " prefixes " << prefixes;
        // The block must not overlap the prefixes.
        for (std::size_t i = 0; i < prefixes; ++i) {
          const std::uintptr_t q = address_of(prefix[i]);
          const std::size_t q_usable = heap->usable_size(prefix[i]);
          ASSERT_TRUE(at >= q + q_usable + Heap::header_bytes || q >= at + usable + Heap::header_bytes)
              << "overlaps prefix " << i << "; align " << align << " size " << size;
        }
        std::memset(p, 0xA5, usable);
        const ::testing::AssertionResult consistent = HeapConsistent(*heap);
        ASSERT_TRUE(consistent) << "base+" << base_shift << " align " << align << " size " << size
                                << " prefixes " << prefixes;
        ASSERT_EQ(heap->free(p), Status::ok);
        for (std::size_t i = prefixes; i > 0; --i) {
          ASSERT_EQ(heap->free(prefix[i - 1]), Status::ok);
        }
        const HeapStats s = heap->stats();
        ASSERT_EQ(s.free_block_count, 1u) << "base+" << base_shift << " align " << align << " size "
                                          << size << " prefixes " << prefixes << "; layout "
                                          << describe_layout(*heap);
        ASSERT_EQ(s.allocated_block_count, 0u);
        ASSERT_EQ(s.free_bytes, initial.free_bytes);
        ASSERT_EQ(s.overhead_bytes, initial.overhead_bytes);
        ASSERT_EQ(s.largest_free_block_bytes, initial.largest_free_block_bytes);
        const ValidationReport report = heap->validate();
        ASSERT_TRUE(report.ok()) << to_string(report.check) << " at " << report.offset_bytes << "; align "
                                 << align << " size " << size << " prefixes " << prefixes;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 7u * 600u * 3u);  // aligns 8, 16, ..., 512
  EXPECT_EQ(heap->stats().failed_alloc_count, 0u);
  EXPECT_EQ(heap->stats().alloc_count, 7u * 600u * (1u + 2u + 3u));  // the block plus its prefixes
}

TEST(HeapAlignmentSweep, EveryAlignSizeAndPrefixOnPageAlignedBase) { sweep(0); }

TEST(HeapAlignmentSweep, EveryAlignSizeAndPrefixOnBaseEightPastAPage) { sweep(8); }

TEST(HeapAlignmentSweep, EveryAlignSizeAndPrefixOnBaseFourHundredEightyPastAPage) { sweep(488); }

// Large alignments relative to the region (up to the region size itself) on a base
// aligned to the region size: the only payload aligned to the region size would be
// the base itself, which holds metadata, so that request fails; the others succeed.
TEST(HeapAlignmentSweep, AlignmentsUpToTheRegionSize) {
  constexpr std::size_t kSmall = 16 * 1024;
  AlignedBuffer buffer(kSmall, kSmall);
  Heap heap;
  ASSERT_EQ(heap.init(buffer.data(), buffer.size()), Status::ok);
  for (std::size_t align = 8; align < kSmall; align *= 2) {
    void* p = heap.aligned_alloc(align, 8);
    ASSERT_NE(p, nullptr) << "align " << align;
    EXPECT_EQ(address_of(p) % align, 0u) << "align " << align;
    EXPECT_TRUE(HeapConsistent(heap)) << "align " << align;
    ASSERT_EQ(heap.free(p), Status::ok);
  }
  EXPECT_EQ(heap.aligned_alloc(kSmall, 8), nullptr);
  EXPECT_EQ(heap.stats().free_block_count, 1u);
  EXPECT_TRUE(HeapConsistent(heap));
}

// An alignment equal to the region size is legal; when the base sits halfway
// between two such boundaries, the one inside the region can be served.
TEST(HeapAlignmentSweep, AlignmentEqualToTheRegionSizeIsServedWhenAnAlignedAddressFits) {
  constexpr std::size_t kSmall = 16 * 1024;
  AlignedBuffer buffer(kSmall, kSmall * 2, kSmall / 2);  // base = 8 KiB past a 32 KiB boundary
  Heap heap;
  ASSERT_EQ(heap.init(buffer.data(), buffer.size()), Status::ok);
  void* p = heap.aligned_alloc(kSmall, 100);
  ASSERT_NE(p, nullptr) << "offset 8192 is 16 KiB-aligned and inside the block area";
  EXPECT_EQ(address_of(p) % kSmall, 0u);
  EXPECT_EQ(offset_in(heap, p), kSmall / 2);
  EXPECT_EQ(heap.aligned_alloc(kSmall, 100), nullptr) << "no second 16 KiB boundary in the region";
  EXPECT_EQ(heap.aligned_alloc(kSmall * 2, 8), nullptr) << "alignment above the region size";
  EXPECT_TRUE(HeapConsistent(heap));
  ASSERT_EQ(heap.free(p), Status::ok);
  EXPECT_EQ(heap.stats().free_block_count, 1u);
}

}  // namespace
}  // namespace smh::test
