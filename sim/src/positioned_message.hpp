// How every input error of the simulator reads: "file:line:col: op N: path: message".
// Scenario, trace, import and attribute-map errors carry the same parts; one
// function writes them, so that the four read alike and a tool can split them.
// Private to sim/src.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smh::sim::detail {

// `line` 0 means the error has no position in the file (it is about the file as
// a whole: missing, too large, not a regular file), so only the file is named.
// The op index is written only with a position (it says which op that line holds).
inline std::string positioned_message(std::string_view file, std::uint64_t line, std::uint64_t column,
                                      std::optional<std::uint64_t> op_index, std::string_view json_path,
                                      std::string_view message) {
  std::string out(file);
  if (line != 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
    if (op_index) {
      out += ": op " + std::to_string(*op_index);
    }
  }
  out += ": ";
  if (!json_path.empty()) {
    out.append(json_path).append(": ");
  }
  return out.append(message);
}

}  // namespace smh::sim::detail
