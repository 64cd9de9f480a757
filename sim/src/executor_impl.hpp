// The Executor's private state and operations, shared by its source files:
//   executor.cpp                lifecycle, op dispatch, summary
//   executor_checks.cpp         the invariant checks and how findings are recorded
//   executor_block_ops.cpp      alloc, realloc and free against the pool
//   executor_coherency_ops.cpp  CPU, cache and DMA ops and the coherency oracles
//   executor_faults.cpp         fault injection
#pragma once

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "assert_trap.hpp"
#include "number_text.hpp"
#include "smh/pool.hpp"
#include "smh/sim/cache_model.hpp"
#include "smh/sim/digest.hpp"
#include "smh/sim/faults.hpp"
#include "smh/sim/prng.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/fill_pattern.hpp"
#include "smh/sim/free_space_index.hpp"
#include "smh/sim/shadow_state.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

using SimPool = BasicPool<Executor::max_regions, Executor::max_regions, Executor::attribute_count, NoLock>;

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
  MemoryMap map;
  std::unique_ptr<SimPool> pool;
  ShadowState shadow;
  // With the checks on: the free space the harness expects in each region, from
  // the blocks it saw handed out and taken back (NO_FALSE_OOM, ATTRIBUTE).
  FreeSpaceIndex free_space;
  ExecutorOptions options;
  MachineConfig config;
  std::uint64_t seed = 0;
  std::vector<Event> events;
  std::vector<Finding> findings;  // the first options.max_findings_kept
  FindingTally finding_tally;     // all of them
  Digest digest;
  std::uint64_t op_index = 0;
  std::uint64_t last_validation_op = 0;  // op_index of the last periodic validate_all()
  std::uint64_t failed_allocs = 0;
  std::uint64_t skipped_null_ops = 0;
  std::uint64_t peak_live_bytes = 0;
  std::vector<RegionRequests> region_requests;  // by region (RegionSummary::requests)
  RequestSearches searches;                     // RunSummary::searches
  std::uint64_t heap_searches_counted = 0;      // the pool's count at the last request
  // The run has stopped (Executor::halted()): nothing more is applied or checked.
  bool halted = false;
  // Handles whose last alloc failed: they hold a null pointer, as in C, so a later
  // free is a no-op and a realloc allocates.
  std::set<Handle> null_handles;
  // One cache model per cacheable region (nullptr for non-cacheable ones).
  std::vector<std::unique_ptr<CacheModel>> caches;
  // Handles with a receive in flight, and its range in the block.
  std::map<Handle, std::pair<std::uint64_t, std::uint64_t>> receiving;

  Rng cache_noise_rng{0};

  // Fault injection (executor_faults.cpp).
  Rng fault_rng{0};
  std::vector<Injection> injections;
  std::vector<bool> region_offline;                  // by region
  std::vector<std::size_t> offline_injections;        // injections[i] of kind region_offline
  std::optional<std::size_t> injected_alloc_failure;  // the injection the next alloc serves
  bool refusing_allocs = false;  // what the pool's fault hook answers (allocate_while_refused)
  std::vector<std::pair<void*, std::uint64_t>> recently_freed;  // pointer, device address

  // Outcomes: an event (and the digest), or a finding with its stable check name.
  void record(const Event& event);
  void report(Check check, std::string message, Handle handle = 0);
  // A finding after which nothing the allocator says can be trusted: reports it
  // and stops the run (executor.cpp).
  void halt(Check check, const std::string& message, Handle handle);
  // What the allocator may still be asked for: counters only once halted.
  StatsDepth stats_depth() const;
  // ASSERTION_FAILED: an SMH_ASSERT failed `during` (what the Executor was doing).
  void halt_on_assertion(const detail::AssertionFailure& failure, const std::string& during, Handle handle);
  // One op, as Executor::apply documents it (executor.cpp): validate_op(), then
  // the machine's own activity (cache noise, faults), then the op.
  bool apply_op(const Op& op, std::string* error);
  // The op's own checks, before anything is applied: "" when valid, else why
  // not. `live`: the handle's block (nullptr when none); `holds_null`: the
  // handle's last allocation failed.
  [[nodiscard]] std::string validate_op(const Op& op, const LiveBlock* live, bool holds_null) const;
  [[nodiscard]] bool satisfies(unsigned region, std::uint32_t attr) const;
  // Whether `region` may serve a request for `attr` of `size_bytes`, fit aside
  // (the pool's rule: attribute, reserved, offline, size_threshold role).
  [[nodiscard]] bool may_serve(unsigned region, std::uint32_t attr, std::uint64_t size_bytes) const;
  // The CPU-view (host) pointer of a block's payload; never leaves the Executor.
  [[nodiscard]] unsigned char* host(const LiveBlock& block) const {
    return map.cpu_view(block.region) + (block.device_address - map.spec(block.region).base);
  }
  std::string describe(Handle handle, const LiveBlock& block) const;
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

  // Checks (executor_checks.cpp).
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
  // region the pool may use for `attr`, found by walking every heap: the
  // independent answer to "could the pool have served this?".
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
    return op_index - last_validation_op >= interval;
  }

  // Block operations (executor_block_ops.cpp).
  // The request's home region (RegionRequests), or -1 when no region may serve it.
  [[nodiscard]] int home_region(const Op& op) const;
  // Counts a request in region_requests: served by `region`, or failed (-1).
  void count_request(const Op& op, int region);
  void apply_alloc(const Op& op);
  // The pool call an alloc makes: aligned_alloc, or alloc_prefer along its chain.
  void* allocate(const Op& op);

  // Frees through pool.free, or through realloc(ptr, 0) when `via_realloc`.
  void apply_free(const Op& op, LiveBlock block, bool via_realloc);
  void apply_realloc(const Op& op, LiveBlock old);

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
    CacheModel* cache;             // nullptr: a non-cacheable region
    std::uint64_t region_offset;   // of the op's first byte
    std::uint64_t length;          // the op's bytes
    std::uint64_t begin;           // device address of the op's first byte
    std::uint64_t own_end;         // own_bytes_end(block), taken before the op
    unsigned char* cpu;            // the CPU view at the op's first byte
  };
  void coherency_cpu_write(const CoherencyAccess& at, std::vector<Hazard>* hazards);
  void coherency_cpu_read(const CoherencyAccess& at, std::vector<Hazard>* hazards);
  // invalidate, clean_invalidate and evict: they drop lines, and keep the
  // allocator's bytes (AllocatorBytesKeeper in executor_coherency_ops.cpp).
  void coherency_drop_lines(const CoherencyAccess& at, std::vector<Hazard>* hazards);
  void coherency_receive_complete(const CoherencyAccess& at);
  // Where the block's own bytes (its usable area) end, as its header in the CPU
  // view says now: take it before anything that may discard that header.
  [[nodiscard]] std::uint64_t own_bytes_end(const LiveBlock& block) const;
  // `own_end`: own_bytes_end(block), taken before the op.
  void report_hazards(const std::vector<Hazard>& hazards, const Op& op, const LiveBlock& block,
                      std::uint64_t own_end);
  std::string owner_of(std::uint64_t device_begin, std::uint64_t device_end, Handle handle, const LiveBlock& block,
                       std::uint64_t own_end) const;
  std::string unowned_bytes(unsigned region, std::uint64_t device_begin, std::uint64_t device_end) const;
  void check_dma_buffer(const Op& op, const LiveBlock& block, std::uint64_t begin, std::uint64_t end,
                        std::uint64_t own_end);
  // The bus monitor: "" when a device write to [begin, end) stays inside the
  // buffer `handle` was given (its requested bytes); else what it hit.
  std::string device_write_outside(Handle handle, const LiveBlock& block, std::uint64_t begin,
                                   std::uint64_t end) const;
  std::vector<unsigned char> expected_contents(Handle handle, const LiveBlock& block) const;
  void cache_noise();

  // Fault injection (executor_faults.cpp).
  void inject_faults(const Op& op);
  void inject(FaultKind kind, const Op& op);
  // `by`: what caught it, or Detection::undetected (then FAULT_UNDETECTED).
  void resolve(std::size_t injection, Detection by, std::string detected_by);
  void* allocate_while_refused(const Op& op);
  // The pool's fault hook (PoolHooks::refuse_alloc): `context` is the Impl.
  static bool refuse_alloc(void* context, std::uint32_t attr, std::size_t size_bytes);
  void check_not_offline(Handle handle, const LiveBlock& block);
  void remember_freed(void* ptr, std::uint64_t device_address);
  void finish_injections();
};

}  // namespace smh::sim
