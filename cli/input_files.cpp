#include "input_files.hpp"

#include <filesystem>

#include "smh/sim/bounded_file.hpp"
#include "smh/sim/scenario_parser.hpp"

namespace smh::cli {

bool load_machine_file(const std::string& path, std::uint64_t max_bytes, sim::Scenario* out, std::string* error) {
  std::string text;
  std::string why;
  if (!sim::read_bounded_file(path, max_bytes, &text, &why)) {
    *error = path + ": " + why;
    return false;
  }
  sim::ScenarioError scenario_error;
  if (!sim::parse_scenario(text, path, out, &scenario_error, sim::ScenarioUse::machine)) {
    *error = scenario_error.to_string();
    return false;
  }
  if (out->name.empty()) {
    out->name = std::filesystem::path(path).stem().string();
  }
  return true;
}

bool read_report_file(const std::string& path, std::uint64_t max_bytes, std::string* text, std::string* error) {
  std::string why;
  if (!sim::read_bounded_file(path, max_bytes, text, &why)) {
    *error = path + ": " + why;
    return false;
  }
  return true;
}

std::string trace_file_refusal(const std::string& path) {
  if (path == "-") {
    return "-: a trace read more than once must be a file, not stdin";
  }
  const std::string why = sim::not_a_regular_file(path);
  return why.empty() ? "" : path + ": cannot read the file: " + why + " (a trace is a regular file)";
}

}  // namespace smh::cli
