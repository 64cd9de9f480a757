// The pool's fault-injection hook (PoolHooks::refuse_alloc, host builds only:
// SMH_FAULT_HOOKS): asked once per region selection with the attribute and the
// size; a refusal fails that selection as if no region had room (nothing is
// searched or taken, the failure is counted), and the pool is otherwise
// untouched: the next request is served as if the refusal never happened.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"

namespace smh::test {
namespace {

static_assert(SMH_FAULT_HOOKS, "the host core carries the fault hook (core/CMakeLists.txt)");

// Refuses the next `refusals` selections and notes every question asked.
struct Refuser {
  unsigned refusals = 0;
  std::vector<std::pair<std::uint32_t, std::size_t>> asked;  // attr, size_bytes

  PoolHooks hooks() {
    PoolHooks h;
    h.context = this;
    h.refuse_alloc = [](void* context, std::uint32_t attr, std::size_t size_bytes) {
      auto& self = *static_cast<Refuser*>(context);
      self.asked.emplace_back(attr, size_bytes);
      if (self.refusals == 0) {
        return false;
      }
      --self.refusals;
      return true;
    };
    return h;
  }
};

TEST(PoolFaultHook, RefusesOneAllocationAndCountsItAsFailed) {
  ZephyrLayout layout;
  BasicPool<3> pool;
  ASSERT_EQ(pool.init(), Status::ok);
  ASSERT_EQ(pool.add(layout.res0()), Status::ok);
  Refuser refuser{1, {}};
  pool.set_hooks(refuser.hooks());
  const std::uint64_t searches_before = pool.heap_search_count();
  EXPECT_EQ(pool.aligned_alloc(attr::cacheable, 16, 100), nullptr);
  EXPECT_EQ(pool.failed_alloc_count(), 1u);
  EXPECT_EQ(pool.heap_search_count(), searches_before);  // nothing searched
  EXPECT_EQ(pool.region_stats(0).allocated_block_count, 0u);
  ASSERT_EQ(refuser.asked.size(), 1u);
  EXPECT_EQ(refuser.asked[0], (std::pair<std::uint32_t, std::size_t>{attr::cacheable, 100}));
  void* served = pool.aligned_alloc(attr::cacheable, 16, 100);  // the refusal is spent
  EXPECT_NE(served, nullptr);
  EXPECT_EQ(pool.failed_alloc_count(), 1u);
  EXPECT_TRUE(pool.validate().ok());
}

TEST(PoolFaultHook, IsAskedForEachAttributeOfAPreferenceChain) {
  ZephyrLayout layout;
  BasicPool<3> pool;
  ASSERT_EQ(pool.init(), Status::ok);
  ASSERT_EQ(pool.add(layout.res0()), Status::ok);
  ASSERT_EQ(pool.add(layout.res1()), Status::ok);
  Refuser refuser{1, {}};
  pool.set_hooks(refuser.hooks());
  // The first attribute is refused, the second serves: the block is non-cacheable.
  void* ptr = pool.alloc_prefer({attr::cacheable, attr::non_cacheable}, 64);
  ASSERT_NE(ptr, nullptr);
  EXPECT_EQ(pool.owner(ptr).region, 1u);
  ASSERT_EQ(refuser.asked.size(), 2u);
  EXPECT_EQ(refuser.asked[1].first, attr::non_cacheable);
  // Both refused: the chain fails, counted once.
  refuser.refusals = 2;
  EXPECT_EQ(pool.alloc_prefer({attr::cacheable, attr::non_cacheable}, 64), nullptr);
  EXPECT_EQ(pool.failed_alloc_count(), 1u);
}

TEST(PoolFaultHook, ARefusedReallocMoveLeavesTheBlockWhereItWas) {
  ZephyrLayout layout;
  BasicPool<3> pool;
  ASSERT_EQ(pool.init(), Status::ok);
  ASSERT_EQ(pool.add(layout.res0()), Status::ok);
  ASSERT_EQ(pool.add(layout.res1()), Status::ok);
  void* ptr = pool.alloc(attr::non_cacheable, 64);
  ASSERT_NE(ptr, nullptr);
  Refuser refuser{1, {}};
  pool.set_hooks(refuser.hooks());
  // A cacheable realloc of a non-cacheable block must move; the move is refused.
  EXPECT_EQ(pool.realloc(attr::cacheable, ptr, 64), nullptr);
  EXPECT_EQ(pool.owner(ptr).region, 1u);
  EXPECT_EQ(pool.usable_size(ptr), 64u);
  EXPECT_EQ(refuser.asked.size(), 1u);
  EXPECT_TRUE(pool.validate().ok());
}

TEST(PoolFaultHook, UnsetAsksNothingAndServes) {
  ZephyrLayout layout;
  BasicPool<3> pool;
  ASSERT_EQ(pool.init(), Status::ok);
  ASSERT_EQ(pool.add(layout.res0()), Status::ok);
  pool.set_hooks(PoolHooks{});
  EXPECT_NE(pool.alloc(attr::cacheable, 64), nullptr);
  EXPECT_EQ(pool.failed_alloc_count(), 0u);
}

}  // namespace
}  // namespace smh::test
