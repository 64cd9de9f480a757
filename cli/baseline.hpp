// `smh check --baseline report.json`: compares this run's outcomes with a report
// written earlier (by --report), scenario by scenario (matched by path), and says
// what moved. A regression fails the gate:
//   - a digest change (unless tolerances.digest_must_match is off),
//   - a verdict that was pass and is not any more,
//   - footprint (sum of the regions' high water marks) up by more than
//     footprint_ratio of the baseline's,
//   - failed allocations up by more than failed_allocs,
//   - a region's F_ext, at the end or at its sampled peak, up by more than f_ext;
//   - a different op count: the scenario's ops or the replayed trace are not the
//     baseline's (a truncated trace, say), so no figure is compared, and the
//     move names both counts.
// Movements within the tolerances and improvements are listed but pass; a
// footprint that fell while more allocations failed is a note, not an
// improvement. Scenarios or regions on one side only are notes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "report_json.hpp"
#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

struct BaselineTolerances {
  bool digest_must_match = true;
  double footprint_ratio = 0.01;    // +1 %: one more block's worth in a small scenario fails
  std::uint64_t failed_allocs = 0;  // any new failed allocation fails
  double f_ext = 0.02;              // absolute, in [0, 1]
};

// What a report says about one scenario, as far as the comparison needs.
struct BaselineEntry {
  struct Region {
    double f_ext = 0;
    double f_ext_peak = 0;
  };
  std::string verdict;
  bool ran = false;  // not bad_input: the figures below are meaningful
  std::string scenario_hash;
  std::string trace;       // the replayed trace's path ("" for inline ops)
  std::uint64_t ops = 0;   // ops applied
  std::string digest;
  std::uint64_t footprint_bytes = 0;
  std::uint64_t failed_allocs = 0;
  std::map<std::string, Region> regions;  // by name
};
using Baseline = std::map<std::string, BaselineEntry>;  // by scenario path

// Reads a report (any smh report: run, check or replay). False with *error
// ("file:line:col: ..." for JSON syntax, "file: $.scenarios[2].digest: ..." for
// a report of the wrong shape).
// Reads at most max_bytes (--max-input-bytes) of a regular file.
bool load_baseline(const std::string& path, std::uint64_t max_bytes, Baseline* out, std::string* error);
bool parse_baseline(const std::string& text, const std::string& file_name, Baseline* out, std::string* error);
// The entry the current outcome would have in a report (same rounding).
BaselineEntry baseline_entry(const sim::ScenarioOutcome& outcome);

struct BaselineMove {
  enum class Kind : unsigned char { regression, improvement, within_tolerance, note };
  Kind kind = Kind::note;
  std::string path;
  std::string what;
};

struct BaselineComparison {
  std::vector<BaselineMove> moves;  // current outcomes' order, then baseline-only paths
  std::size_t regressions = 0;
};

BaselineComparison compare_with_baseline(const Baseline& baseline,
                                         const std::vector<const sim::ScenarioOutcome*>& outcomes,
                                         const BaselineTolerances& tolerances);

// "baseline FILE: N regressions, ..." and one line per move; '\n'-terminated.
std::string render_comparison(const std::string& baseline_path, const BaselineComparison& comparison);

// The "baseline" section of a JSON report: the file, the counts per kind and
// every move, in the comparison's order.
Json comparison_json(const std::string& baseline_path, const BaselineComparison& comparison);
// "regression", "improvement", "within_tolerance" or "note".
const char* to_string(BaselineMove::Kind kind);

}  // namespace smh::cli
