#include "policy_counters.hpp"

#include <cstdint>

#include "smh/assert.hpp"
#include "smh/sim/attribute_names.hpp"
#include "smh/sim/expectations.hpp"
#include "smh/sim/percentile.hpp"

namespace smh::bench {

namespace {

// (footprint - peak live) / peak live, 0 when nothing was live: the overhead
// as footprint_overhead() defines it for the run, applied to a part of it.
double overhead(std::uint64_t footprint_bytes, std::uint64_t peak_live_bytes) {
  if (peak_live_bytes == 0) {
    return 0.0;
  }
  return (static_cast<double>(footprint_bytes) - static_cast<double>(peak_live_bytes)) /
         static_cast<double>(peak_live_bytes);
}

// Exact mode: the id's name ("cacheable"), else "attr<id>". Capability mode:
// the bits' names joined by '+' ("cacheable+dma"), other bits as "bit<n>".
std::string attribute_label(MatchMode mode, std::uint32_t value) {
  if (mode == MatchMode::exact) {
    for (const sim::AttributeName& named : sim::exact_attribute_names) {
      if (named.value == value) {
        return std::string(named.name);
      }
    }
    return "attr" + std::to_string(value);
  }
  std::string label;
  for (unsigned bit = 0; bit < 32; ++bit) {
    const std::uint32_t mask = std::uint32_t{1} << bit;
    if ((value & mask) == 0) {
      continue;
    }
    std::string name = "bit" + std::to_string(bit);
    for (const sim::AttributeName& named : sim::capability_names) {
      if (named.value == mask) {
        name = std::string(named.name);
      }
    }
    label += (label.empty() ? "" : "+") + name;
  }
  return label.empty() ? "none" : label;
}

}  // namespace

NamedFigures policy_counters(const sim::ScenarioOutcome& outcome) {
  const sim::RunSummary& summary = outcome.summary;
  const sim::FragmentationSeries& series = outcome.fragmentation;
  SMH_ASSERT(series.regions.empty() || series.regions.size() == summary.regions.size());
  NamedFigures figures;
  std::uint64_t footprint_bytes = 0;
  std::uint64_t spilled = 0;
  std::vector<double> all_f_ext;
  for (std::size_t index = 0; index < summary.regions.size(); ++index) {
    footprint_bytes += summary.regions[index].stats.high_water_bytes;
    spilled += summary.regions[index].requests.spilled_in;
    if (index < series.regions.size()) {
      all_f_ext.insert(all_f_ext.end(), series.regions[index].f_ext.begin(), series.regions[index].f_ext.end());
    }
  }
  const sim::RequestSearches& searches = summary.searches;
  figures.emplace_back("ops", static_cast<double>(summary.ops));
  figures.emplace_back("failed_allocs", static_cast<double>(summary.failed_allocs));
  figures.emplace_back("footprint_bytes", static_cast<double>(footprint_bytes));
  figures.emplace_back("footprint_overhead", sim::footprint_overhead(summary));
  figures.emplace_back("spilled", static_cast<double>(spilled));
  figures.emplace_back("f_ext_p50", sim::nearest_rank_percentile(all_f_ext, 50));
  figures.emplace_back("f_ext_p95", sim::nearest_rank_percentile(all_f_ext, 95));
  figures.emplace_back("f_ext_max", sim::nearest_rank_percentile(all_f_ext, 100));
  figures.emplace_back("search_mean", searches.requests == 0 ? 0.0
                                                             : static_cast<double>(searches.heap_searches) /
                                                                   static_cast<double>(searches.requests));
  figures.emplace_back("search_max", static_cast<double>(searches.max_per_request));
  // Whole counts too (exact in a double below 2^53), for smh tune's latency objective.
  figures.emplace_back("requests", static_cast<double>(searches.requests));
  figures.emplace_back("heap_searches", static_cast<double>(searches.heap_searches));
  for (std::size_t index = 0; index < summary.regions.size(); ++index) {
    const sim::RegionSummary& region = summary.regions[index];
    const std::string prefix = "region:" + region.name + ".";
    const std::vector<double> no_samples;
    const std::vector<double>& f_ext = index < series.regions.size() ? series.regions[index].f_ext : no_samples;
    figures.emplace_back(prefix + "allocs", static_cast<double>(region.requests.allocs));
    figures.emplace_back(prefix + "failed_allocs", static_cast<double>(region.requests.failed_allocs));
    figures.emplace_back(prefix + "spilled_in", static_cast<double>(region.requests.spilled_in));
    figures.emplace_back(prefix + "spilled_out", static_cast<double>(region.requests.spilled_out));
    figures.emplace_back(prefix + "footprint_overhead",
                         overhead(region.stats.high_water_bytes, region.stats.peak_allocated_requested_bytes));
    figures.emplace_back(prefix + "f_ext_p50", sim::nearest_rank_percentile(f_ext, 50));
    figures.emplace_back(prefix + "f_ext_p95", sim::nearest_rank_percentile(f_ext, 95));
    figures.emplace_back(prefix + "f_ext_max", sim::nearest_rank_percentile(f_ext, 100));
  }
  for (const sim::AttributeStats& attribute : outcome.attributes) {
    const std::string prefix = "attr:" + attribute_label(outcome.inputs.machine.pool.mode, attribute.attr) + ".";
    // PoolStats sums the regions' extremes: the footprint over the sum of each
    // region's peak, a bound on the attribute's own.
    figures.emplace_back(prefix + "footprint_overhead",
                         overhead(attribute.stats.high_water_bytes, attribute.stats.peak_allocated_requested_bytes));
    figures.emplace_back(prefix + "failed_allocs", static_cast<double>(attribute.stats.failed_alloc_count));
  }
  return figures;
}

}  // namespace smh::bench
