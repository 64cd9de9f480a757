// JUnit XML for CI systems: one <testcase> per scenario, a <failure> for a
// failed expectation or a broken invariant, an <error> for bad input, each with
// the reasons and the reproduce line. With a baseline comparison, a scenario
// that regressed against it fails too (type "baseline_regression", every
// regression listed), and regressions that belong to no scenario of the run
// (nothing compared at all) fail a testcase named "baseline" — so that the XML
// agrees with the exit code. No timings, so it is deterministic too.
#pragma once

#include <string>
#include <vector>

#include "baseline.hpp"
#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

std::string render_junit(const std::vector<const sim::ScenarioOutcome*>& outcomes,
                         const BaselineComparison* baseline = nullptr);

// Text as an XML 1.0 attribute value (in_attribute) or character data: markup
// characters escaped, control characters XML cannot carry and invalid UTF-8
// replaced by U+FFFD. Line breaks and tabs stay as they are in character data
// and become character references in attributes (where a parser would turn
// them into spaces).
std::string xml_escape(const std::string& text, bool in_attribute = true);

}  // namespace smh::cli
