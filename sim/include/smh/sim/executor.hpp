// smh::sim::Executor — the one engine every driver uses: it builds the simulated
// machine (memory map + the real smh pool over it), applies ops, checks the
// invariants after every op, and records outcome events, findings and a digest.
//
// Same machine, seed and ops => the same events, findings and digest, byte for
// byte: everything is keyed by handles, device addresses and the seed; host
// pointers never reach an output.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "smh/heap_types.hpp"
#include "smh/pool_types.hpp"
#include "smh/sim/checks.hpp"
#include "smh/sim/events.hpp"
#include "smh/sim/faults.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim {

// One attribute's own region-selection policy (exact mode only: the pool's
// set_policy(attr, policy)); attributes without one use pool.policy.
struct AttributePolicy {
  std::uint32_t attr = 0;
  Policy policy = Policy::first_fit;
  friend bool operator==(const AttributePolicy&, const AttributePolicy&) = default;
};

struct MachineConfig {
  std::vector<RegionSpec> regions;
  PoolConfig pool{};
  std::vector<AttributePolicy> attribute_policies;  // ascending attr, each once
};

// The policy the pool applies to requests for `attr`: its own, else pool.policy.
Policy policy_for(const MachineConfig& machine, std::uint32_t attr);

// The scaled validation interval: this many ops per live block (at least
// validate_every_ops). A sweep visits each live block and about as many free
// ones at a few ns each, against a few hundred ns per op with every check on:
// at 8 ops per live block the sweep stays near 1 % of the run.
inline constexpr std::uint64_t validate_ops_per_live_block = 8;

struct ExecutorOptions {
  // Off: fast replay — outcomes and digest only, no invariant checks, no fill
  // patterns.
  bool check_invariants = true;
  // A full pool.validate() sweep (HEAP_VALIDATE) every this many ops (0: only at
  // the end). With validate_scales_with_blocks the interval grows to
  // validate_ops_per_live_block ops per live block, so that the sweep, O(blocks),
  // costs a small fixed share of the run whatever the number of live blocks
  // (docs/ARCHITECTURE.md, "Executor"); off, exactly every validate_every_ops.
  // The harness's own self-checks (the shadow state's and the cache models'
  // verify()) run with these sweeps, and at the end.
  std::uint64_t validate_every_ops = 1024;
  bool validate_scales_with_blocks = true;
  // Keep every outcome event in memory (events()). Off, only the digest (and the
  // findings) record them: long replays then run in constant memory.
  bool keep_events = true;
  // Background cache activity: before each op, with this chance (parts per
  // million), a random line of a random cacheable region is evicted or
  // speculatively filled, as real caches do behind the program's back. Code with
  // correct cache maintenance stays clean under any amount of it.
  std::uint32_t cache_noise_ppm = 0;
  // Faults to inject (none by default); FaultPlan::swarm(seed) draws a mix.
  FaultPlan faults{};
  // The first this many findings are kept in full (findings()); later ones are
  // only counted per check (RunSummary::finding_tally) and enter the digest, so
  // that a run firing on every op of a long trace stays in bounded memory.
  std::uint64_t max_findings_kept = 1000;
};

// F_ext = 1 - largest free block / free bytes (0 when nothing is free): the
// one statement of the formula, for regions and for attributes.
constexpr double external_fragmentation(std::uint64_t largest_free_bytes, std::uint64_t free_bytes) {
  return free_bytes == 0 ? 0.0 : 1.0 - static_cast<double>(largest_free_bytes) / static_cast<double>(free_bytes);
}

// Where a region's requests went. A request's *home* is the first region, in
// insertion order, that may serve it under the pool's rules, fit aside (its
// attribute, or the first attribute of a preference chain that any region
// serves; not reserved, not offline; under size_threshold, the role for its
// size): the region first fit would try first. A request served elsewhere
// spilled out of its home into the region that took it; one no region could
// take failed at its home. Allocations and reallocs that move count; resizing
// in place does not, nor do requests for 0 bytes. A request no region may serve
// has no home: it counts only in RunSummary::failed_allocs.
struct RegionRequests {
  std::uint64_t allocs = 0;         // requests this region served
  std::uint64_t failed_allocs = 0;  // requests with this home that no region took
  std::uint64_t spilled_in = 0;     // served here, home elsewhere
  std::uint64_t spilled_out = 0;    // home here, served elsewhere
};

struct RegionSummary {
  std::string name;
  std::uint64_t base = 0;
  HeapStats stats{};                  // the heap's own (its failed_alloc_count stays 0: the
                                      // pool asks a heap only when it can serve)
  RegionRequests requests{};          // the Executor's, by home region
  double external_fragmentation = 0;  // F_ext = 1 - largest_free / total_free
};

// How many regions requests tried: heap searches (PoolEngine::heap_search_count)
// per request, over the requests RegionRequests counts (served or failed).
struct RequestSearches {
  std::uint64_t requests = 0;
  std::uint64_t heap_searches = 0;     // over all requests; mean = heap_searches / requests
  std::uint64_t max_per_request = 0;   // the longest search of one request
};

struct RunSummary {
  std::uint64_t ops = 0;
  std::uint64_t failed_allocs = 0;
  std::uint64_t peak_live_bytes = 0;  // requested, pool-wide
  // The peak of live requested bytes plus what outstanding failed allocations
  // asked for (handles holding null), and at a failed realloc its request in
  // place of the block it kept: what the program wanted at once.
  std::uint64_t peak_demand_bytes = 0;
  std::uint64_t digest = 0;
  // CPU, cache and DMA ops skipped because their handle's allocation had failed
  // (an injected alloc_failure, or a real one): never bad input.
  std::uint64_t skipped_null_ops = 0;
  std::vector<RegionSummary> regions;
  RequestSearches searches{};
  // Every finding counted per check, the ones not kept in full included.
  FindingTally finding_tally;
};

class Executor {
 public:
  // The pool the simulator drives: the shipped BasicPool, sized for simulation.
  static constexpr unsigned max_regions = 64;
  static constexpr unsigned attribute_count = 32;

  // nullptr and *error set when the machine is invalid (bad map, pool refusal).
  static std::unique_ptr<Executor> create(const MachineConfig& config, const ExecutorOptions& options,
                                          std::uint64_t seed, std::string* error);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Applies the next op. False for an op that is itself invalid (unknown or
  // already-live handle, alignment not a power of two, a range past its block,
  // a receive completed into a block that moved or shrank since it started):
  // *error names the op index and the problem, and nothing was applied, not even
  // the machine's own activity before it (cache noise and faults draw nothing).
  // A CPU, cache or DMA op on a handle whose allocation failed is skipped and
  // counted, as firmware that checks for NULL does.
  bool apply(const Op& op, std::string* error);
  // Applies `ops` in order, exactly as apply() one by one would, looking a few
  // ops ahead to prefetch the handle-table slots and block headers they will
  // touch: at 100k live blocks a replay's cost is mostly cache misses. Drivers
  // that stream ops (traces) call it on chunks. Stops at the first invalid op:
  // false, *error as apply() sets it.
  bool apply_all(std::span<const Op> ops, std::string* error);
  // End-of-run checks: every live block's contents, a full validate().
  void finish();
  // Whether the run has stopped at a finding after which nothing the allocator
  // says can be trusted: an SMH_ASSERT failed while the pool was driven
  // (ASSERTION_FAILED; in builds with SMH_ASSERTS), or the pool handed out memory
  // not wholly inside one region (CONTAINMENT), which the harness then does not
  // touch. The finding is recorded; from then on apply() and apply_all() return
  // true and apply nothing, and finish() checks nothing. Drivers stop there.
  [[nodiscard]] bool halted() const;
  // Ops applied so far (the one that halted the run included).
  [[nodiscard]] std::uint64_t ops_applied() const;

  [[nodiscard]] const std::vector<Event>& events() const;
  // The first ExecutorOptions::max_findings_kept findings (summary().finding_tally
  // counts them all).
  [[nodiscard]] const std::vector<Finding>& findings() const;
  [[nodiscard]] const std::vector<Injection>& injections() const;
  [[nodiscard]] std::uint64_t digest() const;
  [[nodiscard]] RunSummary summary() const;
  [[nodiscard]] const MemoryMap& memory_map() const;
  // The pool's own statistics for one attribute (BasicPool::stats): the matching
  // regions aggregated, plus, in exact mode, the requests no region could take.
  [[nodiscard]] PoolStats pool_stats(std::uint32_t attr) const;
  // Visits one region's blocks in address order (the pool's walk): the run
  // page's memory map at a region's peak (region_peak_map.hpp).
  void walk_region(unsigned region, const std::function<void(const BlockInfo&)>& visit) const;
  // RunSummary::peak_demand_bytes for requests that asked for `attr`.
  [[nodiscard]] std::uint64_t peak_demand_bytes(std::uint32_t attr) const;

 private:
  struct Impl;
  explicit Executor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Convenience: create, apply every op, finish.
struct RunResult {
  bool ok = false;     // false: invalid machine or op (see error)
  std::string error;
  std::vector<Event> events;
  std::vector<Finding> findings;
  std::vector<Injection> injections;
  RunSummary summary;
};
RunResult run_ops(const MachineConfig& config, std::span<const Op> ops, std::uint64_t seed,
                  const ExecutorOptions& options = {});

}  // namespace smh::sim
