#include "peak_maps_json.hpp"

namespace smh::cli {

Json peak_maps_json(const sim::ScenarioOutcome& outcome) {
  Json out = Json::array();
  for (std::size_t index = 0; index < outcome.peak_maps.size(); ++index) {
    const sim::RegionPeakMap& map = outcome.peak_maps[index];
    Json segments = Json::array();
    for (const sim::MapSegment& segment : map.segments) {
      segments.push_back(Json{{"offset_bytes", segment.offset_bytes},
                              {"length_bytes", segment.length_bytes},
                              {"used_bytes", segment.used_bytes},
                              {"blocks", segment.blocks}});
    }
    Json one = Json::object();
    one["name"] = index < outcome.summary.regions.size() ? outcome.summary.regions[index].name : "?";
    one["at_ops"] = map.at_ops;
    one["live_bytes"] = map.live_bytes;
    one["blocks"] = map.blocks;
    one["used_blocks"] = map.used_blocks;
    one["end_bytes"] = map.end_bytes;
    one["coalesced"] = map.coalesced;
    one["segment_count"] = map.segments.size();
    one["largest_free_offset_bytes"] = map.largest_free_offset_bytes;
    one["largest_free_bytes"] = map.largest_free_bytes;
    one["segments"] = std::move(segments);
    out.push_back(std::move(one));
  }
  return out;
}

}  // namespace smh::cli
