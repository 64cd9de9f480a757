// The inputs of `smh compare`, `smh tune` and `smh size`, read with bounds:
// a machine (scenario) file or a report is read whole through
// sim::read_bounded_file (a size cap, raised by a flag; FIFOs and devices
// refused, never opened), and a trace, which is streamed, must be a regular
// file, asked of its name before it is opened (opening a FIFO with no writer
// would wait for ever). Every refusal is bad input naming the file.
#pragma once

#include <cstdint>
#include <string>

#include "smh/sim/scenario.hpp"

namespace smh::cli {

// Reads and parses the scenario file at `path` for its machine (no "ops" or
// "trace" needed); a scenario without a name gets the file's stem. False with
// *error "path[:line:col]: [json path: ]message".
bool load_machine_file(const std::string& path, std::uint64_t max_bytes, sim::Scenario* out, std::string* error);

// Reads a report (JSON) whole: false with *error "path: why".
bool read_report_file(const std::string& path, std::uint64_t max_bytes, std::string* text, std::string* error);

// "" when `path` may be opened as a trace that is read more than once (a
// regular file, or a name that cannot be looked up: opening it says why);
// else why not ("path: cannot read the file: it is a FIFO, not a regular file").
std::string trace_file_refusal(const std::string& path);

}  // namespace smh::cli
