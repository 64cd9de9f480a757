// The harness's own record of what is live:
//  - every block by handle, in an open-addressing table (O(1), no node per block);
//  - per region, each block's first and last granule (ExtentBounds over
//    8-byte granules: the two side by side in memory) and an owner table
//    naming the block at each start (0: none — the allocator's walk tells
//    headers from free space when a finding needs to say which). While no two
//    live blocks share a granule (always, unless the pool has a NON_OVERLAP
//    bug), starts and lasts alternate by address, so whether a block reaches a
//    granule is a predecessor query on the starts and a successor query on the
//    lasts, near each other in memory and known before the query
//    (prefetch_entries): never a lookup of the neighbour's handle, which over a
//    million live blocks was a cache miss nothing could hide. An alloc or free
//    writes one owner entry and two bits (its first and last), not one per
//    granule. The first overlap spreads every start entry over its block's
//    granules and the tables go on as full tables from then on, naming the
//    last block set on a shared granule (findings and digests depend on
//    exactly that). Both are backed lazily (MAP_NORESERVE); those of a large
//    region are dense, in huge pages (an owner table from a 2 MiB region, the
//    bounds from 64 MiB), as they are touched as densely.
//    The owner tables are only needed by the checks, the coherency oracles and
//    fault detection: a fast replay starts without them and track_owners() builds
//    them from the live blocks the first time one of those needs them.
// handles_in_order() gives a deterministic order for anything that iterates.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "smh/sim/extent_bounds.hpp"
#include "smh/sim/lazy_zero_array.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim {

// 24 bytes, so that the handle table stays small (it is probed at random on
// every op: at 100k live blocks its size decides how often that misses cache).
// The host pointer is not kept: Executor derives it from region and address.
struct LiveBlock {
  std::uint64_t device_address = 0;  // the payload
  std::uint32_t size_bytes = 0;      // as requested (a heap block is < 4 GiB)
  std::uint32_t attr = 0;            // what the request asked for
  std::uint32_t generation = 0;      // bumps on every realloc and receive: selects the fill key
  std::uint16_t region = 0;
  std::uint8_t align_log2 = 0;       // requested alignment as log2; 0: the default
  // False once an invalidate discarded the block's own unwritten-back bytes: its
  // contents are undefined (as on hardware) until the CPU rewrites the whole
  // block or a receive completes, so content checks skip it meanwhile.
  bool contents_known = true;

  [[nodiscard]] std::uint64_t align_bytes() const { return align_log2 == 0 ? 0 : std::uint64_t{1} << align_log2; }
};
static_assert(sizeof(LiveBlock) == 24);

class ShadowState {
 public:
  // The largest handle a block can have (the owner table stores handle + 1).
  static constexpr Handle max_handle = sim::max_handle;

  ShadowState() = default;
  // `track_owners`: keep the owner tables from the start (else see track_owners()).
  ShadowState(const MemoryMap& map, bool track_owners);
  ShadowState(ShadowState&&) noexcept = default;
  ShadowState& operator=(ShadowState&&) noexcept = default;
  ShadowState(const ShadowState&) = delete;
  ShadowState& operator=(const ShadowState&) = delete;

  [[nodiscard]] const LiveBlock* find(Handle handle) const;
  // The block of a handle the caller knows is live (from handles_in_order(),
  // overlapping()): checked in every build (SMH_SIM_ASSERT).
  [[nodiscard]] const LiveBlock& at(Handle handle) const;
  // For fields that do not move the block (generation, contents_known).
  [[nodiscard]] LiveBlock* find_mutable(Handle handle);
  // Starts keeping the owner tables, filling them from the live blocks (once:
  // O(live blocks) the first time, free afterwards).
  void track_owners();
  [[nodiscard]] bool tracks_owners() const { return tracks_owners_; }
  // Hints the cache that `handle` is about to be looked up: replays issue it a
  // few ops ahead so that the table's random probe does not stall them.
  // always_inline: GCC 12 treats an out-of-line call that only prefetches as free of
  // side effects and deletes it at the call site (seen in apply_all's disassembly).
  // The line after the home slot's too: a probe run or an erase's backward
  // shift often reads on into it (an erase missed there most).
  [[gnu::always_inline]] void prefetch(Handle handle) const {
    if (!slots_.empty()) {
      const std::size_t mask = slots_.size() - 1;
      const std::size_t home = home_slot(handle, mask);
      __builtin_prefetch(&slots_[home]);
      __builtin_prefetch(&slots_[(home + slots_per_line) & mask]);
    }
  }
  // The same for the entries of `block` (live and about to be freed, or just
  // placed and about to be inserted): its owner-table entry and, while the
  // blocks are disjoint, the bounds words of its first and last granule.
  void prefetch_entries(const LiveBlock& block) const;
  // A live block (other than `except`) holding a granule of device range
  // [begin, end), if any; the lowest-addressed such granule wins. Needs the owner
  // tables (track_owners()).
  [[nodiscard]] std::optional<Handle> overlapping(std::uint64_t begin, std::uint64_t end,
                                                  std::optional<Handle> except) const;
  void insert(Handle handle, const LiveBlock& block);  // handle <= max_handle, not live
  void erase(Handle handle);                           // handle must be live
  [[nodiscard]] std::size_t live_count() const { return live_count_; }
  [[nodiscard]] std::uint64_t live_bytes() const { return live_bytes_; }
  // The same, for one region.
  [[nodiscard]] std::size_t live_count(unsigned region) const { return region_counts_[region]; }
  [[nodiscard]] std::uint64_t live_bytes(unsigned region) const { return region_bytes_[region]; }
  [[nodiscard]] std::vector<Handle> handles_in_order() const;
  // The full self-check, in every build (SMH_SIM_ASSERT: a failure is a bug in
  // the harness): the handle table against its counters, each block inside its
  // region, and the owner tables against the blocks. O(slots + live blocks +
  // set words), every table read in address order.
  void verify() const;

 private:
  // The unit tests' way to damage the tables behind verify()'s back
  // (sim/tests/shadow_state_verify_test.cpp): nothing else may change them but
  // the operations above.
  friend struct ShadowStateTamper;

  struct Slot {
    Handle handle = 0;
    std::uint32_t used = 0;
    LiveBlock block{};
  };
  static_assert(sizeof(Slot) == 32);
  static constexpr std::size_t slots_per_line = 64 / sizeof(Slot);  // on a 64-byte cache line
  // A handle's home slot. Runs of 2^run_log2 consecutive handles share one
  // hashed base and take neighbouring slots: traces number their allocations in
  // order (an imported one gives every allocation a new handle), so the newest
  // blocks share a few hot cache lines instead of taking a cold line each. The
  // base is mixed, so strided handles still spread over the table.
  static constexpr unsigned run_log2 = 3;
  [[nodiscard]] static std::size_t home_slot(Handle handle, std::size_t mask) {
    const std::uint64_t z = (std::uint64_t{handle} >> run_log2) * 0x9E37'79B9'7F4A'7C15ull;
    const std::uint64_t base = (z ^ (z >> 29)) << run_log2;
    return static_cast<std::size_t>(base | (handle & ((1u << run_log2) - 1))) & mask;
  }
  [[nodiscard]] std::size_t slot_of(Handle handle) const;  // its slot, or the empty one it would take
  void grow();
  // Names the block's granules as `handle`'s in the owner tables, counting what
  // it takes over (owned_granules_) and whether it overlaps another (overlapped_).
  void set_owner(const LiveBlock& block, Handle handle);
  // Records a new block in the starts, or in the full tables once blocks overlap.
  void add_owner(const LiveBlock& block, Handle handle);
  // Whether a live block holds one of the granules of `block` (starts only).
  [[nodiscard]] bool start_overlaps(const LiveBlock& block) const;
  void expand_owner_tables();  // the starts become full tables (first overlap)
  [[nodiscard]] std::optional<Handle> overlapping_start(unsigned region, std::uint64_t first, std::uint64_t last,
                                                        std::uint32_t skip) const;
  [[nodiscard]] std::uint64_t first_granule(const LiveBlock& block) const;
  // The owner tables' side of verify(): walks each region's starts and lasts in
  // address order, asserting that they alternate (each start's last comes
  // before the next start), and sums entry_hash() of each start, its last and
  // its owner entry. `holding`: the number of starts.
  [[nodiscard]] std::uint64_t starts_hash(std::size_t* holding) const;
  [[nodiscard]] std::uint64_t last_granule(const LiveBlock& block) const {
    return first_granule(block) + granule_span(block) - 1;
  }
  // The granules a block's bytes touch (what the owner tables hold for it).
  [[nodiscard]] std::uint64_t granule_span(const LiveBlock& block) const;

  const MemoryMap* map_ = nullptr;
  // Power-of-two size, at most half full; zero pages are empty slots.
  LazyZeroArray<Slot> slots_;
  std::size_t live_count_ = 0;
  std::uint64_t live_bytes_ = 0;
  bool tracks_owners_ = false;
  // By region, one entry per granule; once tracked. Only start entries are
  // set until the first overlap (then every granule of a block).
  std::vector<LazyZeroArray<std::uint32_t>> owner_tables_;
  // By region, each block's first and last granule; until the first overlap.
  std::vector<ExtentBounds> bounds_;
  std::uint64_t owned_granules_ = 0;  // non-zero owner-table entries
  // A block was inserted over granules another live block held (a NON_OVERLAP
  // bug the Executor reports): from then on the owner tables are full tables
  // naming the last one, and verify() no longer holds them to every block.
  bool overlapped_ = false;
  std::vector<std::size_t> region_counts_;
  std::vector<std::uint64_t> region_bytes_;
};

}  // namespace smh::sim
