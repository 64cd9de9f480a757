// Which files `smh check` runs. A file named on the command line is a scenario,
// whatever it holds. A directory is searched recursively (hidden directories
// skipped, links to directories not followed) for *.json files that are
// scenarios: those with a top-level "format_version", and those that are not
// valid JSON at all, so that a broken scenario is reported rather than silently
// skipped. *.schema.json files and other JSON documents (reports, configs) are
// not scenarios.
#pragma once

#include <string>
#include <vector>

namespace smh::cli {

// Paths in sorted order without duplicates. A folder that cannot be searched is
// named in *unreadable ("DIR: cannot search the directory: Permission denied",
// sorted) and the search goes on. False with *error when an argument does not
// exist.
bool discover_scenarios(const std::vector<std::string>& arguments, std::vector<std::string>* paths,
                        std::vector<std::string>* unreadable, std::string* error);

// The rule above for one file found in a directory.
bool looks_like_scenario(const std::string& path);

}  // namespace smh::cli
