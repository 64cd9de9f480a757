#include "policy_ranking.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "smh/assert.hpp"

namespace smh::cli {

namespace {

std::tuple<std::uint64_t, std::uint64_t> key(const PolicyFigures& figures, Objective objective) {
  return objective == Objective::failures ? std::make_tuple(figures.failed_allocs, figures.footprint_bytes)
                                          : std::make_tuple(figures.footprint_bytes, figures.failed_allocs);
}

}  // namespace

bool parse_objective(const std::string& name, Objective* out) {
  if (name == "failures") {
    *out = Objective::failures;
  } else if (name == "footprint") {
    *out = Objective::footprint;
  } else {
    return false;
  }
  return true;
}

const char* to_string(Objective objective) { return objective == Objective::failures ? "failures" : "footprint"; }

TraceRanking rank_trace(const std::string& trace, std::vector<PolicyFigures> figures, Objective objective) {
  SMH_ASSERT(!figures.empty());
  std::stable_sort(figures.begin(), figures.end(), [&](const PolicyFigures& a, const PolicyFigures& b) {
    return key(a, objective) < key(b, objective) ||
           (key(a, objective) == key(b, objective) && a.policy < b.policy);
  });
  TraceRanking out;
  out.trace = trace;
  for (std::size_t i = 0; i < figures.size(); ++i) {
    RankedPolicy ranked;
    ranked.policy = figures[i].policy;
    ranked.primary = std::get<0>(key(figures[i], objective));
    ranked.secondary = std::get<1>(key(figures[i], objective));
    const bool tied_with_previous = i > 0 && key(figures[i], objective) == key(figures[i - 1], objective);
    ranked.rank = tied_with_previous ? out.ranked.back().rank : static_cast<unsigned>(i + 1);
    out.ranked.push_back(ranked);
  }
  out.tied_best = out.ranked.size() > 1 && out.ranked[1].rank == 1;
  for (const RankedPolicy& ranked : out.ranked) {
    if (ranked.rank > 1) {
      // Keys ascend: never negative; the second figure counts only on a tie of the first.
      out.margin = ranked.primary - out.ranked.front().primary;
      out.margin_secondary = out.margin == 0 ? ranked.secondary - out.ranked.front().secondary : 0;
      break;
    }
  }
  return out;
}

OverallRanking rank_overall(const std::vector<TraceRanking>& traces) {
  SMH_ASSERT(!traces.empty());
  std::map<Policy, OverallRanking::Row> rows;
  for (const TraceRanking& trace : traces) {
    SMH_ASSERT(trace.ranked.size() == traces.front().ranked.size());
    for (const RankedPolicy& ranked : trace.ranked) {
      OverallRanking::Row& row = rows[ranked.policy];
      row.policy = ranked.policy;
      row.rank_sum += ranked.rank;
      row.primary_sum += ranked.primary;
    }
  }
  OverallRanking out;
  for (const auto& [policy, row] : rows) {
    out.rows.push_back(row);
  }
  const auto order = [](const OverallRanking::Row& row) { return std::make_tuple(row.rank_sum, row.primary_sum); };
  std::stable_sort(out.rows.begin(), out.rows.end(),
                   [&](const OverallRanking::Row& a, const OverallRanking::Row& b) { return order(a) < order(b); });
  for (std::size_t i = 0; i < out.rows.size(); ++i) {
    const bool tied = i > 0 && order(out.rows[i]) == order(out.rows[i - 1]);
    out.rows[i].rank = tied ? out.rows[i - 1].rank : static_cast<unsigned>(i + 1);
  }
  out.tied_best = out.rows.size() > 1 && out.rows[1].rank == 1;
  out.recommended = out.rows.front().policy;  // policy order within ties (the map's, kept by the stable sort)
  return out;
}

}  // namespace smh::cli
