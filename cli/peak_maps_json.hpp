// The memory map of each region at its peak (sim/region_peak_map.hpp) as the
// JSON report writes it: "peak_maps", present only when the run took the maps
// (`smh run --html`), one record per region in machine order.
#pragma once

#include "report_json.hpp"

namespace smh::cli {

Json peak_maps_json(const sim::ScenarioOutcome& outcome);

}  // namespace smh::cli
