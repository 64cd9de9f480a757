// Hardening: free / realloc / usable_size of anything that is not a live block of
// this heap (double free, interior pointer, pointer outside the region, a block
// already coalesced away) is detected, reported through the status and the error
// hook with the right offset, and leaves the heap valid and its statistics
// unchanged. validate() reports a flipped bit in any header (and in the free-list
// links and the block-start bitmap) instead of crashing.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"

namespace smh::test {
namespace {

constexpr std::size_t kRegion = 64 * 1024;
constexpr std::size_t kMargin = 512;  // buffer bytes on each side of the region

struct ErrorLog {
  std::vector<ErrorEvent> errors;
  std::size_t other_events = 0;
};

HeapHooks recording_hooks(ErrorLog* log) {
  HeapHooks hooks;
  hooks.context = log;
  hooks.on_error = [](void* context, const ErrorEvent& event) {
    static_cast<ErrorLog*>(context)->errors.push_back(event);
  };
  hooks.on_alloc = [](void* context, const AllocEvent&) { ++static_cast<ErrorLog*>(context)->other_events; };
  hooks.on_free = [](void* context, const FreeEvent&) { ++static_cast<ErrorLog*>(context)->other_events; };
  hooks.on_realloc = [](void* context, const ReallocEvent&) {
    ++static_cast<ErrorLog*>(context)->other_events;
  };
  hooks.on_alloc_failed = [](void* context, const AllocFailedEvent&) {
    ++static_cast<ErrorLog*>(context)->other_events;
  };
  return hooks;
}

class HeapHardening : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(heap_.init(buffer_.data() + kMargin, kRegion), Status::ok);
    heap_.set_hooks(recording_hooks(&log_));
  }

  unsigned char* alloc_filled(std::size_t n) {
    auto* p = static_cast<unsigned char*>(heap_.alloc(n));
    if (p != nullptr) {
      std::memset(p, static_cast<int>(0x40 + live_.size()), n);
      live_.push_back({p, n});
    }
    return p;
  }

  void forget(const void* p) {
    for (std::size_t i = 0; i < live_.size(); ++i) {
      if (live_[i].p == p) {
        live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(i));
        return;
      }
    }
  }

  ::testing::AssertionResult live_blocks_intact() const {
    for (std::size_t i = 0; i < live_.size(); ++i) {
      for (std::size_t k = 0; k < live_[i].n; ++k) {
        if (live_[i].p[k] != live_[i].p[0]) {
          return ::testing::AssertionFailure() << "live block " << i << " byte " << k << " changed";
        }
      }
    }
    return ::testing::AssertionSuccess();
  }

  std::size_t expected_offset(const void* p) const {
    return static_cast<std::size_t>(address_of(p) - address_of(heap_.base()));
  }

  // free, realloc, aligned_realloc, try_realloc and usable_size of `p` are all
  // refused with `expected`; each refusal fires the error hook once with the
  // pointer's offset (usable_size fires nothing); nothing else changes.
  void expect_refused(void* p, Status expected, const std::string& what) {
    const HeapStats before = heap_.stats();
    log_.errors.clear();
    log_.other_events = 0;

    EXPECT_EQ(heap_.free(p), expected) << what;
    EXPECT_EQ(heap_.realloc(p, 32), nullptr) << what;
    EXPECT_EQ(heap_.aligned_realloc(p, 64, 4096), nullptr) << what;
    const ReallocResult r = heap_.try_realloc(p, 0, 0);
    EXPECT_EQ(r.ptr, nullptr) << what;
    EXPECT_EQ(r.status, expected) << what;
    EXPECT_EQ(heap_.usable_size(p), 0u) << what;
    EXPECT_FALSE(heap_.is_live_block(p)) << what;

    ASSERT_EQ(log_.errors.size(), 4u) << what << ": one error event per refused free/realloc";
    for (const ErrorEvent& e : log_.errors) {
      EXPECT_EQ(e.status, expected) << what;
      EXPECT_EQ(e.offset_bytes, expected_offset(p)) << what;
    }
    EXPECT_EQ(log_.other_events, 0u) << what << ": a refused pointer fires no other hook";
    EXPECT_EQ(stats_diff(heap_.stats(), before), "") << what;
    EXPECT_TRUE(HeapConsistent(heap_)) << what;
    EXPECT_TRUE(live_blocks_intact()) << what;
  }

  struct LiveBlock {
    unsigned char* p;
    std::size_t n;
  };
  AlignedBuffer buffer_{kRegion + 2 * kMargin};
  Heap heap_;
  ErrorLog log_;
  std::vector<LiveBlock> live_;
};

TEST_F(HeapHardening, DoubleFreeIsDetected) {
  unsigned char* a = alloc_filled(64);
  unsigned char* b = alloc_filled(64);
  unsigned char* guard = alloc_filled(16);
  ASSERT_TRUE(a && b && guard);
  ASSERT_EQ(heap_.free(b), Status::ok);
  forget(b);
  expect_refused(b, Status::double_free, "double free of a block between two used ones");
}

TEST_F(HeapHardening, FreeOfANeverAllocatedFreeBlockIsDoubleFree) {
  unsigned char* a = alloc_filled(64);
  ASSERT_NE(a, nullptr);
  // The payload start of the trailing free block.
  const std::vector<BlockInfo> free_list = free_blocks(heap_);
  ASSERT_EQ(free_list.size(), 1u);
  expect_refused(at_offset(heap_, free_list[0].payload_offset_bytes), Status::double_free,
                 "payload of the trailing free block");
}

TEST_F(HeapHardening, InteriorPointersAreNotBlocks) {
  unsigned char* a = alloc_filled(200);
  unsigned char* b = alloc_filled(24);
  ASSERT_TRUE(a && b);
  for (std::size_t delta = 1; delta < 200; ++delta) {
    expect_refused(a + delta, Status::pointer_not_block, "a + " + std::to_string(delta));
  }
  expect_refused(b - 8, Status::pointer_not_block, "header of a live block");
  expect_refused(b - 4, Status::pointer_not_block, "inside the header of a live block");
}

TEST_F(HeapHardening, PointersOutsideTheRegionAreRefused) {
  unsigned char* a = alloc_filled(64);
  ASSERT_NE(a, nullptr);
  AlignedBuffer foreign(256);
  unsigned char* region = buffer_.data() + kMargin;
  expect_refused(buffer_.data(), Status::pointer_outside_region, "start of the buffer below the region");
  expect_refused(region - 8, Status::pointer_outside_region, "one granule below the region");
  expect_refused(region - 1, Status::pointer_outside_region, "one byte below the region");
  expect_refused(region + kRegion, Status::pointer_outside_region, "one past the region");
  expect_refused(region + kRegion + 8, Status::pointer_outside_region, "a granule past the region");
  expect_refused(buffer_.data() + kRegion + 2 * kMargin - 8, Status::pointer_outside_region,
                 "end of the buffer above the region");
  expect_refused(foreign.data() + 8, Status::pointer_outside_region, "another allocation");
  int on_stack = 0;
  expect_refused(&on_stack, Status::pointer_outside_region, "a stack variable");
}

// The start bitmap (after the blocks) is inside the region but holds no block: a
// pointer there is refused either as outside the block area or as not a block.
TEST_F(HeapHardening, PointersIntoTheStartBitmapAreRefused) {
  unsigned char* a = alloc_filled(64);
  ASSERT_NE(a, nullptr);
  for (std::size_t offset = heap_.block_area_bytes(); offset < kRegion; offset += 8) {
    unsigned char* p = at_offset(heap_, offset);
    const Status status = heap_.free(p);
    EXPECT_TRUE(status == Status::pointer_outside_region || status == Status::pointer_not_block)
        << "offset " << offset << ": " << to_string(status);
    if (status == Status::pointer_outside_region || status == Status::pointer_not_block) {
      expect_refused(p, status, "bitmap offset " + std::to_string(offset));
    }
  }
}

TEST_F(HeapHardening, BlockCoalescedIntoItsLeftNeighbourIsNotABlock) {
  unsigned char* a = alloc_filled(64);
  unsigned char* b = alloc_filled(64);
  unsigned char* guard = alloc_filled(16);
  ASSERT_TRUE(a && b && guard);
  ASSERT_EQ(heap_.free(a), Status::ok);
  forget(a);
  ASSERT_EQ(heap_.free(b), Status::ok);  // merges into a's free block
  forget(b);
  expect_refused(b, Status::pointer_not_block, "block merged into its left neighbour");
  expect_refused(a, Status::double_free, "the merged block's own start");
}

TEST_F(HeapHardening, BlockCoalescedIntoItsRightNeighbourIsNotABlock) {
  unsigned char* a = alloc_filled(64);
  unsigned char* b = alloc_filled(64);
  unsigned char* c = alloc_filled(64);
  unsigned char* guard = alloc_filled(16);
  ASSERT_TRUE(a && b && c && guard);
  ASSERT_EQ(heap_.free(c), Status::ok);
  forget(c);
  ASSERT_EQ(heap_.free(b), Status::ok);  // c merges into b's block
  forget(b);
  expect_refused(c, Status::pointer_not_block, "block merged into its left neighbour on free of b");
  expect_refused(b, Status::double_free, "the merged block");
  // The trailing free space swallowed by a block freed to its left.
  ASSERT_EQ(heap_.free(guard), Status::ok);
  forget(guard);
  expect_refused(guard, Status::pointer_not_block, "guard merged with the free space around it");
}

TEST_F(HeapHardening, RefusalsLeaveTheHeapFullyUsable) {
  unsigned char* a = alloc_filled(100);
  unsigned char* b = alloc_filled(100);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(heap_.free(a), Status::ok);
  forget(a);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(heap_.free(a), Status::double_free);
    EXPECT_EQ(heap_.free(b + 8), Status::pointer_not_block);
  }
  void* again = heap_.alloc(100);
  EXPECT_EQ(again, a) << "the hole left by a is reused";
  EXPECT_EQ(heap_.free(again), Status::ok);
  EXPECT_EQ(heap_.free(b), Status::ok);
  forget(b);
  EXPECT_EQ(heap_.stats().free_block_count, 1u);
  EXPECT_TRUE(HeapConsistent(heap_));
}

// ------------------------------------------------------------------- bit flips

void flip_bit(unsigned char* word, unsigned bit) {
  word[bit / 8] = static_cast<unsigned char>(word[bit / 8] ^ (1u << (bit % 8)));
}

// Flips each bit of the 8 bytes at `offset` one at a time: validate() must report
// a failed check, walk() must not crash, and after restoring the bit the heap
// validates again. (stats() on a corrupted heap has its own test below.)
void expect_every_flip_reported(Heap& heap, std::size_t offset, const std::string& what,
                                std::vector<std::string>* missed) {
  unsigned char* word = at_offset(heap, offset);
  unsigned char saved[8];
  std::memcpy(saved, word, 8);
  for (unsigned bit = 0; bit < 64; ++bit) {
    flip_bit(word, bit);
    const ValidationReport report = heap.validate();
    if (report.ok()) {
      missed->push_back(what + " bit " + std::to_string(bit));
    }
    std::size_t visited = 0;
    (void)heap.walk([&visited](const BlockInfo&) { ++visited; });
    flip_bit(word, bit);
    ASSERT_EQ(std::memcmp(word, saved, 8), 0);
    const ValidationReport restored = heap.validate();
    ASSERT_TRUE(restored.ok()) << what << " bit " << bit << " restored: " << to_string(restored.check);
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    out += item + "\n";
  }
  return out;
}

// [U][F][U][U][F 48][U][F 48][U][F 48][U][F trailing]: used blocks with and
// without slack, a free block between used ones, three free blocks in one class
// (a list of three) and the trailing free block.
void build_mixed_layout(Heap& heap) {
  void* p[11] = {};
  const std::size_t sizes[11] = {13, 100, 64, 37, 40, 24, 40, 8, 40, 200, 0};
  for (std::size_t i = 0; i < 10; ++i) {
    p[i] = heap.alloc(sizes[i]);
    ASSERT_NE(p[i], nullptr);
  }
  ASSERT_EQ(heap.free(p[1]), Status::ok);
  ASSERT_EQ(heap.free(p[4]), Status::ok);
  ASSERT_EQ(heap.free(p[6]), Status::ok);
  ASSERT_EQ(heap.free(p[8]), Status::ok);
  ASSERT_TRUE(HeapConsistent(heap));
}

// Every block used, the last one ending at the region end.
void build_full_layout(Heap& heap) {
  for (const std::size_t n : {std::size_t{24}, std::size_t{50}, std::size_t{8}}) {
    ASSERT_NE(heap.alloc(n), nullptr);
  }
  void* hole = heap.alloc(64);
  ASSERT_NE(hole, nullptr);
  ASSERT_NE(heap.alloc(16), nullptr);
  const std::size_t rest = heap.stats().largest_free_block_bytes;
  ASSERT_NE(heap.alloc(rest - Heap::header_bytes - 3), nullptr);
  ASSERT_EQ(heap.stats().free_block_count, 0u);
  ASSERT_EQ(heap.free(hole), Status::ok);
  ASSERT_TRUE(HeapConsistent(heap));
}

TEST(HeapCorruption, EverySingleBitFlipInAnyHeaderIsReported) {
  for (int layout = 0; layout < 2; ++layout) {
    OwnedHeap h(4096);
    ASSERT_EQ(h.status, Status::ok);
    if (layout == 0) {
      build_mixed_layout(h.heap);
    } else {
      build_full_layout(h.heap);
    }
    const Walk walk = walk_blocks(h.heap);
    ASSERT_TRUE(walk.complete);
    std::vector<std::string> missed;
    for (const BlockInfo& block : walk.blocks) {
      expect_every_flip_reported(h.heap, block.block_offset_bytes,
                                 "layout " + std::to_string(layout) + " header of " + describe(block),
                                 &missed);
    }
    EXPECT_TRUE(missed.empty()) << "flips validate() did not report:\n" << join(missed);
    EXPECT_TRUE(HeapConsistent(h.heap));
  }
}

TEST(HeapCorruption, EverySingleBitFlipInAFreeListLinkIsReported) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  build_mixed_layout(h.heap);
  std::vector<std::string> missed;
  for (const BlockInfo& block : free_blocks(h.heap)) {
    expect_every_flip_reported(h.heap, block.payload_offset_bytes, "links of " + describe(block), &missed);
  }
  EXPECT_TRUE(missed.empty()) << "flips validate() did not report:\n" << join(missed);
}

TEST(HeapCorruption, EverySingleBitFlipInTheStartBitmapIsReported) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  build_mixed_layout(h.heap);
  std::vector<std::string> missed;
  for (std::size_t offset = h.heap.block_area_bytes(); offset + 8 <= h.heap.region_bytes(); offset += 8) {
    expect_every_flip_reported(h.heap, offset, "bitmap word at " + std::to_string(offset), &missed);
  }
  EXPECT_TRUE(missed.empty()) << "flips validate() did not report:\n" << join(missed);
}

// stats() is O(1) and does not validate, but it must not read outside the region
// (or trip an internal assertion) when a free-list link or header has a flipped
// bit: the harness reads stats after injecting metadata faults. Each flip runs in
// a child process so that a crash fails only this check.
TEST(HeapCorruption, StatsNeverCrashesOnAFlippedBitInAnyFreeBlockMetadata) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  build_mixed_layout(h.heap);
  for (const BlockInfo& block : free_blocks(h.heap)) {
    for (const std::size_t offset : {block.block_offset_bytes, block.payload_offset_bytes}) {
      for (unsigned bit = 0; bit < 64; ++bit) {
        unsigned char* word = at_offset(h.heap, offset);
        flip_bit(word, bit);
        EXPECT_EXIT(
            {
              (void)h.heap.stats();
              std::_Exit(0);
            },
            ::testing::ExitedWithCode(0), "")
            << (offset == block.block_offset_bytes ? "header" : "links") << " of " << describe(block)
            << " bit " << bit;
        flip_bit(word, bit);
      }
    }
  }
  EXPECT_TRUE(HeapConsistent(h.heap));
}

// A header smashed to arbitrary values (all ones, all zeros, huge sizes) yields a
// report, never a crash or a hang.
TEST(HeapCorruption, ArbitraryHeaderValuesAreReported) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  build_mixed_layout(h.heap);
  const std::uint64_t values[] = {0, ~std::uint64_t{0}, 0x7FFF'FFFF'FFFF'FFFFull, 0x1FFF'FFFFull,
                                  0x2000'0000ull, 0xDEAD'BEEF'CAFE'F00Dull, 2, 3};
  for (const BlockInfo& block : walk_blocks(h.heap).blocks) {
    unsigned char* header = at_offset(h.heap, block.block_offset_bytes);
    unsigned char saved[8];
    std::memcpy(saved, header, 8);
    for (const std::uint64_t value : values) {
      std::memcpy(header, &value, 8);
      if (std::memcmp(header, saved, 8) == 0) {
        continue;
      }
      EXPECT_FALSE(h.heap.validate().ok()) << describe(block) << " header = " << std::hex << value;
      std::size_t visited = 0;
      (void)h.heap.walk([&visited](const BlockInfo&) { ++visited; });
      (void)h.heap.stats();
      std::memcpy(header, saved, 8);
    }
  }
  EXPECT_TRUE(HeapConsistent(h.heap));
}

// The neighbour checks of hardened builds (SMH_HARDENED, the default). The
// unhardened build (smh_core_unhardened_tests) drops them by design, so these
// two tests are compiled only here; everything above holds in both modes.
#if SMH_HARDENED
// free() of a block whose own header or neighbour was corrupted is refused rather
// than acted on, as far as the headers can tell: a block claiming to be larger or
// smaller than its neighbours say.
TEST(HeapCorruption, FreeRefusesABlockWhoseSizeDisagreesWithItsNeighbours) {
  OwnedHeap h(4096);
  ASSERT_EQ(h.status, Status::ok);
  void* a = h.heap.alloc(64);
  void* b = h.heap.alloc(64);
  void* c = h.heap.alloc(64);
  ASSERT_TRUE(a && b && c);
  unsigned char* header = static_cast<unsigned char*>(b) - 8;
  unsigned char saved[8];
  std::memcpy(saved, header, 8);
  for (const unsigned bit : {0u, 1u, 2u, 3u, 4u, 10u, 26u}) {
    flip_bit(header, bit);  // size field (bits 0..26 of the self word)
    const HeapStats before = h.heap.stats();
    const Status status = h.heap.free(b);
    EXPECT_NE(status, Status::ok) << "size bit " << bit;
    EXPECT_EQ(stats_diff(h.heap.stats(), before), "") << "size bit " << bit;
    flip_bit(header, bit);
    ASSERT_EQ(std::memcmp(header, saved, 8), 0);
    ASSERT_TRUE(HeapConsistent(h.heap)) << "size bit " << bit;
  }
}

// free() merges with free neighbours, so it must not trust a neighbour's header
// either: every single-bit flip in the header of the block to the right of the
// one being freed — live or free — makes free() refuse with metadata_corrupted
// (or succeed only when the flip left the merge decision and its inputs intact),
// and never changes another block's bytes or the heap's accounting behind its back.
TEST(HeapCorruption, FreeNeverActsOnACorruptedNeighbourHeader) {
  for (const bool neighbour_free : {false, true}) {
    for (unsigned bit = 0; bit < 64; ++bit) {
      OwnedHeap h(4096);
      ASSERT_EQ(h.status, Status::ok);
      void* a = h.heap.alloc(64);
      void* b = h.heap.alloc(64);
      void* c = h.heap.alloc(64);
      void* d = h.heap.alloc(64);  // keeps c's right side used
      ASSERT_TRUE(a && b && c && d);
      std::memset(c, 0x5C, 64);
      if (neighbour_free) {
        ASSERT_EQ(h.heap.free(b), Status::ok);
      } else {
        std::memset(b, 0xFF, 64);  // user data where a free block keeps its links
      }
      unsigned char* header = static_cast<unsigned char*>(b) - 8;
      flip_bit(header, bit);
      const Status status = h.heap.free(a);
      flip_bit(header, bit);
      const std::string where = std::string(neighbour_free ? "free" : "live") + " neighbour, bit " + std::to_string(bit);
      for (unsigned i = 0; i < 64; ++i) {
        ASSERT_EQ(static_cast<unsigned char*>(c)[i], 0x5C) << where << ": another block's byte " << i << " changed";
      }
      if (status != Status::ok) {
        EXPECT_EQ(status, Status::metadata_corrupted) << where;
        EXPECT_TRUE(HeapConsistent(h.heap)) << where << ": a refused free changed the heap";
      }
    }
  }
}
#endif  // SMH_HARDENED

}  // namespace
}  // namespace smh::test
