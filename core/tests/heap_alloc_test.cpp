// alloc / aligned_alloc / free / usable_size on the plain paths: size 0 and
// impossible requests give nullptr (and count as failed allocations), blocks are
// 8-aligned, disjoint and inside the region, usable size is the request rounded up
// by less than 16 bytes, and the statistics follow every step.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"

namespace smh::test {
namespace {

constexpr std::size_t kRegion = 64 * 1024;

TEST(HeapAlloc, SizeZeroReturnsNullAndChangesNoBlock) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  EXPECT_EQ(h.heap.alloc(0), nullptr);
  EXPECT_EQ(h.heap.aligned_alloc(64, 0), nullptr);
  EXPECT_EQ(h.heap.aligned_alloc(0, 0), nullptr);
  const HeapStats s = h.heap.stats();
  EXPECT_EQ(s.allocated_block_count, 0u);
  EXPECT_EQ(s.free_block_count, 1u);
  EXPECT_EQ(s.alloc_count, 0u);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapAlloc, ImpossibleRequestsReturnNullCountAsFailedAndChangeNothingElse) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  void* keep = h.heap.alloc(100);
  ASSERT_NE(keep, nullptr);
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  const std::pair<std::size_t, std::size_t> requests[] = {
      // {align, size}
      {0, kMax},
      {0, kMax - 7},
      {0, kMax - 8},
      {0, kMax / 2},
      {0, kMax / 8 + 1},
      {0, Heap::max_region_bytes},
      {0, kRegion},
      {0, kRegion - 8},
      {0, h.heap.stats().largest_free_block_bytes - Heap::header_bytes + 1},
      {64, kMax},
      {4096, kMax - 4095},
      {3, 16},
      {24, 16},
      {48, 16},
      {kMax, 16},
      {std::size_t{1} << (sizeof(std::size_t) * 8 - 1), 16},
      {kRegion * 2, 16},
      {kRegion * 4, 1},
  };
  for (const auto& [align, size] : requests) {
    const HeapStats before = h.heap.stats();
    EXPECT_EQ(h.heap.aligned_alloc(align, size), nullptr) << "align " << align << " size " << size;
    HeapStats after = h.heap.stats();
    EXPECT_EQ(after.failed_alloc_count, before.failed_alloc_count + 1)
        << "align " << align << " size " << size;
    after.failed_alloc_count = before.failed_alloc_count;
    EXPECT_EQ(stats_diff(after, before), "") << "align " << align << " size " << size;
    if (align == 0) {
      EXPECT_EQ(h.heap.alloc(size), nullptr) << "size " << size;
    }
    EXPECT_TRUE(HeapConsistent(h.heap)) << "align " << align << " size " << size;
  }
  EXPECT_TRUE(h.heap.is_live_block(keep));
}

TEST(HeapAlloc, FreeNullIsANoOpReturningOk) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  ASSERT_NE(h.heap.alloc(40), nullptr);
  const HeapStats before = h.heap.stats();
  EXPECT_EQ(h.heap.free(nullptr), Status::ok);
  EXPECT_EQ(stats_diff(h.heap.stats(), before), "");
  EXPECT_EQ(h.heap.usable_size(nullptr), 0u);
  EXPECT_FALSE(h.heap.is_live_block(nullptr));
}

TEST(HeapAlloc, UsableSizeIsRequestRoundedUpByLessThanSixteen) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  for (std::size_t n = 1; n <= 2048; ++n) {
    void* p = h.heap.alloc(n);
    ASSERT_NE(p, nullptr) << "n " << n;
    const std::size_t usable = h.heap.usable_size(p);
    EXPECT_GE(usable, n) << "n " << n;
    EXPECT_LT(usable, n + 16) << "n " << n;
    EXPECT_EQ(usable % Heap::granule_bytes, 0u) << "n " << n;
    EXPECT_EQ(address_of(p) % Heap::default_align_bytes, 0u) << "n " << n;
    EXPECT_TRUE(h.heap.contains(p)) << "n " << n;
    EXPECT_GE(offset_in(h.heap, p), Heap::header_bytes) << "n " << n;
    EXPECT_LE(offset_in(h.heap, p) + usable, h.heap.block_area_bytes()) << "n " << n;
    std::memset(p, 0x5A, usable);  // the whole usable size is the caller's
    const HeapStats s = h.heap.stats();
    EXPECT_EQ(s.allocated_requested_bytes, n) << "n " << n;
    EXPECT_EQ(s.allocated_usable_bytes, usable) << "n " << n;
    EXPECT_TRUE(HeapConsistent(h.heap)) << "n " << n;
    ASSERT_EQ(h.heap.free(p), Status::ok) << "n " << n;
    EXPECT_EQ(h.heap.stats().free_block_count, 1u) << "n " << n;
  }
}

TEST(HeapAlloc, AlignmentsUpToEightAndZeroMeanTheDefault) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  for (const std::size_t align : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{4},
                                  std::size_t{8}}) {
    void* p = h.heap.aligned_alloc(align, 20);
    ASSERT_NE(p, nullptr) << "align " << align;
    EXPECT_EQ(address_of(p) % 8, 0u) << "align " << align;
    EXPECT_GE(h.heap.usable_size(p), 20u) << "align " << align;
  }
  EXPECT_EQ(h.heap.stats().failed_alloc_count, 0u);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapAlloc, BlocksAreDisjointAndIntactWhileTheHeapFills) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  struct Live {
    unsigned char* p;
    std::size_t usable;
    unsigned char tag;
  };
  std::vector<Live> live;
  std::size_t requested = 0;
  for (std::size_t i = 0;; ++i) {
    const std::size_t n = 1 + (i * 37) % 300;
    auto* p = static_cast<unsigned char*>(h.heap.alloc(n));
    if (p == nullptr) {
      break;
    }
    requested += n;
    const std::size_t usable = h.heap.usable_size(p);
    const auto tag = static_cast<unsigned char>(i * 7 + 1);
    std::memset(p, tag, usable);
    live.push_back({p, usable, tag});
  }
  ASSERT_GT(live.size(), 100u);
  const HeapStats s = h.heap.stats();
  EXPECT_EQ(s.allocated_block_count, live.size());
  EXPECT_EQ(s.allocated_requested_bytes, requested);
  EXPECT_EQ(s.alloc_count, live.size());
  EXPECT_EQ(s.failed_alloc_count, 1u);
  // Whatever is left is too small for the request that failed.
  EXPECT_TRUE(HeapConsistent(h.heap));
  for (const Live& l : live) {
    for (std::size_t k = 0; k < l.usable; ++k) {
      ASSERT_EQ(l.p[k], l.tag) << "block at offset " << offset_in(h.heap, l.p) << " byte " << k;
    }
  }
  for (std::size_t i = 0; i < live.size(); i += 2) {
    ASSERT_EQ(h.heap.free(live[i].p), Status::ok);
  }
  EXPECT_TRUE(HeapConsistent(h.heap));
  for (std::size_t i = 1; i < live.size(); i += 2) {
    for (std::size_t k = 0; k < live[i].usable; ++k) {
      ASSERT_EQ(live[i].p[k], live[i].tag) << "survivor at offset " << offset_in(h.heap, live[i].p);
    }
    ASSERT_EQ(h.heap.free(live[i].p), Status::ok);
  }
  const HeapStats end = h.heap.stats();
  EXPECT_EQ(end.free_block_count, 1u);
  EXPECT_EQ(end.free_bytes, h.heap.block_area_bytes());
  EXPECT_EQ(end.free_count, live.size());
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapAlloc, LargestFreeBlockServesExactlyItsSizeMinusHeader) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  const std::size_t largest = h.heap.stats().largest_free_block_bytes;
  EXPECT_EQ(h.heap.alloc(largest - Heap::header_bytes + 1), nullptr);
  void* p = h.heap.alloc(largest - Heap::header_bytes);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(offset_in(h.heap, p), Heap::header_bytes);
  const HeapStats full = h.heap.stats();
  EXPECT_EQ(full.free_bytes, 0u);
  EXPECT_EQ(full.free_block_count, 0u);
  EXPECT_EQ(full.largest_free_block_bytes, 0u);
  EXPECT_EQ(full.min_free_bytes, 0u);
  EXPECT_EQ(full.high_water_bytes, h.heap.block_area_bytes());
  EXPECT_EQ(h.heap.alloc(1), nullptr);
  EXPECT_TRUE(HeapConsistent(h.heap));
  ASSERT_EQ(h.heap.free(p), Status::ok);
  const HeapStats after = h.heap.stats();
  EXPECT_EQ(after.free_bytes, largest);
  EXPECT_EQ(after.min_free_bytes, 0u) << "minimum free ever must remember the full heap";
  EXPECT_EQ(after.peak_allocated_requested_bytes, largest - Heap::header_bytes);
  EXPECT_EQ(after.high_water_bytes, h.heap.block_area_bytes()) << "high water must remember the footprint";
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapAlloc, StatsTrackRequestedUsableOverheadAndCounts) {
  OwnedHeap h(kRegion);
  ASSERT_EQ(h.status, Status::ok);
  const std::size_t fixed = kRegion - h.heap.block_area_bytes();
  void* a = h.heap.alloc(1);     // usable 8
  void* b = h.heap.alloc(20);    // usable 24
  void* c = h.heap.alloc(64);    // usable 64
  ASSERT_TRUE(a && b && c);
  HeapStats s = h.heap.stats();
  EXPECT_EQ(s.allocated_requested_bytes, 85u);
  EXPECT_EQ(s.allocated_usable_bytes, h.heap.usable_size(a) + h.heap.usable_size(b) + h.heap.usable_size(c));
  EXPECT_EQ(s.overhead_bytes, fixed + 3 * Heap::header_bytes);
  EXPECT_EQ(s.allocated_block_count, 3u);
  EXPECT_EQ(s.alloc_count, 3u);
  EXPECT_EQ(s.free_count, 0u);
  EXPECT_EQ(s.peak_allocated_requested_bytes, 85u);
  EXPECT_EQ(s.min_free_bytes, s.free_bytes);
  EXPECT_GE(s.high_water_bytes, offset_in(h.heap, c) + h.heap.usable_size(c));
  ASSERT_EQ(h.heap.free(b), Status::ok);
  s = h.heap.stats();
  EXPECT_EQ(s.allocated_requested_bytes, 65u);
  EXPECT_EQ(s.peak_allocated_requested_bytes, 85u);
  EXPECT_EQ(s.allocated_block_count, 2u);
  EXPECT_EQ(s.free_block_count, 2u);  // b's hole and the tail
  EXPECT_EQ(s.free_count, 1u);
  EXPECT_LT(s.min_free_bytes, s.free_bytes);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

TEST(HeapAlloc, ContainsCoversExactlyTheRegion) {
  AlignedBuffer buffer(kRegion + 64);
  Heap heap;
  ASSERT_EQ(heap.init(buffer.data() + 32, kRegion), Status::ok);
  EXPECT_FALSE(heap.contains(buffer.data()));
  EXPECT_FALSE(heap.contains(buffer.data() + 31));
  EXPECT_TRUE(heap.contains(buffer.data() + 32));
  EXPECT_TRUE(heap.contains(buffer.data() + 32 + kRegion - 1));
  EXPECT_FALSE(heap.contains(buffer.data() + 32 + kRegion));
  void* p = heap.alloc(10);
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(heap.contains(p));
  EXPECT_TRUE(heap.is_live_block(p));
  EXPECT_FALSE(heap.is_live_block(static_cast<unsigned char*>(p) + 8));
}

// A 64 KiB heap with two holes, of 104 and 64 bytes (kept apart by live 8-byte
// blocks); *small_hole is the 64-byte one's payload.
void make_two_holes(OwnedHeap& h, void** small_hole) {
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(100);
  ASSERT_NE(h.heap.alloc(8), nullptr);
  void* b = h.heap.alloc(60);
  ASSERT_NE(h.heap.alloc(8), nullptr);
  ASSERT_EQ(h.heap.free(a), Status::ok);
  ASSERT_EQ(h.heap.free(b), Status::ok);
  *small_hole = b;
}

// find() chooses without taking; alloc_at() takes exactly what find() chose,
// counted and reported like alloc(); the heap is unchanged in between.
TEST(HeapAlloc, FindThenAllocAtTakesTheBlockFindChose) {
  OwnedHeap h(64 * 1024);
  void* b = nullptr;
  ASSERT_NO_FATAL_FAILURE(make_two_holes(h, &b));
  const HeapStats before = h.heap.stats();
  const Heap::Request request = Heap::make_request(0, 56);
  Heap::Fit fit;
  ASSERT_TRUE(h.heap.find(request, &fit));
  EXPECT_EQ(stats_diff(h.heap.stats(), before), "") << "find() changed the heap";
  EXPECT_TRUE(h.heap.can_alloc(0, 56));
  void* p = h.heap.alloc_at(request, fit);
  EXPECT_EQ(p, b) << "the best fit for 56 bytes is the 64-byte hole";
  EXPECT_EQ(h.heap.stats().alloc_count, before.alloc_count + 1);
  EXPECT_TRUE(HeapConsistent(h.heap));
  // Nothing fits a request larger than every free block.
  EXPECT_FALSE(h.heap.find(Heap::make_request(0, 64 * 1024), &fit));
  EXPECT_FALSE(h.heap.find(Heap::make_request(3, 8), &fit)) << "an alignment that is no power of two";
}

// alloc_if_fits() is find() then alloc_at(): the same block alloc() would give,
// counted like alloc(); a miss counts no failed allocation (the pool tries
// another region and counts its own failure).
TEST(HeapAlloc, AllocIfFitsTakesTheBestFitAndCountsNoFailure) {
  OwnedHeap h(64 * 1024);
  void* b = nullptr;
  ASSERT_NO_FATAL_FAILURE(make_two_holes(h, &b));
  const HeapStats before = h.heap.stats();
  EXPECT_EQ(h.heap.alloc_if_fits(Heap::make_request(0, 56)), b) << "the best fit for 56 bytes is the 64-byte hole";
  EXPECT_EQ(h.heap.stats().alloc_count, before.alloc_count + 1);
  EXPECT_EQ(h.heap.alloc_if_fits(Heap::make_request(0, 64 * 1024)), nullptr);
  EXPECT_EQ(h.heap.alloc_if_fits(Heap::make_request(3, 8)), nullptr) << "an alignment that is no power of two";
  EXPECT_EQ(h.heap.stats().failed_alloc_count, before.failed_alloc_count);
  EXPECT_TRUE(HeapConsistent(h.heap));
}

// might_fit() is false only when no free block is as large as the request's
// block: it starts unknown (a fresh heap rules nothing out), learns from a
// search that found nothing (unaligned, or the wide search of an aligned
// request), and every block freed raises it again. It never
// says no to a request the heap could serve.
TEST(HeapAlloc, MightFitRulesOutOnlyWhatNoFreeBlockCouldHold) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  const std::size_t whole = h.heap.largest_free_block_bytes();
  EXPECT_TRUE(h.heap.might_fit(Heap::make_request(0, whole - Heap::header_bytes)));
  EXPECT_TRUE(h.heap.might_fit(Heap::make_request(0, whole))) << "nothing learned yet: no search has missed";
  EXPECT_EQ(h.heap.alloc(whole), nullptr);
  EXPECT_FALSE(h.heap.might_fit(Heap::make_request(0, whole))) << "the miss proved no block that large";
  EXPECT_TRUE(h.heap.might_fit(Heap::make_request(0, whole - Heap::header_bytes)));
  void* a = h.heap.alloc(1000);
  void* b = h.heap.alloc(1000);
  void* c = h.heap.alloc(1000);
  ASSERT_TRUE(a != nullptr && b != nullptr && c != nullptr);
  const std::size_t tail = h.heap.largest_free_block_bytes();
  EXPECT_TRUE(h.heap.might_fit(Heap::make_request(0, 2000))) << "an allocation proves nothing: no search missed";
  EXPECT_EQ(h.heap.alloc(2000), nullptr);
  EXPECT_FALSE(h.heap.might_fit(Heap::make_request(0, 2000))) << "the miss proved no block that large";
  EXPECT_FALSE(h.heap.might_fit(Heap::make_request(0, 3000)));
  EXPECT_TRUE(h.heap.might_fit(Heap::make_request(0, tail - Heap::header_bytes)));
  EXPECT_TRUE(h.heap.can_alloc(0, tail - Heap::header_bytes)) << "what might fit is still searched and found";
  ASSERT_EQ(h.heap.free(b), Status::ok);  // a hole of 1008 bytes, between two live blocks
  EXPECT_FALSE(h.heap.might_fit(Heap::make_request(0, 2000))) << "a smaller hole leaves the bound alone";
  ASSERT_EQ(h.heap.free(a), Status::ok);  // merges with b's hole: 2016 bytes
  EXPECT_TRUE(h.heap.might_fit(Heap::make_request(0, 2000))) << "a free block that large raised it";
  EXPECT_NE(h.heap.alloc(2000), nullptr);
  // The only free block is misaligned for 2 KiB and too small for the gap: the
  // request needs a block of its width (size + alignment), which none is.
  EXPECT_EQ(h.heap.aligned_alloc(2048, 64), nullptr);
  EXPECT_FALSE(h.heap.might_fit(Heap::make_request(0, 2048 + 64)));
  EXPECT_TRUE(HeapConsistent(h.heap));
  ASSERT_EQ(h.heap.free(c), Status::ok);
  EXPECT_TRUE(HeapConsistent(h.heap));
  // Every request might_fit rules out is one the heap cannot serve.
  for (std::size_t size = 8; size <= 4096; size += 8) {
    if (!h.heap.might_fit(Heap::make_request(0, size))) {
      EXPECT_FALSE(h.heap.can_alloc(0, size)) << size;
    }
  }
}

}  // namespace
}  // namespace smh::test
