// PayloadFreshness (payload_freshness.hpp): written and discarded byte runs per block.
#include "payload_freshness.hpp"

#include <algorithm>

#include "smh/sim/sim_assert.hpp"

namespace smh::sim {
namespace {

using Run = PayloadFreshness::Run;

// Removes [begin, end) from disjoint runs, keeping what remains of each.
void cut(std::vector<Run>& runs, std::uint64_t begin, std::uint64_t end) {
  std::vector<Run> kept;
  for (const Run& run : runs) {
    if (run.end <= begin || run.begin >= end) {
      kept.push_back(run);
      continue;
    }
    if (run.begin < begin) {
      Run before = run;
      before.end = begin;
      kept.push_back(before);
    }
    if (run.end > end) {
      Run after = run;
      after.begin = end;
      kept.push_back(after);
    }
  }
  runs = std::move(kept);
}

// Adds runs disjoint from `runs` (cut first), keeping them sorted by offset and
// joining neighbours of the same invalidate (the cache reports a discard per
// line: one finding per run, not per line).
void add(std::vector<Run>& runs, const std::vector<Run>& added) {
  runs.insert(runs.end(), added.begin(), added.end());
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.begin < b.begin; });
  std::vector<Run> joined;
  for (const Run& run : runs) {
    SMH_SIM_ASSERT(joined.empty() || joined.back().end <= run.begin);  // disjoint
    if (!joined.empty() && joined.back().end == run.begin && joined.back().op_index == run.op_index) {
      joined.back().end = run.end;
    } else {
      joined.push_back(run);
    }
  }
  runs = std::move(joined);
}

// The parts of `runs` inside [begin, end), in order.
std::vector<Run> clip(const std::vector<Run>& runs, std::uint64_t begin, std::uint64_t end) {
  std::vector<Run> inside;
  for (const Run& run : runs) {
    const std::uint64_t from = std::max(run.begin, begin);
    const std::uint64_t to = std::min(run.end, end);
    if (from < to) {
      Run part = run;
      part.begin = from;
      part.end = to;
      inside.push_back(part);
    }
  }
  return inside;
}

}  // namespace

void PayloadFreshness::cpu_wrote(Handle handle, std::uint64_t begin, std::uint64_t end) {
  SMH_SIM_ASSERT(begin <= end);
  if (begin == end) {
    return;
  }
  Block& block = blocks_[handle];
  cut(block.written, begin, end);
  add(block.written, {Run{begin, end, 0}});
  cut(block.discarded, begin, end);  // the CPU's newest version is in its cache again
  cut(block.unreceived, begin, end);  // and the bytes are the CPU's, not a previous frame's
}

void PayloadFreshness::invalidated(Handle handle, std::uint64_t begin, std::uint64_t end, std::uint64_t op_index,
                                   Handle invalidated_by) {
  SMH_SIM_ASSERT(begin <= end);
  const auto found = blocks_.find(handle);
  if (found == blocks_.end()) {
    return;
  }
  Block& block = found->second;
  std::vector<Run> lost = clip(block.written, begin, end);
  for (Run& run : lost) {
    run.op_index = op_index;
    run.op_handle = invalidated_by;
    cut(block.discarded, run.begin, run.end);  // the newest discard of those bytes is this one
  }
  add(block.discarded, lost);
}

void PayloadFreshness::received(Handle handle, std::uint64_t begin, std::uint64_t end, std::uint64_t programmed_end,
                                std::uint64_t op_index) {
  SMH_SIM_ASSERT(begin <= end && end <= programmed_end);
  if (end == programmed_end) {
    const auto found = blocks_.find(handle);
    if (found == blocks_.end()) {
      return;
    }
    for (std::vector<Run>* runs : {&found->second.written, &found->second.discarded, &found->second.unreceived}) {
      cut(*runs, begin, end);
    }
    erase_if_empty(found);
    return;
  }
  Block& block = blocks_[handle];
  for (std::vector<Run>* runs : {&block.written, &block.discarded, &block.unreceived}) {
    cut(*runs, begin, programmed_end);
  }
  // What the CPU wrote in the unwritten part stays in RAM and the cache, but a
  // read there is the program taking a previous frame for this one.
  add(block.unreceived, {Run{end, programmed_end, op_index}});
}

void PayloadFreshness::erase_if_empty(std::map<Handle, Block>::iterator found) {
  const Block& block = found->second;
  if (block.written.empty() && block.discarded.empty() && block.unreceived.empty()) {
    blocks_.erase(found);
  }
}

std::vector<PayloadFreshness::Discarded> PayloadFreshness::discarded_in(Handle handle, std::uint64_t begin,
                                                                        std::uint64_t end) const {
  const auto found = blocks_.find(handle);
  return found == blocks_.end() ? std::vector<Discarded>{} : clip(found->second.discarded, begin, end);
}

std::vector<PayloadFreshness::Unreceived> PayloadFreshness::unreceived_in(Handle handle, std::uint64_t begin,
                                                                          std::uint64_t end) const {
  const auto found = blocks_.find(handle);
  return found == blocks_.end() ? std::vector<Unreceived>{} : clip(found->second.unreceived, begin, end);
}

}  // namespace smh::sim
