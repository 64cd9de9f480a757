// `smh size MACHINE.json TRACE... [--policy P] [--headroom PCT] [--scale region|attribute]
//  [-o SIZED.json] [--report R.json] [--html R.html]`:
// the smallest region sizes at which every trace replays on the machine
// without a failed allocation (region_sizing.hpp) — each region on its own, or
// each attribute's regions scaled together — printed against the machine's
// own sizes, per region and per attribute; the sized machine written as a
// scenario file that run, check and replay accept; the same figures as a JSON
// report and an HTML page (html_report.hpp). Exit 0 sized, 2 bad input or no
// sizes found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smh/sim/bounded_file.hpp"

namespace smh::cli {

struct SizeCommandOptions {
  std::string machine_path;
  std::vector<std::string> trace_paths;
  std::optional<std::string> policy;  // a policy name (checked by the parser)
  double headroom_percent = 0;
  std::string output_path;            // -o (empty: none)
  std::string report_path;            // --report (empty: none)
  std::string html_path;              // --html (empty: none): the report's record as a page
  // "region": each region sized on its own; "attribute": the regions of each
  // attribute scaled together, in the proportions of their own sizes.
  std::string scale = "region";
  std::uint64_t max_region_bytes = std::uint64_t{1} << 30;  // growing stops here
  std::uint64_t max_input_bytes = sim::default_max_input_bytes;  // the machine file read whole
};

int size_command(const SizeCommandOptions& options);

}  // namespace smh::cli
