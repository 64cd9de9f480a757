#include "smh/sim/region_peak_map.hpp"

#include <algorithm>

#include "smh/heap_types.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

namespace {

// Adds a block to the segments: its own segment, or, coalesced, its bytes in
// use spread over the fixed ranges it overlaps.
void add_block(const BlockInfo& block, std::uint64_t cell_bytes, RegionPeakMap* map) {
  const std::uint64_t begin = block.block_offset_bytes;
  const std::uint64_t end = begin + block.block_size_bytes;
  if (!map->coalesced) {
    map->segments.push_back(MapSegment{begin, block.block_size_bytes, block.used ? block.block_size_bytes : 0, 1});
    return;
  }
  for (std::uint64_t cell = begin / cell_bytes; cell * cell_bytes < end; ++cell) {
    if (cell >= map->segments.size()) {
      map->segments.resize(cell + 1);
    }
    MapSegment& segment = map->segments[cell];
    const std::uint64_t cell_begin = cell * cell_bytes;
    segment.offset_bytes = cell_begin;
    segment.length_bytes = cell_bytes;
    segment.blocks += begin >= cell_begin ? 1 : 0;
    if (block.used) {
      segment.used_bytes += std::min(end, cell_begin + cell_bytes) - std::max(begin, cell_begin);
    }
  }
}

}  // namespace

RegionPeakMap snapshot_region(const Executor& executor, unsigned region, std::uint64_t block_count,
                              std::uint32_t max_segments) {
  SMH_SIM_ASSERT(max_segments > 0);
  RegionPeakMap map;
  map.coalesced = block_count > max_segments;
  const std::uint64_t region_bytes = executor.memory_map().spec(region).size_bytes;
  // Coalesced: max_segments equal ranges over the region (the last may end short).
  const std::uint64_t cell_bytes = std::max<std::uint64_t>((region_bytes + max_segments - 1) / max_segments, 1);
  executor.walk_region(region, [&](const BlockInfo& block) {
    ++map.blocks;
    map.used_blocks += block.used ? 1 : 0;
    map.end_bytes = std::max<std::uint64_t>(map.end_bytes, block.block_offset_bytes + block.block_size_bytes);
    if (!block.used && block.block_size_bytes > map.largest_free_bytes) {
      map.largest_free_bytes = block.block_size_bytes;
      map.largest_free_offset_bytes = block.block_offset_bytes;
    }
    if (map.coalesced || map.segments.size() < max_segments) {
      add_block(block, cell_bytes, &map);
    }
  });
  if (map.coalesced && !map.segments.empty()) {
    for (std::size_t cell = 0; cell < map.segments.size(); ++cell) {  // ranges before the first block too
      map.segments[cell].offset_bytes = cell * cell_bytes;
      map.segments[cell].length_bytes = cell_bytes;
    }
    MapSegment& last = map.segments.back();
    last.length_bytes = map.end_bytes - last.offset_bytes;  // the last range ends with the block area
  }
  SMH_SIM_ASSERT(map.segments.size() <= max_segments);
  return map;
}

void update_peak_maps(const Executor& executor, const RunSummary& summary, std::uint64_t ops_done,
                      std::uint32_t max_segments, std::vector<RegionPeakMap>* maps) {
  const bool first = maps->empty();
  maps->resize(summary.regions.size());
  for (unsigned region = 0; region < summary.regions.size(); ++region) {
    const HeapStats& stats = summary.regions[region].stats;
    RegionPeakMap& map = (*maps)[region];
    if (!first && stats.allocated_requested_bytes <= map.live_bytes) {
      continue;
    }
    map = snapshot_region(executor, region, stats.allocated_block_count + stats.free_block_count, max_segments);
    map.at_ops = ops_done;
    map.live_bytes = stats.allocated_requested_bytes;
  }
}

}  // namespace smh::sim
