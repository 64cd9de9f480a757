// Bounded time, counted: every heap operation reads at most a constant number of
// metadata words (headers, index links and trie fields, start-bitmap words),
// success or failure, however many blocks exist. The core is built for this test
// with SMH_COUNT_METADATA_READS (Heap::metadata_reads()) and without assertions,
// so the count is the shipped code's. Each adversarial heap below is built with
// 10, 1,000 and 100,000 free blocks; every operation measured on it must stay
// within the bound docs/ARCHITECTURE.md ("Bounded time") derives, stated here
// again as the same formulas of L, the trie depth, and the worst count seen
// must not grow with the number of blocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "smh/detail/size_class.hpp"
#include "smh/heap.hpp"

static_assert(SMH_COUNT_METADATA_READS == 1, "this test needs the counting build of the core");

namespace smh::test {
namespace {

// docs/ARCHITECTURE.md, "Bounded time": reads of each step, L = trie depth.
constexpr std::uint64_t L = detail::trie_max_levels;
constexpr std::uint64_t find_unaligned = 10 * L + 6;
constexpr std::uint64_t find_aligned = 2 * find_unaligned;
constexpr std::uint64_t carve = 8 * L + 22;
constexpr std::uint64_t check_pointer = 16;
constexpr std::uint64_t release = 9 * L + 42;
constexpr std::uint64_t bound_alloc = find_unaligned + carve;
constexpr std::uint64_t bound_aligned_alloc = find_aligned + carve;
constexpr std::uint64_t bound_free = check_pointer + release;
// A move reads the old block's left word and the next block's self word again after the carve.
constexpr std::uint64_t bound_realloc = check_pointer + 1 + find_aligned + carve + 2 + release + 1;
static_assert(bound_alloc == 154 && bound_aligned_alloc == 230 && bound_free == 121 && bound_realloc == 355);

constexpr std::size_t kBlockCounts[] = {10, 1'000, 100'000};

// A heap over its own buffer (page-aligned, so alignments are predictable).
class CountedHeap {
 public:
  explicit CountedHeap(std::size_t region_bytes)
      : memory_(static_cast<unsigned char*>(::operator new(region_bytes, std::align_val_t{4096}))),
        region_bytes_(region_bytes) {
    EXPECT_EQ(heap_.init(memory_, region_bytes), Status::ok);
  }
  ~CountedHeap() { ::operator delete(memory_, std::align_val_t{4096}); }
  CountedHeap(const CountedHeap&) = delete;
  CountedHeap& operator=(const CountedHeap&) = delete;

  Heap& heap() { return heap_; }
  unsigned char* base() const { return memory_; }

 private:
  unsigned char* memory_;
  std::size_t region_bytes_;
  Heap heap_;
};

// The worst count seen per kind of operation.
struct Worst {
  std::uint64_t alloc = 0;
  std::uint64_t aligned_alloc = 0;
  std::uint64_t free = 0;
  std::uint64_t realloc = 0;
};

template <class Op>
std::uint64_t reads_of(Heap& heap, Op&& op) {
  const std::uint64_t before = heap.metadata_reads();
  op();
  return heap.metadata_reads() - before;
}

// Measures one operation, checks its bound, and restores the state (an alloc is
// freed again outside the measurement, unless told to keep it).
class Probe {
 public:
  explicit Probe(Heap& heap, const std::string& context) : heap_(heap), context_(context) {}

  void* alloc(std::size_t n, bool keep = false) {
    void* p = nullptr;
    const std::uint64_t reads = reads_of(heap_, [&] { p = heap_.alloc(n); });
    EXPECT_LE(reads, bound_alloc) << context_ << ": alloc(" << n << ")";
    worst_.alloc = std::max(worst_.alloc, reads);
    if (!keep && p != nullptr) {
      EXPECT_EQ(heap_.free(p), Status::ok);
      return nullptr;
    }
    return p;
  }
  void* aligned_alloc(std::size_t align, std::size_t n, bool keep = false) {
    void* p = nullptr;
    const std::uint64_t reads = reads_of(heap_, [&] { p = heap_.aligned_alloc(align, n); });
    EXPECT_LE(reads, bound_aligned_alloc) << context_ << ": aligned_alloc(" << align << ", " << n << ")";
    worst_.aligned_alloc = std::max(worst_.aligned_alloc, reads);
    if (!keep && p != nullptr) {
      EXPECT_EQ(heap_.free(p), Status::ok);
      return nullptr;
    }
    return p;
  }
  void free(void* p) {
    Status status = Status::ok;
    const std::uint64_t reads = reads_of(heap_, [&] { status = heap_.free(p); });
    EXPECT_EQ(status, Status::ok) << context_;
    EXPECT_LE(reads, bound_free) << context_ << ": free";
    worst_.free = std::max(worst_.free, reads);
  }
  void* realloc(void* p, std::size_t align, std::size_t n) {
    void* q = nullptr;
    const std::uint64_t reads = reads_of(heap_, [&] { q = heap_.aligned_realloc(p, align, n); });
    EXPECT_LE(reads, bound_realloc) << context_ << ": realloc to (" << align << ", " << n << ")";
    worst_.realloc = std::max(worst_.realloc, reads);
    return q != nullptr ? q : p;
  }
  const Worst& worst() const { return worst_; }

 private:
  Heap& heap_;
  std::string context_;
  Worst worst_;
};

// N free blocks of `hole_bytes` (a request size), each between two used
// `wall_bytes` blocks, then everything else allocated: a ring of N blocks of one
// size. Returns the walls (used) in address order.
std::vector<void*> holes_between_walls(Heap& heap, std::size_t count, std::size_t hole_bytes,
                                       std::size_t wall_bytes, std::vector<void*>* holes) {
  std::vector<void*> walls;
  walls.push_back(heap.alloc(wall_bytes));
  for (std::size_t i = 0; i < count; ++i) {
    holes->push_back(heap.alloc(hole_bytes));
    walls.push_back(heap.alloc(wall_bytes));
  }
  const std::size_t rest = heap.stats().largest_free_block_bytes;
  if (rest > Heap::header_bytes) {
    walls.push_back(heap.alloc(rest - Heap::header_bytes));
  }
  for (void* hole : *holes) {
    EXPECT_EQ(heap.free(hole), Status::ok);
  }
  EXPECT_EQ(heap.stats().free_block_count, count);
  return walls;
}

// Operations on a heap whose free blocks all share one size: allocations of that
// size (the newest), of one granule more and of the most a hole can hold, aligned
// ones that none of the holes can take, frees that merge a hole on either side
// (the merged blocks come from the middle and the oldest end of the ring), and
// reallocs that grow into a hole or move.
Worst ring_of_equal_sizes(std::size_t count, std::size_t hole_bytes) {
  const std::size_t wall_bytes = 8;
  CountedHeap region((count + 4) * (hole_bytes + wall_bytes + 32) + (64u << 10));
  Heap& heap = region.heap();
  std::vector<void*> holes;
  std::vector<void*> walls = holes_between_walls(heap, count, hole_bytes, wall_bytes, &holes);
  Probe probe(heap, "ring of " + std::to_string(count) + " blocks of " + std::to_string(hole_bytes) + " bytes");
  probe.alloc(hole_bytes);
  probe.alloc(hole_bytes - 7);
  probe.alloc(hole_bytes + 8);  // no hole is large enough: fails
  probe.aligned_alloc(4096, 8);
  probe.aligned_alloc(64, hole_bytes);
  probe.aligned_alloc(16, hole_bytes - 16);
  // Frees merging holes: a wall from the middle, the first (oldest hole on its
  // right), the last but one (newest on its left).
  for (const std::size_t index : {count / 2, std::size_t{1}, count - 1}) {
    probe.free(walls[index]);
    walls[index] = nullptr;
  }
  // Grow a wall into its hole, then move one elsewhere.
  void* grown = probe.realloc(walls[count / 3 + 1], 0, wall_bytes + hole_bytes);
  probe.realloc(grown, 0, wall_bytes);
  probe.realloc(walls[count / 4 + 2], 64, 2 * hole_bytes);
  return probe.worst();
}

// The case: X of 512 bytes freed among N free 504-byte blocks (one
// granule smaller): alloc(512) must find X without walking the others.
Worst one_fit_among_near_misses(std::size_t count) {
  CountedHeap region(count * 536 + (64u << 10));
  Heap& heap = region.heap();
  void* x = heap.alloc(512);
  EXPECT_NE(heap.alloc(8), nullptr);
  std::vector<void*> near_misses;
  for (std::size_t i = 0; i < count; ++i) {
    near_misses.push_back(heap.alloc(504));
    EXPECT_NE(heap.alloc(8), nullptr);
  }
  const std::size_t rest = heap.stats().largest_free_block_bytes;
  EXPECT_NE(heap.alloc(rest - Heap::header_bytes), nullptr);
  EXPECT_EQ(heap.free(x), Status::ok);
  for (void* p : near_misses) {
    EXPECT_EQ(heap.free(p), Status::ok);
  }
  Probe probe(heap, "512 bytes among " + std::to_string(count) + " holes of 504");
  void* again = probe.alloc(512, true);
  EXPECT_EQ(again, x) << "the one hole that fits is the best fit";
  probe.free(again);
  probe.alloc(520);  // fits nowhere: fails
  probe.aligned_alloc(512, 500);
  return probe.worst();
}

// The deepest trie a 8 MiB block class allows (sizes 2^20 .. 2^21 - 1 granules
// span 20 key bits: 5 levels), one path per size added, with `count` small free
// blocks elsewhere: searches and removals walk the whole path.
Worst deep_trie_among_many(std::size_t count) {
  constexpr std::size_t p = 20;
  constexpr std::size_t chain = 6;  // ceil(20 / 4) + 1 anchors: a path to the bottom
  const std::size_t large = (std::size_t{1} << p) * Heap::granule_bytes;
  CountedHeap region((chain + 1) * (large + 1024) + count * 64 + (64u << 10));
  Heap& heap = region.heap();
  // Small holes first, so they sit low in the region.
  std::vector<void*> keep;
  std::vector<void*> small;
  for (std::size_t i = 0; i < count; ++i) {
    small.push_back(heap.alloc(24));
    keep.push_back(heap.alloc(8));
  }
  // Sizes 2^p + 1 .. 2^p + chain granules share every leading digit: each one
  // inserted goes one level deeper.
  std::vector<void*> large_blocks;
  for (std::size_t k = 1; k <= chain; ++k) {
    large_blocks.push_back(heap.alloc(((std::size_t{1} << p) + k - 1) * Heap::granule_bytes));
    keep.push_back(heap.alloc(8));
  }
  const std::size_t rest = heap.stats().largest_free_block_bytes;
  EXPECT_NE(heap.alloc(rest - Heap::header_bytes), nullptr);
  for (void* s : small) {
    EXPECT_EQ(heap.free(s), Status::ok);
  }
  for (void* b : large_blocks) {
    EXPECT_EQ(heap.free(b), Status::ok);
  }
  Probe probe(heap, "deep trie among " + std::to_string(count) + " small holes");
  const std::size_t bottom = ((std::size_t{1} << p) + chain - 1) * Heap::granule_bytes;
  probe.alloc(bottom);             // the deepest anchor, taken and put back
  probe.alloc(bottom + 8);         // beyond the largest: the whole path, then fails
  probe.alloc(large - 16);         // one granule below the class: the class above, or its minimum
  probe.aligned_alloc(4096, bottom);
  probe.aligned_alloc(1u << 20, large);
  // Removing the root (by merging it with a freed neighbour) moves a leaf up.
  probe.free(keep[count]);
  return probe.worst();
}

// Random operations over a heap kept around `count` free blocks of assorted
// sizes, aligned and not, with reallocs.
Worst random_heap(std::size_t count) {
  CountedHeap region(count * 1200 + (1u << 20));
  Heap& heap = region.heap();
  std::uint64_t state = 0x5EED'0012 + count;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::vector<void*> live;
  while (heap.stats().free_block_count < count) {
    void* p = heap.alloc(8 + next() % 1000);
    if (p == nullptr) {
      break;
    }
    live.push_back(p);
    if (next() % 3 == 0) {
      EXPECT_EQ(heap.free(live[live.size() / 2]), Status::ok);
      live[live.size() / 2] = live.back();
      live.pop_back();
    }
  }
  Probe probe(heap, "random heap of " + std::to_string(count) + " free blocks");
  for (int i = 0; i < 2000 && !live.empty(); ++i) {
    const std::size_t pick = next() % live.size();
    switch (next() % 5) {
      case 0:
        probe.alloc(1 + next() % 4000);
        break;
      case 1:
        probe.aligned_alloc(std::size_t{16} << (next() % 9), 1 + next() % 2000);
        break;
      case 2: {
        void* p = probe.alloc(1 + next() % 1000, true);
        probe.free(live[pick]);
        live[pick] = p;
        if (p == nullptr) {
          live[pick] = live.back();
          live.pop_back();
        }
        break;
      }
      default:
        live[pick] = probe.realloc(live[pick], next() % 4 == 0 ? 64 : 0, 1 + next() % 3000);
        break;
    }
  }
  return probe.worst();
}

// Runs `scenario` for every block count; the worst counts must not grow with it.
template <class Scenario>
void flat_in_the_number_of_blocks(const char* name, Scenario&& scenario) {
  std::vector<Worst> worst;
  for (const std::size_t count : kBlockCounts) {
    worst.push_back(scenario(count));
    if (::testing::Test::HasFailure()) {
      return;
    }
  }
  for (std::size_t i = 1; i < worst.size(); ++i) {
    EXPECT_LE(worst[i].alloc, worst[0].alloc + 2 * L) << name << ": alloc grows with the blocks";
    EXPECT_LE(worst[i].aligned_alloc, worst[0].aligned_alloc + 2 * L) << name << ": aligned_alloc grows";
    EXPECT_LE(worst[i].free, worst[0].free + 2 * L) << name << ": free grows with the blocks";
    EXPECT_LE(worst[i].realloc, worst[0].realloc + 2 * L) << name << ": realloc grows with the blocks";
  }
  const Worst& last = worst.back();
  std::printf("%-34s worst reads at %zu blocks: alloc %llu, aligned_alloc %llu, free %llu, realloc %llu\n", name,
              kBlockCounts[std::size(kBlockCounts) - 1], static_cast<unsigned long long>(last.alloc),
              static_cast<unsigned long long>(last.aligned_alloc), static_cast<unsigned long long>(last.free),
              static_cast<unsigned long long>(last.realloc));
}

TEST(BoundedTime, ARingOfEqualExactSizes) {
  flat_in_the_number_of_blocks("ring of 24-byte holes", [](std::size_t n) { return ring_of_equal_sizes(n, 24); });
}

TEST(BoundedTime, ARingOfEqualSizesInATrieClass) {
  flat_in_the_number_of_blocks("ring of 600-byte holes", [](std::size_t n) { return ring_of_equal_sizes(n, 600); });
}

TEST(BoundedTime, TheOneFitAmongNearMisses) {
  flat_in_the_number_of_blocks("512 among 504-byte holes", one_fit_among_near_misses);
}

TEST(BoundedTime, TheDeepestTrieAmongManyBlocks) {
  flat_in_the_number_of_blocks("deep trie", deep_trie_among_many);
}

TEST(BoundedTime, RandomHeaps) { flat_in_the_number_of_blocks("random heap", random_heap); }

}  // namespace
}  // namespace smh::test
