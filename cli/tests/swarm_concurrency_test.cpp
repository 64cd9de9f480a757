// smh swarm's threads (cli/swarm_campaign.hpp), in-process, so that the tsan
// preset (label `concurrency`) runs them under ThreadSanitizer: workers share
// the seed counter, the results map and the progress counters, and each keeps
// its own machines' host memory (sim::HostMemoryReuse, thread-local). The
// results are the same for any number of threads.
#include <gtest/gtest.h>

#include <vector>

#include "smh/sim/scenario.hpp"
#include "swarm_campaign.hpp"

namespace smh::cli {
namespace {

sim::Scenario two_region_machine() {
  sim::Scenario machine;
  machine.name = "threads";
  machine.machine.regions = {
      {"cached", 0x2000'0000, 32 << 10, 1, sim::CachePolicy::write_back, 32, true, false},
      {"plain", 0x3000'0000, 16 << 10, 2, sim::CachePolicy::non_cacheable, 32, true, false}};
  return machine;
}

std::vector<SeedResult> campaign(unsigned jobs, CampaignProgress* progress) {
  CampaignPlan plan;
  plan.range = SeedRange{0, 11};
  plan.jobs = jobs;
  SwarmSettings settings;
  settings.ops_per_seed = 150;
  return run_campaign(two_region_machine(), plan, settings, progress, [] {});
}

TEST(SwarmThreads, AnyNumberOfWorkersGivesTheSameResultsInSeedOrder) {
  CampaignProgress one_progress;
  const std::vector<SeedResult> one = campaign(1, &one_progress);
  ASSERT_EQ(one.size(), 12u);
  for (unsigned jobs : {2u, 4u}) {
    CampaignProgress progress;
    EXPECT_EQ(campaign(jobs, &progress), one) << jobs << " jobs";
    EXPECT_EQ(progress.seeds_done.load(), 12u);
    EXPECT_EQ(progress.ops_done.load(), one_progress.ops_done.load());
  }
  for (std::size_t k = 0; k < one.size(); ++k) {
    EXPECT_EQ(one[k].seed, k);
    EXPECT_EQ(one[k].failure, "") << one[k].check << " " << one[k].detail;
  }
}

}  // namespace
}  // namespace smh::cli
