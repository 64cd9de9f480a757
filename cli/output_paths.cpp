#include "output_paths.hpp"

#include <filesystem>
#include <system_error>

namespace smh::cli {

namespace {

// The same file by two names; false when either does not exist (yet).
bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  return a == b || std::filesystem::equivalent(a, b, error);
}

}  // namespace

std::string output_clash(const std::vector<std::pair<std::string, std::string>>& outputs,
                         const std::vector<std::string>& inputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto& [flag, path] = outputs[i];
    if (path.empty()) {
      continue;
    }
    for (const std::string& input : inputs) {
      if (same_file(path, input)) {
        return flag + ": " + path + " is " + input + ", an input of this run: refusing to overwrite it";
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (!outputs[j].second.empty() && same_file(path, outputs[j].second)) {
        return flag + ": " + path + " is also the file of " + outputs[j].first;
      }
    }
  }
  return "";
}

}  // namespace smh::cli
