// The scenario runner's parts (private to sim/src): where ops come from, the
// fragmentation sampler and the per-attribute tally. scenario_runner.cpp puts
// them together.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "smh/pool_types.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/ops.hpp"
#include "smh/sim/scenario_runner.hpp"

namespace smh::sim::detail {

// A stream of ops: a scenario's inline list or a trace file.
class OpSource {
 public:
  virtual ~OpSource() = default;
  // Fills ops[0, n) and returns n: fewer than ops.size() only at the end
  // (*error empty) or on a bad op or an I/O error (*error set, positioned).
  // Batched: one virtual call per chunk of ops, not per op.
  virtual std::size_t next_ops(std::span<Op> ops, std::string* error) = 0;
  // 0 when unknown (traces).
  [[nodiscard]] virtual std::uint64_t ops_total() const = 0;
  // 0..1: ops for inline lists, file bytes for traces.
  [[nodiscard]] virtual double fraction_done() const = 0;
  // Where op `op_index` (one of the last few hundred returned) came from, for an
  // error about it: "scenario.json: $.ops[12]" or "trace.jsonl:40".
  [[nodiscard]] virtual std::string where(std::uint64_t op_index) const = 0;
  // Once the ops led to an error: what is wrong with the input they came from
  // (TraceReader::frame_corruption), "" when nothing is or for inline ops.
  virtual std::string input_corruption() { return ""; }
};

std::unique_ptr<OpSource> inline_op_source(const std::vector<Op>& ops, const std::string& scenario_path);
// nullptr and *error ("file:line:col: ..." or "file: ...") when it cannot be opened.
std::unique_ptr<OpSource> trace_op_source(const std::string& path, MatchMode mode, std::string* error);

// Keeps a bounded, evenly spaced series of region samples (see
// FragmentationSeries): due() says whether the state after `ops_done` ops is
// to be sampled.
class FragmentationSampler {
 public:
  FragmentationSampler(std::size_t region_count, std::uint32_t max_samples);
  [[nodiscard]] bool due(std::uint64_t ops_done) const { return ops_done % series_.interval_ops == 0; }
  // The ops after which the next sample is due.
  [[nodiscard]] std::uint64_t next_due(std::uint64_t ops_done) const {
    return (ops_done / series_.interval_ops + 1) * series_.interval_ops;
  }
  void add(std::uint64_t ops_done, const RunSummary& summary);
  // Adds the end-of-run state unless the last sample already is it.
  FragmentationSeries finish(std::uint64_t ops_done, const RunSummary& summary);

 private:
  void push(std::uint64_t ops_done, const RunSummary& summary);
  void halve();

  FragmentationSeries series_;
  std::size_t max_samples_;
};

// Requests per first-choice attribute, counted as ops go by.
class RequestTally {
 public:
  void count(const Op& op) {
    // realloc(p, 0) is a free, not a request for memory.
    if (op.kind == OpKind::alloc || (op.kind == OpKind::realloc && op.size_bytes != 0)) {
      Requests& requests = by_attr_[op.attr];
      ++requests.count;
      requests.bytes += op.size_bytes;
    }
  }
  // One entry per attribute that a region has or a request asked for, in
  // ascending order, with the pool's statistics for it.
  [[nodiscard]] std::vector<AttributeStats> attribute_stats(const MachineConfig& machine,
                                                            const Executor& executor) const;

 private:
  struct Requests {
    std::uint64_t count = 0;
    std::uint64_t bytes = 0;
  };
  std::map<std::uint32_t, Requests> by_attr_;
};

}  // namespace smh::sim::detail
