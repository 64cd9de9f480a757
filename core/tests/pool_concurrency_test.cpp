// One pool shared by 4 threads, 20 000 operations each, with the pool's lock as
// the only synchronisation: BasicPool<.., HostMutexLock> and BasicPool<.., SpinLock>.
// Each operation: aligned_alloc(attr, 16, n), write the thread's fill pattern,
// check it, one time in four aligned_realloc (possibly to the other attribute) and
// check the preserved prefix, and later free the block (each thread keeps a small
// window of live blocks, so blocks of all threads interleave in every region).
// Afterwards: no pattern was ever corrupted, every block landed in a region of
// its attribute, each region's largest free block is what it was before, and
// validate() passes. Built under the tsan preset, it also proves that the pool's
// locking leaves no data race (realloc's copy runs outside the lock).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "smh/host_mutex_lock.hpp"
#include "smh/locks.hpp"
#include "smh/pool.hpp"
#include "support/pool_test_support.hpp"
#include "support/prng.hpp"

namespace smh::test {
namespace {

constexpr unsigned kThreads = 4;
constexpr unsigned kOpsPerThread = 20000;
constexpr unsigned kWindow = 6;        // live blocks a thread keeps
constexpr std::size_t kMaxSize = 512;  // alloc sizes 1..512, realloc 1..768
constexpr std::size_t kAlign = 16;
constexpr std::uint64_t kSeed = 0xC0C0A;

struct ThreadReport {
  std::uint64_t corruptions = 0;       // pattern bytes found changed
  std::uint64_t wrong_region = 0;      // blocks in a region of another attribute
  std::uint64_t misaligned = 0;
  std::uint64_t bad_frees = 0;         // free() that did not return ok
  std::uint64_t failed_allocs = 0;     // nullptr from alloc (tolerated, counted)
  std::uint64_t failed_reallocs = 0;
  std::uint64_t reallocs = 0;
  std::uint64_t moved = 0;
};

struct Block {
  void* p = nullptr;
  std::size_t n = 0;
  std::uint64_t id = 0;
};

template <class P>
class Worker {
 public:
  Worker(P& pool, unsigned thread, ThreadReport& report)
      : pool_(pool), thread_(thread), report_(report), rng_(smh::sim::Rng::stream(kSeed + thread, "pool_thread")) {}

  void operator()() {
    Block window[kWindow];
    for (unsigned op = 0; op < kOpsPerThread; ++op) {
      Block& slot = window[rng_.below(kWindow)];
      release(slot);
      const auto attr = static_cast<std::uint32_t>(rng_.below(2));
      const std::size_t n = static_cast<std::size_t>(rng_.between(1, kMaxSize));
      void* p = pool_.aligned_alloc(attr, kAlign, n);
      if (p == nullptr) {
        ++report_.failed_allocs;
        continue;
      }
      check_placement(p, attr);
      slot = Block{p, n, next_id()};
      fill_block(p, n, slot.id);
      verify(slot);
      if (rng_.below(4) == 0) {
        resize(slot);
      }
    }
    for (Block& slot : window) {
      release(slot);
    }
  }

 private:
  // Ids carry the thread in their low bits, so every thread writes its own pattern.
  std::uint64_t next_id() { return (counter_++ << 2) | thread_; }

  void verify(const Block& block) {
    if (first_bad_byte(block.p, block.n, block.id) != block.n) {
      ++report_.corruptions;
    }
  }

  void check_placement(void* p, std::uint32_t attr) {
    const Owner owner = pool_.owner(p);
    if (!owner.found || pool_.region_config(owner.region)->attr != attr) {
      ++report_.wrong_region;
    }
    if (address_of(p) % kAlign != 0) {
      ++report_.misaligned;
    }
  }

  void resize(Block& block) {
    ++report_.reallocs;
    const auto attr = static_cast<std::uint32_t>(rng_.below(2));
    const std::size_t n = static_cast<std::size_t>(rng_.between(1, kMaxSize + kMaxSize / 2));
    void* q = pool_.aligned_realloc(attr, block.p, kAlign, n);
    if (q == nullptr) {
      ++report_.failed_reallocs;
      verify(block);  // the old block is intact
      return;
    }
    check_placement(q, attr);
    report_.moved += q != block.p ? 1 : 0;
    const std::size_t kept = block.n < n ? block.n : n;
    if (first_bad_byte(q, kept, block.id) != kept) {
      ++report_.corruptions;
    }
    block = Block{q, n, next_id()};
    fill_block(q, n, block.id);
    verify(block);
  }

  void release(Block& block) {
    if (block.p == nullptr) {
      return;
    }
    verify(block);
    if (pool_.free(block.p) != Status::ok) {
      ++report_.bad_frees;
    }
    block = Block{};
  }

  P& pool_;
  std::uint64_t thread_;
  ThreadReport& report_;
  smh::sim::Rng rng_;
  std::uint64_t counter_ = 1;
};

template <class Lock>
void run_shared_pool_workload() {
  using P = BasicPool<8, 8, 3, Lock>;
  // Two cacheable and two non-cacheable regions of 4 and 8 KiB: the live blocks of
  // one attribute (on average 12 of about 260 bytes, at most 24 of 776) fit with
  // margin, so failures stay rare, yet the regions are small enough that every one
  // of them serves blocks of every thread side by side.
  const std::size_t sizes[] = {4 * 1024, 8 * 1024, 4 * 1024, 8 * 1024};
  const std::uint32_t attrs[] = {attr::cacheable, attr::non_cacheable, attr::non_cacheable, attr::cacheable};
  AlignedBuffer buffer(24 * 1024 + 4 * 64);
  auto pool = std::make_unique<P>();
  ASSERT_EQ(pool->init(), Status::ok);
  std::size_t offset = 0;
  for (unsigned i = 0; i < 4; ++i) {
    ASSERT_EQ(pool->add(region(buffer.data() + offset, sizes[i], attrs[i])), Status::ok);
    offset += sizes[i] + 64;
  }
  // Different policies per attribute, so the shared round-robin cursor and the
  // stats-reading policies are exercised concurrently too.
  ASSERT_EQ(pool->set_policy(attr::cacheable, Policy::round_robin), Status::ok);
  ASSERT_EQ(pool->set_policy(attr::non_cacheable, Policy::worst_fit), Status::ok);

  std::vector<std::size_t> largest_before;
  for (unsigned i = 0; i < pool->region_count(); ++i) {
    largest_before.push_back(pool->region_stats(i).largest_free_block_bytes);
  }

  ThreadReport reports[kThreads];
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back(Worker<P>(*pool, t, reports[t]));
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  ThreadReport total;
  for (const ThreadReport& r : reports) {
    total.corruptions += r.corruptions;
    total.wrong_region += r.wrong_region;
    total.misaligned += r.misaligned;
    total.bad_frees += r.bad_frees;
    total.failed_allocs += r.failed_allocs;
    total.failed_reallocs += r.failed_reallocs;
    total.reallocs += r.reallocs;
    total.moved += r.moved;
  }
  EXPECT_EQ(total.corruptions, 0u);
  EXPECT_EQ(total.wrong_region, 0u);
  EXPECT_EQ(total.misaligned, 0u);
  EXPECT_EQ(total.bad_frees, 0u);
  EXPECT_LT(total.failed_allocs + total.failed_reallocs, kThreads * kOpsPerThread / 100)
      << "the regions are sized so that failures stay rare";
  EXPECT_GT(total.reallocs, kThreads * kOpsPerThread / 5);
  EXPECT_GT(total.moved, 0u) << "some reallocs must move (attribute changes), copying outside the lock";

  for (unsigned i = 0; i < pool->region_count(); ++i) {
    const HeapStats s = pool->region_stats(i);
    EXPECT_EQ(s.largest_free_block_bytes, largest_before[i]) << "region " << i;
    EXPECT_EQ(s.allocated_block_count, 0u) << "region " << i;
    EXPECT_EQ(s.free_block_count, 1u) << "region " << i;
    EXPECT_GT(s.alloc_count, 0u) << "region " << i << " took part";
  }
  EXPECT_TRUE(PoolValid(*pool));
  EXPECT_TRUE(EveryRegionOneFreeBlock(*pool));
}

TEST(PoolConcurrency, FourThreadsShareOnePoolBehindAHostMutex) { run_shared_pool_workload<HostMutexLock>(); }

TEST(PoolConcurrency, FourThreadsShareOnePoolBehindASpinLock) { run_shared_pool_workload<SpinLock>(); }

}  // namespace
}  // namespace smh::test
