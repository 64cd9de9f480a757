// The Executor's coordinator: it owns the machine (memory map, pool), the
// harness's own picture of it (shadow state, handles holding null) and the parts
// that each own their state behind a narrow interface:
//   OpValidator       op_validator.hpp       whether an op may be applied: asked
//                                            first, a refusal applies nothing
//   InvariantChecks   invariant_checks.hpp   what must hold after each op, the
//                                            free-space index, the periodic sweeps
//   FindingSink       finding_sink.hpp       events, findings, digest, the op counter
//   CoherencyMachine  coherency_machine.hpp  each region's memory model (cache or
//                                            pass-through), receives in flight,
//                                            background cache activity
//   FaultInjector     fault_injector.hpp     the fault stream, injections and their
//                                            outcomes, the pool's fault hook
//   OwnerNames        owner_names.hpp        who holds device bytes, in words
//   RequestTally      request_tally.hpp      where requests went, heap searches
// and applies each op with them, in these files:
//   executor.cpp                lifecycle, the op dispatcher, the summary
//   executor_block_ops.cpp      alloc, realloc and free against the pool
//   executor_coherency_ops.cpp  CPU, cache and DMA ops and the coherency oracles
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "assert_trap.hpp"
#include "coherency_machine.hpp"
#include "demand_tally.hpp"
#include "fault_injector.hpp"
#include "finding_sink.hpp"
#include "invariant_checks.hpp"
#include "number_text.hpp"
#include "op_validator.hpp"
#include "owner_names.hpp"
#include "payload_freshness.hpp"
#include "request_tally.hpp"
#include "sim_pool.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/fill_pattern.hpp"
#include "smh/sim/shadow_state.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

using detail::hex;  // device addresses in messages: "0x2000_0000" written as 0x20000000

inline double external_fragmentation(const HeapStats& stats) {
  return external_fragmentation(stats.largest_free_block_bytes, stats.free_bytes);
}

struct Executor::Impl {
  explicit Impl(const ExecutorOptions& run_options)
      : options(run_options),
        machine_acts(run_options.cache_noise_ppm != 0 || run_options.faults.any()),
        sink(run_options.keep_events, run_options.max_findings_kept) {}

  // The machine and the allocator under test (Executor::create builds them).
  MemoryMap map;
  MachineConfig config;
  ExecutorOptions options;
  // The machine acts on its own before ops (cache noise, faults): decided once,
  // not asked of the options on every op.
  bool machine_acts = false;
  std::uint64_t seed = 0;
  std::unique_ptr<SimPool> pool;
  // The harness's own picture of it. Handles whose last alloc failed hold a
  // null pointer, as in C: a later free is a no-op, a realloc allocates, an
  // access is skipped (demand.holds_null()).
  ShadowState shadow;
  detail::DemandTally demand;
  // The parts (the list at the top).
  FindingSink sink;
  std::unique_ptr<OwnerNames> owners;
  std::unique_ptr<CoherencyMachine> coherency;
  PayloadFreshness freshness;  // the CPU's writes an invalidate threw away
  std::unique_ptr<FaultInjector> faults;
  std::unique_ptr<InvariantChecks> checks;
  std::unique_ptr<OpValidator> validator;
  RequestTally requests;
  // The run's own counters.
  std::uint64_t skipped_null_ops = 0;
  std::uint64_t peak_live_bytes = 0;
  // The run has stopped (Executor::halted()): nothing more is applied or checked.
  bool halted = false;
  // home_region() of the last single-attribute request, by its attribute and its
  // side of the size threshold: without faults nothing else decides it (no region
  // goes offline), and a replay asks it on every alloc.
  struct HomeMemo {
    bool valid = false;
    std::uint32_t attr = 0;
    bool small = false;
    int region = -1;
  };
  HomeMemo home_memo;

  // A finding after which nothing the allocator says can be trusted: reports it
  // and stops the run (executor.cpp).
  void halt(Check check, const std::string& message, Handle handle);
  // What the allocator may still be asked for: counters only once halted.
  [[nodiscard]] StatsDepth stats_depth() const;
  [[nodiscard]] std::uint64_t digest() const;  // the sink's, and the machine's regions
  // ASSERTION_FAILED: an SMH_ASSERT failed `during` (what the Executor was doing).
  void halt_on_assertion(const detail::AssertionFailure& failure, const std::string& during, Handle handle);
  // HEAP_VALIDATE: halts the run on what InvariantChecks found wrong with the
  // heap ("" when nothing).
  void halt_on_heap_problem(const std::string& problem);
  // One op, as Executor::apply documents it (executor.cpp): the validator, then
  // the machine's own activity (cache noise, faults), then the op.
  bool apply_op(const Op& op, std::string* error);
  // The machine's own activity before a valid op: background cache activity, then
  // any fault that strikes.
  void machine_activity(const Op& op);
  // The op itself, on `live` (nullptr: none, or the handle holds null).
  void dispatch(const Op& op, const LiveBlock* live, bool holds_null);
  // After each op: the peak, the op counter, the periodic sweep.
  void end_op();
  // "op 12 (free handle 3): why".
  [[nodiscard]] std::string op_error(const Op& op, const std::string& why) const;
  // The CPU-view (host) pointer of a block's payload; never leaves the Executor.
  [[nodiscard]] unsigned char* host(const LiveBlock& block) const { return host_of(map, block); }
  // A hint only: brings in the line just below the payload of `op`'s block,
  // where allocators keep their headers, its shadow entries
  // (ShadowState::prefetch_entries) and, checks on, its free-space index words
  // and first content lines, before the op frees or resizes it.
  void prefetch_block(const Op& op) const {
    if (op.kind == OpKind::alloc) {
      return;
    }
    if (const LiveBlock* block = shadow.find(op.handle)) {
      __builtin_prefetch(host(*block) - 1);
      shadow.prefetch_entries(*block);
      if (options.check_invariants) {
        checks->prefetch(*block);
      }
    }
  }

  // A hint only: a block the pool just placed is about to be checked, filled
  // and recorded; its entries in the harness's tables are fetched together
  // instead of one miss after another.
  void prefetch_new(const LiveBlock& block) const {
    shadow.prefetch_entries(block);
    if (options.check_invariants) {
      checks->prefetch(block);
    }
  }

  // Places a block the pool returned: where it is, for `op`. A block that is not
  // wholly inside one region (CONTAINMENT) halts the run before the harness
  // touches a byte of it: false.
  bool locate(void* ptr, const Op& op, LiveBlock* block);

  // Block operations (executor_block_ops.cpp).
  // The request's home region (RegionRequests), or -1 when no region may serve it.
  [[nodiscard]] int home_region(const Op& op);
  // The same, asked of InvariantChecks::may_serve region by region.
  [[nodiscard]] int search_home_region(const Op& op) const;
  // Counts a request: served by `region`, or failed (-1).
  void count_request(const Op& op, int region);
  void apply_alloc(const Op& op);
  // The pool call an alloc makes: aligned_alloc, or alloc_prefer along its chain.
  void* allocate(const Op& op);
  // Frees through pool.free, or through realloc(ptr, 0) when `via_realloc`.
  void apply_free(const Op& op, LiveBlock block, bool via_realloc);
  void apply_realloc(const Op& op, LiveBlock old);
  // A block the pool placed for `op` (alloc or realloc): the checks, its fill.
  // `usable_bytes`: fresh_usable_size(ptr) (sim_pool.hpp), asked once per block.
  void check_and_fill(const Op& op, const LiveBlock& block, void* ptr, std::size_t usable_bytes);

  // CPU, cache and DMA ops and their oracles (executor_coherency_ops.cpp).
  // A valid op (OpValidator) on its live block.
  void apply_coherency(const Op& op, const LiveBlock& block);
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
  // The op's transfer length inside its block: a device programmed past the
  // block's end is a DMA_OVERRUN (reported here), and goes on clipped.
  std::uint64_t clip_programmed_transfer(const CoherencyAccess& at);
  // A receive over the op's range, clipped to the block.
  void coherency_receive_start(const CoherencyAccess& at, std::vector<Hazard>* hazards);
  // dma_to_device or dma_to_device_start over the op's range, clipped to the block.
  void coherency_transmit(const CoherencyAccess& at, std::vector<Hazard>* hazards);
  void coherency_receive_complete(const CoherencyAccess& at);
  // Ends the block's transfers in flight (dma_abort, or a free once reported);
  // true when it aborted a receive (the block's contents are then undefined).
  bool stop_transfers(Handle handle, const LiveBlock& block);
  // FREE_DURING_DMA when a free or realloc finds a transfer of the block in flight.
  void report_transfer_in_flight(const Op& op, const LiveBlock& block);
  // `own_end`: owners->own_bytes_end(block), taken before the op; `context`
  // ends every finding's message.
  void report_hazards(const std::vector<Hazard>& hazards, const Op& op, const LiveBlock& block,
                      std::uint64_t own_end, const std::string& context);
  // For cache maintenance whose range runs past its block: the owners its lines
  // touch, to end its findings with; else "".
  std::string maintenance_range_context(const CoherencyAccess& at) const;
  // ATTR_MISMATCH, and DMA_LINE_SHARED when `device_writes` (a receive).
  // The text a worst-case (`possible`) finding of `kind` on [begin, end) ends with.
  std::string possible_outcome(const Op& op, HazardKind kind, const LiveBlock& block, std::uint64_t begin,
                               std::uint64_t end) const;
  void check_dma_buffer(const Op& op, const LiveBlock& block, std::uint64_t begin, std::uint64_t end,
                        std::uint64_t own_end, bool device_writes);
  // A read or transmit of bytes whose newest CPU write an invalidate threw away
  // (PayloadFreshness): DISCARDED_WRITE for a cpu_read, STALE_TX for a
  // transmit. True when it reported any.
  bool report_discarded_writes(const CoherencyAccess& at);
  // Tells PayloadFreshness which bytes of live blocks other than op's an
  // invalidate discarded, dirty, in device range [begin, end).
  void note_discarded_bytes_of_others(const Op& op, std::uint64_t begin, std::uint64_t end);
  // SHORT_RX_READ: a cpu_read of bytes a receive was programmed for and that
  // its short completion left unwritten (PayloadFreshness).
  void report_unreceived_reads(const CoherencyAccess& at);
  // CPU_TOUCH_ACTIVE_DMA on a region without a cache (a cache model reports it
  // per line itself): a CPU write into the bytes the block's transmit in flight
  // reads, or a CPU access to the bytes its receive in flight writes.
  void report_touch_without_cache(const CoherencyAccess& at);
  std::vector<unsigned char> expected_contents(Handle handle, const LiveBlock& block) const;
  void cache_noise();
  // The lines of live DMA buffers in cacheable regions, with one line on each
  // side (a neighbour's line, or the buffer's header).
  std::vector<CoherencyMachine::NoiseTarget> noise_targets() const;
};

}  // namespace smh::sim
