#include "policy_ranking.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <tuple>
#include <utility>

#include "smh/assert.hpp"

namespace smh::cli {

namespace {

constexpr std::uint64_t score_units = 1000000;  // the weighted score in millionths

// Each figure over the trace's best (at least 1), weighted; in millionths.
std::uint64_t weighted_score(const PolicyFigures& one, const PolicyFigures& best, const ObjectiveWeights& weights) {
  const auto ratio = [](std::uint64_t figure, std::uint64_t least) {
    return static_cast<double>(figure) / static_cast<double>(std::max<std::uint64_t>(least, 1));
  };
  const double score = weights.failures * ratio(one.failed_allocs, best.failed_allocs) +
                       weights.footprint * ratio(one.footprint_bytes, best.footprint_bytes) +
                       weights.latency * ratio(one.heap_searches, best.heap_searches);
  SMH_ASSERT(score >= 0);
  // Bounded: weights <= 1e6 and ratios <= 2^64 would overflow; clamp to the top.
  const double units = std::round(score * static_cast<double>(score_units));
  return units >= 1.8e19 ? ~std::uint64_t{0} : static_cast<std::uint64_t>(units);
}

RankKey key_of(const PolicyFigures& one, const PolicyFigures& best, Objective objective,
               const ObjectiveWeights& weights) {
  switch (objective) {
    case Objective::failures:
      return {one.failed_allocs, one.footprint_bytes, 0, 0};
    case Objective::footprint:
      return {one.footprint_bytes, one.failed_allocs, 0, 0};
    case Objective::latency:
      return {one.heap_searches, one.search_max, one.failed_allocs, one.footprint_bytes};
    case Objective::weighted:
      return {weighted_score(one, best, weights), one.failed_allocs, one.footprint_bytes, one.heap_searches};
  }
  SMH_ASSERT(false);
  return {};
}

// Each figure's least over the policies.
PolicyFigures least_figures(const std::vector<PolicyFigures>& figures) {
  SMH_ASSERT(!figures.empty());
  PolicyFigures best = figures.front();
  for (const PolicyFigures& one : figures) {
    best.failed_allocs = std::min(best.failed_allocs, one.failed_allocs);
    best.footprint_bytes = std::min(best.footprint_bytes, one.footprint_bytes);
    best.heap_searches = std::min(best.heap_searches, one.heap_searches);
  }
  return best;
}

}  // namespace

RankKey rank_key(const PolicyFigures& one, const std::vector<PolicyFigures>& trace_figures, Objective objective,
                 const ObjectiveWeights& weights) {
  return key_of(one, least_figures(trace_figures), objective, weights);
}

std::string choice_name(Policy policy, std::uint64_t size_threshold_bytes) {
  SMH_ASSERT(size_threshold_bytes == 0 || policy == Policy::size_threshold);
  return std::string(to_string(policy)) +
         (size_threshold_bytes == 0 ? std::string() : "=" + std::to_string(size_threshold_bytes));
}

bool parse_objective(const std::string& name, Objective* out) {
  for (const Objective objective : {Objective::failures, Objective::footprint, Objective::latency,
                                    Objective::weighted}) {
    if (name == to_string(objective)) {
      *out = objective;
      return true;
    }
  }
  return false;
}

const char* to_string(Objective objective) {
  switch (objective) {
    case Objective::failures: return "failures";
    case Objective::footprint: return "footprint";
    case Objective::latency: return "latency";
    case Objective::weighted: return "weighted";
  }
  return "?";
}

bool needs_searches(Objective objective) { return objective == Objective::latency || objective == Objective::weighted; }

bool parse_weights(const std::string& text, ObjectiveWeights* out, std::string* error) {
  ObjectiveWeights weights{0, 0, 0};
  bool seen[3] = {false, false, false};
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const std::size_t equals = item.find('=');
    const std::string name = item.substr(0, equals);
    const int index = name == "failures" ? 0 : name == "footprint" ? 1 : name == "latency" ? 2 : -1;
    if (equals == std::string::npos || index < 0) {
      *error = "--weights: '" + item + "' is not failures=W, footprint=W or latency=W";
      return false;
    }
    if (seen[index]) {
      *error = "--weights: '" + name + "' given twice";
      return false;
    }
    seen[index] = true;
    const std::string value = item.substr(equals + 1);
    char* end = nullptr;
    const double weight = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !(weight >= 0 && weight <= 1e6)) {
      *error = "--weights: " + name + "='" + value + "': expected a number from 0 to 1000000";
      return false;
    }
    (index == 0 ? weights.failures : index == 1 ? weights.footprint : weights.latency) = weight;
    start = comma + 1;
  }
  if (!(weights.failures > 0 || weights.footprint > 0 || weights.latency > 0)) {
    *error = "--weights: at least one weight must be above 0";
    return false;
  }
  *out = weights;
  return true;
}

TraceRanking rank_trace(const std::string& trace, const std::vector<PolicyFigures>& figures, Objective objective,
                        const ObjectiveWeights& weights) {
  SMH_ASSERT(!figures.empty());
  const PolicyFigures best = least_figures(figures);
  TraceRanking out;
  out.trace = trace;
  for (const PolicyFigures& one : figures) {
    out.ranked.push_back(
        RankedPolicy{one.policy, one.size_threshold_bytes, 0, key_of(one, best, objective, weights), one});
  }
  std::stable_sort(out.ranked.begin(), out.ranked.end(), [](const RankedPolicy& a, const RankedPolicy& b) {
    return std::tie(a.key, a.policy, a.size_threshold_bytes) < std::tie(b.key, b.policy, b.size_threshold_bytes);
  });
  for (std::size_t i = 0; i < out.ranked.size(); ++i) {
    const bool tied_with_previous = i > 0 && out.ranked[i].key == out.ranked[i - 1].key;
    out.ranked[i].rank = tied_with_previous ? out.ranked[i - 1].rank : static_cast<unsigned>(i + 1);
  }
  out.tied_best = out.ranked.size() > 1 && out.ranked[1].rank == 1;
  for (const RankedPolicy& ranked : out.ranked) {
    if (ranked.rank > 1) {
      // Keys ascend: the first figure that differs is larger below the best.
      const RankKey& top = out.ranked.front().key;
      std::size_t index = 0;
      while (index + 1 < top.size() && ranked.key[index] == top[index]) {
        ++index;
      }
      SMH_ASSERT(ranked.key[index] > top[index]);
      out.margin_index = index;
      out.margin = ranked.key[index] - top[index];
      break;
    }
  }
  return out;
}

OverallRanking rank_overall(const std::vector<TraceRanking>& traces) {
  SMH_ASSERT(!traces.empty());
  std::map<std::pair<Policy, std::uint64_t>, OverallRanking::Row> rows;
  for (const TraceRanking& trace : traces) {
    SMH_ASSERT(trace.ranked.size() == traces.front().ranked.size());
    for (const RankedPolicy& ranked : trace.ranked) {
      OverallRanking::Row& row = rows[{ranked.policy, ranked.size_threshold_bytes}];
      row.policy = ranked.policy;
      row.size_threshold_bytes = ranked.size_threshold_bytes;
      row.rank_sum += ranked.rank;
      row.primary_sum += ranked.key[0];
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
  // Policy order within ties (the map's, kept by the stable sort): the smaller threshold first.
  out.recommended = out.rows.front().policy;
  out.recommended_size_threshold_bytes = out.rows.front().size_threshold_bytes;
  return out;
}

}  // namespace smh::cli
