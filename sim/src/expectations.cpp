#include "smh/sim/expectations.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "number_text.hpp"

namespace smh::sim {

namespace {

bool listed(const std::vector<Check>& checks, Check check) {
  return std::find(checks.begin(), checks.end(), check) != checks.end();
}

std::string decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

}  // namespace

double footprint_overhead(const RunSummary& summary) {
  if (summary.peak_live_bytes == 0) {
    return 0.0;
  }
  std::uint64_t footprint = 0;
  for (const RegionSummary& region : summary.regions) {
    footprint += region.stats.high_water_bytes;
  }
  // The difference in integers first: exact, so a footprint exactly at a limit
  // compares equal to it rather than a rounding step above.
  const double excess = footprint >= summary.peak_live_bytes
                            ? static_cast<double>(footprint - summary.peak_live_bytes)
                            : -static_cast<double>(summary.peak_live_bytes - footprint);
  return excess / static_cast<double>(summary.peak_live_bytes);
}

std::vector<std::string> unmet_expectations(const Expectations& expect, const RunResult& result) {
  std::vector<std::string> unmet;
  // Findings: each required one present; none outside required + allowed.
  // Every finding, the ones not kept in full included (the tally), by name so
  // that the messages come in name order.
  const FindingTally& tally = result.summary.finding_tally;
  std::map<std::string, Check> seen;
  for (unsigned index = 0; index < check_count; ++index) {
    const auto check = static_cast<Check>(index);
    if (tally.of(check) != 0) {
      seen.emplace(to_string(check), check);
    }
  }
  for (const Check required : expect.findings_required) {
    if (tally.of(required) == 0) {
      unmet.push_back("expected finding " + std::string(to_string(required)) + " did not occur");
    }
  }
  for (const auto& [name, check] : seen) {
    if (!listed(expect.findings_required, check) && !listed(expect.findings_allowed, check)) {
      unmet.push_back("unexpected finding " + name + " (" + std::to_string(tally.of(check)) + "x, first at op " +
                      std::to_string(tally.first_op_of(check)) + ")");
    }
  }
  const RunSummary& summary = result.summary;
  if (expect.max_failed_allocs && summary.failed_allocs > *expect.max_failed_allocs) {
    unmet.push_back("failed allocations: " + std::to_string(summary.failed_allocs) + " > max " +
                    std::to_string(*expect.max_failed_allocs));
  }
  if (expect.max_f_ext) {
    for (const RegionSummary& region : summary.regions) {
      if (region.external_fragmentation > *expect.max_f_ext) {
        unmet.push_back("F_ext of region '" + region.name + "': " + decimal(region.external_fragmentation) +
                        " > max " + decimal(*expect.max_f_ext));
      }
    }
  }
  if (expect.max_footprint_overhead) {
    const double overhead = footprint_overhead(summary);
    if (overhead > *expect.max_footprint_overhead) {
      unmet.push_back("footprint overhead: " + decimal(overhead) + " > max " + decimal(*expect.max_footprint_overhead));
    }
  }
  if (expect.golden_digest && summary.digest != *expect.golden_digest) {
    unmet.push_back("digest " + detail::hex(summary.digest) + " != golden " + detail::hex(*expect.golden_digest));
  }
  return unmet;
}

}  // namespace smh::sim
