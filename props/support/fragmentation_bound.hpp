// The fragmentation bounds of the heap, in its own units (docs/ARCHITECTURE.md,
// "Fragmentation bound"). Everything is in granules of 8 bytes; a request's
// "need" is its block: the payload rounded up to granules plus the 8-byte header,
// at least the 16-byte minimum block.
//
// * Proven bound (this design: best fit, no false out-of-memory, immediate
//   coalescing): a block area of H >= M * (1 + e_max / s_min) granules never
//   fails an alloc/aligned_alloc/realloc/free workload whose live need, counting
//   the request being made (and a realloc's old block, live while it moves),
//   never exceeds M, with needs in [s_min, s_max] and e_max the largest
//   "sure-fit" size of a request: its need when unaligned, need + align/8 + 1
//   when aligned (what no false out-of-memory promises for it). Without aligned
//   requests e_max = s_max: the bound M * (1 + s_max / s_min).
// * Robson's floor (any allocator): with needs that are powers of two times
//   s_min up to s_max = n * s_min, some workload of peak live need M fails every
//   block area below M * (1 + log2(n) / 2) - s_max + 1.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "smh/heap.hpp"
#include "smh/sim/ops.hpp"

namespace smh::props {

inline constexpr std::uint64_t granule_bytes = Heap::granule_bytes;

// The block a request occupies before any split remainder: max(2, ceil(r/8) + 1).
constexpr std::uint64_t need_granules(std::uint64_t request_bytes) {
  return std::max<std::uint64_t>(Heap::min_block_bytes / granule_bytes, (request_bytes + granule_bytes - 1) / granule_bytes + 1);
}

// The size a free block must have for a request to be sure to fit wherever the
// block lies: its need, plus align/8 + 1 granules of worst alignment gap when
// aligned beyond 8 bytes (docs/ARCHITECTURE.md, "No false out-of-memory").
constexpr std::uint64_t sure_fit_granules(std::uint64_t request_bytes, std::uint64_t align_bytes) {
  const std::uint64_t need = need_granules(request_bytes);
  return align_bytes > granule_bytes ? need + align_bytes / granule_bytes + 1 : need;
}

// The largest request whose need is `need` granules (header included).
constexpr std::uint64_t request_bytes_for_need(std::uint64_t need) { return (need - 1) * granule_bytes; }

// The granules Heap::init leaves to blocks in a region of `region_bytes`: one
// start bit per block granule, in whole 64-bit words, comes off the end.
constexpr std::uint64_t block_area_granules(std::uint64_t region_bytes) {
  const std::uint64_t granules = region_bytes / granule_bytes;
  return granules - (granules + 64) / 65;
}

// The smallest region (whole granules) whose block area is at least `granules`.
constexpr std::uint64_t region_bytes_for_block_area(std::uint64_t granules) {
  std::uint64_t region = (granules + granules / 64) * granule_bytes;  // a little below the answer
  while (block_area_granules(region) < granules) region += granule_bytes;
  return region;
}

// M * (1 + e_max / s_min), rounded up (e_max = s_max without aligned requests).
constexpr std::uint64_t proven_bound_granules(std::uint64_t peak_need, std::uint64_t s_min, std::uint64_t e_max) {
  return (peak_need * (s_min + e_max) + s_min - 1) / s_min;
}

// The largest block area strictly below Robson's floor M (1 + k/2) - s_max + 1
// (k = log2 n): 2H < 2M + kM - 2 s_max + 2.
constexpr std::uint64_t below_robson_floor_granules(std::uint64_t peak_need, unsigned log2_n, std::uint64_t s_max) {
  const std::uint64_t twice_floor = 2 * peak_need + log2_n * peak_need + 2 - 2 * s_max;
  return (twice_floor - 1) / 2;
}

// What the residue construction (robson_adversary.hpp) provably forces is the
// floor less the budget its phases cannot fill with point-claiming blocks: a
// phase allocates whole powers of two, and what is left (< m_i, a multiple of
// the unit) may land on no point. Lost: the last phase's remainder in full, the
// earlier ones' by half: sum_{i<k} (m_i - u) / 2 + (m_k - u) granules, m_i = 2^i u.
// (Robson's own proof handles the remainders; this construction does not.)
constexpr std::uint64_t residue_construction_slack_granules(unsigned log2_n, std::uint64_t unit) {
  std::uint64_t twice = 0;
  for (unsigned i = 1; i < log2_n; ++i) twice += (unit << i) - unit;
  return twice / 2 + (unit << log2_n) - unit;
}

// The peak over a workload of the live need, counting each request with what is
// live when it is made: an alloc's need on top of the live blocks, a realloc's
// new need on top of them all, its old block included (a moving realloc
// allocates before it frees). A realloc's block then has its new need.
inline std::uint64_t peak_live_need(std::span<const sim::Op> ops) {
  std::uint64_t live = 0;
  std::uint64_t peak = 0;
  std::vector<std::pair<sim::Handle, std::uint64_t>> blocks;
  auto find = [&blocks](sim::Handle handle) {
    return std::find_if(blocks.begin(), blocks.end(), [handle](const auto& b) { return b.first == handle; });
  };
  for (const sim::Op& op : ops) {
    if (op.kind == sim::OpKind::alloc) {
      live += need_granules(op.size_bytes);
      peak = std::max(peak, live);
      blocks.emplace_back(op.handle, need_granules(op.size_bytes));
    } else if (op.kind == sim::OpKind::realloc) {
      const auto it = find(op.handle);
      if (it == blocks.end()) {
        continue;
      }
      const std::uint64_t need = need_granules(op.size_bytes);
      peak = std::max(peak, live + need);
      live = live - it->second + need;
      it->second = need;
    } else if (op.kind == sim::OpKind::free) {
      const auto it = find(op.handle);
      if (it != blocks.end()) {
        live -= it->second;
        blocks.erase(it);
      }
    }
  }
  return peak;
}
}  // namespace smh::props
