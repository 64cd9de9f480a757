// InvariantChecks — what must hold after each op, restated independently of the
// allocator (the catalogue is at the top of invariant_checks.cpp). The part owns
// the harness's own index of the free space each region should have (what
// NO_FALSE_OOM and ATTRIBUTE judge a failed or misplaced request on) and the
// cadence of the periodic sweeps; it reads the machine, the shadow state and the
// other parts by const reference and reports through the FindingSink. The
// Executor's coordinator calls each check where its op makes it apply, only
// with ExecutorOptions::check_invariants on; a heap that fails validation is
// handed back to the coordinator, which halts the run.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "coherency_machine.hpp"
#include "fault_injector.hpp"
#include "finding_sink.hpp"
#include "owner_names.hpp"
#include "sim_pool.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/free_space_index.hpp"
#include "smh/sim/shadow_state.hpp"

namespace smh::sim {

class InvariantChecks {
 public:
  // What the checks read, and where they report. The pool is asked only for
  // its own view (counters, usable sizes, validate()), never changed.
  struct Machine {
    const MemoryMap& map;
    const MachineConfig& config;  // the pool's configuration, per-attribute policies included
    const SimPool& pool;
    const ShadowState& shadow;
    const OwnerNames& owners;
    const FaultInjector& faults;         // regions offline serve nothing
    const CoherencyMachine& coherency;   // its self-check
    FindingSink& sink;
  };
  // `seed`: the run's, which keys the fill patterns CONTENT compares against.
  InvariantChecks(const Machine& machine, const ExecutorOptions& options, std::uint64_t seed);
  InvariantChecks(const InvariantChecks&) = delete;
  InvariantChecks& operator=(const InvariantChecks&) = delete;

  // The pool's rules, restated (also what RequestTally's home region is
  // decided by): whether `region`'s attribute satisfies `attr`, and whether the
  // region may serve a request for `attr` of `size_bytes`, fit aside
  // (attribute, reserved, offline, size_threshold role).
  [[nodiscard]] bool satisfies(unsigned region, std::uint32_t attr) const;
  [[nodiscard]] bool may_serve(unsigned region, std::uint32_t attr, std::uint64_t size_bytes) const;

  // A block the pool placed for `op` (alloc or realloc): ATTRIBUTE, ALIGNMENT,
  // USABLE_SIZE, NON_OVERLAP. `usable_bytes`: what the pool's usable_size()
  // answered for it (the Executor asks once, for the event too).
  void check_new_block(const Op& op, const LiveBlock& block, std::size_t usable_bytes);
  // CONTENT: the first `prefix_bytes` of the block still hold its fill pattern
  // (`when`: "before free", ...).
  void check_contents(Handle handle, const LiveBlock& block, std::uint64_t prefix_bytes, const char* when);
  // ACCOUNTING of one region.
  void check_accounting(unsigned region);
  // COALESCING: with nothing live, every region is one free block.
  void check_coalesced();
  // NO_FALSE_OOM for an alloc the pool refused.
  void check_no_false_oom(const Op& op);

  // The free-space index's upkeep: a block became live with `usable_bytes`, or
  // stopped being live.
  void note_live(const LiveBlock& block, std::size_t usable_bytes);
  void note_gone(const LiveBlock& block);
  // Hints the cache that note_live() or note_gone() of `block` is coming (its
  // index entries), and that its contents are about to be checked or filled.
  void prefetch(const LiveBlock& block) const;

  // HEAP_VALIDATE: the pool's full validate(). "" when the heap is sound, else
  // what is wrong and where (the coordinator halts the run on it).
  [[nodiscard]] std::string heap_problem() const;
  // The harness checks itself (every build): the shadow state's and the cache
  // models' full verify(), a failure aborting as a bug in smh's harness
  // (SMH_SIM_ASSERT). Reports nothing.
  void self_check() const;
  // Whether the periodic sweep is due after this op: every validate_every_ops
  // ops, or with validate_scales_with_blocks every validate_ops_per_live_block
  // ops per live block if that is more (ExecutorOptions).
  [[nodiscard]] bool sweep_due() const {
    if (options_.validate_every_ops == 0) {
      return false;
    }
    std::uint64_t interval = options_.validate_every_ops;
    if (options_.validate_scales_with_blocks) {
      interval = std::max<std::uint64_t>(interval, validate_ops_per_live_block * shadow_.live_count());
    }
    return sink_.op_index() - last_validation_op_ >= interval;
  }
  // The periodic sweep (when sweep_due()): heap_problem(), whose answer it
  // returns, and self_check() when that is due too.
  [[nodiscard]] std::string sweep();
  // At the end of the run: every live block's contents, heap_problem() (its
  // answer returned) and self_check().
  [[nodiscard]] std::string end_of_run();

 private:
  void check_attribute(const Op& op, const LiveBlock& block);
  // The granule of `block`'s payload in its region (>= 1: a header precedes it).
  [[nodiscard]] std::uint64_t payload_granule(const LiveBlock& block) const;
  // A free block (region, device address) that could hold the request in a
  // region the pool may use for `attr`: the independent answer to "could the
  // pool have served this?", on the free-space index, O(regions).
  [[nodiscard]] std::optional<std::pair<unsigned, std::uint64_t>> fitting_free_block(std::uint32_t attr,
                                                                                     std::uint64_t size_bytes,
                                                                                     std::uint64_t align_bytes) const;
  // Whether self_check() is due at a periodic sweep: the caches' walk is
  // O(lines), so with validate_scales_with_blocks it runs at most once every
  // lines / validate_lines_per_op ops (a large cacheable region with few blocks
  // would otherwise pay a full walk every validate_every_ops); off, with every
  // sweep.
  [[nodiscard]] bool self_check_due() const {
    if (!options_.validate_scales_with_blocks) {
      return true;
    }
    return sink_.op_index() - last_self_check_op_ >= coherency_.line_count() / validate_lines_per_op;
  }
  // The ops a cache line's self-check is spread over (self_check_due): a line
  // costs about a nanosecond to walk, an op with checks on a few hundred.
  static constexpr std::uint64_t validate_lines_per_op = 64;

  const MemoryMap& map_;
  const MachineConfig& config_;
  const SimPool& pool_;
  const ShadowState& shadow_;
  const OwnerNames& owners_;
  const FaultInjector& faults_;
  const CoherencyMachine& coherency_;
  FindingSink& sink_;
  const ExecutorOptions& options_;
  std::uint64_t seed_;
  // The free space the harness expects in each region, from the blocks it saw
  // handed out and taken back (kept only with check_invariants on).
  FreeSpaceIndex free_space_;
  std::uint64_t last_validation_op_ = 0;  // op index of the last periodic sweep
  std::uint64_t last_self_check_op_ = 0;  // op index of the last periodic self_check()
};

}  // namespace smh::sim
