// Robson's adaptive adversary (J. M. Robson, "Bounds for some functions
// concerning dynamic storage allocation", 1974), played against the real heap
// through the Executor, watching where each block lands (the allocated events).
//
// Units: the construction's unit is the smallest block, u = 2 granules (16 bytes:
// an 8-byte request and its 8-byte header). Its blocks are 2^i units, i = 0..k,
// so n = 2^k; a block of m granules is a request of (m - 1) * 8 bytes, which the
// heap serves with exactly m granules (or m + 1 when a one-granule tail would be
// left). M (the peak live need) is M_units * u granules. Placements are at
// granule resolution, so the argument runs in granules.
//
// The construction. Phase 0 allocates M_units unit blocks. Phase i (block size
// m_i = 2^i * u granules) keeps an offset d_i: every live block covers a granule
// p = d_i (mod m_i) — a block of m granules covers exactly one point of every
// residue mod m, so the points it claims are distinct. From d_{i-1} the two
// candidates are d_{i-1} and d_{i-1} + m_{i-1} (mod m_i); it takes the one whose
// covering blocks have the larger total slack sum(m_i - size), frees every block
// covering no point of that residue, then allocates blocks of m_i granules (and,
// with the remainder of the budget, smaller powers) while the live need stays
// within M. Writing X_i = (live blocks claiming points) * m_i, the choice gives
// X_i >= X_{i-1} - L_{i-1} / 2 + L_i (L: live need), hence X_k >= L_k + sum L_i / 2,
// and with every L_i = M: X_k >= M (1 + k / 2). Those X_k / m_k blocks sit on
// distinct points m_k apart, so a block area H holding them all has
// H >= X_k - m_k + 1 = M (1 + k/2) - s_max + 1: Robson's floor M(1 + log2(n)/2) - n + 1
// written in granules (its "n" is s_max, the "+1" one granule). A phase that
// cannot reach L_i = M exactly (its blocks are whole powers) loses at most half
// its shortfall from the guarantee; the property checks the floor itself.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "smh/sim/events.hpp"
#include "smh/sim/ops.hpp"
#include "support/fragmentation_bound.hpp"
#include "support/live_executor.hpp"
#include "support/observed_heap.hpp"

namespace smh::props {

inline constexpr std::uint64_t robson_unit_granules = 2;

struct RobsonOutcome {
  bool failed = false;            // an allocation failed: the adversary won
  unsigned failed_phase = 0;
  std::uint64_t claimed_points = 0;  // live blocks after the last phase (when none failed)
};

class RobsonAdversary {
 public:
  // `tie_breaks`: bit i decides phase i's choice when both residues weigh the same.
  RobsonAdversary(LiveExecutor& sut, std::uint64_t region_base, std::uint64_t units, unsigned log2_n,
                  std::uint64_t tie_breaks)
      : heap_(sut, region_base), budget_(units * robson_unit_granules), log2_n_(log2_n), tie_breaks_(tie_breaks) {}

  RobsonOutcome play() {
    RobsonOutcome outcome;
    if (!fill(robson_unit_granules, 0)) return lost(0);
    std::uint64_t offset = 0;  // d_i
    std::uint64_t period = robson_unit_granules;  // m_i
    for (unsigned phase = 1; phase <= log2_n_; ++phase) {
      const std::uint64_t previous = period;
      period *= 2;
      const std::uint64_t candidates[2] = {offset % period, (offset + previous) % period};
      std::int64_t weight[2] = {0, 0};
      for (const auto& [handle, block] : heap_.live()) {
        for (int c = 0; c < 2; ++c) {
          if (covers(block, candidates[c], period)) weight[c] += static_cast<std::int64_t>(period - block.need);
        }
      }
      const bool take_second = weight[1] > weight[0] || (weight[1] == weight[0] && ((tie_breaks_ >> phase) & 1) != 0);
      offset = candidates[take_second ? 1 : 0];
      std::vector<sim::Handle> to_free;
      for (const auto& [handle, block] : heap_.live()) {
        if (!covers(block, offset, period)) to_free.push_back(handle);
      }
      for (const sim::Handle handle : to_free) heap_.release(handle);
      if (!fill(period, phase)) return lost(phase);
    }
    outcome.claimed_points = heap_.live().size();
    return outcome;
  }

 private:
  static bool covers(const ObservedBlock& block, std::uint64_t residue, std::uint64_t period) {
    const std::uint64_t first = block.start + (residue + period - block.start % period) % period;
    return first < block.start + block.length;
  }

  // Blocks of `size` granules, then of each smaller power, while the budget allows.
  bool fill(std::uint64_t size, unsigned phase) {
    for (; size >= robson_unit_granules; size /= 2) {
      while (heap_.live_need() + size <= budget_) {
        if (!heap_.allocate(size)) return false;
      }
      if (phase == 0) break;
    }
    return true;
  }

  RobsonOutcome lost(unsigned phase) {
    RobsonOutcome outcome;
    outcome.failed = true;
    outcome.failed_phase = phase;
    return outcome;
  }

  ObservedHeap heap_;
  std::uint64_t budget_;  // M, granules
  unsigned log2_n_;
  std::uint64_t tie_breaks_;
};

}  // namespace smh::props
