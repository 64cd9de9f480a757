// What the trace reader and writer share with their drivers: how a trace error
// reads, and where a scenario's trace is.
#include <filesystem>

#include "smh/sim/trace.hpp"

namespace smh::sim {

std::string TraceError::to_string() const {
  std::string out = file;
  if (line != 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column) + ": op " + std::to_string(op_index);
  }
  out += ": ";
  if (!json_path.empty()) {
    out += json_path + ": ";
  }
  return out + message;
}

std::string resolve_trace_path(const std::string& scenario_file, const std::string& trace) {
  const std::filesystem::path trace_path(trace);
  if (trace_path.is_absolute()) {
    return trace;
  }
  return (std::filesystem::path(scenario_file).parent_path() / trace_path).string();
}

}  // namespace smh::sim
