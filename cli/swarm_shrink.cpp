#include "swarm_shrink.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "smh/sim/checks.hpp"

namespace smh::cli {
namespace {

// Where a handle's ops are: the first and last op index.
struct HandleSpan {
  sim::Handle handle = 0;
  std::size_t first = 0;
  std::size_t last = 0;
};

class Shrinker {
 public:
  Shrinker(const sim::Scenario& scenario, sim::Check check, const SwarmSettings& settings, std::uint64_t max_runs)
      : best_(scenario), check_(check), settings_(settings), max_runs_(max_runs) {}

  // Keeps `candidate` when the check still fires in it.
  bool try_candidate(sim::Scenario candidate) {
    if (runs_ >= max_runs_) {
      budget_spent_ = true;
      return false;
    }
    ++runs_;
    const sim::RunResult result = run_swarm_scenario(candidate, settings_);
    if (!result.ok || result.summary.finding_tally.of(check_) == 0) {
      return false;
    }
    best_ = std::move(candidate);
    return true;
  }

  void drop_faults() {
    sim::Scenario candidate = best_;
    candidate.swarm = false;
    candidate.faults = sim::FaultPlan{};
    candidate.cache_noise_ppm = 0;
    try_candidate(std::move(candidate));
  }

  void cut_after(std::uint64_t at_op) {
    if (at_op + 1 < best_.ops.size()) {
      sim::Scenario candidate = best_;
      candidate.ops.resize(at_op + 1);
      try_candidate(std::move(candidate));
    }
  }

  // ddmin over handles: drop chunks of them, halving the chunk size.
  void drop_handles() {
    std::vector<sim::Handle> handles;
    for (const sim::Op& op : best_.ops) {
      if (std::find(handles.begin(), handles.end(), op.handle) == handles.end()) {
        handles.push_back(op.handle);
      }
    }
    for (std::size_t chunk = std::max<std::size_t>(handles.size() / 2, 1); chunk >= 1 && !budget_spent_;
         chunk /= 2) {
      for (std::size_t begin = 0; begin < handles.size() && !budget_spent_;) {
        const std::size_t end = std::min(handles.size(), begin + chunk);
        const std::set<sim::Handle> dropped(handles.begin() + begin, handles.begin() + end);
        sim::Scenario candidate = best_;
        std::erase_if(candidate.ops, [&](const sim::Op& op) { return dropped.count(op.handle) != 0; });
        if (try_candidate(std::move(candidate))) {
          handles.erase(handles.begin() + begin, handles.begin() + end);
        } else {
          begin = end;
        }
      }
      if (chunk == 1) {
        break;
      }
    }
  }

  void drop_single_ops() {
    for (std::size_t index = best_.ops.size(); index-- > 0 && !budget_spent_;) {
      sim::Scenario candidate = best_;
      candidate.ops.erase(candidate.ops.begin() + static_cast<std::ptrdiff_t>(index));
      try_candidate(std::move(candidate));
    }
  }

  void halve_sizes() {
    for (std::size_t index = 0; index < best_.ops.size() && !budget_spent_; ++index) {
      while (best_.ops[index].size_bytes > 1 && !budget_spent_) {
        sim::Scenario candidate = best_;
        candidate.ops[index].size_bytes /= 2;
        if (!try_candidate(std::move(candidate))) {
          break;
        }
      }
    }
  }

  // Renames a handle to an earlier one whose last op comes before its first:
  // fewer handles, the same ops. Each handle tries the earliest such one.
  void merge_handles() {
    for (bool merged = true; merged && !budget_spent_;) {
      merged = false;
      const std::vector<HandleSpan> spans = handle_spans();
      for (std::size_t later = 1; later < spans.size() && !merged && !budget_spent_; ++later) {
        for (std::size_t earlier = 0; earlier < later && !merged && !budget_spent_; ++earlier) {
          if (spans[earlier].last < spans[later].first) {
            sim::Scenario candidate = best_;
            for (sim::Op& op : candidate.ops) {
              op.handle = op.handle == spans[later].handle ? spans[earlier].handle : op.handle;
            }
            merged = try_candidate(std::move(candidate));
            break;  // the earliest that fits only: bounded by the number of handles
          }
        }
      }
    }
  }

  // Drops whole regions (the last first), then halves each one's size while
  // the machine stays valid (an invalid one fails to run: not kept).
  void shrink_regions() {
    for (std::size_t index = best_.machine.regions.size(); index-- > 0 && best_.machine.regions.size() > 1 &&
                                                            !budget_spent_;) {
      sim::Scenario candidate = best_;
      candidate.machine.regions.erase(candidate.machine.regions.begin() + static_cast<std::ptrdiff_t>(index));
      try_candidate(std::move(candidate));
    }
    for (std::size_t index = 0; index < best_.machine.regions.size() && !budget_spent_; ++index) {
      while (!budget_spent_) {
        sim::Scenario candidate = best_;
        candidate.machine.regions[index].size_bytes /= 2;
        if (!try_candidate(std::move(candidate))) {
          break;
        }
      }
    }
  }

  ShrinkResult result() const { return ShrinkResult{best_, runs_, budget_spent_}; }

 private:
  // Each handle's span, in order of first appearance.
  std::vector<HandleSpan> handle_spans() const {
    std::vector<HandleSpan> spans;
    std::map<sim::Handle, std::size_t> position;
    for (std::size_t index = 0; index < best_.ops.size(); ++index) {
      const auto [at, fresh] = position.emplace(best_.ops[index].handle, spans.size());
      if (fresh) {
        spans.push_back(HandleSpan{best_.ops[index].handle, index, index});
      }
      spans[at->second].last = index;
    }
    return spans;
  }

  sim::Scenario best_;
  sim::Check check_;
  const SwarmSettings& settings_;
  std::uint64_t max_runs_;
  std::uint64_t runs_ = 0;
  bool budget_spent_ = false;
};

}  // namespace

ShrinkResult shrink_failing_scenario(const sim::Scenario& scenario, const std::string& check, std::uint64_t at_op,
                                     const SwarmSettings& settings, std::uint64_t max_runs) {
  const std::optional<sim::Check> named = sim::check_named(check);
  if (!named) {
    return ShrinkResult{scenario, 0, false};
  }
  Shrinker shrinker(scenario, *named, settings, max_runs);
  shrinker.drop_faults();
  shrinker.cut_after(at_op);
  shrinker.drop_handles();
  shrinker.drop_single_ops();
  shrinker.merge_handles();
  shrinker.shrink_regions();
  shrinker.halve_sizes();
  return shrinker.result();
}

}  // namespace smh::cli
