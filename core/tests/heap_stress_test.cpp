// Seeded stress at 50% and 100% fill targets: random alloc / aligned_alloc /
// realloc / aligned_realloc / free with validate() and a full walk/stats cross
// check after every operation, a fill pattern (derived from a block id) in every
// block's requested bytes checked before its free and after every realloc, and a
// model of the live blocks compared with the statistics. After freeing everything
// the heap is one free block and every stat is back to its value right after init.
// Every failure message names the seed and the operation index.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"
#include "support/prng.hpp"

namespace smh::test {
namespace {

constexpr std::size_t kRegion = 64 * 1024;
constexpr std::size_t kOps = 3000;
constexpr std::uint64_t kSeeds[] = {1, 2, 3, 42, 0x5EED, 0xC0FFEE, 0xDEADBEEF, 0x9E3779B97F4A7C15ull};

unsigned char pattern_byte(std::uint64_t id, std::size_t i) {
  return static_cast<unsigned char>((id * 0x9Dull + i * 0x3Bull + (i >> 7) + (id >> 3)) & 0xFF);
}

void write_pattern(void* p, std::size_t n, std::uint64_t id) {
  auto* bytes = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    bytes[i] = pattern_byte(id, i);
  }
}

// Index of the first byte that differs, or n.
std::size_t check_pattern(const void* p, std::size_t n, std::uint64_t id) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (bytes[i] != pattern_byte(id, i)) {
      return i;
    }
  }
  return n;
}

struct LiveBlock {
  void* p;
  std::size_t requested;
  std::size_t align;  // 0 or the alignment asked for
  std::uint64_t id;
};

// Log-uniform-ish sizes 1..region/16 with an occasional block of up to 3/16 of
// the region.
std::size_t draw_size(Prng& rng, std::size_t region) {
  const std::size_t large = region / 16;
  if (rng.chance(1, 50)) {
    return static_cast<std::size_t>(rng.between(large, large * 3));
  }
  unsigned max_bits = 0;
  while ((std::size_t{2} << max_bits) <= large) {
    ++max_bits;
  }
  const unsigned bits = static_cast<unsigned>(rng.below(max_bits + 1));
  return static_cast<std::size_t>(rng.between(1, std::size_t{1} << bits));
}

// 16..1024, and now and then a page (or the region's 1/16 when that is smaller).
std::size_t draw_align(Prng& rng, std::size_t region) {
  if (rng.chance(1, 40)) {
    return region / 16 < 4096 ? region / 16 : 4096;
  }
  return std::size_t{16} << rng.below(7);
}

struct Runner {
  Runner(std::uint64_t seed_value, unsigned fill_percent_value, std::size_t region_value, std::size_t base_shift)
      : seed(seed_value),
        fill_percent(fill_percent_value),
        region(region_value),
        rng(seed_value),
        buffer(region_value, 4096, base_shift) {}

  std::string where(std::size_t op, const char* what) const {
    std::ostringstream os;
    os << "seed " << seed << " region " << region << " fill " << fill_percent << "% op " << op << " (" << what
       << ")";
    return os.str();
  }

  void check_after(std::size_t op, const char* what) {
    const HeapStats s = heap->stats();
    ASSERT_TRUE(HeapConsistent(*heap)) << where(op, what);
    ASSERT_EQ(s.allocated_requested_bytes, model_requested) << where(op, what);
    ASSERT_EQ(s.allocated_block_count, live.size()) << where(op, what);
    ASSERT_EQ(s.alloc_count, model_allocs) << where(op, what);
    ASSERT_EQ(s.free_count, model_frees) << where(op, what);
    ASSERT_EQ(s.failed_alloc_count, model_failed) << where(op, what);
    ASSERT_EQ(s.allocated_usable_bytes + s.free_bytes + s.overhead_bytes, s.capacity_bytes) << where(op, what);
    ASSERT_EQ(s.capacity_bytes, initial.capacity_bytes) << where(op, what);
    // Monotonic watermarks.
    model_peak = std::max(model_peak, model_requested);
    ASSERT_GE(s.peak_allocated_requested_bytes, previous.peak_allocated_requested_bytes) << where(op, what);
    ASSERT_GE(s.peak_allocated_requested_bytes, model_peak) << where(op, what);
    ASSERT_LE(s.min_free_bytes, previous.min_free_bytes) << where(op, what);
    ASSERT_LE(s.min_free_bytes, s.free_bytes) << where(op, what);
    model_min_free = std::min(model_min_free, s.free_bytes);
    ASSERT_LE(s.min_free_bytes, model_min_free) << where(op, what);
    ASSERT_GE(s.high_water_bytes, previous.high_water_bytes) << where(op, what);
    previous = s;
  }

  void verify_all_patterns(std::size_t op) {
    for (const LiveBlock& b : live) {
      const std::size_t bad = check_pattern(b.p, b.requested, b.id);
      ASSERT_EQ(bad, b.requested) << where(op, "pattern sweep") << ": block id " << b.id << " at offset "
                                  << offset_in(*heap, b.p) << " byte " << bad;
    }
  }

  void check_new_block(std::size_t op, const char* what, void* p, std::size_t n, std::size_t align) {
    ASSERT_TRUE(heap->is_live_block(p)) << where(op, what);
    const std::size_t usable = heap->usable_size(p);
    ASSERT_GE(usable, n) << where(op, what);
    ASSERT_LT(usable, n + 16) << where(op, what);
    ASSERT_EQ(address_of(p) % (align == 0 ? 8 : align), 0u) << where(op, what) << " align " << align;
    ASSERT_LE(offset_in(*heap, p) + usable, heap->region_bytes()) << where(op, what);
  }

  void do_alloc(std::size_t op) {
    const std::size_t n = draw_size(rng, region);
    const bool aligned = rng.chance(1, 4);
    const std::size_t align = aligned ? draw_align(rng, region) : 0;
    void* p = aligned ? heap->aligned_alloc(align, n) : heap->alloc(n);
    if (p == nullptr) {
      ++model_failed;
      ++failures;
      return;
    }
    check_new_block(op, aligned ? "aligned_alloc" : "alloc", p, n, align);
    const std::uint64_t id = next_id++;
    write_pattern(p, n, id);
    live.push_back({p, n, align, id});
    model_requested += n;
    ++model_allocs;
  }

  void do_free(std::size_t op) {
    const std::size_t index = static_cast<std::size_t>(rng.below(live.size()));
    const LiveBlock b = live[index];
    const std::size_t bad = check_pattern(b.p, b.requested, b.id);
    ASSERT_EQ(bad, b.requested) << where(op, "free") << ": block id " << b.id << " byte " << bad;
    ASSERT_EQ(heap->free(b.p), Status::ok) << where(op, "free");
    live[index] = live.back();
    live.pop_back();
    model_requested -= b.requested;
    ++model_frees;
  }

  void do_realloc(std::size_t op) {
    const std::size_t index = static_cast<std::size_t>(rng.below(live.size()));
    LiveBlock& b = live[index];
    const std::size_t bad = check_pattern(b.p, b.requested, b.id);
    ASSERT_EQ(bad, b.requested) << where(op, "realloc") << ": block id " << b.id << " byte " << bad;
    // Mostly modest changes, sometimes a fresh size; sometimes a (new) alignment.
    std::size_t n = 0;
    if (rng.chance(1, 2)) {
      const std::size_t delta = static_cast<std::size_t>(rng.between(0, b.requested / 2 + 16));
      n = rng.chance(1, 2) ? b.requested + delta : (b.requested > delta + 1 ? b.requested - delta : 1);
    } else {
      n = draw_size(rng, region);
    }
    const bool aligned = rng.chance(1, 5);
    const std::size_t align = aligned ? draw_align(rng, region) : 0;
    const std::size_t old_offset = offset_in(*heap, b.p);
    const ReallocResult r = aligned ? heap->try_realloc(b.p, align, n) : heap->try_realloc(b.p, 0, n);
    if (r.ptr == nullptr) {
      ASSERT_EQ(r.status, Status::out_of_memory) << where(op, "realloc");
      ++model_failed;
      ++failures;
      // The old block is untouched.
      ASSERT_TRUE(heap->is_live_block(b.p)) << where(op, "failed realloc");
      ASSERT_EQ(check_pattern(b.p, b.requested, b.id), b.requested) << where(op, "failed realloc");
      return;
    }
    ASSERT_EQ(r.status, Status::ok) << where(op, "realloc");
    check_new_block(op, "realloc", r.ptr, n, align);
    const std::size_t kept = std::min(b.requested, n);
    const std::size_t bad_after = check_pattern(r.ptr, kept, b.id);
    ASSERT_EQ(bad_after, kept) << where(op, "realloc") << ": block id " << b.id << " byte " << bad_after
                               << " (moved " << (offset_in(*heap, r.ptr) != old_offset) << ")";
    if (r.ptr != b.p) {
      ++model_allocs;
      ++model_frees;
      ++moves;
      ASSERT_FALSE(heap->is_live_block(b.p) && b.p != r.ptr) << where(op, "realloc left the old block live");
    } else {
      ++in_place;
    }
    write_pattern(r.ptr, n, b.id);
    model_requested = model_requested - b.requested + n;
    b.p = r.ptr;
    b.requested = n;
    b.align = align;
  }

  void run() {
    heap = std::make_unique<Heap>();
    ASSERT_EQ(heap->init(buffer.data(), buffer.size()), Status::ok);
    initial = heap->stats();
    previous = initial;
    model_min_free = initial.free_bytes;
    const std::size_t target = region * fill_percent / 100;
    for (std::size_t op = 0; op < kOps; ++op) {
      const bool below_target = model_requested < target;
      const std::uint64_t roll = rng.below(100);
      const char* what = "";
      if (live.empty() || roll < (below_target ? 60u : 25u)) {
        what = "alloc";
        do_alloc(op);
      } else if (roll < (below_target ? 75u : 45u)) {
        what = "realloc";
        do_realloc(op);
      } else {
        what = "free";
        do_free(op);
      }
      if (::testing::Test::HasFatalFailure()) {
        return;
      }
      check_after(op, what);
      if (::testing::Test::HasFatalFailure()) {
        return;
      }
      if (op % 64 == 0) {
        verify_all_patterns(op);
        if (::testing::Test::HasFatalFailure()) {
          return;
        }
      }
    }
    verify_all_patterns(kOps);
    // Free everything, in the drawn order.
    while (!live.empty()) {
      do_free(kOps);
      if (::testing::Test::HasFatalFailure()) {
        return;
      }
      check_after(kOps, "final free");
      if (::testing::Test::HasFatalFailure()) {
        return;
      }
    }
    const HeapStats end = heap->stats();
    const std::string at = where(kOps, "after freeing everything");
    EXPECT_EQ(end.free_block_count, 1u) << at;
    EXPECT_EQ(end.free_bytes, initial.free_bytes) << at;
    EXPECT_EQ(end.largest_free_block_bytes, initial.largest_free_block_bytes) << at;
    EXPECT_EQ(end.allocated_block_count, initial.allocated_block_count) << at;
    EXPECT_EQ(end.allocated_requested_bytes, initial.allocated_requested_bytes) << at;
    EXPECT_EQ(end.allocated_usable_bytes, initial.allocated_usable_bytes) << at;
    EXPECT_EQ(end.overhead_bytes, initial.overhead_bytes) << at;
    EXPECT_EQ(end.capacity_bytes, initial.capacity_bytes) << at;
    EXPECT_EQ(end.alloc_count, end.free_count) << at;
    EXPECT_TRUE(HeapConsistent(*heap)) << at;
  }

  std::uint64_t seed;
  unsigned fill_percent;
  std::size_t region;
  Prng rng;
  AlignedBuffer buffer;
  std::unique_ptr<Heap> heap;
  std::vector<LiveBlock> live;
  HeapStats initial;
  HeapStats previous;
  std::size_t model_requested = 0;
  std::size_t model_peak = 0;
  std::size_t model_min_free = 0;
  std::uint64_t model_allocs = 0;
  std::uint64_t model_frees = 0;
  std::uint64_t model_failed = 0;
  std::uint64_t next_id = 1;
  std::size_t failures = 0;
  std::size_t moves = 0;
  std::size_t in_place = 0;
};

void run_seeds(unsigned fill_percent, std::size_t region = kRegion) {
  for (const std::uint64_t seed : kSeeds) {
    // Vary the base's offset from a page so absolute alignment is exercised too.
    const std::size_t base_shift = static_cast<std::size_t>(seed % 8) * 8 + (seed % 3) * 1024;
    Runner runner(seed, fill_percent, region, base_shift);
    runner.run();
    if (::testing::Test::HasFatalFailure()) {
      return;
    }
    // The run must actually have exercised the interesting paths.
    EXPECT_GT(runner.moves, 0u) << "seed " << seed << " region " << region << " fill " << fill_percent;
    EXPECT_GT(runner.in_place, 0u) << "seed " << seed << " region " << region << " fill " << fill_percent;
    if (fill_percent >= 100) {
      EXPECT_GT(runner.failures, 0u) << "seed " << seed << " region " << region
                                     << ": a 100% target must hit out-of-memory";
    }
  }
}

TEST(HeapStress, SeededRandomOpsAtFiftyPercentFillKeepEveryInvariant) { run_seeds(50); }

TEST(HeapStress, SeededRandomOpsAtHundredPercentFillKeepEveryInvariant) { run_seeds(100); }

// A 4 KiB region: the heap is full, or nearly, most of the time.
TEST(HeapStress, SeededRandomOpsInASmallRegionAtHundredPercentFillKeepEveryInvariant) {
  run_seeds(100, 4096);
}

// A 1 MiB region: large blocks in the coarse size classes.
TEST(HeapStress, SeededRandomOpsInALargeRegionAtFiftyPercentFillKeepEveryInvariant) {
  run_seeds(50, 1024 * 1024);
}

}  // namespace
}  // namespace smh::test
