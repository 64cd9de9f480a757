// libFuzzer target: smh::sim::parse_scenario on arbitrary bytes.
//
// The parser promises (scenario_parser.hpp) never to throw or crash, and to
// report every problem as a positioned ScenarioError; the sanitizers catch
// crashes and undefined behaviour, and this target aborts on what they cannot
// see:
//  * an "internal error" — parse_scenario's last-resort catch fired, so
//    something inside threw;
//  * an error with no position (every error in the text has a 1-based line and
//    column, and a line within the text);
//  * an accepted scenario whose canonical form (to_json) does not parse back, or
//    parses to a scenario with a different canonical form.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smh/sim/scenario_parser.hpp"

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "scenario_parser_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

std::size_t line_count(std::string_view text) {
  std::size_t lines = 1;
  for (const char c : text) {
    lines += c == '\n' ? 1 : 0;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  smh::sim::Scenario scenario;
  smh::sim::ScenarioError error;
  if (!smh::sim::parse_scenario(text, "fuzz.json", &scenario, &error)) {
    const std::string report = error.to_string();
    if (error.message.rfind("internal error", 0) == 0) {
      fail("the parser threw", report);
    }
    if (error.line == 0 || error.column == 0 || error.line > line_count(text)) {
      fail("an error positioned outside the text", report);
    }
    return 0;
  }
  const std::string canonical = smh::sim::to_json(scenario);
  smh::sim::Scenario again;
  if (!smh::sim::parse_scenario(canonical, "canonical.json", &again, &error)) {
    fail("the canonical form does not parse", error.to_string() + "\n" + canonical);
  }
  if (smh::sim::to_json(again) != canonical) {
    fail("the canonical form does not round-trip", canonical + "\n---\n" + smh::sim::to_json(again));
  }
  return 0;
}
