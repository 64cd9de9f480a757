// BasicPool's policy set (pool_types.hpp, PolicySet): a pool built for fewer
// policies refuses the others at init() and set_policy() with invalid_argument
// and stays as it was, and for every policy it does run it places each request
// exactly where the pool with all six does, with the same heap searches.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"

namespace smh::test {
namespace {

constexpr auto in_order_policies = static_cast<PolicySet>(all_policies & ~keyed_policies);

using FullPool = BasicPool<3, 3, 3>;
using FirstFitPool = BasicPool<3, 3, 3, NoLock, first_fit_only>;
using InOrderPool = BasicPool<3, 3, 3, NoLock, in_order_policies>;

constexpr Policy every_policy[] = {Policy::first_fit,   Policy::best_fit,    Policy::worst_fit,
                                   Policy::smallest_region_first, Policy::round_robin, Policy::size_threshold};

TEST(PoolPolicySet, TheSetsNameTheirPolicies) {
  static_assert(FullPool::policies == all_policies && FirstFitPool::policies == first_fit_only);
  for (const Policy policy : every_policy) {
    EXPECT_TRUE(policy_in(all_policies, policy)) << to_string(policy);
    EXPECT_EQ(policy_in(first_fit_only, policy), policy == Policy::first_fit) << to_string(policy);
    EXPECT_EQ(policy_in(in_order_policies, policy), policy != Policy::best_fit && policy != Policy::worst_fit)
        << to_string(policy);
  }
  EXPECT_FALSE(policy_in(all_policies, static_cast<Policy>(policy_count)));
  EXPECT_FALSE(policy_in(all_policies, static_cast<Policy>(255)));
}

// Every policy outside the set is refused by init (which leaves the pool
// uninitialised) and by both set_policy calls (which leave every policy as it was).
template <class Pool>
void expect_refuses_outside_its_set() {
  for (const Policy policy : every_policy) {
    if (policy_in(Pool::policies, policy)) {
      continue;
    }
    Pool pool;
    PoolConfig config;
    config.policy = policy;
    EXPECT_EQ(pool.init(config), Status::invalid_argument) << to_string(policy);
    AlignedBuffer buffer(4096);
    EXPECT_EQ(pool.add(region(buffer.data(), 4096, attr::cacheable)), Status::not_initialized);
    ASSERT_EQ(pool.init(), Status::ok) << "first_fit, the default, is in every set tested";
    EXPECT_EQ(pool.set_policy(policy), Status::invalid_argument) << to_string(policy);
    EXPECT_EQ(pool.set_policy(attr::non_cacheable, policy), Status::invalid_argument) << to_string(policy);
    for (std::uint32_t attr = 0; attr < Pool::attribute_count; ++attr) {
      EXPECT_EQ(pool.policy_for(attr), Policy::first_fit);
    }
  }
  Pool pool;
  for (const Policy policy : every_policy) {
    if (policy_in(Pool::policies, policy)) {
      EXPECT_EQ(pool.set_policy(attr::cacheable, policy), Status::ok) << to_string(policy);
    }
  }
}

TEST(PoolPolicySet, FirstFitOnlyRefusesEveryOtherPolicy) { expect_refuses_outside_its_set<FirstFitPool>(); }
TEST(PoolPolicySet, InOrderRefusesTheKeyedPolicies) { expect_refuses_outside_its_set<InOrderPool>(); }

// One deterministic workload (an LCG: allocations of 8..1032 bytes, one in four
// 64-byte aligned, and frees of a live block) over three cacheable regions of
// 8, 4 and 12 KiB (the first for small requests, the second for large ones:
// size_threshold reads the roles, the others ignore them). Returns each
// allocation's offset in the buffer (-1: refused), then the heap searches made.
template <class Pool>
std::vector<std::int64_t> placements(Policy policy) {
  AlignedBuffer buffer(24 * 1024, 4096);
  Pool pool;
  PoolConfig config;
  config.policy = policy;
  config.size_threshold_bytes = 256;
  EXPECT_EQ(pool.init(config), Status::ok);
  EXPECT_EQ(pool.add(region(buffer.data(), 8192, attr::cacheable, false, RegionRole::small_requests)), Status::ok);
  EXPECT_EQ(pool.add(region(buffer.data() + 8192, 4096, attr::cacheable, false, RegionRole::large_requests)),
            Status::ok);
  EXPECT_EQ(pool.add(region(buffer.data() + 12288, 12288, attr::cacheable)), Status::ok);
  std::vector<std::int64_t> out;
  std::vector<void*> live;
  std::uint32_t state = 12345;
  for (int step = 0; step < 600; ++step) {
    state = state * 1664525u + 1013904223u;
    const std::uint32_t r = state >> 8;
    if (live.size() < 8 || r % 3 != 0) {
      void* block = pool.aligned_alloc(attr::cacheable, r % 4 == 0 ? 64 : 0, 8 + (r >> 4) % 1025);
      out.push_back(block == nullptr ? -1 : static_cast<std::int64_t>(address_of(block) - address_of(buffer.data())));
      if (block != nullptr) {
        live.push_back(block);
      }
    } else {
      const std::size_t victim = (r >> 4) % live.size();
      EXPECT_EQ(pool.free(live[victim]), Status::ok);
      live[victim] = live.back();
      live.pop_back();
    }
  }
  out.push_back(static_cast<std::int64_t>(pool.heap_search_count()));
  EXPECT_TRUE(pool.validate().ok());
  return out;
}

TEST(PoolPolicySet, EachPolicyPlacesAsInTheFullPool) {
  for (const Policy policy : every_policy) {
    const std::vector<std::int64_t> full = placements<FullPool>(policy);
    ASSERT_GT(full.size(), 300u);
    EXPECT_GT(std::count(full.begin(), full.end() - 1, -1), 0) << "the workload must reach refusals too";
    if (policy_in(in_order_policies, policy)) {
      EXPECT_EQ(placements<InOrderPool>(policy), full) << to_string(policy);
    }
    if (policy == Policy::first_fit) {
      EXPECT_EQ(placements<FirstFitPool>(policy), full);
    }
  }
}

}  // namespace
}  // namespace smh::test
