// The HTML pages of `smh run --html` (and `smh replay --html`: one scenario's
// report), of `smh compare --html` and of `smh size --html`: self-contained XHTML (inline SVG and
// CSS, no script, no network), for a CI artifact or a browser.
//
// Each is drawn from the record the JSON report holds (outcome_json() in
// report_json.hpp; the compare report's record), never from the runs: every figure on the page is the
// JSON report's text for that figure, so the two cannot disagree. Same record
// => byte-identical page. Every figure cell carries an id naming its JSON key
// ("run-ops", "r0-live_bytes", ...) so tests (and scripts) can find it.
#pragma once

#include <string>

#include "report_json.hpp"

namespace smh::cli {

// The page for one outcome record; '\n'-terminated, well-formed XML.
std::string render_run_html(const Json& outcome);

// The page of `smh compare --html` for its report record (compare_command.cpp):
// per trace the policy table with the best marked ("t0-best_fit-footprint_bytes"
// ids) and bars of footprint and F_ext peak per policy.
std::string render_compare_html(const Json& report);

// The page of `smh size --html` for its report record (size_command.cpp): per
// region and per attribute the current, needed and sized bytes and the high
// water mark at the sized machine ("r0-needed_bytes", "a0-sized_bytes" ids),
// and a bar per region and per attribute drawing them on the larger of
// current and sized.
std::string render_size_html(const Json& report);

// Text escaped for XML content and attribute values; bytes that are not valid
// UTF-8, and control characters other than tab and newline, become U+FFFD.
std::string html_escape(const std::string& text);

}  // namespace smh::cli
