// The Executor's coordinator: it owns the machine (memory map, pool), the
// harness's own picture of it (shadow state, free-space index) and the parts
// that each own their state behind a narrow interface:
//   FindingSink       finding_sink.hpp       events, findings, digest, the op counter
//   CoherencyMachine  coherency_machine.hpp  each region's memory model (cache or
//                                            pass-through), receives in flight,
//                                            background cache activity
//   FaultInjector     fault_injector.hpp     the fault stream, injections and their
//                                            outcomes, the pool's fault hook
//   OwnerNames        owner_names.hpp        who holds device bytes, in words
//   RequestTally      request_tally.hpp      where requests went, heap searches
// and applies each op with them, in these files:
//   executor.cpp                lifecycle, validate_op(), the op dispatcher, summary
//   invariant_checks.cpp        the invariant checks
//   executor_block_ops.cpp      alloc, realloc and free against the pool
//   executor_coherency_ops.cpp  CPU, cache and DMA ops and the coherency oracles
//   executor_faults.cpp         FaultInjector
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "assert_trap.hpp"
#include "coherency_machine.hpp"
#include "fault_injector.hpp"
#include "finding_sink.hpp"
#include "number_text.hpp"
#include "owner_names.hpp"
#include "request_tally.hpp"
#include "sim_pool.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/fill_pattern.hpp"
#include "smh/sim/free_space_index.hpp"
#include "smh/sim/shadow_state.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

using detail::hex;  // device addresses in messages: "0x2000_0000" written as 0x20000000

inline double external_fragmentation(const HeapStats& stats) {
  return external_fragmentation(stats.largest_free_block_bytes, stats.free_bytes);
}

// The heap's no-false-OOM guarantee (docs/ARCHITECTURE.md), restated
// independently: an allocation of `size_bytes` at `align_bytes` fails only when
// no free block has room for it wherever the block lies — an 8-byte header and
// max(8, round8(size)) bytes, plus for an alignment above 8 the worst alignment
// gap, align + 8 bytes (a one-granule gap cannot stay behind as a free block, so
// the gap is up to align - 8 or align + 8). This is the smallest free block that
// surely holds the request; smaller ones may serve it too (the heap tries its
// best fit first), but they prove nothing either way. A size or alignment beyond
// 2^62 fits no block (and no sum here can wrap).
inline std::uint64_t min_fitting_block_bytes(std::uint64_t size_bytes, std::uint64_t align_bytes) {
  constexpr std::uint64_t beyond_any_region = std::uint64_t{1} << 62;
  if (size_bytes > beyond_any_region || align_bytes > beyond_any_region) {
    return UINT64_MAX;
  }
  // The layout's constants are the core's (Heap::); the rule is restated here.
  constexpr std::uint64_t granule = Heap::granule_bytes;
  const std::uint64_t need = std::max<std::uint64_t>(
      Heap::min_block_bytes, Heap::header_bytes + (size_bytes + granule - 1) / granule * granule);
  const std::uint64_t gap_room = align_bytes > Heap::default_align_bytes ? align_bytes + granule : 0;
  return need + gap_room;
}

// Layout rule 1 (docs/ARCHITECTURE.md), restated: of a region's G granules the
// block-start bitmap takes ceil(G / 65) at the end; blocks tile the rest.
inline std::uint64_t block_area_granules(std::uint64_t region_bytes) {
  const std::uint64_t granules = region_bytes / Heap::granule_bytes;
  return granules - (granules + 64) / 65;
}

struct Executor::Impl {
  explicit Impl(const ExecutorOptions& run_options)
      : options(run_options), sink(run_options.keep_events, run_options.max_findings_kept) {}

  // The machine and the allocator under test (Executor::create builds them).
  MemoryMap map;
  MachineConfig config;
  ExecutorOptions options;
  std::uint64_t seed = 0;
  std::unique_ptr<SimPool> pool;
  // The harness's own picture of it. The free space the harness expects in each
  // region (checks on: NO_FALSE_OOM, ATTRIBUTE), from the blocks it saw handed
  // out and taken back. Handles whose last alloc failed hold a null pointer, as
  // in C: a later free is a no-op, a realloc allocates, an access is skipped.
  ShadowState shadow;
  FreeSpaceIndex free_space;
  std::set<Handle> null_handles;
  // The parts (the list at the top).
  FindingSink sink;
  std::unique_ptr<OwnerNames> owners;
  std::unique_ptr<CoherencyMachine> coherency;
  std::unique_ptr<FaultInjector> faults;
  RequestTally requests;
  // The run's own counters.
  std::uint64_t last_validation_op = 0;  // op index of the last periodic validate_all()
  std::uint64_t last_self_check_op = 0;  // op index of the last periodic self_check()
  std::uint64_t skipped_null_ops = 0;
  std::uint64_t peak_live_bytes = 0;
  // The run has stopped (Executor::halted()): nothing more is applied or checked.
  bool halted = false;

  // A finding after which nothing the allocator says can be trusted: reports it
  // and stops the run (executor.cpp).
  void halt(Check check, const std::string& message, Handle handle);
  // What the allocator may still be asked for: counters only once halted.
  [[nodiscard]] StatsDepth stats_depth() const;
  // ASSERTION_FAILED: an SMH_ASSERT failed `during` (what the Executor was doing).
  void halt_on_assertion(const detail::AssertionFailure& failure, const std::string& during, Handle handle);
  // One op, as Executor::apply documents it (executor.cpp): validate_op(), then
  // the machine's own activity (cache noise, faults), then the op.
  bool apply_op(const Op& op, std::string* error);
  // The op's own checks, before anything is applied: "" when valid, else why
  // not. `live`: the handle's block (nullptr when none); `holds_null`: the
  // handle's last allocation failed.
  [[nodiscard]] std::string validate_op(const Op& op, const LiveBlock* live, bool holds_null) const;
  // The machine's own activity before a valid op: background cache activity, then
  // any fault that strikes.
  void machine_activity(const Op& op);
  // The op itself, on `live` (nullptr: none, or the handle holds null).
  bool dispatch(const Op& op, const LiveBlock* live, bool holds_null, std::string* error);
  // After each op: the peak, the op counter, the periodic validation.
  void end_op();
  // "op 12 (free handle 3): why".
  [[nodiscard]] std::string op_error(const Op& op, const std::string& why) const;
  [[nodiscard]] bool satisfies(unsigned region, std::uint32_t attr) const;
  // Whether `region` may serve a request for `attr` of `size_bytes`, fit aside
  // (the pool's rule: attribute, reserved, offline, size_threshold role).
  [[nodiscard]] bool may_serve(unsigned region, std::uint32_t attr, std::uint64_t size_bytes) const;
  // The CPU-view (host) pointer of a block's payload; never leaves the Executor.
  [[nodiscard]] unsigned char* host(const LiveBlock& block) const { return host_of(map, block); }
  // A hint only: brings in the line just below the payload of `op`'s block, where
  // allocators keep their headers, and its owner-table entries, before the op
  // frees or resizes it.
  void prefetch_block(const Op& op) const {
    if (op.kind == OpKind::alloc) {
      return;
    }
    if (const LiveBlock* block = shadow.find(op.handle)) {
      __builtin_prefetch(host(*block) - 1);
      shadow.prefetch_owners(*block);
    }
  }

  // Places a block the pool returned: where it is, for `op`. A block that is not
  // wholly inside one region (CONTAINMENT) halts the run before the harness
  // touches a byte of it: false.
  bool locate(void* ptr, const Op& op, LiveBlock* block);

  // Checks (invariant_checks.cpp).
  // `op`: the alloc or realloc that placed the block (its attributes are checked).
  void check_new_block(const Op& op, const LiveBlock& block);
  void check_attribute(const Op& op, const LiveBlock& block);
  void check_contents(Handle handle, const LiveBlock& block, std::uint64_t prefix_bytes, const char* when);
  void check_accounting(unsigned region);
  // FreeSpaceIndex upkeep (checks on): a block became live with `usable_bytes`,
  // or stopped being live.
  void note_live(const LiveBlock& block, std::size_t usable_bytes);
  void note_gone(const LiveBlock& block);
  void check_coalesced();
  void check_no_false_oom(const Op& op);
  // A free block (region, device address) that could hold the request in a
  // region the pool may use for `attr`: the independent answer to "could the
  // pool have served this?".
  [[nodiscard]] std::optional<std::pair<unsigned, std::uint64_t>> fitting_free_block(std::uint32_t attr,
                                                                                     std::uint64_t size_bytes,
                                                                                     std::uint64_t align_bytes) const;
  void validate_all();
  // Whether the periodic validate_all() is due after this op (ExecutorOptions).
  [[nodiscard]] bool validation_due() const {
    if (options.validate_every_ops == 0) {
      return false;
    }
    std::uint64_t interval = options.validate_every_ops;
    if (options.validate_scales_with_blocks) {
      interval = std::max<std::uint64_t>(interval, validate_ops_per_live_block * shadow.live_count());
    }
    return sink.op_index() - last_validation_op >= interval;
  }
  // The harness checks itself (every build): the shadow state's and the cache
  // models' full verify(), a failure aborting as a bug in smh's harness
  // (SMH_SIM_ASSERT). Run with the periodic validate_all(), and at the end.
  void self_check() const;
  // Whether self_check() is due at a periodic validation: the caches' walk is
  // O(lines), so with validate_scales_with_blocks it runs at most once every
  // lines / validate_lines_per_op ops (a large cacheable region with few blocks
  // would otherwise pay a full walk every validate_every_ops); off, with every
  // validation.
  [[nodiscard]] bool self_check_due() const {
    if (!options.validate_scales_with_blocks) {
      return true;
    }
    return sink.op_index() - last_self_check_op >= coherency->line_count() / validate_lines_per_op;
  }
  // The ops a cache line's self-check is spread over (self_check_due): a line
  // costs about a nanosecond to walk, an op with checks on a few hundred.
  static constexpr std::uint64_t validate_lines_per_op = 64;

  // Block operations (executor_block_ops.cpp).
  // The request's home region (RegionRequests), or -1 when no region may serve it.
  [[nodiscard]] int home_region(const Op& op) const;
  // Counts a request: served by `region`, or failed (-1).
  void count_request(const Op& op, int region);
  void apply_alloc(const Op& op);
  // The pool call an alloc makes: aligned_alloc, or alloc_prefer along its chain.
  void* allocate(const Op& op);
  // Frees through pool.free, or through realloc(ptr, 0) when `via_realloc`.
  void apply_free(const Op& op, LiveBlock block, bool via_realloc);
  void apply_realloc(const Op& op, LiveBlock old);
  // A block the pool placed for `op` (alloc or realloc): the checks, its fill.
  void check_and_fill(const Op& op, const LiveBlock& block, void* ptr);

  // CPU, cache and DMA ops and their oracles (executor_coherency_ops.cpp).
  // Whether a CPU, cache or DMA op fits its block (range, receive state); *why
  // when not. Part of validate_op(): nothing has been applied yet.
  [[nodiscard]] bool coherency_op_fits(const Op& op, const LiveBlock& block, std::string* why) const;
  // False (with *why) only when the block moved or grew under a receive in
  // flight, which depends on the cache's DMA state.
  bool apply_coherency(const Op& op, const LiveBlock& block, std::string* why);
  // What apply_coherency() works on, computed once per op.
  struct CoherencyAccess {
    const Op& op;
    const LiveBlock& block;
    RegionMemory& memory;          // the block's region: through its cache, or pass-through
    std::uint64_t region_offset;   // of the op's first byte
    std::uint64_t length;          // the op's bytes
    std::uint64_t begin;           // device address of the op's first byte
    std::uint64_t own_end;         // owners->own_bytes_end(block), taken before the op
  };
  void coherency_cpu_write(const CoherencyAccess& at, std::vector<Hazard>* hazards);
  void coherency_cpu_read(const CoherencyAccess& at, std::vector<Hazard>* hazards);
  // invalidate, clean_invalidate and evict: they drop lines, and keep the
  // allocator's bytes (AllocatorBytesKeeper in executor_coherency_ops.cpp).
  void coherency_drop_lines(const CoherencyAccess& at, std::vector<Hazard>* hazards);
  void coherency_receive_complete(const CoherencyAccess& at);
  // `own_end`: owners->own_bytes_end(block), taken before the op.
  void report_hazards(const std::vector<Hazard>& hazards, const Op& op, const LiveBlock& block,
                      std::uint64_t own_end);
  void check_dma_buffer(const Op& op, const LiveBlock& block, std::uint64_t begin, std::uint64_t end,
                        std::uint64_t own_end);
  std::vector<unsigned char> expected_contents(Handle handle, const LiveBlock& block) const;
  void cache_noise();
};

}  // namespace smh::sim
