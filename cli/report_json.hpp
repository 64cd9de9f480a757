// The JSON report of `smh run`, `smh check` and `smh replay` (one layout for all
// three, so any of them can serve as a `--baseline` later):
//
//   {"report": "smh", "report_version": 1,
//    "totals":    {scenario counts per verdict},
//    "scenarios": [per scenario, in path order: path, name, verdict, error,
//                  inputs (scenario hash, seed, policy, mode, faults, trace),
//                  reproduce, digest, ops and footprint figures, unmet
//                  expectations, regions, attributes, fragmentation over time,
//                  findings, injections],
//    "baseline":  {only with --baseline: the file, counts per kind, every move},
//    "timings":   {wall seconds and ops/s}}
//
// Everything but "timings" is a function of the inputs: byte-identical from run
// to run and whatever --jobs. Keys keep this order; fractions are rounded to six
// decimals so the text does not depend on how a double prints its last digits.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

using Json = nlohmann::ordered_json;

inline constexpr int report_version = 1;
// Findings and injections listed per scenario; the totals always count them all.
inline constexpr std::size_t report_findings_listed = 1000;

// Every check that fired, by name, with its count (all findings, those the run
// did not keep in full included).
std::map<std::string, std::uint64_t> findings_by_check(const sim::FindingTally& tally);

// The deterministic record of one outcome (no timing).
Json outcome_json(const sim::ScenarioOutcome& outcome);

// The whole report, outcomes in the given order; '\n'-terminated, 2-space
// indented. jobs and total_wall_seconds only go into "timings"; `baseline`, when
// given, is the "baseline" section (comparison_json() in baseline.hpp).
std::string render_report(const std::vector<const sim::ScenarioOutcome*>& outcomes, unsigned jobs,
                          double total_wall_seconds, const Json* baseline = nullptr);

// Writes text to a file; false with *error ("path: why") on failure.
bool write_text_file(const std::string& path, const std::string& text, std::string* error);

}  // namespace smh::cli
