#include "scenario_discovery.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace smh::cli {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool search_directory(const fs::path& directory, std::vector<std::string>* paths, std::string* error) {
  std::error_code code;
  fs::recursive_directory_iterator it(directory, fs::directory_options::none, code);
  for (; !code && it != fs::recursive_directory_iterator(); it.increment(code)) {
    const fs::path& path = it->path();
    const std::string file_name = path.filename().string();
    std::error_code status_code;
    if (it->is_directory(status_code)) {
      if (!file_name.empty() && file_name.front() == '.') {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (ends_with(file_name, ".json") && !ends_with(file_name, ".schema.json") &&
        it->is_regular_file(status_code) && looks_like_scenario(path.string())) {
      paths->push_back(path.lexically_normal().generic_string());
    }
  }
  if (code) {
    *error = directory.string() + ": cannot search the directory: " + code.message();
    return false;
  }
  return true;
}

}  // namespace

bool looks_like_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  // Unreadable or invalid: a scenario the run will report, not a file to skip.
  const nlohmann::json document = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return true;
  }
  return document.is_object() && document.contains("format_version");
}

bool discover_scenarios(const std::vector<std::string>& arguments, std::vector<std::string>* paths,
                        std::string* error) {
  std::vector<std::string> found;
  for (const std::string& argument : arguments) {
    std::error_code code;
    const fs::file_status status = fs::status(argument, code);
    if (code || !fs::exists(status)) {
      *error = argument + ": no such file or directory";
      return false;
    }
    if (fs::is_directory(status)) {
      if (!search_directory(argument, &found, error)) {
        return false;
      }
    } else {
      found.push_back(fs::path(argument).lexically_normal().generic_string());
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  *paths = std::move(found);
  return true;
}

}  // namespace smh::cli
