// aligned_realloc to an alignment larger than the block's own region: that heap
// cannot give it to a new block, but the pool can elsewhere, so the block moves to
// a region that can (or the realloc fails, counted once for its attribute, and
// the block stays), even a block that happens to have the alignment already: a
// region never serves an alignment beyond its size. It used to come back nullptr
// without moving or counting (found by the pool model property,
// props/pool_model_props.cpp).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"

namespace smh::test {
namespace {

constexpr std::size_t small_bytes = 256;
constexpr std::size_t large_bytes = 8192;

struct TwoRegions {
  TwoRegions() : buffer(small_bytes + large_bytes, 8192) {
    EXPECT_EQ(pool.init(), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data(), small_bytes, attr::cacheable)), Status::ok);
    EXPECT_EQ(pool.add(region(buffer.data() + small_bytes, large_bytes, attr::cacheable)), Status::ok);
  }
  AlignedBuffer buffer;
  BasicPool<4, 4, 3> pool;
};

TEST(PoolReallocAlignment, AnAlignmentBeyondTheBlocksRegionMovesItToARegionThatCanHoldIt) {
  TwoRegions r;
  void* p = r.pool.alloc(attr::cacheable, 24);
  ASSERT_EQ(region_of(r.pool, p), 0);
  fill_block(p, 24, 7);
  void* q = r.pool.aligned_realloc(attr::cacheable, p, 1024, 40);
  ASSERT_NE(q, nullptr) << "the 8 KiB region can give 1024-byte alignment";
  EXPECT_EQ(region_of(r.pool, q), 1);
  EXPECT_EQ(address_of(q) % 1024, 0u);
  EXPECT_EQ(first_bad_byte(q, 24, 7), 24u) << "the contents moved with the block";
  EXPECT_EQ(r.pool.region_stats(0).allocated_block_count, 0u);
  EXPECT_EQ(r.pool.failed_alloc_count(), 0u);
  EXPECT_TRUE(PoolValid(r.pool));
}

TEST(PoolReallocAlignment, AnAlignmentNoRegionCanGiveFailsOnceAndKeepsTheBlock) {
  TwoRegions r;
  void* p = r.pool.alloc(attr::cacheable, 24);
  ASSERT_EQ(region_of(r.pool, p), 0);
  fill_block(p, 24, 8);
  EXPECT_EQ(r.pool.aligned_realloc(attr::cacheable, p, 16384, 40), nullptr);
  EXPECT_EQ(r.pool.failed_alloc_count(), 1u);
  EXPECT_EQ(r.pool.stats(attr::cacheable).failed_alloc_count, 1u);
  EXPECT_EQ(r.pool.usable_size(p), 24u);
  EXPECT_EQ(first_bad_byte(p, 24, 8), 24u);
  EXPECT_TRUE(PoolValid(r.pool));
}

TEST(PoolReallocAlignment, ABlockThatHappensToHaveTheAlignmentMovesAllTheSame) {
  AlignedBuffer buffer(2048 + large_bytes, 8192);
  BasicPool<4, 4, 3> pool;
  ASSERT_EQ(pool.init(), Status::ok);
  // The first payload of a region is 8 bytes past its start: here at buffer + 1024.
  ASSERT_EQ(pool.add(region(buffer.data() + 1016, small_bytes, attr::cacheable)), Status::ok);
  ASSERT_EQ(pool.add(region(buffer.data() + 2048, large_bytes, attr::cacheable)), Status::ok);
  void* p = pool.alloc(attr::cacheable, 24);
  ASSERT_EQ(region_of(pool, p), 0);
  ASSERT_EQ(address_of(p) % 1024, 0u);
  void* q = pool.aligned_realloc(attr::cacheable, p, 1024, 40);
  EXPECT_EQ(region_of(pool, q), 1);
  EXPECT_EQ(address_of(q) % 1024, 0u);
  EXPECT_EQ(pool.failed_alloc_count(), 0u);
  EXPECT_TRUE(PoolValid(pool));
}

}  // namespace
}  // namespace smh::test
