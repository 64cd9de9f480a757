#include "run_summary.hpp"

#include <algorithm>
#include <map>

#include "config_warnings.hpp"
#include "report_json.hpp"
#include "reproduce.hpp"
#include "smh/sim/expectations.hpp"
#include "smh/sim/text_excerpt.hpp"
#include "text_chart.hpp"
#include "text_format.hpp"
#include "text_table.hpp"

namespace smh::cli {

namespace {

using sim::ScenarioOutcome;
using sim::Verdict;
using Align = TextTable::Align;

constexpr std::size_t sparkline_columns = 60;
constexpr std::size_t use_bar_cells = 24;
// The summary lists this many findings and injections; the JSON report has all.
constexpr std::size_t findings_listed = 20;
constexpr std::size_t injections_listed = 10;

std::string verdict_label(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "PASS";
    case Verdict::expectation_failed:
    case Verdict::invariant_broken:
    case Verdict::crashed: return "FAIL";
    case Verdict::bad_input: return "ERROR";
  }
  return "?";
}

double fraction(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

std::string faults_text(const sim::RunInputs& inputs) {
  if (!inputs.faults.any()) {
    return inputs.swarm ? "swarm faults (none drawn)" : "no faults";
  }
  std::string out = inputs.swarm ? "swarm faults" : "faults";
  const char* separator = ": ";
  for (unsigned kind = 0; kind < sim::fault_kind_count; ++kind) {
    if (inputs.faults.rate_ppm[kind] != 0) {
      out += separator;
      out += to_string(static_cast<sim::FaultKind>(kind));
      out += " " + std::to_string(inputs.faults.rate_ppm[kind]) + " ppm";
      separator = ", ";
    }
  }
  return out;
}

std::string inputs_text(const sim::RunInputs& inputs) {
  std::string out = "seed " + std::to_string(inputs.seed) + (inputs.seed_overridden ? " (override)" : "");
  out += ", policy ";
  out += to_string(inputs.machine.pool.policy);
  out += inputs.policy_overridden ? " (override)" : "";
  for (const sim::AttributePolicy& own : inputs.machine.attribute_policies) {
    out += ", " + attribute_name(inputs.machine.pool.mode, own.attr) + ": " + to_string(own.policy);
  }
  out += inputs.machine.pool.mode == MatchMode::exact ? ", exact matching" : ", capability matching";
  out += ", " + faults_text(inputs);
  return out;
}

std::string regions_table(const ScenarioOutcome& outcome) {
  TextTable table({"region", "attr", "capacity", "live", "peak live", "high water", "largest free", "F_ext",
                   "use (# live, + up to high water)"},
                  {Align::left, Align::left, Align::right, Align::right, Align::right, Align::right, Align::right,
                   Align::right, Align::left});
  const MatchMode mode = outcome.inputs.machine.pool.mode;
  for (std::size_t index = 0; index < outcome.summary.regions.size(); ++index) {
    const sim::RegionSummary& region = outcome.summary.regions[index];
    const HeapStats& stats = region.stats;
    const std::uint32_t attr =
        index < outcome.inputs.machine.regions.size() ? outcome.inputs.machine.regions[index].attr : 0;
    table.add_row({printable(sim::excerpt(region.name)), attribute_name(mode, attr), std::to_string(stats.capacity_bytes),
                   std::to_string(stats.allocated_requested_bytes),
                   std::to_string(stats.peak_allocated_requested_bytes), std::to_string(stats.high_water_bytes),
                   std::to_string(stats.largest_free_block_bytes), fixed(region.external_fragmentation, 3),
                   "[" +
                       use_bar(fraction(stats.allocated_requested_bytes, stats.capacity_bytes),
                               fraction(stats.high_water_bytes, stats.capacity_bytes), use_bar_cells) +
                       "]"});
  }
  return "regions at the end (bytes)\n" + table.render("  ");
}

// Where requests went, by home region (sim::RegionRequests); shown on machines
// of more than one region.
std::string requests_table(const ScenarioOutcome& outcome) {
  TextTable table({"region", "allocs", "failed", "spilled in", "spilled out"},
                  {Align::left, Align::right, Align::right, Align::right, Align::right});
  for (const sim::RegionSummary& region : outcome.summary.regions) {
    const sim::RegionRequests& requests = region.requests;
    table.add_row({region.name, std::to_string(requests.allocs), std::to_string(requests.failed_allocs),
                   std::to_string(requests.spilled_in), std::to_string(requests.spilled_out)});
  }
  return "requests by region (home: the first region that may serve a request; spilled: served by another)\n" +
         table.render("  ");
}

std::string attributes_table(const ScenarioOutcome& outcome) {
  TextTable table({"attribute", "regions", "requests", "requested", "failed", "capacity", "live", "high water",
                   "F_ext"},
                  {Align::left, Align::left, Align::right, Align::right, Align::right, Align::right, Align::right,
                   Align::right, Align::right});
  for (const sim::AttributeStats& attribute : outcome.attributes) {
    std::string regions;
    for (const unsigned region : attribute.regions) {
      regions += (regions.empty() ? "" : ",") + printable(sim::excerpt(outcome.summary.regions[region].name));
    }
    table.add_row({attribute_name(outcome.inputs.machine.pool.mode, attribute.attr), regions.empty() ? "-" : regions,
                   std::to_string(attribute.alloc_requests), std::to_string(attribute.requested_bytes),
                   std::to_string(attribute.stats.failed_alloc_count), std::to_string(attribute.stats.capacity_bytes),
                   std::to_string(attribute.stats.allocated_requested_bytes),
                   std::to_string(attribute.stats.high_water_bytes), fixed(attribute.external_fragmentation, 3)});
  }
  return "attributes (regions serving each, requests asking for it)\n" + table.render("  ");
}

// The index of the largest value (the first of equals).
template <class T>
std::size_t index_of_max(const std::vector<T>& values) {
  return static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

std::string over_time(const ScenarioOutcome& outcome) {
  const sim::FragmentationSeries& series = outcome.fragmentation;
  if (series.at_ops.empty()) {
    return "";
  }
  std::string out = "over time: " + std::to_string(series.at_ops.size()) + " samples, one every " +
                    std::to_string(series.interval_ops) + (series.interval_ops == 1 ? " op" : " ops") +
                    " (levels _ zero . : - = + * # full; live as a share of the capacity)\n";
  std::size_t name_width = 0;
  for (const sim::RegionSummary& region : outcome.summary.regions) {
    name_width = std::max(name_width, printable(sim::excerpt(region.name)).size());
  }
  for (std::size_t index = 0; index < series.regions.size() && index < outcome.summary.regions.size(); ++index) {
    const sim::FragmentationSeries::RegionSeries& region = series.regions[index];
    const std::string name = printable(sim::excerpt(outcome.summary.regions[index].name));
    const std::uint64_t capacity = outcome.summary.regions[index].stats.capacity_bytes;
    std::vector<double> live_share;
    for (const std::uint64_t live : region.live_bytes) {
      live_share.push_back(fraction(live, capacity));
    }
    const std::size_t worst = index_of_max(region.f_ext);
    const std::size_t fullest = index_of_max(region.live_bytes);
    out += "  " + name + std::string(name_width - name.size(), ' ') + "  F_ext |" +
           sparkline(region.f_ext, sparkline_columns) + "| max " + fixed(region.f_ext[worst], 3) + " at op " +
           std::to_string(series.at_ops[worst]) + "\n";
    out += "  " + std::string(name_width, ' ') + "  live  |" + sparkline(live_share, sparkline_columns) + "| max " +
           std::to_string(region.live_bytes[fullest]) + " bytes at op " + std::to_string(series.at_ops[fullest]) +
           "\n";
  }
  return out;
}

std::string findings_text(const ScenarioOutcome& outcome) {
  const std::uint64_t total = outcome.summary.finding_tally.total();
  // Without the invariant checks only what the simulation finds on its own (the
  // coherency oracles) can show: say so, so that "none" is not read as clean.
  const std::string unchecked = outcome.inputs.checks ? "" : " (--no-checks: the invariant checks did not run)";
  if (total == 0) {
    return "findings: none" + unchecked + "\n";
  }
  std::string out = "findings: " + std::to_string(total) + " (";
  for (const auto& [check, count] : findings_by_check(outcome.summary.finding_tally)) {
    out += (out.back() == '(' ? "" : ", ") + check + " " + std::to_string(count);
  }
  out += ")" + unchecked + "\n";
  const std::size_t shown = std::min(outcome.findings.size(), findings_listed);
  // Findings come in op order: the last listed has the widest op index.
  const std::size_t op_width = shown == 0 ? 0 : std::to_string(outcome.findings[shown - 1].op_index).size();
  for (std::size_t i = 0; i < shown; ++i) {
    const sim::Finding& finding = outcome.findings[i];
    const bool unexpected = sim::finding_unexpected(outcome.inputs.expect, finding.check);
    const std::string op = std::to_string(finding.op_index);
    out += "  op " + std::string(op_width - std::min(op_width, op.size()), ' ') + op + "  " + to_string(finding.check) +
           (unexpected ? " (unexpected)" : "") + ": " + printable(finding.message) + "\n";
  }
  if (shown < outcome.findings.size()) {
    out += "  ... " + std::to_string(outcome.findings.size() - shown) + " more in the JSON report (--report)\n";
  }
  if (outcome.findings.size() < total) {
    out += "  ... and " + std::to_string(total - outcome.findings.size()) +
           " more, counted above but not kept (the run keeps the first " + std::to_string(outcome.findings.size()) +
           " in full; --max-findings)\n";
  }
  return out;
}

std::string injections_text(const ScenarioOutcome& outcome) {
  if (outcome.injections.empty()) {
    return outcome.inputs.faults.any() ? "faults injected: none\n" : "";
  }
  std::size_t detected = 0;
  for (const sim::Injection& injection : outcome.injections) {
    detected += injection.detected ? 1 : 0;
  }
  std::string out = "faults injected: " + std::to_string(outcome.injections.size()) + ", " +
                    std::to_string(detected) + " detected\n";
  const std::size_t shown = std::min(outcome.injections.size(), injections_listed);
  for (std::size_t i = 0; i < shown; ++i) {
    const sim::Injection& injection = outcome.injections[i];
    out += "  op " + std::to_string(injection.op_index) + "  " + to_string(injection.kind) + ": " + printable(injection.what) +
           (injection.detected ? " -> detected by " + printable(injection.detected_by) : " -> UNDETECTED") + "\n";
  }
  if (shown < outcome.injections.size()) {
    out += "  ... " + std::to_string(outcome.injections.size() - shown) + " more in the JSON report (--report)\n";
  }
  return out;
}

std::string ops_text(const ScenarioOutcome& outcome) {
  std::string out = std::to_string(outcome.summary.ops) + " ops";
  out += outcome.inputs.trace_path.empty() ? " (inline)" : " from " + printable(outcome.inputs.trace_path);
  out += ", " + std::to_string(outcome.summary.failed_allocs) + " failed allocs";
  if (outcome.summary.skipped_null_ops != 0) {
    out += " (" + std::to_string(outcome.summary.skipped_null_ops) + " ops on their null handles skipped)";
  }
  out += ", footprint overhead " +
         fixed(sim::footprint_overhead(outcome.summary), 3);
  return out;
}

}  // namespace

std::string render_run_summary(const ScenarioOutcome& outcome) {
  const sim::RunInputs& inputs = outcome.inputs;
  std::string out = "scenario  " + printable(inputs.scenario_path) +
                    (inputs.name.empty() ? "" : " (" + printable(sim::excerpt(inputs.name)) + ")") + "\n";
  if (outcome.verdict == Verdict::bad_input || outcome.verdict == Verdict::crashed) {
    out += "result    " + verdict_label(outcome.verdict) + " (" + to_string(outcome.verdict) +
           "): " + printable(outcome.error) + "\n";
    out += "reproduce: " + reproduce_command(inputs) + "\n";
    return out;
  }
  out += "inputs    " + inputs_text(inputs) + "\n";
  for (const std::string& warning : configuration_warnings(inputs.machine)) {
    out += "warning   " + warning + "\n";
  }
  out += "ran       " + ops_text(outcome) + "\n";
  out += "result    " + verdict_label(outcome.verdict) +
         (outcome.verdict == Verdict::pass ? "" : std::string(" (") + to_string(outcome.verdict) + ")") +
         ", digest " + hex(outcome.summary.digest) + "\n\n";
  out += regions_table(outcome) + "\n";
  if (outcome.summary.regions.size() > 1) {
    out += requests_table(outcome) + "\n";
  }
  out += attributes_table(outcome) + "\n";
  out += over_time(outcome) + "\n";
  out += findings_text(outcome);
  out += injections_text(outcome);
  if (outcome.unmet.empty()) {
    out += "expectations: all met\n";
  } else {
    out += "unmet expectations:\n";
    for (const std::string& line : outcome.unmet) {
      out += "  " + printable(line) + "\n";
    }
  }
  out += "reproduce: " + reproduce_command(inputs) + "\n";
  return out;
}

std::string render_outcome_line(const ScenarioOutcome& outcome) {
  std::string label = verdict_label(outcome.verdict);
  label.resize(6, ' ');
  std::string out = label + printable(outcome.inputs.scenario_path) +
                    (outcome.inputs.replay ? " + " + printable(outcome.inputs.trace_path) : std::string()) + "  ";
  switch (outcome.verdict) {
    case Verdict::pass:
      return out + std::to_string(outcome.summary.ops) + " ops, digest " + hex(outcome.summary.digest) + "\n";
    case Verdict::bad_input: return out + "bad_input: " + printable(outcome.error) + "\n";
    case Verdict::crashed:
      return out + "crashed: " + printable(outcome.error) + "\n      reproduce: " + reproduce_command(outcome.inputs) + "\n";
    case Verdict::expectation_failed:
    case Verdict::invariant_broken: break;
  }
  out += to_string(outcome.verdict);
  out += ": " + (outcome.unmet.empty() ? std::string("?") : printable(outcome.unmet.front())) + "\n";
  for (std::size_t i = 1; i < outcome.unmet.size(); ++i) {
    out += "      " + printable(outcome.unmet[i]) + "\n";
  }
  out += "      reproduce: " + reproduce_command(outcome.inputs) + "\n";
  return out;
}

}  // namespace smh::cli
