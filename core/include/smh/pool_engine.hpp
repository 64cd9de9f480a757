// smh::PoolEngine — the shared multi-heap's logic, independent of its capacity.
//
// BasicPool (pool.hpp) owns the storage (regions, the address index, per-attribute
// tables) as fixed arrays sized by template parameters, and wraps every call in
// its lock; the engine holds pointers to that storage, so the logic is compiled
// once whatever the capacities, and no call ever writes past them: every limit is
// checked where it is consumed.
//
// Regions are kept twice: in insertion order (regions[i], which policies walk and
// which region indices name) and sorted by address (by_address, for owner lookup
// by binary search with both bounds checked).
#pragma once

#include <cstddef>
#include <cstdint>

#include "smh/assert.hpp"
#include "smh/heap.hpp"
#include "smh/pool_types.hpp"

namespace smh {

template <unsigned MaxRegions, unsigned MaxRegionsPerAttribute, unsigned AttributeCount, class Lock,
          PolicySet Policies>
class BasicPool;

class PoolEngine {
  // Where a request went: its block (nullptr: no serving region had room) and
  // the region. The heaps searched on the way are counted straight into
  // heap_searches_ (no tally to return through memory and add).
  struct Placement {
    void* block = nullptr;
    int region = -1;
  };
  // Region selection for one request (region_selection.hpp): the block, or
  // nullptr. Chosen at compile time from the pool's policy set (placer_for) and
  // called through this pointer, so an image links only the selection code its
  // pool can run.
  using Placer = void* (*)(PoolEngine& engine, std::uint32_t attr, const Heap::Request& request);
  // What add() does beyond the address index for the pool's policy set: keep the
  // capacity order (smallest_region_first), or nothing (nullptr), so a pool that
  // cannot run smallest_region_first links no code for it (orderer_for).
  using Orderer = void (*)(PoolEngine& engine, std::uint8_t new_index);

 public:
  struct Region {
    // What a policy pass and find_owner read first (the address and size in
    // config are the region's bounds), ahead of the heap's own hot fields.
    RegionConfig config{};
    void* user_data = nullptr;
    bool offline = false;  // serves no new allocations; its blocks keep working
    Heap heap;
  };
  struct Limits {
    unsigned max_regions;
    unsigned max_regions_per_attribute;  // regions sharing one attribute value
    unsigned attribute_count;            // exact mode: valid ids are [0, attribute_count)
    PolicySet policies;                  // what init() and set_policy() accept
  };
  struct Storage {
    Region* regions;                   // [max_regions], insertion order
    std::uintptr_t* sorted_begins;     // [bit_ceil(max_regions)], ascending: owner lookup; padded with ~0
    Region** by_address;               // [bit_ceil(max_regions)], the region of sorted_begins[i]; region 0 past the last
    std::uint8_t* by_capacity;         // [max_regions], ascending capacity, stable (kept by order_by_capacity)
    Policy* attribute_policies;        // [attribute_count]
    std::uint64_t* attribute_failures; // [attribute_count]
    // The first_fit fast path (rebuild_listed()): for each attribute, the regions
    // that may serve it, in insertion order, max_regions_per_attribute apiece,
    // each named by its position in by_address.
    std::uint8_t* listed_regions;      // [attribute_count * max_regions_per_attribute]
    std::uint8_t* listed_counts;       // [attribute_count]; unlisted: take the general path
  };
  using RegionBlockVisitor = void (*)(void* context, unsigned region, const BlockInfo& block);


  // The region selection a policy set needs, and no more: first_fit alone
  // (Zephyr's) walks insertion order with no policy read; a set without the
  // keyed policies runs the first-candidate pass; any other set, every policy.
  // Each placer is its own function, so the ones a pool does not name are
  // dropped by the linker's section garbage collection.
  template <PolicySet Policies>
  static constexpr Placer placer_for() {
    static_assert(Policies != 0 && (Policies & ~all_policies) == 0, "a policy set names policies, at least one");
    if constexpr (Policies == first_fit_only) {
      return &place_first_fit;
    } else if constexpr ((Policies & keyed_policies) == 0) {
      return &place_in_order;
    } else {
      return &place_by_policy;
    }
  }
  template <PolicySet Policies>
  static constexpr Orderer orderer_for() {
    return policy_in(Policies, Policy::smallest_region_first) ? &order_by_capacity : nullptr;
  }
  PoolEngine(const PoolEngine&) = delete;
  PoolEngine& operator=(const PoolEngine&) = delete;

  Status init(const PoolConfig& config);
  [[nodiscard]] bool initialized() const { return initialized_; }
  Status add(const RegionConfig& region, void* user_data);

  // nullptr for size 0, an unmatched or unknown attribute, or no memory.
  void* alloc(std::uint32_t attr, std::size_t align_bytes, std::size_t size_bytes);
  // Tries each attribute in order; the first that yields a block wins.
  void* alloc_prefer(const std::uint32_t* attrs, std::size_t attr_count, std::size_t align_bytes,
                     std::size_t size_bytes);
  // From one region, named by index; the only way into a reserved region.
  void* alloc_in(unsigned region, std::size_t align_bytes, std::size_t size_bytes);
  Status free(void* ptr);

  // realloc's first step: resize in place if ptr's region satisfies attr and the
  // heap allows. out_of_memory means "move it" (old_usable_bytes says how much to
  // copy); any other failure was reported and the block is untouched.
  struct ResizeOutcome {
    Status status;
    std::size_t old_usable_bytes;
    Heap* heap;  // the heap of the live block ptr (nullptr: not a live block)
  };
  ResizeOutcome resize_in_place(std::uint32_t attr, void* ptr, std::size_t align_bytes,
                                std::size_t size_bytes);
  // realloc's last step after a move: frees ptr, which resize_in_place checked
  // (outcome.status out_of_memory), without checking it again.
  void free_moved(const ResizeOutcome& outcome, void* ptr);

  [[nodiscard]] std::size_t usable_size(const void* ptr) const;
  // Only for a block this pool has just returned and no one has freed since
  // (Heap::usable_size_unchecked): no pointer checks beyond SMH_ASSERT.
  [[nodiscard]] std::size_t usable_size_unchecked(const void* ptr) const;
  [[nodiscard]] Owner owner(const void* ptr) const;
  [[nodiscard]] PoolStats stats(std::uint32_t attr, StatsDepth depth = StatsDepth::full) const;
  [[nodiscard]] HeapStats region_stats(unsigned region, StatsDepth depth = StatsDepth::full) const;
  [[nodiscard]] unsigned region_count() const { return region_count_; }
  [[nodiscard]] const RegionConfig* region_config(unsigned region) const;
  [[nodiscard]] std::uint64_t failed_alloc_count() const { return failed_allocs_; }
  // Heap searches (Heap::find or alloc_if_fits calls; a heap ruled out by
  // Heap::might_fit is not searched) that region selection has made, over all
  // requests: a request's search length is how many regions it tried. The
  // simulator reads it around each request for the mean and the longest.
  [[nodiscard]] std::uint64_t heap_search_count() const { return heap_searches_; }
  [[nodiscard]] PoolValidationReport validate() const;
  bool walk(RegionBlockVisitor visitor, void* context) const;

  Status set_policy(Policy policy);                     // every attribute
  Status set_policy(std::uint32_t attr, Policy policy);  // exact mode, one attribute
  [[nodiscard]] Policy policy_for(std::uint32_t attr) const {
    return config_.mode == MatchMode::exact && attr < limits_.attribute_count
               ? storage_.attribute_policies[attr]
               : config_.policy;
  }
  Status set_region_offline(unsigned region, bool offline);
  void set_hooks(const PoolHooks& hooks);
  Status set_region_hooks(unsigned region, const HeapHooks& hooks);

 private:
  // Only BasicPool makes engines: value-initialised together with their storage
  // (one memset for both), then attach()ed to it.
  template <unsigned MaxRegions, unsigned MaxRegionsPerAttribute, unsigned AttributeCount, class Lock,
            PolicySet Policies>
  friend class BasicPool;
  PoolEngine() = default;
  // placer, orderer: placer_for and orderer_for<limits.policies>(). The storage
  // arrays and the engine's own fields are zero (BasicPool value-initialises
  // them together). Inline, so that an -Os image stores the storage pointers
  // straight into the engine instead of building and copying them.
  void attach(const Storage& storage, const Limits& limits, Placer placer, Orderer orderer) {
    storage_ = storage;
    limits_ = limits;
    placer_ = placer;
    orderer_ = orderer;
#if SMH_ASSERTS
    check_storage();
#endif
    storage_.by_address[0] = storage_.regions;  // find_owner before any add(): region 0's empty slot
    rebuild_listed();  // not initialised: every attribute takes the general path
  }

  void check_storage() const;  // attach()'s assertions (none when SMH_ASSERTS is 0)
  [[nodiscard]] bool attribute_valid(std::uint32_t attr) const;
  [[nodiscard]] bool matches(const Region& region, std::uint32_t attr) const;
  [[nodiscard]] bool serves(const Region& region, std::uint32_t attr, std::size_t size_bytes,
                            Policy policy) const;
  // Allocates a request where its policy says (region_selection.hpp): each
  // candidate heap is searched once, and the block found in the chosen one is
  // the one taken, so no search runs twice. `request` is measured once per
  // call; its size is what Policy::size_threshold compares.
  void* place(std::uint32_t attr, const Heap::Request& request);
  // The placers (placer_for): first_fit alone; the first-candidate policies
  // (first_fit, smallest_region_first, round_robin, size_threshold); all six.
  static void* place_first_fit(PoolEngine& engine, std::uint32_t attr, const Heap::Request& request);
  static void* place_in_order(PoolEngine& engine, std::uint32_t attr, const Heap::Request& request);
  static void* place_by_policy(PoolEngine& engine, std::uint32_t attr, const Heap::Request& request);
  static void order_by_capacity(PoolEngine& engine, std::uint8_t new_index);
  Placement in_order(std::uint32_t attr, const Heap::Request& request, Policy policy);
  [[nodiscard]] bool policy_available(Policy policy) const { return policy_in(limits_.policies, policy); }
  Placement first_candidate(std::uint32_t attr, const Heap::Request& request, Policy policy, const std::uint8_t* order,
                            unsigned start);
  Placement keyed_candidate(std::uint32_t attr, const Heap::Request& request, Policy policy);
  // The first_fit fast path: exact mode keeps, per attribute whose policy is
  // first_fit, the regions that serve it (neither reserved nor offline), so an
  // allocation walks only those and asks nothing else of them; rebuilt by every
  // call that changes the answer (init, add, set_policy, set_region_offline,
  // set_hooks: with the fault hook set, no attribute is listed).
  static constexpr std::uint8_t unlisted = 0xFF;
  void rebuild_listed();
  // The block (nullptr: no listed heap had room); its searches are counted.
  void* listed_candidate(std::uint32_t attr, unsigned count, const Heap::Request& request);
  void* alloc_listed(std::uint32_t attr, unsigned count, const Heap::Request& request);
  void* alloc_slow(std::uint32_t attr, unsigned count, std::size_t align_bytes, std::size_t size_bytes);
  // Whether the fault-injection hook is set (never, where it does not exist).
  [[nodiscard]] bool refusal_hooked() const {
#if SMH_FAULT_HOOKS
    return hooks_.refuse_alloc != nullptr;
#else
    return false;
#endif
  }
  void* alloc_general(std::uint32_t attr, const Heap::Request& request);
  void* alloc_failed(std::uint32_t attr);
  Status free_unowned(std::uintptr_t address) const;
  [[nodiscard]] Region* find_owner(std::uintptr_t address) const;
  // The heap calls of those fast paths (region_selection.hpp): the heap's hot
  // code inlined on hosts, its public entry points called on -Os.
  static void* take_from(Heap& heap, const Heap::Request& request);
  static Status free_into(Heap& heap, void* ptr);
  void count_failure(std::uint32_t attr);
  Status report(Status status, std::uintptr_t address) const;

  Storage storage_{};
  Limits limits_{};
  Placer placer_ = nullptr;
  Orderer orderer_ = nullptr;
  PoolConfig config_{};
  unsigned region_count_ = 0;
  unsigned search_span_ = 0;  // bit_ceil(region_count_): find_owner's halving steps start at half of it
  unsigned round_robin_next_ = 0;
  bool initialized_ = false;
  std::uint64_t failed_allocs_ = 0;
  std::uint64_t heap_searches_ = 0;
  PoolHooks hooks_{};
};

}  // namespace smh
