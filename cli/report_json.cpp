#include "report_json.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "peak_maps_json.hpp"
#include "reproduce.hpp"
#include "smh/sim/expectations.hpp"
#include "text_format.hpp"

namespace smh::cli {

namespace {

using sim::ScenarioOutcome;

double rounded(double value) {
  if (!std::isfinite(value)) {
    return 0.0;  // JSON has no NaN or infinity; no figure here should be one
  }
  return std::round(value * 1e6) / 1e6;
}

Json inputs_json(const sim::RunInputs& inputs) {
  Json faults = Json::object();
  faults["swarm"] = inputs.swarm;
  Json rates = Json::object();
  for (unsigned kind = 0; kind < sim::fault_kind_count; ++kind) {
    rates[to_string(static_cast<sim::FaultKind>(kind))] = inputs.faults.rate_ppm[kind];
  }
  faults["rate_ppm"] = rates;
  Json out = Json::object();
  out["scenario_hash"] = hex(inputs.scenario_hash);
  out["seed"] = inputs.seed;
  out["seed_overridden"] = inputs.seed_overridden;
  out["policy"] = to_string(inputs.machine.pool.policy);
  out["policy_overridden"] = inputs.policy_overridden;
  for (const sim::AttributePolicy& own : inputs.machine.attribute_policies) {
    out["attribute_policies"].push_back(Json{{"attr", own.attr}, {"policy", to_string(own.policy)}});
  }
  out["size_threshold"] = inputs.machine.pool.size_threshold_bytes;  // what the size_threshold policy splits at
  out["mode"] = inputs.machine.pool.mode == MatchMode::exact ? "exact" : "capability";
  out["faults"] = faults;
  out["cache_noise_ppm"] = inputs.cache_noise_ppm;
  out["replay"] = inputs.replay;
  out["checks"] = inputs.checks;
  out["trace"] = inputs.trace_path.empty() ? Json(nullptr) : Json(inputs.trace_path);
  return out;
}

Json regions_json(const ScenarioOutcome& outcome) {
  Json out = Json::array();
  const MatchMode mode = outcome.inputs.machine.pool.mode;
  for (std::size_t index = 0; index < outcome.summary.regions.size(); ++index) {
    const sim::RegionSummary& region = outcome.summary.regions[index];
    const sim::RegionSpec* spec =
        index < outcome.inputs.machine.regions.size() ? &outcome.inputs.machine.regions[index] : nullptr;
    const HeapStats& stats = region.stats;
    double f_ext_peak = region.external_fragmentation;
    if (index < outcome.fragmentation.regions.size()) {
      for (const double f_ext : outcome.fragmentation.regions[index].f_ext) {
        f_ext_peak = std::max(f_ext_peak, f_ext);
      }
    }
    Json one = Json::object();
    one["name"] = region.name;
    one["base"] = hex(region.base);
    one["attr"] = spec != nullptr ? spec->attr : 0;
    one["attr_name"] = attribute_name(mode, spec != nullptr ? spec->attr : 0);
    one["cache"] = spec != nullptr ? to_string(spec->cache_policy) : "?";
    one["capacity_bytes"] = stats.capacity_bytes;
    one["live_bytes"] = stats.allocated_requested_bytes;
    one["usable_bytes"] = stats.allocated_usable_bytes;
    one["peak_live_bytes"] = stats.peak_allocated_requested_bytes;
    one["high_water_bytes"] = stats.high_water_bytes;
    one["free_bytes"] = stats.free_bytes;
    one["min_free_bytes"] = stats.min_free_bytes;
    one["largest_free_bytes"] = stats.largest_free_block_bytes;
    one["overhead_bytes"] = stats.overhead_bytes;
    one["live_blocks"] = stats.allocated_block_count;
    one["free_blocks"] = stats.free_block_count;
    one["allocs"] = region.requests.allocs;
    one["frees"] = stats.free_count;
    one["failed_allocs"] = region.requests.failed_allocs;
    one["spilled_in"] = region.requests.spilled_in;
    one["spilled_out"] = region.requests.spilled_out;
    one["f_ext"] = rounded(region.external_fragmentation);
    one["f_ext_peak"] = rounded(f_ext_peak);
    out.push_back(std::move(one));
  }
  return out;
}

Json attributes_json(const ScenarioOutcome& outcome) {
  Json out = Json::array();
  for (const sim::AttributeStats& attribute : outcome.attributes) {
    Json regions = Json::array();
    for (const unsigned region : attribute.regions) {
      regions.push_back(outcome.summary.regions[region].name);
    }
    Json one = Json::object();
    one["attr"] = attribute.attr;
    one["name"] = attribute_name(outcome.inputs.machine.pool.mode, attribute.attr);
    one["regions"] = regions;
    one["requests"] = attribute.alloc_requests;
    one["requested_bytes"] = attribute.requested_bytes;
    one["capacity_bytes"] = attribute.stats.capacity_bytes;
    one["live_bytes"] = attribute.stats.allocated_requested_bytes;
    one["peak_live_bytes"] = attribute.stats.peak_allocated_requested_bytes;
    one["peak_demand_bytes"] = attribute.peak_demand_bytes;
    one["high_water_bytes"] = attribute.stats.high_water_bytes;
    one["free_bytes"] = attribute.stats.free_bytes;
    one["largest_free_bytes"] = attribute.stats.largest_free_block_bytes;
    one["failed_allocs"] = attribute.stats.failed_alloc_count;
    one["f_ext"] = rounded(attribute.external_fragmentation);
    out.push_back(std::move(one));
  }
  return out;
}

Json fragmentation_json(const ScenarioOutcome& outcome) {
  const sim::FragmentationSeries& series = outcome.fragmentation;
  Json regions = Json::array();
  for (std::size_t index = 0; index < series.regions.size() && index < outcome.summary.regions.size(); ++index) {
    Json f_ext = Json::array();
    for (const double value : series.regions[index].f_ext) {
      f_ext.push_back(rounded(value));
    }
    Json one = Json::object();
    one["name"] = outcome.summary.regions[index].name;
    one["f_ext"] = f_ext;
    one["live_bytes"] = series.regions[index].live_bytes;
    one["largest_free_bytes"] = series.regions[index].largest_free_bytes;
    regions.push_back(std::move(one));
  }
  Json out = Json::object();
  out["interval_ops"] = series.interval_ops;
  out["at_ops"] = series.at_ops;
  out["regions"] = regions;
  return out;
}

Json findings_json(const ScenarioOutcome& outcome) {
  Json listed = Json::array();
  for (const sim::Finding& finding : outcome.findings) {
    if (listed.size() < report_findings_listed) {
      Json one = Json::object();
      one["op"] = finding.op_index;
      one["check"] = to_string(finding.check);
      one["unexpected"] = sim::finding_unexpected(outcome.inputs.expect, finding.check);
      one["message"] = finding.message;
      listed.push_back(std::move(one));
    }
  }
  Json out = Json::object();
  out["total"] = outcome.summary.finding_tally.total();
  out["by_check"] = findings_by_check(outcome.summary.finding_tally);
  out["listed"] = listed;
  return out;
}

Json injections_json(const ScenarioOutcome& outcome) {
  std::size_t detected = 0;
  Json listed = Json::array();
  for (const sim::Injection& injection : outcome.injections) {
    detected += injection.detected ? 1 : 0;
    if (listed.size() < report_findings_listed) {
      Json one = Json::object();
      one["op"] = injection.op_index;
      one["kind"] = to_string(injection.kind);
      one["what"] = injection.what;
      one["detected"] = injection.detected;
      one["detected_by"] = injection.detected_by;
      listed.push_back(std::move(one));
    }
  }
  Json out = Json::object();
  out["total"] = outcome.injections.size();
  out["detected"] = detected;
  out["listed"] = listed;
  return out;
}

}  // namespace

std::map<std::string, std::uint64_t> findings_by_check(const sim::FindingTally& tally) {
  std::map<std::string, std::uint64_t> by_check;
  for (unsigned index = 0; index < sim::check_count; ++index) {
    const auto check = static_cast<sim::Check>(index);
    if (tally.of(check) != 0) {
      by_check[to_string(check)] = tally.of(check);
    }
  }
  return by_check;
}

Json outcome_json(const ScenarioOutcome& outcome) {
  Json out = Json::object();
  out["path"] = outcome.inputs.scenario_path;
  out["name"] = outcome.inputs.name;
  out["verdict"] = to_string(outcome.verdict);
  if (outcome.verdict == sim::Verdict::bad_input) {
    out["error"] = outcome.error;
    out["reproduce"] = reproduce_command(outcome.inputs);
    return out;
  }
  if (outcome.verdict == sim::Verdict::crashed) {  // nothing it computed is known
    out["error"] = outcome.error;
    out["inputs"] = inputs_json(outcome.inputs);
    out["reproduce"] = reproduce_command(outcome.inputs);
    return out;
  }
  out["inputs"] = inputs_json(outcome.inputs);
  out["reproduce"] = reproduce_command(outcome.inputs);
  out["digest"] = hex(outcome.summary.digest);
  std::uint64_t footprint = 0;
  for (const sim::RegionSummary& region : outcome.summary.regions) {
    footprint += region.stats.high_water_bytes;
  }
  out["ops"] = outcome.summary.ops;
  out["failed_allocs"] = outcome.summary.failed_allocs;
  out["peak_live_bytes"] = outcome.summary.peak_live_bytes;
  out["peak_demand_bytes"] = outcome.summary.peak_demand_bytes;
  out["footprint_bytes"] = footprint;
  out["footprint_overhead"] = rounded(sim::footprint_overhead(outcome.summary));
  out["unmet_expectations"] = outcome.unmet;
  out["regions"] = regions_json(outcome);
  out["attributes"] = attributes_json(outcome);
  out["fragmentation"] = fragmentation_json(outcome);
  if (!outcome.peak_maps.empty()) {
    out["peak_maps"] = peak_maps_json(outcome);
  }
  out["findings"] = findings_json(outcome);
  out["injections"] = injections_json(outcome);
  return out;
}

std::string render_report(const std::vector<const ScenarioOutcome*>& outcomes, unsigned jobs,
                          double total_wall_seconds, const Json* baseline) {
  std::map<sim::Verdict, std::uint64_t> counts;
  Json scenarios = Json::array();
  Json timings_per_scenario = Json::array();
  for (const ScenarioOutcome* outcome : outcomes) {
    ++counts[outcome->verdict];
    scenarios.push_back(outcome_json(*outcome));
    Json timing = Json::object();
    timing["path"] = outcome->inputs.scenario_path;
    timing["wall_seconds"] = outcome->wall_seconds;
    timing["ops_per_second"] =
        outcome->wall_seconds > 0 ? static_cast<double>(outcome->summary.ops) / outcome->wall_seconds : 0.0;
    timings_per_scenario.push_back(std::move(timing));
  }
  Json totals = Json::object();
  totals["scenarios"] = outcomes.size();
  for (const sim::Verdict verdict : {sim::Verdict::pass, sim::Verdict::expectation_failed,
                                     sim::Verdict::invariant_broken, sim::Verdict::crashed,
                                     sim::Verdict::bad_input}) {
    totals[to_string(verdict)] = counts[verdict];
  }
  Json timings = Json::object();
  timings["wall_seconds"] = total_wall_seconds;
  timings["jobs"] = jobs;
  timings["scenarios"] = timings_per_scenario;

  Json report = Json::object();
  report["report"] = "smh";
  report["report_version"] = report_version;
  report["totals"] = totals;
  report["scenarios"] = scenarios;
  if (baseline != nullptr) {
    report["baseline"] = *baseline;
  }
  report["timings"] = timings;
  // Messages quote file names and scenario text, which need not be UTF-8:
  // replace invalid bytes rather than throw.
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

bool write_text_file(const std::string& path, const std::string& text, std::string* error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) {
    out << text;
    out.close();
  }
  if (!out) {
    *error = path + ": cannot write: " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace smh::cli
