// The HTML page of `smh run --html` (and `smh replay --html`): one scenario's
// report as a self-contained XHTML page (inline SVG and CSS, no script, no
// network), for a CI artifact or a browser.
//
// It is drawn from outcome_json() (report_json.hpp), the record the JSON report
// holds, and never from the outcome itself: every figure on the page is the
// JSON report's text for that figure, so the two cannot disagree. Same record
// => byte-identical page. Every figure cell carries an id naming its JSON key
// ("run-ops", "r0-live_bytes", ...) so tests (and scripts) can find it.
#pragma once

#include <string>

#include "report_json.hpp"

namespace smh::cli {

// The page for one outcome record; '\n'-terminated, well-formed XML.
std::string render_run_html(const Json& outcome);

// Text escaped for XML content and attribute values; bytes that are not valid
// UTF-8, and control characters other than tab and newline, become U+FFFD.
std::string html_escape(const std::string& text);

}  // namespace smh::cli
