// Per-attribute statistics: stats(attr) is the field-by-field aggregate of the
// regions matching attr as pool_types.hpp documents it (sums, the maximum for
// largest_free_block_bytes) plus the requests for attr that no region could take;
// failed allocations are counted per attribute, once each. Then a seeded random
// workload (mixed attributes, per-attribute policies, reserved regions, alloc /
// aligned_alloc / realloc / aligned_realloc / free, fill patterns checked) after
// which freeing everything leaves every region one free block and validate() ok.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"
#include "support/prng.hpp"

namespace smh::test {
namespace {

// stats(attr) against the documented aggregate of region_stats(); `pool_failures`
// is the pool's own tally for attr (requests that reached no heap).
template <class P>
::testing::AssertionResult StatsAggregateRegions(const P& pool, std::uint32_t attr, MatchMode mode,
                                                 std::uint64_t pool_failures) {
  HeapStats expected = sum_of_regions(pool, attr, mode);
  expected.failed_alloc_count += pool_failures;
  const std::string diff = stats_diff(expected, pool.stats(attr));
  if (!diff.empty()) {
    return ::testing::AssertionFailure() << "attr 0x" << std::hex << attr << std::dec
                                         << ": expected (sum of regions) vs stats(): " << diff;
  }
  return ::testing::AssertionSuccess();
}

// Two cacheable regions, two non-cacheable, one external, in mixed order.
struct FiveRegions {
  FiveRegions() : buffer(11 * 4096) {
    EXPECT_EQ(pool.init(), Status::ok);
    const std::uint32_t attrs[] = {attr::cacheable, attr::non_cacheable, attr::cacheable, attr::external,
                                   attr::non_cacheable};
    const std::size_t sizes[] = {4096, 2 * 4096, 3 * 4096, 4096, 2048};
    std::size_t offset = 0;
    for (unsigned i = 0; i < 5; ++i) {
      EXPECT_EQ(pool.add(region(buffer.data() + offset, sizes[i], attrs[i])), Status::ok);
      offset += sizes[i] + 512;
    }
  }
  AlignedBuffer buffer;
  Pool pool;
};

TEST(PoolStats, PerAttributeStatsAreTheSumOfTheirRegionsFieldByField) {
  FiveRegions f;
  for (std::uint32_t a = 0; a < 4; ++a) {
    EXPECT_TRUE(StatsAggregateRegions(f.pool, a, MatchMode::exact, 0));
  }
  // Blocks in every region, some freed, some resized, one moved across attributes:
  // the peaks, minima and high-water marks then differ from the current figures.
  std::vector<void*> blocks;
  for (int round = 0; round < 6; ++round) {
    for (std::uint32_t a = 0; a < 3; ++a) {
      blocks.push_back(f.pool.alloc(a, 60 + 70 * static_cast<std::size_t>(round)));
      blocks.push_back(f.pool.aligned_alloc(a, 256, 40));
      ASSERT_NE(blocks[blocks.size() - 2], nullptr);
      ASSERT_NE(blocks.back(), nullptr);
    }
  }
  ASSERT_NE(f.pool.alloc_in(2, 5000), nullptr);
  for (std::size_t i = 0; i < blocks.size(); i += 3) {
    ASSERT_EQ(f.pool.free(blocks[i]), Status::ok);
    blocks[i] = nullptr;
  }
  ASSERT_NE(f.pool.realloc(attr::cacheable, blocks[1], 900), nullptr);
  ASSERT_EQ(region_of(f.pool, blocks[2]), 1);
  ASSERT_NE(f.pool.realloc(attr::cacheable, blocks[2], 64), nullptr);  // non-cacheable -> cacheable

  const HeapStats c = f.pool.stats(attr::cacheable);
  EXPECT_GT(c.peak_allocated_requested_bytes, c.allocated_requested_bytes);
  EXPECT_LT(c.min_free_bytes, c.free_bytes);
  EXPECT_GT(c.alloc_count, c.allocated_block_count);
  for (std::uint32_t a = 0; a < 4; ++a) {
    EXPECT_TRUE(StatsAggregateRegions(f.pool, a, MatchMode::exact, 0));
  }
  // largest_free_block_bytes is the largest over the regions, not their sum.
  EXPECT_EQ(c.largest_free_block_bytes,
            std::max(f.pool.region_stats(0).largest_free_block_bytes, f.pool.region_stats(2).largest_free_block_bytes));
  EXPECT_EQ(c.capacity_bytes, 4096u + 3 * 4096u);
  EXPECT_EQ(f.pool.stats(attr::external).capacity_bytes, 4096u);
  EXPECT_EQ(stats_diff(f.pool.stats(5), HeapStats{}), "") << "an attribute with no region";
  EXPECT_EQ(stats_diff(f.pool.stats(Pool::attribute_count), HeapStats{}), "") << "an unknown attribute";
}

TEST(PoolStats, CapabilityStatsAggregateEveryRegionHavingTheBits) {
  AlignedBuffer buffer(4 * 4096);
  Pool pool;
  PoolConfig config;
  config.mode = MatchMode::capability;
  ASSERT_EQ(pool.init(config), Status::ok);
  const std::uint32_t region_caps[] = {caps::internal | caps::dma, caps::internal, caps::external | caps::cacheable,
                                       caps::internal | caps::cacheable};
  for (unsigned i = 0; i < 4; ++i) {
    ASSERT_EQ(pool.add(region(buffer.data() + i * 4096, 4096 - 8 * i, region_caps[i])), Status::ok);
  }
  for (unsigned i = 0; i < 4; ++i) {
    for (std::size_t n = 16; n < 1500; n *= 3) {
      ASSERT_NE(pool.alloc_in(i, n), nullptr);
    }
  }
  ASSERT_EQ(pool.alloc(caps::internal | caps::exec, 16), nullptr);
  for (std::uint32_t mask : {0u, caps::internal, caps::dma, caps::cacheable, caps::internal | caps::cacheable,
                             caps::external, caps::exec}) {
    EXPECT_TRUE(StatsAggregateRegions(pool, mask, MatchMode::capability, 0));
  }
  EXPECT_EQ(pool.stats(caps::internal).capacity_bytes, 4096u + 4088u + 4072u);
  EXPECT_EQ(pool.failed_alloc_count(), 1u) << "capability mode keeps only the pool-wide tally";
}

TEST(PoolStats, FailedAllocationsAreCountedPerAttribute) {
  FiveRegions f;
  EXPECT_EQ(f.pool.alloc(attr::cacheable, 20000), nullptr);
  EXPECT_EQ(f.pool.aligned_alloc(attr::cacheable, 64, 20000), nullptr);
  EXPECT_EQ(f.pool.alloc(attr::non_cacheable, 9000), nullptr);
  EXPECT_EQ(f.pool.alloc(6, 16), nullptr) << "a valid attribute with no region";
  EXPECT_EQ(f.pool.alloc(attr::cacheable, 0), nullptr) << "size 0 is not a request";
  EXPECT_EQ(f.pool.stats(attr::cacheable).failed_alloc_count, 2u);
  EXPECT_EQ(f.pool.stats(attr::non_cacheable).failed_alloc_count, 1u);
  EXPECT_EQ(f.pool.stats(attr::external).failed_alloc_count, 0u);
  EXPECT_EQ(f.pool.stats(6).failed_alloc_count, 1u);
  EXPECT_EQ(f.pool.failed_alloc_count(), 4u);
  // Unknown attributes only count pool-wide.
  EXPECT_EQ(f.pool.alloc(Pool::attribute_count, 16), nullptr);
  EXPECT_EQ(f.pool.failed_alloc_count(), 5u);
  EXPECT_EQ(f.pool.stats(attr::cacheable).failed_alloc_count, 2u);
  // The regions never saw these requests.
  for (unsigned i = 0; i < 5; ++i) {
    EXPECT_EQ(f.pool.region_stats(i).failed_alloc_count, 0u) << i;
  }
  for (std::uint32_t a = 0; a < 3; ++a) {
    EXPECT_TRUE(StatsAggregateRegions(f.pool, a, MatchMode::exact, a == attr::cacheable ? 2 : a == 1 ? 1 : 0));
  }
}

// One failed realloc is one failed allocation for its attribute, however it fails:
// for lack of room (the owning heap cannot resize, no region can take the move) or
// because the size is beyond any heap.
TEST(PoolStats, AFailedReallocIsCountedOnceForItsAttribute) {
  FiveRegions f;
  void* p = f.pool.alloc(attr::cacheable, 64);
  ASSERT_EQ(region_of(f.pool, p), 0);
  const std::size_t sizes[] = {20000, static_cast<std::size_t>(-1) / 2};
  for (std::size_t n : sizes) {
    SCOPED_TRACE(n);
    const std::uint64_t attribute_before = f.pool.stats(attr::cacheable).failed_alloc_count;
    const std::uint64_t pool_before = f.pool.failed_alloc_count();
    EXPECT_EQ(f.pool.realloc(attr::cacheable, p, n), nullptr);
    EXPECT_EQ(f.pool.stats(attr::cacheable).failed_alloc_count, attribute_before + 1);
    EXPECT_EQ(f.pool.failed_alloc_count(), pool_before + 1);
  }
  EXPECT_EQ(f.pool.usable_size(p), 64u);
}

// ---------------------------------------------------------------- seeded workload

constexpr std::uint64_t kSeeds[] = {1, 2, 3, 42, 0x5EED, 0xC0FFEE, 0xDEADBEEF};
constexpr std::size_t kOps = 2500;
constexpr std::uint32_t kAttributes = 3;  // cacheable, non-cacheable, external

struct Live {
  void* p;
  std::size_t requested;
  std::uint32_t attr;
  std::uint64_t id;
};

class Workload {
 public:
  explicit Workload(std::uint64_t seed)
      : seed_(seed), rng_(Rng::stream(seed, "pool_stats_workload")), buffer_(96 * 1024) {}

  void run() {
    build();
    if (::testing::Test::HasFatalFailure()) return;
    for (std::size_t op = 0; op < kOps; ++op) {
      op_ = op;
      if (op % 400 == 0) {
        shuffle_policies();
      }
      step();
      if (::testing::Test::HasFatalFailure()) return;
      if (op % 50 == 0) {
        check_everything();
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
    op_ = kOps;
    check_everything();
    if (::testing::Test::HasFatalFailure()) return;
    // Free everything in random order.
    while (!live_.empty()) {
      free_at(static_cast<std::size_t>(rng_.below(live_.size())));
      if (::testing::Test::HasFatalFailure()) return;
    }
    check_everything();
    EXPECT_TRUE(EveryRegionOneFreeBlock(pool_)) << where("after freeing everything");
    for (unsigned i = 0; i < pool_.region_count(); ++i) {
      const HeapStats s = pool_.region_stats(i);
      EXPECT_EQ(s.alloc_count, s.free_count) << where("region") << " " << i;
    }
  }

 private:
  using Rng = smh::sim::Rng;

  std::string where(const char* what) const {
    std::ostringstream os;
    os << "seed " << seed_ << " op " << op_ << " (" << what << ")";
    return os.str();
  }

  // 5 to 8 regions of 2..12 KiB, attributes drawn (external may have none),
  // gaps of 0..256 bytes; now and then one reserved; random size_threshold roles.
  void build() {
    PoolConfig config;
    config.size_threshold_bytes = static_cast<std::size_t>(rng_.between(32, 1024));
    ASSERT_EQ(pool_.init(config), Status::ok);
    const unsigned count = static_cast<unsigned>(rng_.between(5, 8));
    std::size_t offset = 0;
    for (unsigned i = 0; i < count; ++i) {
      const std::size_t size = static_cast<std::size_t>(rng_.between(256, 1536)) * 8;
      const auto a = static_cast<std::uint32_t>(rng_.below(kAttributes));
      const bool reserved = rng_.chance(1, 8);
      const auto role = static_cast<RegionRole>(rng_.below(3));
      ASSERT_LE(offset + size, buffer_.size());
      ASSERT_EQ(pool_.add(region(buffer_.data() + offset, size, a, reserved, role)), Status::ok) << where("add");
      offset += size + static_cast<std::size_t>(rng_.below(33)) * 8;
    }
  }

  void shuffle_policies() {
    for (std::uint32_t a = 0; a < kAttributes; ++a) {
      ASSERT_EQ(pool_.set_policy(a, static_cast<Policy>(rng_.below(policy_count))), Status::ok);
    }
  }

  std::size_t draw_size() {
    if (rng_.chance(1, 30)) {
      return static_cast<std::size_t>(rng_.between(2048, 9000));
    }
    return static_cast<std::size_t>(rng_.log_uniform(1, 1024));
  }
  std::size_t draw_align() { return std::size_t{8} << rng_.below(8); }  // 8..1024

  // A block the pool just returned for attr: in a region with that attribute, not
  // reserved, aligned, big enough; then filled.
  void accept(void* p, std::size_t n, std::size_t align, std::uint32_t a, const char* what) {
    const Owner o = pool_.owner(p);
    ASSERT_TRUE(o.found) << where(what);
    const RegionConfig* config = pool_.region_config(o.region);
    ASSERT_EQ(config->attr, a) << where(what) << ": block in a region of another attribute";
    ASSERT_FALSE(config->reserved) << where(what) << ": an attribute request reached a reserved region";
    ASSERT_EQ(address_of(p) % (align == 0 ? 8 : align), 0u) << where(what);
    ASSERT_GE(pool_.usable_size(p), n) << where(what);
  }

  void step() {
    const std::uint64_t dice = rng_.below(100);
    if (live_.empty() || dice < 45) {
      const auto a = static_cast<std::uint32_t>(rng_.below(kAttributes));
      const std::size_t n = draw_size();
      const bool aligned = dice % 3 == 0;
      const std::size_t align = aligned ? draw_align() : 0;
      void* p = aligned ? pool_.aligned_alloc(a, align, n) : pool_.alloc(a, n);
      if (p == nullptr) {
        ++failures_[a];
        return;
      }
      accept(p, n, align, a, "alloc");
      const std::uint64_t id = next_id_++;
      fill_block(p, n, id);
      live_.push_back({p, n, a, id});
    } else if (dice < 70) {
      const auto index = static_cast<std::size_t>(rng_.below(live_.size()));
      Live& block = live_[index];
      ASSERT_EQ(first_bad_byte(block.p, block.requested, block.id), block.requested) << where("before realloc");
      const auto a = rng_.chance(1, 3) ? static_cast<std::uint32_t>(rng_.below(kAttributes)) : block.attr;
      const std::size_t n = draw_size();
      const bool aligned = dice % 2 == 0;
      const std::size_t align = aligned ? draw_align() : 0;
      void* q = aligned ? pool_.aligned_realloc(a, block.p, align, n) : pool_.realloc(a, block.p, n);
      if (q == nullptr) {
        ++failures_[a];
        ASSERT_EQ(first_bad_byte(block.p, block.requested, block.id), block.requested) << where("failed realloc");
        ASSERT_TRUE(pool_.owner(block.p).found);
        return;
      }
      accept(q, n, align, a, "realloc");
      const std::size_t kept = block.requested < n ? block.requested : n;
      ASSERT_EQ(first_bad_byte(q, kept, block.id), kept) << where("realloc kept bytes");
      block.id = next_id_++;
      block.p = q;
      block.requested = n;
      block.attr = a;
      fill_block(q, n, block.id);
    } else {
      free_at(static_cast<std::size_t>(rng_.below(live_.size())));
    }
  }

  void free_at(std::size_t index) {
    const Live block = live_[index];
    ASSERT_EQ(first_bad_byte(block.p, block.requested, block.id), block.requested) << where("before free");
    ASSERT_EQ(pool_.free(block.p), Status::ok) << where("free");
    live_[index] = live_.back();
    live_.pop_back();
  }

  void check_everything() {
    ASSERT_TRUE(PoolValid(pool_)) << where("validate");
    for (const Live& block : live_) {
      ASSERT_EQ(first_bad_byte(block.p, block.requested, block.id), block.requested) << where("pattern sweep");
    }
    std::uint64_t all_failures = 0;
    std::size_t live_blocks = 0;
    for (std::uint32_t a = 0; a < kAttributes; ++a) {
      ASSERT_TRUE(StatsAggregateRegions(pool_, a, MatchMode::exact, failures_[a])) << where("stats");
      all_failures += failures_[a];
      live_blocks += pool_.stats(a).allocated_block_count;
    }
    ASSERT_EQ(live_blocks, live_.size()) << where("block count");
    ASSERT_EQ(pool_.failed_alloc_count(), all_failures) << where("pool failures");
    for (unsigned i = 0; i < pool_.region_count(); ++i) {
      ASSERT_EQ(pool_.region_stats(i).failed_alloc_count, 0u) << where("a heap saw a failing request");
    }
  }

  std::uint64_t seed_;
  Rng rng_;
  AlignedBuffer buffer_;
  Pool pool_;
  std::vector<Live> live_;
  std::uint64_t failures_[kAttributes] = {};
  std::uint64_t next_id_ = 1;
  std::size_t op_ = 0;
};

class PoolStatsWorkload : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(PoolStatsWorkload, FreeingEverythingLeavesEveryRegionOneFreeBlock) {
  Workload workload(GetParam());
  workload.run();
}

INSTANTIATE_TEST_SUITE_P(Seeds, PoolStatsWorkload, ::testing::ValuesIn(kSeeds));

}  // namespace
}  // namespace smh::test
