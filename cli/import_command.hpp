// `smh import FORMAT INPUT [-o TRACE.jsonl[.zst]] [--stats] ...`: converts a
// capture another tool wrote (docs/importing.md) into an smh trace that
// `smh replay` reads, and prints what it holds. Exit 0 done, 2 bad input (bad
// flags, an unreadable input or attribute map, a malformed line without
// --skip-bad, a limit reached).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "smh/sim/attr_map.hpp"
#include "smh/sim/import.hpp"

namespace smh::cli {

struct ImportCommandOptions {
  std::string format;        // a sim::to_string(ImportFormat) name (checked by the parser)
  std::string input_path;    // "-": stdin
  std::string output_path;   // -o; "-": stdout; empty: none
  bool stats_only = false;   // --stats
  std::string attr_map_path;
  std::optional<std::string> mode;  // "exact" or "capability"; default: capability for esp-idf, else exact
  bool skip_bad = false;
  sim::ImportLimits limits{};
  std::uint64_t max_attr_map_bytes = sim::default_max_attr_map_bytes;
};

int import_command(const ImportCommandOptions& options);

}  // namespace smh::cli
