// The memory map of each region at its peak (issue 11, the run page): where
// its blocks lay, in use or free, when its live bytes were highest among the
// run's samples. Taken with Heap::walk (through Executor::walk_region) only
// when a driver asks (RunnerOptions::region_maps; `smh run --html`), so a run
// without it pays nothing. Bounded: a region with more blocks than
// max_segments is drawn as max_segments equal byte ranges, each with the
// bytes in use within it (coalesced), never one segment per block.
#pragma once

#include <cstdint>
#include <vector>

namespace smh::sim {

class Executor;
struct RunSummary;

struct MapSegment {
  std::uint64_t offset_bytes = 0;  // from the region's base (block offsets: headers included)
  std::uint64_t length_bytes = 0;
  std::uint64_t used_bytes = 0;    // bytes of blocks in use within it: length (a block in use), 0 (a free one)
  std::uint64_t blocks = 0;        // blocks starting within it
};

struct RegionPeakMap {
  std::uint64_t at_ops = 0;      // the sample at which the region's live bytes peaked (first such)
  std::uint64_t live_bytes = 0;  // requested bytes live then
  std::uint64_t blocks = 0;      // blocks walked, in use and free
  std::uint64_t used_blocks = 0;
  std::uint64_t end_bytes = 0;   // where the last block ends (the block area)
  bool coalesced = false;        // more blocks than segments: segments are equal byte ranges
  std::uint64_t largest_free_offset_bytes = 0;  // the largest free block (the first of equal ones)
  std::uint64_t largest_free_bytes = 0;
  std::vector<MapSegment> segments;  // in address order, covering [0, end_bytes)
};

// The map of one region now; block_count: the region's blocks (HeapStats'
// allocated + free counts), which decides whether to coalesce before walking.
RegionPeakMap snapshot_region(const Executor& executor, unsigned region, std::uint64_t block_count,
                              std::uint32_t max_segments);

// At a sample (`ops_done` ops in, `summary` the Executor's now): each region
// whose requested live bytes exceed those of its map so far (or that has none)
// is walked again. maps: one per region, sized here on the first call.
void update_peak_maps(const Executor& executor, const RunSummary& summary, std::uint64_t ops_done,
                      std::uint32_t max_segments, std::vector<RegionPeakMap>* maps);

}  // namespace smh::sim
