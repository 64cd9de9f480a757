// Attribute maps (docs/importing.md, "Attribute maps"): rules that give the
// allocations of a capture without attributes (heaptrack, mtrace, a Zephyr
// heap) the attributes of a multi-region machine, by request size, by call site
// or heaptrack trace id, and by heap id. A small JSON file, read with the
// scenario format's value syntax (sizes like "4K", attribute names per matching
// mode) and its positioned errors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smh/pool_types.hpp"

namespace smh::sim {

// What an allocation event offers the rules; absent facts match no rule that
// asks for them.
struct AllocFacts {
  std::uint64_t size_bytes = 0;
  bool has_site = false;   // the caller's address (mtrace, ESP-IDF)
  std::uint64_t site = 0;
  bool has_trace = false;  // heaptrack's trace index
  std::uint64_t trace = 0;
  bool has_heap = false;   // the device log's region or heap id
  std::uint64_t heap = 0;
};

// One rule: every condition it has must hold (a list holds when one of its
// entries does); the first rule that holds gives the attribute.
struct AttrRule {
  bool has_size = false;
  std::uint64_t min_size_bytes = 0;  // inclusive
  std::uint64_t max_size_bytes = 0;  // inclusive
  std::vector<std::uint64_t> sites;  // sorted, unique; empty: no site condition
  std::vector<std::pair<std::uint64_t, std::uint64_t>> traces;  // inclusive ranges, sorted
  std::vector<std::uint64_t> heaps;  // sorted, unique
  std::uint32_t attr = 0;
  std::uint64_t line = 0;  // where the rule starts, for the summary

  [[nodiscard]] bool matches(const AllocFacts& facts) const;
};

struct AttrMap {
  std::string file;
  std::vector<AttrRule> rules;
  bool has_default = false;
  std::uint32_t default_attr = 0;

  // The index of the first rule that holds, or rules.size() when none does.
  [[nodiscard]] std::size_t first_match(const AllocFacts& facts) const;
};

// An error in the map's text: "file:line:col: $.rules[2].size.min: message"
// (line 0: the file could not be read or is too large).
struct AttrMapError {
  std::string file;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::string json_path;
  std::string message;
  [[nodiscard]] std::string to_string() const;
};

// The largest attribute-map file read unless the caller raises it.
inline constexpr std::uint64_t default_max_attr_map_bytes = std::uint64_t{1} << 20;

// Parses a map from its text; `mode` decides what attribute names mean.
bool parse_attr_map(std::string_view text, const std::string& file, MatchMode mode, AttrMap* out,
                    AttrMapError* error);
// Reads and parses the file at `path`, refusing one larger than max_bytes.
bool load_attr_map(const std::string& path, MatchMode mode, std::uint64_t max_bytes, AttrMap* out,
                   AttrMapError* error);

}  // namespace smh::sim
