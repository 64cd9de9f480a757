// Heap::usable_size_unchecked and BasicPool::usable_size_unchecked, the readers
// for a block just returned (heap.hpp): on every block a random mix of alloc,
// aligned_alloc, realloc (grown and shrunk in place, moved) and free hands out,
// they give what the checked usable_size gives, while other blocks come and go.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "smh/heap.hpp"
#include "smh/pool.hpp"
#include "support/heap_test_support.hpp"
#include "support/pool_test_support.hpp"
#include "support/prng.hpp"

namespace smh::test {
namespace {

constexpr unsigned kSteps = 4000;

// One step of the mix against `target` (a Heap or a pool bound to one attribute):
// returns the block it placed (nullptr: it freed, or the request failed).
template <class Target>
void* random_step(Target& target, Prng& rng, std::vector<void*>& live) {
  const std::size_t size_bytes = rng.log_uniform(1, 2048);
  const std::size_t align_bytes = rng.below(3) == 0 ? std::size_t{8} << rng.below(7) : 0;  // 8 .. 512
  const std::uint64_t kind = rng.below(8);
  if (kind < 3 || live.empty()) {
    void* ptr = target.aligned_alloc(align_bytes, size_bytes);
    if (ptr != nullptr) {
      live.push_back(ptr);
    }
    return ptr;
  }
  const std::size_t pick = rng.below(live.size());
  if (kind < 6) {  // grows, shrinks, stays put or moves
    void* ptr = target.aligned_realloc(live[pick], align_bytes, size_bytes);
    if (ptr != nullptr) {
      live[pick] = ptr;
    }
    return ptr;
  }
  EXPECT_EQ(target.free(live[pick]), Status::ok);
  live[pick] = live.back();
  live.pop_back();
  return nullptr;
}

TEST(HeapUsableSizeUnchecked, EqualsUsableSizeOnEveryBlockTheHeapReturns) {
  OwnedHeap h(256 * 1024);
  ASSERT_EQ(h.status, Status::ok);
  Prng rng(16);
  std::vector<void*> live;
  unsigned placed = 0;
  for (unsigned step = 0; step < kSteps; ++step) {
    void* ptr = random_step(h.heap, rng, live);
    if (ptr == nullptr) {
      continue;
    }
    ++placed;
    ASSERT_EQ(h.heap.usable_size_unchecked(ptr), h.heap.usable_size(ptr)) << "step " << step;
    ASSERT_NE(h.heap.usable_size(ptr), 0u) << "step " << step;
  }
  EXPECT_GT(placed, kSteps / 2);
  for (void* ptr : live) {  // still true for a block others were placed and freed around
    EXPECT_EQ(h.heap.usable_size_unchecked(ptr), h.heap.usable_size(ptr));
  }
  EXPECT_TRUE(HeapConsistent(h.heap));
}

// The pool's entry point finds the owning region first: three regions, two of
// them sharing the attribute, so that blocks land in (and move between) several.
struct OneAttributePool {
  explicit OneAttributePool(BasicPool<8, 8, 3>& pool) : pool(pool) {}
  void* aligned_alloc(std::size_t align_bytes, std::size_t size_bytes) {
    return pool.aligned_alloc(attr::cacheable, align_bytes, size_bytes);
  }
  void* aligned_realloc(void* ptr, std::size_t align_bytes, std::size_t size_bytes) {
    return pool.aligned_realloc(attr::cacheable, ptr, align_bytes, size_bytes);
  }
  Status free(void* ptr) { return pool.free(ptr); }
  BasicPool<8, 8, 3>& pool;
};

TEST(PoolUsableSizeUnchecked, EqualsUsableSizeOnEveryBlockThePoolReturns) {
  ZephyrLayout layout(64);
  BasicPool<8, 8, 3> pool;
  ASSERT_EQ(pool.init(), Status::ok);
  ASSERT_EQ(pool.add(layout.res0()), Status::ok);
  ASSERT_EQ(pool.add(layout.res1()), Status::ok);
  ASSERT_EQ(pool.add(layout.res2()), Status::ok);
  OneAttributePool target(pool);
  Prng rng(61);
  std::vector<void*> live;
  std::vector<unsigned> blocks_per_region(3, 0);
  for (unsigned step = 0; step < kSteps; ++step) {
    void* ptr = random_step(target, rng, live);
    if (ptr == nullptr) {
      continue;
    }
    ++blocks_per_region[static_cast<unsigned>(region_of(pool, ptr))];
    ASSERT_EQ(pool.usable_size_unchecked(ptr), pool.usable_size(ptr)) << "step " << step;
    ASSERT_NE(pool.usable_size(ptr), 0u) << "step " << step;
  }
  EXPECT_GT(blocks_per_region[0], 0u);
  EXPECT_GT(blocks_per_region[2], 0u);
  EXPECT_EQ(blocks_per_region[1], 0u) << "res1 is non-cacheable";
}

}  // namespace
}  // namespace smh::test
