#include "scenario_discovery.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "smh/sim/bounded_file.hpp"

namespace smh::cli {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Every folder below `top` is searched on its own (an explicit stack, no
// recursion): one that cannot be read is named in *unreadable and the search
// goes on with the others.
void search_directory(const fs::path& top, std::vector<std::string>* paths, std::vector<std::string>* unreadable) {
  std::vector<fs::path> pending = {top};
  while (!pending.empty()) {
    const fs::path directory = std::move(pending.back());
    pending.pop_back();
    std::error_code code;
    fs::directory_iterator it(directory, fs::directory_options::none, code);
    for (; !code && it != fs::directory_iterator(); it.increment(code)) {
      const fs::path& path = it->path();
      const std::string file_name = path.filename().string();
      std::error_code status_code;
      if (it->is_directory(status_code)) {
        // Hidden folders are skipped, and links to folders are not followed.
        if ((file_name.empty() || file_name.front() != '.') && !it->is_symlink(status_code)) {
          pending.push_back(path);
        }
        continue;
      }
      if (ends_with(file_name, ".json") && !ends_with(file_name, ".schema.json") &&
          it->is_regular_file(status_code) && looks_like_scenario(path.string())) {
        paths->push_back(path.lexically_normal().generic_string());
      }
    }
    if (code) {
      unreadable->push_back(directory.lexically_normal().generic_string() + ": cannot search the directory: " +
                            code.message());
    }
  }
}

}  // namespace

bool looks_like_scenario(const std::string& path) {
  std::string text;
  std::string error;
  // Unreadable, too large (read at most the default bound here: the run applies
  // --max-input-bytes and reports it) or invalid: a scenario the run will
  // report, not a file to skip.
  if (!sim::read_bounded_file(path, sim::default_max_input_bytes, &text, &error)) {
    return true;
  }
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return true;
  }
  return document.is_object() && document.contains("format_version");
}

bool discover_scenarios(const std::vector<std::string>& arguments, std::vector<std::string>* paths,
                        std::vector<std::string>* unreadable, std::string* error) {
  std::vector<std::string> found;
  for (const std::string& argument : arguments) {
    std::error_code code;
    const fs::file_status status = fs::status(argument, code);
    if (code || !fs::exists(status)) {
      *error = argument + ": no such file or directory";
      return false;
    }
    if (fs::is_directory(status)) {
      search_directory(argument, &found, unreadable);
    } else {
      found.push_back(fs::path(argument).lexically_normal().generic_string());
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  *paths = std::move(found);
  std::sort(unreadable->begin(), unreadable->end());
  return true;
}

}  // namespace smh::cli
