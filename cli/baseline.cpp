#include "baseline.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "report_reading.hpp"
#include "smh/sim/bounded_file.hpp"
#include "text_format.hpp"

namespace smh::cli {

namespace {

using Kind = BaselineMove::Kind;

// F_ext is a ratio in [0, 1]: anything else is not a report smh wrote.
double ratio_member(const Json& object, const std::string& path, const char* key) {
  const double value = number_member(object, path, key);
  if (!(value >= 0.0 && value <= 1.0)) {
    throw ReportShapeError{path + "." + key, "expected a ratio in [0, 1], got " + Json(value).dump()};
  }
  return value;
}

std::string verdict_member(const Json& object, const std::string& path) {
  const std::string verdict = string_member(object, path, "verdict");
  std::string known;
  for (const sim::Verdict each : {sim::Verdict::pass, sim::Verdict::expectation_failed,
                                  sim::Verdict::invariant_broken, sim::Verdict::crashed, sim::Verdict::bad_input}) {
    if (verdict == to_string(each)) {
      return verdict;
    }
    known += (known.empty() ? "" : ", ") + std::string(to_string(each));
  }
  throw ReportShapeError{path + ".verdict", "unknown verdict " + Json(verdict).dump() + " (one of " + known + ")"};
}

BaselineEntry entry_from_json(const Json& scenario, const std::string& path) {
  BaselineEntry entry;
  entry.verdict = verdict_member(scenario, path);
  // A crashed run (smh check) left no figures, as an unreadable scenario does.
  entry.ran = entry.verdict != to_string(sim::Verdict::bad_input) && entry.verdict != to_string(sim::Verdict::crashed);
  if (!entry.ran) {
    return entry;
  }
  const Json& inputs = member(scenario, path, "inputs");
  entry.scenario_hash = string_member(inputs, path + ".inputs", "scenario_hash");
  const Json& trace = member(inputs, path + ".inputs", "trace");
  if (!trace.is_null()) {
    entry.trace = string_member(inputs, path + ".inputs", "trace");
  }
  entry.ops = count_member(scenario, path, "ops");
  entry.digest = string_member(scenario, path, "digest");
  entry.footprint_bytes = count_member(scenario, path, "footprint_bytes");
  entry.failed_allocs = count_member(scenario, path, "failed_allocs");
  const Json& regions = member(scenario, path, "regions");
  if (!regions.is_array()) {
    throw ReportShapeError{path + ".regions", "expected an array"};
  }
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const std::string region_path = path + ".regions[" + std::to_string(i) + "]";
    BaselineEntry::Region& region = entry.regions[string_member(regions[i], region_path, "name")];
    region.f_ext = ratio_member(regions[i], region_path, "f_ext");
    region.f_ext_peak = ratio_member(regions[i], region_path, "f_ext_peak");
  }
  return entry;
}

std::string shown(const std::string& trace) { return trace.empty() ? "(inline ops)" : trace; }

std::string percent(double ratio) {
  return (ratio >= 0 ? "+" : "") + fixed(ratio * 100.0, 2) + "%";
}

class Comparer {
 public:
  Comparer(const BaselineTolerances& tolerances, BaselineComparison* out) : tolerances_(tolerances), out_(out) {}

  void scenario(const std::string& path, const BaselineEntry& before, const BaselineEntry& now) {
    path_ = path;
    if (before.verdict != now.verdict) {
      const bool was_pass = before.verdict == to_string(sim::Verdict::pass);
      const bool is_pass = now.verdict == to_string(sim::Verdict::pass);
      move(was_pass ? Kind::regression : is_pass ? Kind::improvement : Kind::note,
           "verdict " + before.verdict + " -> " + now.verdict);
    }
    if (!before.ran || !now.ran) {
      return;
    }
    if (before.scenario_hash != now.scenario_hash) {
      move(Kind::note, "the scenario file changed (hash " + before.scenario_hash + " -> " + now.scenario_hash + ")");
    }
    if (before.trace != now.trace) {
      move(Kind::note, "the trace is another file: " + shown(before.trace) + " -> " + shown(now.trace));
    }
    if (before.ops != now.ops) {
      // Different work: every figure would move with it (a truncated trace
      // "improves" the footprint), so none is compared.
      move(Kind::regression, std::string(now.trace.empty() ? "the scenario's ops" : "the trace") + " changed: " +
                                 std::to_string(before.ops) + " -> " + std::to_string(now.ops) +
                                 " ops; the figures are not compared (refresh the baseline if this is intended)");
      return;
    }
    if (before.digest != now.digest) {
      move(tolerances_.digest_must_match ? Kind::regression : Kind::within_tolerance,
           "digest " + before.digest + " -> " + now.digest +
               (tolerances_.digest_must_match ? "" : " (allowed by --allow-digest-change)"));
    }
    footprint(before, now);
    failed_allocs(before.failed_allocs, now.failed_allocs);
    for (const auto& [name, region] : now.regions) {
      const auto found = before.regions.find(name);
      if (found == before.regions.end()) {
        move(Kind::note, "region " + name + " is not in the baseline");
        continue;
      }
      f_ext("region " + name + " F_ext", found->second.f_ext, region.f_ext);
      f_ext("region " + name + " F_ext peak", found->second.f_ext_peak, region.f_ext_peak);
    }
    for (const auto& [name, region] : before.regions) {
      if (!now.regions.contains(name)) {
        move(Kind::note, "region " + name + " is gone (it is in the baseline)");
      }
    }
  }

  void move(Kind kind, std::string what) {
    out_->regressions += kind == Kind::regression ? 1 : 0;
    out_->moves.push_back(BaselineMove{kind, path_, std::move(what)});
  }
  void set_path(std::string path) { path_ = std::move(path); }

 private:
  void footprint(const BaselineEntry& before_entry, const BaselineEntry& now_entry) {
    const std::uint64_t before = before_entry.footprint_bytes;
    const std::uint64_t now = now_entry.footprint_bytes;
    if (before == now) {
      return;
    }
    const double ratio = before == 0 ? 1.0 : static_cast<double>(now) / static_cast<double>(before) - 1.0;
    // The growth in bytes against the allowance in bytes: exact at the limit.
    const bool within = now > before && before != 0 && static_cast<double>(now - before) <=
                                           tolerances_.footprint_ratio * static_cast<double>(before);
    // Memory not taken because allocations failed is not memory saved.
    const bool fell_by_failing = now < before && now_entry.failed_allocs > before_entry.failed_allocs;
    const Kind kind = fell_by_failing ? Kind::note
                      : now < before  ? Kind::improvement
                      : within        ? Kind::within_tolerance
                                      : Kind::regression;
    const std::string why = fell_by_failing ? ", not an improvement: " +
                                                  std::to_string(now_entry.failed_allocs - before_entry.failed_allocs) +
                                                  " more allocations failed"
                            : kind == Kind::improvement ? ""
                                                        : ", tolerance " + percent(tolerances_.footprint_ratio);
    move(kind, "footprint " + std::to_string(before) + " -> " + std::to_string(now) + " bytes (" + percent(ratio) +
                   why + ")");
  }

  void failed_allocs(std::uint64_t before, std::uint64_t now) {
    if (before == now) {
      return;
    }
    const Kind kind = now < before                                 ? Kind::improvement
                      : now - before <= tolerances_.failed_allocs ? Kind::within_tolerance
                                                                   : Kind::regression;
    move(kind, "failed allocs " + std::to_string(before) + " -> " + std::to_string(now) +
                   (kind == Kind::improvement ? "" : " (tolerance +" + std::to_string(tolerances_.failed_allocs) + ")"));
  }

  void f_ext(const std::string& what, double before, double now) {
    if (before == now) {
      return;
    }
    const Kind kind = now < before                              ? Kind::improvement
                      : now - before <= tolerances_.f_ext + 1e-9 ? Kind::within_tolerance
                                                                 : Kind::regression;
    move(kind, what + " " + fixed(before, 4) + " -> " + fixed(now, 4) +
                   (kind == Kind::improvement ? "" : " (tolerance +" + fixed(tolerances_.f_ext, 4) + ")"));
  }

  const BaselineTolerances& tolerances_;
  BaselineComparison* out_;
  std::string path_;
};

const char* label(Kind kind) {
  switch (kind) {
    case Kind::regression: return "REGRESSION";
    case Kind::improvement: return "improved  ";
    case Kind::within_tolerance: return "moved     ";
    case Kind::note: return "note      ";
  }
  return "?";
}

}  // namespace

const char* to_string(BaselineMove::Kind kind) {
  switch (kind) {
    case Kind::regression: return "regression";
    case Kind::improvement: return "improvement";
    case Kind::within_tolerance: return "within_tolerance";
    case Kind::note: return "note";
  }
  return "?";
}

bool parse_baseline(const std::string& text, const std::string& file_name, Baseline* out, std::string* error) {
  Json report;
  if (!parse_report_text(text, file_name, &report, error)) {
    return false;
  }
  try {
    if (!report.is_object() || !report.contains("report") || report.at("report") != "smh") {
      throw ReportShapeError{"$", "not an smh report (no \"report\": \"smh\"); write one with smh check --report"};
    }
    if (count_member(report, "$", "report_version") != static_cast<std::uint64_t>(report_version)) {
      throw ReportShapeError{"$.report_version", "unsupported report version (this build reads version " +
                                               std::to_string(report_version) + ")"};
    }
    const Json& scenarios = member(report, "$", "scenarios");
    if (!scenarios.is_array()) {
      throw ReportShapeError{"$.scenarios", "expected an array"};
    }
    // A baseline that holds no scenario compares nothing: every run would pass it.
    if (scenarios.empty()) {
      throw ReportShapeError{"$.scenarios", "no scenario: a baseline compares nothing without them"};
    }
    Baseline baseline;
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      const std::string path = "$.scenarios[" + std::to_string(i) + "]";
      const std::string scenario_path = string_member(scenarios[i], path, "path");
      if (!baseline.emplace(scenario_path, entry_from_json(scenarios[i], path)).second) {
        throw ReportShapeError{path + ".path", "scenario " + Json(scenario_path).dump() + " is listed twice"};
      }
    }
    *out = std::move(baseline);
    return true;
  } catch (const ReportShapeError& shape) {
    *error = file_name + ": " + shape.path + ": " + shape.message;
  } catch (const Json::exception& failure) {
    *error = file_name + ": malformed report: " + failure.what();
  }
  return false;
}

bool load_baseline(const std::string& path, std::uint64_t max_bytes, Baseline* out, std::string* error) {
  std::string text;
  if (!sim::read_bounded_file(path, max_bytes, &text, error)) {
    *error = path + ": the baseline report: " + *error;
    return false;
  }
  return parse_baseline(text, path, out, error);
}

BaselineEntry baseline_entry(const sim::ScenarioOutcome& outcome) {
  // Through the report's own JSON: the same figures, rounded the same way.
  return entry_from_json(outcome_json(outcome), "$");
}

namespace {

// Scenarios are matched by path, resolved from the current directory: the same
// file named as "scenarios/a.json", "./scenarios/a.json" or by its absolute path
// is one scenario.
std::string comparable_path(const std::string& path) {
  std::error_code ignored;
  const std::filesystem::path resolved = std::filesystem::weakly_canonical(path, ignored);
  return (resolved.empty() ? std::filesystem::path(path) : resolved).lexically_normal().string();
}

}  // namespace

BaselineComparison compare_with_baseline(const Baseline& baseline,
                                         const std::vector<const sim::ScenarioOutcome*>& outcomes,
                                         const BaselineTolerances& tolerances) {
  BaselineComparison comparison;
  Comparer comparer(tolerances, &comparison);
  std::map<std::string, const Baseline::value_type*> by_resolved_path;
  for (const auto& entry : baseline) {
    by_resolved_path.emplace(comparable_path(entry.first), &entry);
  }
  std::set<std::string> seen;
  for (const sim::ScenarioOutcome* outcome : outcomes) {
    const std::string& path = outcome->inputs.scenario_path;
    const auto found = by_resolved_path.find(comparable_path(path));
    if (found == by_resolved_path.end()) {
      comparer.set_path(path);
      comparer.move(Kind::note, "not in the baseline");
      continue;
    }
    seen.insert(found->second->first);
    comparer.scenario(path, found->second->second, baseline_entry(*outcome));
  }
  for (const auto& [path, entry] : baseline) {
    if (!seen.contains(path)) {
      comparer.set_path(path);
      comparer.move(Kind::note, "in the baseline but not run");
    }
  }
  // A subset of the baseline may run (notes above); none of it is no gate at all.
  if (seen.empty() && !baseline.empty() && !outcomes.empty()) {
    comparer.set_path("(all)");
    comparer.move(Kind::regression, "no scenario of this run is in the baseline: nothing was compared "
                                    "(paths are matched after resolving them from the current directory)");
  }
  return comparison;
}

std::string render_comparison(const std::string& baseline_path, const BaselineComparison& comparison) {
  std::size_t counts[4] = {};
  for (const BaselineMove& move : comparison.moves) {
    ++counts[static_cast<unsigned>(move.kind)];
  }
  std::string out = "baseline " + baseline_path + ": " + std::to_string(counts[0]) + " regression(s), " +
                    std::to_string(counts[1]) + " improvement(s), " + std::to_string(counts[2]) +
                    " within tolerance, " + std::to_string(counts[3]) + " note(s)\n";
  for (const BaselineMove& move : comparison.moves) {
    out += std::string("  ") + label(move.kind) + "  " + printable(move.path) + "  " + printable(move.what) + "\n";
  }
  return out;
}

Json comparison_json(const std::string& baseline_path, const BaselineComparison& comparison) {
  Json counts = Json::object();
  for (const Kind kind : {Kind::regression, Kind::improvement, Kind::within_tolerance, Kind::note}) {
    counts[to_string(kind)] = 0;
  }
  Json moves = Json::array();
  for (const BaselineMove& move : comparison.moves) {
    counts[to_string(move.kind)] = counts[to_string(move.kind)].get<std::uint64_t>() + 1;
    Json one = Json::object();
    one["kind"] = to_string(move.kind);
    one["path"] = move.path;
    one["what"] = move.what;
    moves.push_back(std::move(one));
  }
  Json out = Json::object();
  out["path"] = baseline_path;
  out["counts"] = counts;
  out["moves"] = moves;
  return out;
}

}  // namespace smh::cli
