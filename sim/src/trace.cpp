// What the trace reader and writer share with their drivers: how a trace error
// reads, and where a scenario's trace is.
#include <filesystem>

#include "positioned_message.hpp"
#include "smh/sim/trace.hpp"

namespace smh::sim {

std::string TraceError::to_string() const {
  return detail::positioned_message(file, line, column, op_index, json_path, message);
}

std::string resolve_trace_path(const std::string& scenario_file, const std::string& trace) {
  const std::filesystem::path trace_path(trace);
  if (trace_path.is_absolute()) {
    return trace;
  }
  return (std::filesystem::path(scenario_file).parent_path() / trace_path).string();
}

}  // namespace smh::sim
