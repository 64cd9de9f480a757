#include "compare_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <tuple>

#include "config_warnings.hpp"
#include "html_report.hpp"
#include "input_files.hpp"
#include "output_paths.hpp"
#include "report_json.hpp"
#include "smh/sim/expectations.hpp"
#include "smh/sim/percentile.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/scenario_runner.hpp"
#include "text_format.hpp"
#include "text_table.hpp"

namespace smh::cli {

namespace {

using Align = TextTable::Align;

int bad_input(const std::string& message) {
  std::fprintf(stderr, "smh compare: %s\n", message.c_str());
  return 2;
}

// "all", or policy names joined by ','; false with *error for anything else.
bool parse_policies(const std::string& text, std::vector<Policy>* out, std::string* error) {
  if (text == "all") {
    for (std::size_t i = 0; i < policy_count; ++i) {
      out->push_back(static_cast<Policy>(i));
    }
    return true;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, comma - start);
    Policy policy{};
    if (!parse_policy(name.c_str(), &policy)) {
      *error = "--policies: unknown policy '" + name + "' (all, or names joined by ',')";
      return false;
    }
    if (std::find(out->begin(), out->end(), policy) != out->end()) {
      *error = "--policies: '" + name + "' given twice";
      return false;
    }
    out->push_back(policy);
    start = comma + 1;
  }
  return true;
}

// The figures a policy is judged by, from one run.
struct Cell {
  Policy policy{};
  const sim::ScenarioOutcome* outcome = nullptr;
  std::uint64_t failed_allocs = 0;
  std::uint64_t footprint_bytes = 0;  // sum of the regions' high water marks
  double f_ext_peak = 0;              // the largest sampled F_ext of any region
  double f_ext_p50 = 0;               // over every region's samples (nearest rank)
  double f_ext_p95 = 0;
  std::uint64_t spilled = 0;          // requests served outside their home region
  bool best = false;
};

Cell cell_of(Policy policy, const sim::ScenarioOutcome& outcome) {
  Cell cell;
  cell.policy = policy;
  cell.outcome = &outcome;
  cell.failed_allocs = outcome.summary.failed_allocs;
  std::vector<double> samples;
  for (std::size_t index = 0; index < outcome.summary.regions.size(); ++index) {
    const sim::RegionSummary& region = outcome.summary.regions[index];
    cell.footprint_bytes += region.stats.high_water_bytes;
    cell.spilled += region.requests.spilled_in;
    cell.f_ext_peak = std::max(cell.f_ext_peak, region.external_fragmentation);
    if (index < outcome.fragmentation.regions.size()) {
      for (const double f_ext : outcome.fragmentation.regions[index].f_ext) {
        cell.f_ext_peak = std::max(cell.f_ext_peak, f_ext);
        samples.push_back(f_ext);
      }
    }
  }
  cell.f_ext_p50 = sim::nearest_rank_percentile(samples, 50);
  cell.f_ext_p95 = sim::nearest_rank_percentile(samples, 95);
  return cell;
}

// Best: fewest failed allocations, then the smallest footprint, then the
// lowest F_ext peak. Ties are all marked.
auto objective(const Cell& cell) { return std::make_tuple(cell.failed_allocs, cell.footprint_bytes, cell.f_ext_peak); }

// Groups of policies with the same digest (the same placements), in policy order.
std::vector<std::vector<Policy>> same_placements(const std::vector<Cell>& cells) {
  std::vector<std::vector<Policy>> groups;
  std::vector<bool> taken(cells.size(), false);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (taken[i]) {
      continue;
    }
    std::vector<Policy> group{cells[i].policy};
    for (std::size_t j = i + 1; j < cells.size(); ++j) {
      if (!taken[j] && cells[j].outcome->summary.digest == cells[i].outcome->summary.digest) {
        taken[j] = true;
        group.push_back(cells[j].policy);
      }
    }
    if (group.size() > 1) {
      groups.push_back(group);
    }
  }
  return groups;
}

std::string joined(const std::vector<Policy>& policies, const char* separator) {
  std::string out;
  for (const Policy policy : policies) {
    out += (out.empty() ? "" : separator) + std::string(to_string(policy));
  }
  return out;
}

}  // namespace

int compare_command(const CompareCommandOptions& options) {
  std::vector<Policy> policies;
  std::vector<std::string> inputs = {options.machine_path};
  inputs.insert(inputs.end(), options.trace_paths.begin(), options.trace_paths.end());
  const std::string clash =
      output_clash({{"--report", options.report_path}, {"--html", options.html_path}}, inputs);
  if (!clash.empty()) {
    return bad_input(clash);
  }
  std::string error;
  if (!parse_policies(options.policies, &policies, &error)) {
    return bad_input(error);
  }
  sim::Scenario scenario;
  if (!load_machine_file(options.machine_path, options.max_input_bytes, &scenario, &error)) {
    return bad_input(error);
  }
  const bool compete = regions_compete(scenario.machine);

  std::string text = "smh compare " + options.machine_path + ": " + std::to_string(policies.size()) +
                     (policies.size() == 1 ? " policy" : " policies") + " x " +
                     std::to_string(options.trace_paths.size()) +
                     (options.trace_paths.size() == 1 ? " trace" : " traces") + " (fast replays)\n";
  Json warnings = Json::array();
  for (const Policy policy : policies) {
    sim::MachineConfig machine = scenario.machine;
    machine.pool.policy = policy;
    for (const std::string& warning : configuration_warnings(machine)) {
      // One policy after another cannot differ from first_fit when no regions
      // compete: said once, for all, below.
      if (compete || warning.find("cannot place differently") == std::string::npos) {
        text += "warning: " + warning + "\n";
        warnings.push_back(warning);
      }
    }
  }
  if (!compete) {
    const std::string warning =
        "no request has two regions to choose between on this machine (one region per attribute): every "
        "policy places as first_fit does";
    text += "warning: " + warning + "\n";
    warnings.push_back(warning);
  }

  Json traces = Json::array();
  std::vector<std::unique_ptr<sim::ScenarioOutcome>> outcomes;
  for (const std::string& trace : options.trace_paths) {
    std::vector<Cell> cells;
    for (const Policy policy : policies) {
      sim::RunnerOptions runner;
      runner.overrides.policy = policy;
      runner.check_invariants = false;
      runner.max_input_bytes = options.max_input_bytes;
      outcomes.push_back(std::make_unique<sim::ScenarioOutcome>(sim::replay_trace(options.machine_path, trace, runner)));
      const sim::ScenarioOutcome& outcome = *outcomes.back();
      if (outcome.verdict == sim::Verdict::bad_input) {
        return bad_input(outcome.error);
      }
      cells.push_back(cell_of(policy, outcome));
    }
    const auto best = std::min_element(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
      return objective(a) < objective(b);
    });
    for (Cell& cell : cells) {
      cell.best = objective(cell) == objective(*best);
    }

    TextTable table({"policy", "failed", "footprint", "overhead", "F_ext p50", "F_ext p95", "F_ext peak", "spilled",
                     "digest", ""},
                    {Align::left, Align::right, Align::right, Align::right, Align::right, Align::right, Align::right,
                     Align::right, Align::left, Align::left});
    Json rows = Json::array();
    for (const Cell& cell : cells) {
      const double overhead = sim::footprint_overhead(cell.outcome->summary);
      table.add_row({to_string(cell.policy), std::to_string(cell.failed_allocs), std::to_string(cell.footprint_bytes),
                     fixed(overhead, 3), fixed(cell.f_ext_p50, 3), fixed(cell.f_ext_p95, 3), fixed(cell.f_ext_peak, 3),
                     std::to_string(cell.spilled),
                     hex(cell.outcome->summary.digest), cell.best ? "best" : ""});
      Json row = Json::object();
      row["policy"] = to_string(cell.policy);
      row["best"] = cell.best;
      row["failed_allocs"] = cell.failed_allocs;
      row["footprint_bytes"] = cell.footprint_bytes;
      row["footprint_overhead"] = std::round(overhead * 1e6) / 1e6;
      row["f_ext_p50"] = std::round(cell.f_ext_p50 * 1e6) / 1e6;
      row["f_ext_p95"] = std::round(cell.f_ext_p95 * 1e6) / 1e6;
      row["f_ext_peak"] = std::round(cell.f_ext_peak * 1e6) / 1e6;
      row["spilled"] = cell.spilled;
      // Search length (what tune --objective latency ranks by): heaps searched over every request.
      row["requests"] = cell.outcome->summary.searches.requests;
      row["heap_searches"] = cell.outcome->summary.searches.heap_searches;
      row["search_max"] = cell.outcome->summary.searches.max_per_request;
      row["digest"] = hex(cell.outcome->summary.digest);
      row["run"] = outcome_json(*cell.outcome);
      rows.push_back(std::move(row));
    }
    text += "\n" + trace + " (" + std::to_string(cells.front().outcome->summary.ops) + " ops; best: fewest failed "
            "allocations, then smallest footprint, then lowest F_ext peak)\n" + table.render("  ");
    Json same = Json::array();
    const std::vector<std::vector<Policy>> groups = same_placements(cells);
    for (const std::vector<Policy>& group : groups) {
      const bool all = group.size() == cells.size();
      text += "  indistinguishable (identical placements, the same digest): " + joined(group, " = ");
      if (all && !compete) {
        text += ": one region per attribute leaves no choice";
      } else if (all) {
        text += ": every request went to the same region under every policy on this trace";
      }
      text += "\n";
      Json names = Json::array();
      for (const Policy policy : group) {
        names.push_back(to_string(policy));
      }
      same.push_back(std::move(names));
    }
    Json one = Json::object();
    one["path"] = trace;
    one["ops"] = cells.front().outcome->summary.ops;
    one["policies"] = std::move(rows);
    one["indistinguishable"] = std::move(same);
    traces.push_back(std::move(one));
  }
  std::fputs(text.c_str(), stdout);

  if (!options.report_path.empty() || !options.html_path.empty()) {
    Json report = Json::object();
    report["report"] = "smh-compare";
    report["report_version"] = 1;
    report["machine"] = options.machine_path;
    Json names = Json::array();
    for (const Policy policy : policies) {
      names.push_back(to_string(policy));
    }
    report["policies"] = std::move(names);
    report["warnings"] = std::move(warnings);
    report["traces"] = std::move(traces);
    if (!options.report_path.empty() &&
        !write_text_file(options.report_path, report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n",
                         &error)) {
      return bad_input("--report: " + error);
    }
    if (!options.html_path.empty() && !write_text_file(options.html_path, render_compare_html(report), &error)) {
      return bad_input("--html: " + error);
    }
  }
  return 0;
}

}  // namespace smh::cli
