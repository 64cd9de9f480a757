#include "compare_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include "attribute_combination.hpp"
#include "config_warnings.hpp"
#include "html_report.hpp"
#include "input_files.hpp"
#include "output_paths.hpp"
#include "policy_ranking.hpp"
#include "report_json.hpp"
#include "smh/sim/expectations.hpp"
#include "smh/sim/percentile.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/scenario_runner.hpp"
#include "text_format.hpp"
#include "text_table.hpp"
#include "threshold_candidates.hpp"

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

// A policy as compared: size_threshold once per threshold tried, and the
// combination of the attributes' winners (attribute_combination.hpp).
struct Choice {
  Policy policy{};
  std::uint64_t size_threshold_bytes = 0;  // 0 but for size_threshold (policy_ranking.hpp's choice_name)
  std::vector<sim::AttributePolicy> attribute_policies;  // the combination's; empty for a single policy
  [[nodiscard]] std::string name() const {
    const std::string base = choice_name(policy, size_threshold_bytes);
    return attribute_policies.empty() ? base : combination_name(base, attribute_policies);
  }
};

// The figures a policy is judged by, from one run.
struct Cell {
  Choice choice;
  const sim::ScenarioOutcome* outcome = nullptr;
  std::uint64_t failed_allocs = 0;
  std::uint64_t footprint_bytes = 0;  // sum of the regions' high water marks
  double f_ext_peak = 0;              // the largest sampled F_ext of any region
  double f_ext_p50 = 0;               // over every region's samples (nearest rank)
  double f_ext_p95 = 0;
  std::uint64_t spilled = 0;          // requests served outside their home region
  bool best = false;
};

Cell cell_of(const Choice& choice, const sim::ScenarioOutcome& outcome) {
  Cell cell;
  cell.choice = choice;
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
std::vector<std::vector<Choice>> same_placements(const std::vector<Cell>& cells) {
  std::vector<std::vector<Choice>> groups;
  std::vector<bool> taken(cells.size(), false);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (taken[i]) {
      continue;
    }
    std::vector<Choice> group{cells[i].choice};
    for (std::size_t j = i + 1; j < cells.size(); ++j) {
      if (!taken[j] && cells[j].outcome->summary.digest == cells[i].outcome->summary.digest) {
        taken[j] = true;
        group.push_back(cells[j].choice);
      }
    }
    if (group.size() > 1) {
      groups.push_back(group);
    }
  }
  return groups;
}

std::string joined(const std::vector<Choice>& choices, const char* separator) {
  std::string out;
  for (const Choice& choice : choices) {
    out += (out.empty() ? "" : separator) + choice.name();
  }
  return out;
}

bool has_size_roles(const sim::MachineConfig& machine) {
  return std::any_of(machine.regions.begin(), machine.regions.end(), [](const sim::RegionSpec& region) {
    return region.role == RegionRole::small_requests || region.role == RegionRole::large_requests;
  });
}

// The policies to replay: each chosen one, and size_threshold once per
// threshold — those of --thresholds, or (auto) the candidates from the traces'
// request sizes — when the machine has regions of role small or large (without
// them the threshold changes nothing). *sizes holds the histogram when read.
bool choices_of(const CompareCommandOptions& options, const std::vector<Policy>& policies,
                const sim::MachineConfig& machine, std::vector<Choice>* out, RequestSizes* sizes,
                bool* sizes_read, std::string* error) {
  std::vector<std::uint64_t> thresholds;
  if (!parse_thresholds(options.thresholds, &thresholds, error)) {
    return false;
  }
  const bool compared = std::find(policies.begin(), policies.end(), Policy::size_threshold) != policies.end();
  const bool split = compared && has_size_roles(machine);
  if (!thresholds.empty() && !split) {
    *error = compared ? "--thresholds: no region has the role small or large, so a threshold changes nothing"
                      : "--thresholds: policy size_threshold is not compared (--policies)";
    return false;
  }
  *sizes_read = split && thresholds.empty();
  if (*sizes_read) {
    for (const std::string& trace : options.trace_paths) {
      if (!add_request_sizes(trace, machine.pool.mode, sizes, error)) {
        return false;
      }
    }
    thresholds = threshold_candidates(*sizes, machine.pool.size_threshold_bytes);
  }
  for (const Policy policy : policies) {
    if (policy != Policy::size_threshold || !split || thresholds.empty()) {
      out->push_back(Choice{policy, policy == Policy::size_threshold ? machine.pool.size_threshold_bytes : 0, {}});
      continue;
    }
    for (const std::uint64_t threshold : thresholds) {
      out->push_back(Choice{policy, threshold, {}});
    }
  }
  return true;
}

// The histogram behind the candidate thresholds, for the report: each
// non-empty power-of-two bucket as the requests below its upper bound.
Json request_sizes_json(const RequestSizes& sizes) {
  Json buckets = Json::array();
  std::uint64_t below = 0;
  for (unsigned k = 0; k < sim::size_histogram_buckets; ++k) {
    below += sizes.buckets[k];
    if (sizes.buckets[k] == 0) {
      continue;
    }
    Json bucket = Json::object();
    bucket["from_bytes"] = k == 0 ? 0 : std::uint64_t{1} << (k - 1);
    bucket["requests"] = sizes.buckets[k];
    bucket["requests_below_end"] = below;  // requests smaller than the bucket's end, 2^k
    buckets.push_back(std::move(bucket));
  }
  Json out = Json::object();
  out["requests"] = sizes.requests;
  out["buckets"] = std::move(buckets);
  return out;
}

// The warnings for configurations that cannot take effect, each once: those
// of every policy compared, and of the machine as given (its own configuration
// may be one that cannot take effect).
Json warnings_of(const std::vector<Choice>& choices, const sim::MachineConfig& compared, bool compete,
                 std::string* text) {
  std::vector<std::string> said;
  const auto say = [&](const sim::MachineConfig& machine) {
    for (const std::string& warning : configuration_warnings(machine)) {
      // One policy after another cannot differ from first_fit when no regions
      // compete: said once, for all, below.
      if ((compete || warning.find("cannot place differently") == std::string::npos) &&
          std::find(said.begin(), said.end(), warning) == said.end()) {
        said.push_back(warning);
      }
    }
  };
  for (const Choice& choice : choices) {
    sim::MachineConfig machine = compared;
    machine.pool.policy = choice.policy;
    machine.pool.size_threshold_bytes = static_cast<std::size_t>(choice.size_threshold_bytes);
    machine.attribute_policies = choice.attribute_policies;
    say(machine);
  }
  say(compared);
  if (!compete) {
    said.emplace_back(
        "no request has two regions to choose between on this machine (one region per attribute): every "
        "policy places as first_fit does");
  }
  Json out = Json::array();
  for (const std::string& warning : said) {
    *text += "warning: " + warning + "\n";
    out.push_back(warning);
  }
  return out;
}

Json row_json(const Cell& cell) {
  const double overhead = sim::footprint_overhead(cell.outcome->summary);
  Json row = Json::object();
  row["policy"] = to_string(cell.choice.policy);
  if (cell.choice.size_threshold_bytes != 0) {
    row["size_threshold"] = cell.choice.size_threshold_bytes;
  }
  for (const sim::AttributePolicy& own : cell.choice.attribute_policies) {
    row["attribute_policies"].push_back(Json{{"attr", own.attr}, {"policy", to_string(own.policy)}});
  }
  row["name"] = cell.choice.name();
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
  return row;
}

// One trace's table (appended to *text) and its part of the report.
Json trace_json(const std::string& trace, std::vector<Cell>& cells, bool compete, std::string* text) {
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
    table.add_row({cell.choice.name(), std::to_string(cell.failed_allocs), std::to_string(cell.footprint_bytes),
                   fixed(sim::footprint_overhead(cell.outcome->summary), 3), fixed(cell.f_ext_p50, 3),
                   fixed(cell.f_ext_p95, 3), fixed(cell.f_ext_peak, 3), std::to_string(cell.spilled),
                   hex(cell.outcome->summary.digest), cell.best ? "best" : ""});
    rows.push_back(row_json(cell));
  }
  *text += "\n" + trace + " (" + std::to_string(cells.front().outcome->summary.ops) + " ops; best: fewest failed "
           "allocations, then smallest footprint, then lowest F_ext peak)\n" + table.render("  ");
  Json same = Json::array();
  for (const std::vector<Choice>& group : same_placements(cells)) {
    const bool all = group.size() == cells.size();
    *text += "  indistinguishable (identical placements, the same digest): " + joined(group, " = ");
    if (all && !compete) {
      *text += ": one region per attribute leaves no choice";
    } else if (all) {
      *text += ": every request went to the same region under every policy on this trace";
    }
    *text += "\n";
    Json names = Json::array();
    for (const Choice& choice : group) {
      names.push_back(choice.name());
    }
    same.push_back(std::move(names));
  }
  Json one = Json::object();
  one["path"] = trace;
  one["ops"] = cells.front().outcome->summary.ops;
  one["policies"] = std::move(rows);
  one["indistinguishable"] = std::move(same);
  return one;
}

// Fast replays of the choices, each outcome kept (cells point into them).
struct Runs {
  std::vector<std::unique_ptr<sim::ScenarioOutcome>> outcomes;
  const sim::ScenarioOutcome* run(const CompareCommandOptions& options, const std::string& trace, const Choice& choice,
                                  std::string* error) {
    sim::RunnerOptions runner;
    runner.overrides.policy = choice.policy;
    if (choice.policy == Policy::size_threshold) {
      runner.overrides.size_threshold_bytes = choice.size_threshold_bytes;
    }
    if (!choice.attribute_policies.empty()) {
      runner.overrides.attribute_policies = choice.attribute_policies;
    }
    runner.check_invariants = false;
    runner.max_input_bytes = options.max_input_bytes;
    outcomes.push_back(std::make_unique<sim::ScenarioOutcome>(sim::replay_trace(options.machine_path, trace, runner)));
    if (outcomes.back()->verdict == sim::Verdict::bad_input) {
      *error = outcomes.back()->error;
      return nullptr;
    }
    return outcomes.back().get();
  }
};

// Each single policy's figures per attribute, summed over the traces. Only
// thresholds the machine already has take part: a combination keeps one
// pool-wide threshold.
std::vector<CombinationCandidate> combination_candidates(const sim::MachineConfig& machine,
                                                         const std::vector<Choice>& choices,
                                                         const std::vector<std::vector<Cell>>& cells) {
  std::vector<CombinationCandidate> out;
  for (std::size_t c = 0; c < choices.size(); ++c) {
    if (choices[c].policy == Policy::size_threshold &&
        choices[c].size_threshold_bytes != machine.pool.size_threshold_bytes) {
      continue;
    }
    std::map<std::uint32_t, AttributeFigures> by_attr;
    CombinationCandidate candidate;
    candidate.policy = choices[c].policy;
    for (const std::vector<Cell>& trace : cells) {
      candidate.failed_allocs += trace[c].failed_allocs;
      candidate.footprint_bytes += trace[c].footprint_bytes;
      for (const sim::AttributeStats& attribute : trace[c].outcome->attributes) {
        AttributeFigures& figures = by_attr[attribute.attr];
        figures.attr = attribute.attr;
        figures.failed_allocs += attribute.stats.failed_alloc_count;
        figures.footprint_bytes += attribute.stats.high_water_bytes;
      }
    }
    for (const auto& [attr, figures] : by_attr) {
      candidate.attributes.push_back(figures);
    }
    out.push_back(std::move(candidate));
  }
  return out;
}

// The combination of each attribute's best policy, when the bests differ; the
// finding said in *text either way.
std::optional<Choice> combination_of(const sim::MachineConfig& machine, const std::vector<Choice>& choices,
                                     const std::vector<std::vector<Cell>>& cells, std::string* text) {
  const std::vector<CombinationCandidate> candidates = combination_candidates(machine, choices, cells);
  if (candidates.size() < 2 || candidates.front().attributes.size() < 2) {  // nothing to choose between
    return std::nullopt;
  }
  const Combination combination = combine_attribute_winners(candidates);
  const std::uint64_t threshold =
      combination.base == Policy::size_threshold ? machine.pool.size_threshold_bytes : 0;
  const std::string base = choice_name(combination.base, threshold);
  if (!combination.differs) {
    *text += "per attribute: no attribute does better under another policy than under " + base +
             " (failed allocations, then footprint, over all traces): no per-attribute combination\n";
    return std::nullopt;
  }
  const Choice combined{combination.base, threshold, combination.attribute_policies};
  *text += "per attribute: " + base + " is best over the machine, but ";
  for (std::size_t i = 0; i < combined.attribute_policies.size(); ++i) {
    const sim::AttributePolicy& own = combined.attribute_policies[i];
    *text += std::string(i == 0 ? "" : ", ") + attribute_name(MatchMode::exact, own.attr) + " does better under " +
             to_string(own.policy);
  }
  *text += " (failed allocations, then footprint, over all traces): their combination is replayed as " +
           combined.name() + "\n";
  return combined;
}

}  // namespace

int compare_command(const CompareCommandOptions& options) {
  std::vector<std::string> inputs = {options.machine_path};
  inputs.insert(inputs.end(), options.trace_paths.begin(), options.trace_paths.end());
  const std::string clash =
      output_clash({{"--report", options.report_path}, {"--html", options.html_path}}, inputs);
  if (!clash.empty()) {
    return bad_input(clash);
  }
  std::string error;
  std::vector<Policy> policies;
  if (!parse_policies(options.policies, &policies, &error)) {
    return bad_input(error);
  }
  sim::Scenario scenario;
  if (!load_machine_file(options.machine_path, options.max_input_bytes, &scenario, &error)) {
    return bad_input(error);
  }
  std::vector<Choice> choices;
  RequestSizes sizes;
  bool sizes_read = false;
  if (!choices_of(options, policies, scenario.machine, &choices, &sizes, &sizes_read, &error)) {
    return bad_input(error);
  }
  const bool compete = regions_compete(scenario.machine);

  std::string text = "smh compare " + options.machine_path + ": " + std::to_string(choices.size()) +
                     (choices.size() == 1 ? " policy" : " policies") + " x " +
                     std::to_string(options.trace_paths.size()) +
                     (options.trace_paths.size() == 1 ? " trace" : " traces") + " (fast replays)\n";
  if (sizes_read) {
    text += "size_threshold tried at the thresholds below which 50, 75, 90 and 99 % of the " +
            std::to_string(sizes.requests) + " requests fall (powers of two)" +
            (scenario.machine.pool.size_threshold_bytes != 0 ? ", and the machine's own" : "") + "\n";
  }
  Json warnings = warnings_of(choices, scenario.machine, compete, &text);

  Runs runs;
  std::vector<std::vector<Cell>> cells(options.trace_paths.size());
  for (std::size_t t = 0; t < options.trace_paths.size(); ++t) {
    for (const Choice& choice : choices) {
      const sim::ScenarioOutcome* outcome = runs.run(options, options.trace_paths[t], choice, &error);
      if (outcome == nullptr) {
        return bad_input(error);
      }
      cells[t].push_back(cell_of(choice, *outcome));
    }
  }
  Json per_attribute = Json(nullptr);
  if (scenario.machine.pool.mode == MatchMode::exact && compete) {
    const std::optional<Choice> combined = combination_of(scenario.machine, choices, cells, &text);
    if (combined) {
      for (std::size_t t = 0; t < options.trace_paths.size(); ++t) {
        const sim::ScenarioOutcome* outcome = runs.run(options, options.trace_paths[t], *combined, &error);
        if (outcome == nullptr) {
          return bad_input(error);
        }
        cells[t].push_back(cell_of(*combined, *outcome));
      }
      choices.push_back(*combined);
      per_attribute = Json::object();
      per_attribute["name"] = combined->name();
      per_attribute["base"] = choice_name(combined->policy, combined->size_threshold_bytes);
      per_attribute["attribute_policies"] = row_json(cells.front().back())["attribute_policies"];
    }
  }
  Json traces = Json::array();
  for (std::size_t t = 0; t < options.trace_paths.size(); ++t) {
    traces.push_back(trace_json(options.trace_paths[t], cells[t], compete, &text));
  }
  std::fputs(text.c_str(), stdout);

  if (!options.report_path.empty() || !options.html_path.empty()) {
    Json report = Json::object();
    report["report"] = "smh-compare";
    report["report_version"] = 1;
    report["machine"] = options.machine_path;
    Json names = Json::array();
    for (const Choice& choice : choices) {
      names.push_back(choice.name());
    }
    report["policies"] = std::move(names);
    if (sizes_read) {
      report["request_sizes"] = request_sizes_json(sizes);
    }
    report["warnings"] = std::move(warnings);
    report["per_attribute"] = std::move(per_attribute);  // null: no combination replayed
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
