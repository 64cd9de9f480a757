// Ranking policies by an objective, per trace and over all traces: what `smh
// tune` prints and recommends from. Pure: tested on figures made up to tie.
//
// Every objective orders policies by a key of whole numbers, compared in turn
// (later ones break ties of earlier ones); a tie of the whole key shares a rank:
//   failures   failed allocations, footprint
//   footprint  footprint, failed allocations
//   latency    heap searches (the Heap::find calls region selection made: the
//              cost a policy adds to every request, counted, so that ranking
//              is deterministic), the longest search of one request, failed
//              allocations, footprint
//   weighted   the weighted score (below, in millionths), failed allocations,
//              footprint, heap searches
// Weighted score of a policy on a trace: for each of failures, footprint and
// latency (heap searches), its weight times the policy's figure over the
// trace's best figure of any policy (at least 1, so that 0 failures against
// 0 counts 0 and 3 failures against 0 counts 3): 1.0 per figure for the best
// policy, 1.10 for a footprint 10 % larger. Weights default to 1 each.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "smh/pool_types.hpp"

namespace smh::cli {

enum class Objective : std::uint8_t { failures, footprint, latency, weighted };
// "failures", "footprint", "latency", "weighted"; false for anything else.
bool parse_objective(const std::string& name, Objective* out);
const char* to_string(Objective objective);
// Whether the objective needs the search counts (reports without them cannot be ranked by it).
bool needs_searches(Objective objective);

struct ObjectiveWeights {
  double failures = 1;
  double footprint = 1;
  double latency = 1;
};
// "failures=W,footprint=W,latency=W" (any of them, any order; W a decimal from
// 0 to 1e6; at least one above 0); false with *error.
bool parse_weights(const std::string& text, ObjectiveWeights* out, std::string* error);

// A policy as ranked: the size_threshold policy is ranked once per threshold
// tried (threshold_candidates.hpp); other policies have threshold 0, and so has
// size_threshold when the report ran it at the machine's own threshold
// (benchmark reports). Ordered by policy, then threshold.
std::string choice_name(Policy policy, std::uint64_t size_threshold_bytes);  // "size_threshold=512", "best_fit"

// One policy's figures on one trace.
struct PolicyFigures {
  Policy policy{};
  std::uint64_t failed_allocs = 0;
  std::uint64_t footprint_bytes = 0;
  std::uint64_t heap_searches = 0;      // over every request
  std::uint64_t search_max = 0;         // the longest search of one request
  std::uint64_t size_threshold_bytes = 0;  // see choice_name (last: positional initialisers keep their meaning)
};

using RankKey = std::array<std::uint64_t, 4>;

struct RankedPolicy {
  Policy policy{};
  std::uint64_t size_threshold_bytes = 0;
  unsigned rank = 0;  // 1 = best; tied policies share a rank (1, 1, 3)
  RankKey key{};      // the objective's key (key[0] its first figure)
  PolicyFigures figures;
};

struct TraceRanking {
  std::string trace;
  std::vector<RankedPolicy> ranked;  // best first; ties in policy order
  // The best's lead on the first policy ranked below it: the first key figure
  // that differs (its index), and by how much (0 and 0 when the best is tied,
  // or alone).
  std::size_t margin_index = 0;
  std::uint64_t margin = 0;
  bool tied_best = false;
};

struct OverallRanking {
  // By the sum of per-trace ranks, then the sum of the key's first figure;
  // ties share a rank and are listed in policy order.
  struct Row {
    Policy policy{};
    std::uint64_t size_threshold_bytes = 0;
    unsigned rank = 0;
    unsigned rank_sum = 0;
    std::uint64_t primary_sum = 0;
  };
  std::vector<Row> rows;
  bool tied_best = false;
  // The recommendation: the best, or among tied best the one listed first in
  // policy order (first_fit, the default and the cheapest, first).
  Policy recommended{};
  std::uint64_t recommended_size_threshold_bytes = 0;
};

// One policy's key on a trace whose policies had `trace_figures` (the weighted
// objective scores against their best): how a figure from outside the ranking
// (a per-attribute combination) is set against the ranked ones.
RankKey rank_key(const PolicyFigures& one, const std::vector<PolicyFigures>& trace_figures, Objective objective,
                 const ObjectiveWeights& weights = {});

TraceRanking rank_trace(const std::string& trace, const std::vector<PolicyFigures>& figures, Objective objective,
                        const ObjectiveWeights& weights = {});
// Every trace must rank the same policies (checked by the caller).
OverallRanking rank_overall(const std::vector<TraceRanking>& traces);

}  // namespace smh::cli
