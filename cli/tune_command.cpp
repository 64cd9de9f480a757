#include "tune_command.hpp"

#include <cstdio>
#include <map>

#include "attribute_combination.hpp"
#include "input_files.hpp"
#include "policy_ranking.hpp"
#include "report_json.hpp"
#include "report_reading.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "text_format.hpp"
#include "text_table.hpp"

namespace smh::cli {

namespace {

using Align = TextTable::Align;

int bad_input(const std::string& message) {
  std::fprintf(stderr, "smh tune: %s\n", message.c_str());
  return 2;
}

// What the reports hold: the machine compared and, per trace, each policy's figures.
struct Compared {
  bool need_searches = false;  // the objective ranks by search counts: every row must have them
  std::string machine_path;
  std::vector<std::string> traces;  // first-seen order
  std::map<std::string, std::vector<PolicyFigures>> figures;  // by trace
  // The per-attribute combination `smh compare` replayed (attribute_combination.hpp;
  // empty: none), its base policy, and its figures by trace: set against the
  // ranking, not ranked in it.
  std::vector<sim::AttributePolicy> combination;
  PolicyFigures combination_base;
  std::map<std::string, PolicyFigures> combined;
};

// A row of a combination: its attribute_policies, the same in every report,
// once per trace.
void add_combination(const nlohmann::ordered_json& row, const std::string& row_path, const std::string& trace,
                     const PolicyFigures& one, Compared* out) {
  const std::string list_path = row_path + ".attribute_policies";
  const auto& list = array_member(row, row_path, "attribute_policies");
  std::vector<sim::AttributePolicy> combination;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string entry_path = list_path + "[" + std::to_string(i) + "]";
    sim::AttributePolicy own;
    const std::uint64_t attr = count_member(list[i], entry_path, "attr");
    const std::string name = string_member(list[i], entry_path, "policy");
    if (attr >= sim::Executor::attribute_count || !parse_policy(name.c_str(), &own.policy)) {
      throw ReportShapeError{entry_path, "not an attribute below 32 with a known policy"};
    }
    own.attr = static_cast<std::uint32_t>(attr);
    combination.push_back(own);
  }
  if (combination.empty()) {
    throw ReportShapeError{list_path, "no attribute policies"};
  }
  const bool same_base = one.policy == out->combination_base.policy &&
                         one.size_threshold_bytes == out->combination_base.size_threshold_bytes;
  if (!out->combination.empty() && (combination != out->combination || !same_base)) {
    throw ReportShapeError{list_path, "another per-attribute combination than an earlier row's: compare every "
                                      "trace in one smh compare run"};
  }
  if (!out->combined.try_emplace(trace, one).second) {
    throw ReportShapeError{list_path, "a second per-attribute combination for trace '" + trace + "'"};
  }
  out->combination = combination;
  out->combination_base = one;
}

// Records one policy's figures for `trace`; a policy seen before for it is an
// error unless its figures are the same (a benchmark's repetitions).
void add_figures(const std::string& trace, const PolicyFigures& one, bool repeats_allowed, const std::string& where,
                 Compared* out) {
  auto [entry, added] = out->figures.try_emplace(trace);
  if (added) {
    out->traces.push_back(trace);
  }
  for (const PolicyFigures& earlier : entry->second) {
    if (earlier.policy != one.policy || earlier.size_threshold_bytes != one.size_threshold_bytes) {
      continue;
    }
    if (repeats_allowed && earlier.failed_allocs == one.failed_allocs &&
        earlier.footprint_bytes == one.footprint_bytes && earlier.heap_searches == one.heap_searches &&
        earlier.search_max == one.search_max) {
      return;
    }
    throw ReportShapeError{where, "policy '" + choice_name(one.policy, one.size_threshold_bytes) + "' twice for trace '" + trace +
                                      "'" + (repeats_allowed ? " with other figures" : "")};
  }
  entry->second.push_back(one);
}

void set_machine(const std::string& machine, const std::string& where, Compared* out) {
  if (!out->machine_path.empty() && machine != out->machine_path) {
    throw ReportShapeError{where, "compares machine '" + machine + "', an earlier report '" + out->machine_path +
                                      "': tune one machine at a time"};
  }
  out->machine_path = machine;
}

// An `smh compare` report (report_version 1).
void read_compare_report(const nlohmann::ordered_json& report, Compared* out) {
  if (count_member(report, "$", "report_version") != 1) {
    throw ReportShapeError{"$.report_version", "unsupported report version (this build reads version 1)"};
  }
  set_machine(string_member(report, "$", "machine"), "$.machine", out);
  const auto& traces = array_member(report, "$", "traces");
  for (std::size_t t = 0; t < traces.size(); ++t) {
    const std::string trace_path = "$.traces[" + std::to_string(t) + "]";
    const std::string trace = string_member(traces[t], trace_path, "path");
    if (out->figures.count(trace) != 0) {
      throw ReportShapeError{trace_path + ".path", "trace '" + trace + "' is already in an earlier report"};
    }
    const auto& rows = array_member(traces[t], trace_path, "policies");
    if (rows.empty()) {
      throw ReportShapeError{trace_path + ".policies", "no policies"};
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const std::string row_path = trace_path + ".policies[" + std::to_string(r) + "]";
      PolicyFigures one;
      const std::string name = string_member(rows[r], row_path, "policy");
      if (!parse_policy(name.c_str(), &one.policy)) {
        throw ReportShapeError{row_path + ".policy", "unknown policy '" + name + "'"};
      }
      if (rows[r].contains("size_threshold")) {
        one.size_threshold_bytes = count_member(rows[r], row_path, "size_threshold");
        if (one.policy != Policy::size_threshold || one.size_threshold_bytes == 0) {
          throw ReportShapeError{row_path + ".size_threshold",
                                 "a threshold belongs to policy size_threshold only, and is at least 1"};
        }
      }
      one.failed_allocs = count_member(rows[r], row_path, "failed_allocs");
      one.footprint_bytes = count_member(rows[r], row_path, "footprint_bytes");
      if (out->need_searches) {
        one.heap_searches = count_member(rows[r], row_path, "heap_searches");
        one.search_max = count_member(rows[r], row_path, "search_max");
      }
      if (rows[r].contains("attribute_policies")) {
        add_combination(rows[r], row_path, trace, one, out);
      } else {
        add_figures(trace, one, false, row_path + ".policy", out);
      }
    }
  }
}

// A Google Benchmark counter holding a count: a whole number, exact in a double.
std::uint64_t counter_count(const nlohmann::ordered_json& object, const std::string& path, const char* key) {
  const double value = number_member(object, path, key);
  if (!(value >= 0 && value <= 9007199254740992.0) || value != static_cast<double>(static_cast<std::uint64_t>(value))) {
    throw ReportShapeError{path + "." + key, "expected a whole number of at most 2^53"};
  }
  return static_cast<std::uint64_t>(value);
}

// A Google Benchmark JSON report of smh_policy_bench: its policy_replay/<policy>/<trace>
// runs (aggregates of repetitions are left out), the machine in each one's label.
void read_benchmark_report(const nlohmann::ordered_json& report, Compared* out) {
  static const std::string prefix = "policy_replay/";
  const auto& benchmarks = array_member(report, "$", "benchmarks");
  bool any = false;
  for (std::size_t b = 0; b < benchmarks.size(); ++b) {
    const std::string path = "$.benchmarks[" + std::to_string(b) + "]";
    const std::string name = string_member(benchmarks[b], path, "name");
    if (name.rfind(prefix, 0) != 0 ||
        (benchmarks[b].contains("run_type") && string_member(benchmarks[b], path, "run_type") != "iteration")) {
      continue;  // another benchmark, or a mean/median/stddev of repetitions
    }
    if (benchmarks[b].contains("error_occurred") && benchmarks[b].at("error_occurred") == true) {
      throw ReportShapeError{path, "benchmark '" + name + "' failed: " +
                                       (benchmarks[b].contains("error_message")
                                            ? string_member(benchmarks[b], path, "error_message")
                                            : std::string("no message"))};
    }
    const std::size_t slash = name.find('/', prefix.size());
    if (slash == std::string::npos || slash + 1 == name.size()) {
      throw ReportShapeError{path + ".name", "'" + name + "' is not policy_replay/<policy>/<trace>"};
    }
    PolicyFigures one;
    const std::string policy = name.substr(prefix.size(), slash - prefix.size());
    if (!parse_policy(policy.c_str(), &one.policy)) {
      throw ReportShapeError{path + ".name", "unknown policy '" + policy + "'"};
    }
    set_machine(string_member(benchmarks[b], path, "label"), path + ".label", out);
    one.failed_allocs = counter_count(benchmarks[b], path, "failed_allocs");
    one.footprint_bytes = counter_count(benchmarks[b], path, "footprint_bytes");
    if (out->need_searches) {
      one.heap_searches = counter_count(benchmarks[b], path, "heap_searches");
      one.search_max = counter_count(benchmarks[b], path, "search_max");
    }
    add_figures(name.substr(slash + 1), one, true, path + ".name", out);
    any = true;
  }
  if (!any) {
    throw ReportShapeError{"$.benchmarks", "no policy_replay benchmarks (run smh_policy_bench)"};
  }
}

// Reads one report — `smh compare --report`, or smh_policy_bench's Google
// Benchmark JSON — into *out; false with *error.
bool read_report(const std::string& file, std::uint64_t max_bytes, Compared* out, std::string* error) {
  std::string text;
  if (!read_report_file(file, max_bytes, &text, error)) {
    return false;
  }
  nlohmann::ordered_json report;
  if (!parse_report_text(text, file, &report, error)) {
    return false;
  }
  try {
    if (report.is_object() && report.contains("report") && report.at("report") == "smh-compare") {
      read_compare_report(report, out);
    } else if (report.is_object() && report.contains("context") && report.contains("benchmarks")) {
      read_benchmark_report(report, out);
    } else {
      throw ReportShapeError{"$", "neither an smh compare report (\"report\": \"smh-compare\") nor a Google "
                                  "Benchmark report: write one with smh compare --report, or smh_policy_bench "
                                  "--benchmark_format=json"};
    }
    return true;
  } catch (const ReportShapeError& shape) {
    *error = file + ": " + shape.path + ": " + shape.message;
  } catch (const nlohmann::ordered_json::exception& failure) {
    *error = file + ": malformed report: " + failure.what();
  }
  return false;
}

std::string rank_text(unsigned rank, bool tied) { return std::to_string(rank) + (tied ? "=" : ""); }

// The columns of an objective's key (policy_ranking.hpp), in key order.
std::vector<std::string> key_names(Objective objective) {
  switch (objective) {
    case Objective::failures: return {"failed", "footprint"};
    case Objective::footprint: return {"footprint", "failed"};
    case Objective::latency: return {"searches", "longest search", "failed", "footprint"};
    case Objective::weighted: return {"score", "failed", "footprint", "searches"};
  }
  return {};
}

// A key figure as printed: the weighted score (in millionths) as a decimal.
std::string key_text(Objective objective, std::size_t index, std::uint64_t value) {
  if (objective == Objective::weighted && index == 0) {
    return std::to_string(value / 1000000) + "." + std::to_string(1000000 + value % 1000000).substr(1);
  }
  return std::to_string(value);
}

std::string objective_text(Objective objective, const ObjectiveWeights& weights) {
  switch (objective) {
    case Objective::failures: return "fewest failed allocations, then smallest footprint";
    case Objective::footprint: return "smallest footprint, then fewest failed allocations";
    case Objective::latency:
      return "fewest heap searches (regions tried, over every request), then the shortest longest search, then "
             "fewest failed allocations, then smallest footprint";
    case Objective::weighted:
      return "lowest score: per figure its weight times the policy's figure over the trace's best (at least 1); "
             "weights failures " + fixed(weights.failures, 3) + ", footprint " + fixed(weights.footprint, 3) +
             ", latency (heap searches) " + fixed(weights.latency, 3);
  }
  return "";
}

// Whether the per-attribute combination pays: on every trace its objective key
// is no worse than the recommended single policy's, and on one at least it is
// better (so a combination that only ties never adds configuration). *text says
// which, and why.
bool combination_pays(const Compared& compared, const OverallRanking& overall, Objective objective,
                      const ObjectiveWeights& weights, std::string* text) {
  if (compared.combination.empty()) {
    return false;
  }
  const std::string name =
      combination_name(choice_name(compared.combination_base.policy, compared.combination_base.size_threshold_bytes),
                       compared.combination);
  const std::string recommended = choice_name(overall.recommended, overall.recommended_size_threshold_bytes);
  bool better_somewhere = false;
  for (const std::string& trace : compared.traces) {
    const auto combined = compared.combined.find(trace);
    if (combined == compared.combined.end()) {
      *text += "per attribute: " + name + " was not replayed on " + trace + ": not recommended\n";
      return false;
    }
    const std::vector<PolicyFigures>& figures = compared.figures.at(trace);
    PolicyFigures single{};
    for (const PolicyFigures& one : figures) {
      if (one.policy == overall.recommended && one.size_threshold_bytes == overall.recommended_size_threshold_bytes) {
        single = one;
      }
    }
    const RankKey mine = rank_key(combined->second, figures, objective, weights);
    const RankKey theirs = rank_key(single, figures, objective, weights);
    if (theirs < mine) {
      *text += "per attribute: " + name + " does worse than " + recommended + " on " + trace + ": not recommended\n";
      return false;
    }
    better_somewhere = better_somewhere || mine < theirs;
  }
  *text += "per attribute: " + name + (better_somewhere ? " beats " : " only ties ") + recommended +
           (better_somewhere ? " (no worse on any trace, better on one at least): recommended instead\n"
                             : ": not recommended (one policy is simpler)\n");
  return better_somewhere;
}

}  // namespace

int tune_command(const TuneCommandOptions& options) {
  Objective objective{};
  if (!parse_objective(options.objective, &objective)) {
    return bad_input("--objective: '" + options.objective + "' is not one of failures, footprint, latency, weighted");
  }
  ObjectiveWeights weights;
  std::string error;
  if (!options.weights.empty()) {
    if (objective != Objective::weighted) {
      return bad_input("--weights: only with --objective weighted");
    }
    if (!parse_weights(options.weights, &weights, &error)) {
      return bad_input(error);
    }
  }
  Compared compared;
  compared.need_searches = needs_searches(objective);
  for (const std::string& path : options.report_paths) {
    if (!read_report(path, options.max_input_bytes, &compared, &error)) {
      return bad_input(error);
    }
  }
  if (compared.traces.empty()) {
    return bad_input("the reports hold no traces");
  }
  // Ranking over all traces needs the same policies everywhere.
  const std::vector<PolicyFigures>& first = compared.figures.at(compared.traces.front());
  for (const std::string& trace : compared.traces) {
    const std::vector<PolicyFigures>& figures = compared.figures.at(trace);
    bool same = figures.size() == first.size();
    for (const PolicyFigures& one : first) {
      bool found = false;
      for (const PolicyFigures& other : figures) {
        found = found || (other.policy == one.policy && other.size_threshold_bytes == one.size_threshold_bytes);
      }
      same = same && found;
    }
    if (!same) {
      return bad_input("trace '" + trace + "' was compared under other policies than '" + compared.traces.front() +
                       "': compare every trace under the same policies");
    }
  }

  const std::vector<std::string> names = key_names(objective);
  std::string text = "smh tune: " + std::to_string(compared.traces.size()) +
                     (compared.traces.size() == 1 ? " trace" : " traces") + " on " + compared.machine_path +
                     ", objective " + to_string(objective) + " (" + objective_text(objective, weights) +
                     "; = a tie)\n";
  std::vector<TraceRanking> rankings;
  for (const std::string& trace : compared.traces) {
    rankings.push_back(rank_trace(trace, compared.figures.at(trace), objective, weights));
    const TraceRanking& ranking = rankings.back();
    std::vector<std::string> header = {"rank", "policy"};
    std::vector<Align> align = {Align::right, Align::left};
    for (const std::string& name : names) {
      header.push_back(name);
      align.push_back(Align::right);
    }
    TextTable table(header, align);
    for (std::size_t i = 0; i < ranking.ranked.size(); ++i) {
      const RankedPolicy& ranked = ranking.ranked[i];
      const bool tied = (i > 0 && ranking.ranked[i - 1].rank == ranked.rank) ||
                        (i + 1 < ranking.ranked.size() && ranking.ranked[i + 1].rank == ranked.rank);
      std::vector<std::string> row = {rank_text(ranked.rank, tied),
                                      choice_name(ranked.policy, ranked.size_threshold_bytes)};
      for (std::size_t k = 0; k < names.size(); ++k) {
        row.push_back(key_text(objective, k, ranked.key[k]));
      }
      table.add_row(row);
    }
    text += "\n" + trace + ": ";
    if (ranking.tied_best) {
      text += "the best are tied";
    } else if (ranking.ranked.size() == 1) {
      text += "one policy";
    } else {
      text += choice_name(ranking.ranked.front().policy, ranking.ranked.front().size_threshold_bytes) +
              " leads the runner-up by " +
              key_text(objective, ranking.margin_index, ranking.margin) + " (" + names[ranking.margin_index] + ")";
    }
    text += "\n" + table.render("  ");
  }
  const OverallRanking overall = rank_overall(rankings);
  TextTable table({"rank", "policy", "rank sum", names.front() + " sum"},
                  {Align::right, Align::left, Align::right, Align::right});
  for (std::size_t i = 0; i < overall.rows.size(); ++i) {
    const OverallRanking::Row& row = overall.rows[i];
    const bool tied = (i > 0 && overall.rows[i - 1].rank == row.rank) ||
                      (i + 1 < overall.rows.size() && overall.rows[i + 1].rank == row.rank);
    table.add_row({rank_text(row.rank, tied), choice_name(row.policy, row.size_threshold_bytes),
                   std::to_string(row.rank_sum),
                   key_text(objective, 0, row.primary_sum)});
  }
  text += "\noverall (by the sum of ranks, then of " + names.front() + ")\n" + table.render("  ");
  const std::string recommended = choice_name(overall.recommended, overall.recommended_size_threshold_bytes);
  text += "recommended: " + recommended +
          (overall.tied_best ? " (tied with others; among tied, the first in policy order)" : "") + "\n";
  const bool per_attribute = combination_pays(compared, overall, objective, weights, &text);

  if (!options.output_path.empty()) {
    sim::Scenario scenario;
    if (!load_machine_file(compared.machine_path, options.max_input_bytes, &scenario, &error)) {
      return bad_input("the compared machine: " + error);
    }
    const PolicyFigures chosen =
        per_attribute ? compared.combination_base
                      : PolicyFigures{overall.recommended, 0, 0, 0, 0, overall.recommended_size_threshold_bytes};
    scenario.machine.pool.policy = chosen.policy;
    if (chosen.size_threshold_bytes != 0) {
      scenario.machine.pool.size_threshold_bytes = static_cast<std::size_t>(chosen.size_threshold_bytes);
    }
    scenario.machine.attribute_policies = per_attribute ? compared.combination : std::vector<sim::AttributePolicy>{};
    if (!write_text_file(options.output_path, sim::to_json(scenario), &error)) {
      return bad_input("-o: " + error);
    }
    text += "wrote " + options.output_path + ": " + compared.machine_path + " with policy " +
            (per_attribute ? combination_name(choice_name(chosen.policy, chosen.size_threshold_bytes),
                                              compared.combination)
                           : recommended) +
            "\n";
  }
  std::fputs(text.c_str(), stdout);
  return 0;
}

}  // namespace smh::cli
