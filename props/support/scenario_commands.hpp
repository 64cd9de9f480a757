// The determinism suite's command model: every kind of op the Executor applies
// (blocks, with preference chains now and then, CPU, cache maintenance, DMA, the
// cache's own evictions and fills), drawn
// as abstract choices — "the k-th live block", "from 30 % of it to 80 %" — and
// resolved against the LiveExecutor's view when the command runs. A choice that
// fits nothing (no live block yet) applies no op. So every emitted op is valid,
// whatever the allocator placed or the faults broke, and shrinking a sequence
// keeps it meaningful.
#pragma once

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <vector>

#include "smh/sim/ops.hpp"
#include "support/live_executor.hpp"

namespace smh::props {

struct ScenarioModel {
  std::vector<std::uint32_t> attrs;  // what requests draw from
  sim::Handle next_handle = 1;       // handles are never reused
};

struct AbstractOp {
  sim::OpKind kind = sim::OpKind::alloc;
  std::uint32_t pick = 0;  // which candidate block (modulo the candidates)
  std::uint32_t attr = 0;
  std::uint64_t size_bytes = 0;
  std::uint64_t align_bytes = 0;
  std::uint32_t offset_permille = 0;  // where the range starts in the block
  std::uint32_t length_permille = 0;  // how much of the rest it covers (0: all of it)
  sim::Handle new_handle = 0;         // alloc only
  std::vector<std::uint32_t> fallbacks;  // alloc only: a preference chain after attr
};

namespace detail {

inline bool is_block_op(sim::OpKind kind) {
  return kind == sim::OpKind::alloc || kind == sim::OpKind::realloc || kind == sim::OpKind::free;
}

template <class Set>
std::optional<sim::Handle> pick_from(const Set& candidates, std::uint32_t pick) {
  if (candidates.empty()) {
    return std::nullopt;
  }
  auto it = candidates.begin();
  std::advance(it, pick % candidates.size());
  if constexpr (requires { it->first; }) {
    return it->first;
  } else {
    return *it;
  }
}

// The op `abstract` means in the executor's current state, if any.
inline std::optional<sim::Op> resolve(const AbstractOp& abstract, const LiveExecutor& sut) {
  sim::Op op;
  op.kind = abstract.kind;
  switch (abstract.kind) {
    case sim::OpKind::alloc:
      op.handle = abstract.new_handle;
      op.attr = abstract.attr;
      op.size_bytes = abstract.size_bytes;
      op.align_bytes = abstract.align_bytes;
      for (const std::uint32_t fallback : abstract.fallbacks) {
        op.fallback_attrs[op.fallback_count++] = fallback;
      }
      return op;
    case sim::OpKind::realloc:
    case sim::OpKind::free: {
      std::set<sim::Handle> issued(sut.null_handles());
      for (const auto& [handle, block] : sut.live()) {
        // Completing a receive into a block that a realloc moved or shrank meanwhile
        // is an invalid op (the Executor refuses it), and every emitted op must be
        // valid: blocks with a receive in flight are not reallocated.
        if (abstract.kind == sim::OpKind::free || !sut.receiving().contains(handle)) {
          issued.insert(handle);
        }
      }
      const auto handle = pick_from(issued, abstract.pick);
      if (!handle) {
        return std::nullopt;
      }
      op.handle = *handle;
      if (abstract.kind == sim::OpKind::realloc) {
        op.attr = abstract.attr;
        op.size_bytes = abstract.size_bytes;
        op.align_bytes = abstract.align_bytes;
      }
      return op;
    }
    case sim::OpKind::dma_from_device_complete: {
      const auto handle = pick_from(sut.receiving(), abstract.pick);
      if (!handle) {
        return std::nullopt;
      }
      op.handle = *handle;
      return op;
    }
    default:
      break;
  }
  std::map<sim::Handle, BlockView> candidates = sut.live();
  if (abstract.kind == sim::OpKind::dma_from_device_start) {
    for (const sim::Handle busy : sut.receiving()) {
      candidates.erase(busy);
    }
  }
  const auto handle = pick_from(candidates, abstract.pick);
  if (!handle) {
    return std::nullopt;
  }
  op.handle = *handle;
  // A receive, like every other access, may cover part of its block (issue 14).
  const BlockView& block = candidates.at(*handle);
  op.offset_bytes = block.size_bytes * abstract.offset_permille / 1000;  // < size: permille < 1000
  if (abstract.kind != sim::OpKind::evict && abstract.kind != sim::OpKind::speculative_fill) {
    op.length_bytes = (block.size_bytes - op.offset_bytes) * abstract.length_permille / 1000;
  }
  return op;
}

}  // namespace detail

class ScenarioCommand final : public rc::state::Command<ScenarioModel, LiveExecutor> {
 public:
  explicit ScenarioCommand(const AbstractOp& abstract) : abstract_(abstract) {}

  void apply(ScenarioModel& model) const override {
    if (abstract_.kind == sim::OpKind::alloc) {
      model.next_handle = abstract_.new_handle + 1;
    }
  }

  void run(const ScenarioModel& /*model*/, LiveExecutor& sut) const override {
    if (const auto op = detail::resolve(abstract_, sut)) {
      sut.apply(*op);
    }
  }

  void show(std::ostream& os) const override {
    os << sim::to_string(abstract_.kind) << "(pick " << abstract_.pick << ", size " << abstract_.size_bytes
       << ", align " << abstract_.align_bytes << ", range " << abstract_.offset_permille << "/"
       << abstract_.length_permille << " permille)";
  }

 private:
  AbstractOp abstract_;
};

using ScenarioCommandPtr = std::shared_ptr<const rc::state::Command<ScenarioModel, LiveExecutor>>;

// One command: allocations and frees weigh most, every CPU, cache and DMA op appears.
inline rc::Gen<ScenarioCommandPtr> gen_scenario_command(const ScenarioModel& model) {
  return rc::gen::exec([model]() -> ScenarioCommandPtr {
    using sim::OpKind;
    AbstractOp abstract;
    abstract.kind = *rc::gen::weightedElement<OpKind>({
        {6, OpKind::alloc},
        {2, OpKind::realloc},
        {4, OpKind::free},
        {2, OpKind::cpu_write},
        {2, OpKind::cpu_read},
        {1, OpKind::cache_clean},
        {1, OpKind::cache_invalidate},
        {1, OpKind::cache_clean_invalidate},
        {1, OpKind::dma_to_device},
        {1, OpKind::dma_from_device_start},
        {1, OpKind::dma_from_device_complete},
        {1, OpKind::evict},
        {1, OpKind::speculative_fill},
    });
    abstract.pick = *rc::gen::inRange<std::uint32_t>(0, 64);
    abstract.attr = *rc::gen::elementOf(model.attrs);
    abstract.size_bytes = *rc::gen::weightedOneOf<std::uint64_t>({
        {6, rc::gen::inRange<std::uint64_t>(1, 129)},
        {3, rc::gen::inRange<std::uint64_t>(1, 1025)},
        {1, rc::gen::inRange<std::uint64_t>(1, 8193)},  // often more than a region holds
    });
    if (abstract.kind == OpKind::realloc && *rc::gen::weightedElement<bool>({{7, false}, {1, true}})) {
      abstract.size_bytes = 0;  // realloc to 0 frees
    }
    abstract.align_bytes = *rc::gen::weightedElement<std::uint64_t>({{6, 0}, {1, 16}, {1, 64}, {1, 256}});
    abstract.offset_permille = *rc::gen::weightedOneOf<std::uint32_t>(
        {{2, rc::gen::just<std::uint32_t>(0)}, {1, rc::gen::inRange<std::uint32_t>(0, 1000)}});
    abstract.length_permille = *rc::gen::weightedOneOf<std::uint32_t>(
        {{2, rc::gen::just<std::uint32_t>(0)}, {1, rc::gen::inRange<std::uint32_t>(1, 1000)}});
    abstract.new_handle = model.next_handle;
    if (abstract.kind == OpKind::alloc && *rc::gen::weightedElement<bool>({{3, false}, {1, true}})) {
      const auto count = *rc::gen::inRange<std::size_t>(1, sim::max_prefer_attrs);
      for (std::size_t i = 0; i < count; ++i) abstract.fallbacks.push_back(*rc::gen::elementOf(model.attrs));
    }
    return std::make_shared<const ScenarioCommand>(abstract);
  });
}

}  // namespace smh::props
