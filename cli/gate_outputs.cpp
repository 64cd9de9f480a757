#include "gate_outputs.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "junit.hpp"
#include "report_json.hpp"

namespace smh::cli {

bool load_gate_baseline(const char* command, const GateOutputs& outputs, std::uint64_t max_input_bytes,
                        Baseline* baseline) {
  std::string error;
  if (!outputs.baseline_path.empty() && !load_baseline(outputs.baseline_path, max_input_bytes, baseline, &error)) {
    std::fprintf(stderr, "smh %s: --baseline: %s\n", command, error.c_str());
    return false;
  }
  return true;
}

int finish_gate_outputs(const char* command, const GateOutputs& outputs, const Baseline& baseline,
                        const std::vector<const sim::ScenarioOutcome*>& outcomes, unsigned jobs,
                        double wall_seconds, int code) {
  std::optional<BaselineComparison> comparison;
  std::optional<Json> section;
  if (!outputs.baseline_path.empty()) {
    comparison = compare_with_baseline(baseline, outcomes, outputs.tolerances);
    std::fputs(render_comparison(outputs.baseline_path, *comparison).c_str(), stdout);
    section = comparison_json(outputs.baseline_path, *comparison);
    if (comparison->regressions != 0) {
      code = std::max(code, 1);
    }
  }
  std::fflush(stdout);
  std::string error;
  if (!outputs.report_path.empty() &&
      !write_text_file(outputs.report_path,
                       render_report(outcomes, jobs, wall_seconds, section ? &*section : nullptr), &error)) {
    std::fprintf(stderr, "smh %s: --report: %s\n", command, error.c_str());
    code = 2;
  }
  if (!outputs.junit_path.empty() &&
      !write_text_file(outputs.junit_path, render_junit(outcomes, comparison ? &*comparison : nullptr), &error)) {
    std::fprintf(stderr, "smh %s: --junit: %s\n", command, error.c_str());
    code = 2;
  }
  return code;
}

}  // namespace smh::cli
