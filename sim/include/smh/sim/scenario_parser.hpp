// Reading and writing scenarios (docs/scenario-format.md). Never throws, never
// crashes: every problem in the input is a ScenarioError with its position.
#pragma once

#include <string>
#include <string_view>

#include "smh/sim/scenario.hpp"

namespace smh::sim {

// The format version this build reads and writes.
inline constexpr std::uint32_t scenario_format_version = 1;

// Parses scenario JSON. On success fills *out and returns true; on failure
// returns false, sets *error (when not null) and leaves *out unspecified.
// file_name is only used in error positions.
// What a file is read for: a scenario to run needs "ops" or "trace"; a machine
// for `smh replay` needs neither (the trace comes from the command line).
enum class ScenarioUse : std::uint8_t { run, machine };

bool parse_scenario(std::string_view text, std::string_view file_name, Scenario* out, ScenarioError* error,
                    ScenarioUse use = ScenarioUse::run);

// Reads the file and parses it. An unreadable file is an error at 0:0.
// A scenario without a name gets the file's stem.
bool load_scenario_file(const std::string& path, Scenario* out, ScenarioError* error);

// Canonical JSON (2-space indented, keys in a fixed order, sizes and attributes
// as integers, addresses and digests as hex strings) that parses back to an equal
// Scenario.
std::string to_json(const Scenario& scenario);

}  // namespace smh::sim
