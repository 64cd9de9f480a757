// The bundled scenario files: every .json under scenarios/ (subdirectories
// included) but the schema, sorted, so that tests walk them in one order.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace smh::sim::testing {

inline std::vector<std::filesystem::path> bundled_scenario_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(SMH_SCENARIOS_DIR)) {
    if (entry.path().extension() == ".json" && entry.path().filename() != "scenario.schema.json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The same, as path strings.
inline std::vector<std::string> bundled_scenario_paths() {
  std::vector<std::string> paths;
  for (const std::filesystem::path& file : bundled_scenario_files()) {
    paths.push_back(file.string());
  }
  return paths;
}

}  // namespace smh::sim::testing
