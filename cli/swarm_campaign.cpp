#include "swarm_campaign.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "smh/sim/host_memory_reuse.hpp"

namespace smh::cli {

std::optional<std::uint64_t> shard_seed_count(const SeedRange& range, const Shard& shard) {
  if (!range.last) {
    return std::nullopt;
  }
  const std::uint64_t span = *range.last - range.first;  // seeds in the range, less one
  return shard.index > span ? 0 : (span - shard.index) / shard.count + 1;
}

std::optional<std::uint64_t> shard_seed(const SeedRange& range, const Shard& shard, std::uint64_t k) {
  if (shard.index > UINT64_MAX - range.first) {
    return std::nullopt;
  }
  const std::uint64_t headroom = UINT64_MAX - range.first - shard.index;
  if (k > headroom / shard.count) {
    return std::nullopt;
  }
  const std::uint64_t seed = range.first + shard.index + k * shard.count;
  if (range.last && seed > *range.last) {
    return std::nullopt;
  }
  return seed;
}

std::vector<SeedResult> run_campaign(const sim::Scenario& machine, const CampaignPlan& plan,
                                     const SwarmSettings& settings, CampaignProgress* progress,
                                     const std::function<void()>& on_wait) {
  using Clock = std::chrono::steady_clock;
  // The deadline only decides when claiming stops, never what a seed gives.
  const Clock::time_point deadline =
      Clock::now() + std::chrono::seconds(plan.duration_seconds.value_or(0));
  std::atomic<std::uint64_t> next_k{0};
  unsigned running = plan.jobs;  // guarded by results_mutex
  std::condition_variable finished;
  std::mutex results_mutex;
  std::map<std::uint64_t, SeedResult> results;  // by seed: seed order
  auto work = [&] {
    // Each seed builds and drops two machines of one shape: this thread keeps
    // their host memory for the next (the same results, no mmap/munmap per run).
    std::optional<sim::HostMemoryReuse> reuse;
    if (plan.reuse_host_memory) {
      reuse.emplace();
    }
    for (;;) {
      if (plan.duration_seconds && Clock::now() >= deadline) {
        break;
      }
      const std::optional<std::uint64_t> seed = shard_seed(plan.range, plan.shard, next_k.fetch_add(1));
      if (!seed) {
        break;
      }
      SeedResult result = run_seed_scenario(seed_scenario(machine, *seed, settings), settings);
      progress->ops_done += result.ops;
      progress->failures += result.failure.empty() ? 0 : 1;
      ++progress->seeds_done;
      const std::lock_guard<std::mutex> lock(results_mutex);
      results.emplace(*seed, std::move(result));
    }
    const std::lock_guard<std::mutex> lock(results_mutex);
    --running;
    finished.notify_one();
  };
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < plan.jobs; ++i) {
    workers.emplace_back(work);
  }
  // Woken when the last worker ends, else every 100 ms for the progress line.
  for (std::unique_lock<std::mutex> lock(results_mutex); running != 0;) {
    if (!finished.wait_for(lock, std::chrono::milliseconds(100), [&] { return running == 0; })) {
      lock.unlock();
      on_wait();
      lock.lock();
    }
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  std::vector<SeedResult> ordered;
  ordered.reserve(results.size());
  for (auto& [seed, result] : results) {
    ordered.push_back(std::move(result));
  }
  return ordered;
}

}  // namespace smh::cli
