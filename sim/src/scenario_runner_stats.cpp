// The runner's statistics: fragmentation sampled over time, and the pool's view
// per attribute.
#include <algorithm>
#include <set>
#include <utility>

#include "scenario_runner_internal.hpp"

namespace smh::sim::detail {

FragmentationSampler::FragmentationSampler(std::size_t region_count, std::uint32_t max_samples)
    : max_samples_(std::max<std::uint32_t>(max_samples, 2)) {
  series_.regions.resize(region_count);
}

void FragmentationSampler::add(std::uint64_t ops_done, const RunSummary& summary) {
  push(ops_done, summary);
  if (series_.at_ops.size() >= max_samples_) {
    halve();
  }
}

void FragmentationSampler::push(std::uint64_t ops_done, const RunSummary& summary) {
  series_.at_ops.push_back(ops_done);
  for (std::size_t region = 0; region < series_.regions.size() && region < summary.regions.size(); ++region) {
    const RegionSummary& now = summary.regions[region];
    FragmentationSeries::RegionSeries& series = series_.regions[region];
    series.f_ext.push_back(now.external_fragmentation);
    series.live_bytes.push_back(now.stats.allocated_requested_bytes);
    series.largest_free_bytes.push_back(now.stats.largest_free_block_bytes);
  }
}

// Keeps the samples taken at multiples of twice the interval (op 0 among them),
// so the series stays evenly spaced and its length bounded.
void FragmentationSampler::halve() {
  const std::uint64_t interval = series_.interval_ops * 2;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < series_.at_ops.size(); ++i) {
    if (series_.at_ops[i] % interval != 0) {
      continue;
    }
    series_.at_ops[kept] = series_.at_ops[i];
    for (FragmentationSeries::RegionSeries& region : series_.regions) {
      region.f_ext[kept] = region.f_ext[i];
      region.live_bytes[kept] = region.live_bytes[i];
      region.largest_free_bytes[kept] = region.largest_free_bytes[i];
    }
    ++kept;
  }
  series_.at_ops.resize(kept);
  for (FragmentationSeries::RegionSeries& region : series_.regions) {
    region.f_ext.resize(kept);
    region.live_bytes.resize(kept);
    region.largest_free_bytes.resize(kept);
  }
  series_.interval_ops = interval;
}

FragmentationSeries FragmentationSampler::finish(std::uint64_t ops_done, const RunSummary& summary) {
  if (series_.at_ops.empty() || series_.at_ops.back() != ops_done) {
    // Past the bound on purpose: the end state is always present.
    push(ops_done, summary);
  }
  return std::move(series_);
}

std::vector<AttributeStats> RequestTally::attribute_stats(const MachineConfig& machine,
                                                          const Executor& executor) const {
  std::set<std::uint32_t> attrs;
  for (const RegionSpec& region : machine.regions) {
    attrs.insert(region.attr);
  }
  for (const auto& [attr, requests] : by_attr_) {
    attrs.insert(attr);
  }
  std::vector<AttributeStats> out;
  for (const std::uint32_t attr : attrs) {
    AttributeStats one;
    one.attr = attr;
    for (unsigned region = 0; region < machine.regions.size(); ++region) {
      if (attribute_matches(machine.pool.mode, machine.regions[region].attr, attr)) {
        one.regions.push_back(region);
      }
    }
    one.stats = executor.pool_stats(attr);
    // A halted run's largest free block is unknown (Executor::pool_stats): no F_ext.
    one.external_fragmentation =
        executor.halted() ? 0.0 : external_fragmentation(one.stats.largest_free_block_bytes, one.stats.free_bytes);
    if (const auto found = by_attr_.find(attr); found != by_attr_.end()) {
      one.alloc_requests = found->second.count;
      one.requested_bytes = found->second.bytes;
    }
    one.peak_demand_bytes = executor.peak_demand_bytes(attr);
    out.push_back(std::move(one));
  }
  return out;
}

}  // namespace smh::sim::detail
