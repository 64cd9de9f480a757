// Ranking policies by an objective, per trace and over all traces: what `smh
// tune` prints and recommends from. Pure: tested on figures made up to tie.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smh/pool_types.hpp"

namespace smh::cli {

enum class Objective : std::uint8_t {
  failures,   // fewest failed allocations, then the smallest footprint
  footprint,  // the smallest footprint, then the fewest failed allocations
};
// "failures", "footprint"; false for anything else.
bool parse_objective(const std::string& name, Objective* out);
const char* to_string(Objective objective);

// One policy's figures on one trace.
struct PolicyFigures {
  Policy policy{};
  std::uint64_t failed_allocs = 0;
  std::uint64_t footprint_bytes = 0;
};

struct RankedPolicy {
  Policy policy{};
  unsigned rank = 0;  // 1 = best; tied policies share a rank (1, 1, 3)
  std::uint64_t primary = 0;    // the objective's first figure
  std::uint64_t secondary = 0;  // and its second (the tie-breaker)
};

struct TraceRanking {
  std::string trace;
  std::vector<RankedPolicy> ranked;  // best first; ties in policy order
  // The best's lead on the first policy ranked below it, in the objective's
  // first figure, and in its second when the first is equal (both 0 when the
  // best is tied, or alone).
  std::uint64_t margin = 0;
  std::uint64_t margin_secondary = 0;
  bool tied_best = false;
};

struct OverallRanking {
  // By the sum of per-trace ranks, then the sum of the primary figure; ties
  // share a rank and are listed in policy order.
  struct Row {
    Policy policy{};
    unsigned rank = 0;
    unsigned rank_sum = 0;
    std::uint64_t primary_sum = 0;
  };
  std::vector<Row> rows;
  bool tied_best = false;
  // The recommendation: the best, or among tied best the one listed first in
  // policy order (first_fit, the default and the cheapest, first).
  Policy recommended{};
};

TraceRanking rank_trace(const std::string& trace, std::vector<PolicyFigures> figures, Objective objective);
// Every trace must rank the same policies (checked by the caller).
OverallRanking rank_overall(const std::vector<TraceRanking>& traces);

}  // namespace smh::cli
