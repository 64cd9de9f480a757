// smh::BasicPool — the shared multi-heap: several regions, each an smh::Heap,
// requests by attribute, a region-selection policy. Zephyr's shared_multi_heap
// semantics with its weaknesses fixed (see docs/ARCHITECTURE.md).
//
// Capacities are template parameters, storage is inline (no dynamic allocation),
// and Lock (locks.hpp) serialises access: each call holds it for one engine
// operation; realloc copies between its two locked steps, never under the lock.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "smh/locks.hpp"
#include "smh/pool_engine.hpp"
#include "smh/pool_types.hpp"

namespace smh {

// Policies (pool_types.hpp, PolicySet): the region-selection policies the pool
// can run; by default all six. A smaller set links less code (the Zephyr C API
// names first_fit_only) and refuses the others at init() and set_policy().
template <unsigned MaxRegions, unsigned MaxRegionsPerAttribute = MaxRegions,
          unsigned AttributeCount = 8, class Lock = NoLock, PolicySet Policies = all_policies>
class BasicPool {
  static_assert(MaxRegions >= 1 && MaxRegions <= 255, "the address index holds 8-bit indices");
  static_assert(MaxRegionsPerAttribute >= 1 && MaxRegionsPerAttribute <= MaxRegions);
  static_assert(MaxRegionsPerAttribute < 255, "a first_fit list counts in 8 bits, 0xFF meaning unlisted");
  static_assert(AttributeCount >= 1);

 public:
  static constexpr unsigned max_regions = MaxRegions;
  static constexpr unsigned max_regions_per_attribute = MaxRegionsPerAttribute;
  static constexpr unsigned attribute_count = AttributeCount;
  static constexpr PolicySet policies = Policies;

  // The engine is pointed at the tables here, after the one memset that zeroes
  // both (state_'s value-initialisation): no field is stored twice.
  BasicPool() {
    // static: copied into the engine straight from read-only data.
    static constexpr PoolEngine::Limits limits{MaxRegions, MaxRegionsPerAttribute, AttributeCount, Policies};
    Tables& tables = state_.tables;
    state_.engine.attach(PoolEngine::Storage{tables.regions, tables.sorted_begins, tables.by_address,
                                             tables.by_capacity, tables.policies, tables.failures,
                                             tables.listed_regions, tables.listed_counts},
                         limits,
                         PoolEngine::placer_for<Policies>(), PoolEngine::orderer_for<Policies>());
  }
  BasicPool(const BasicPool&) = delete;
  BasicPool& operator=(const BasicPool&) = delete;

  Status init(const PoolConfig& config = {}) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.init(config);
  }
  Status add(const RegionConfig& region, void* user_data = nullptr) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.add(region, user_data);
  }

  void* alloc(std::uint32_t attr, std::size_t size_bytes) { return aligned_alloc(attr, 0, size_bytes); }
  void* aligned_alloc(std::uint32_t attr, std::size_t align_bytes, std::size_t size_bytes) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.alloc(attr, align_bytes, size_bytes);
  }
  void* alloc_prefer(std::initializer_list<std::uint32_t> attrs, std::size_t size_bytes,
                     std::size_t align_bytes = 0) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.alloc_prefer(attrs.begin(), attrs.size(), align_bytes, size_bytes);
  }
  void* alloc_prefer(const std::uint32_t* attrs, std::size_t attr_count, std::size_t size_bytes,
                     std::size_t align_bytes = 0) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.alloc_prefer(attrs, attr_count, align_bytes, size_bytes);
  }
  void* alloc_in(unsigned region, std::size_t size_bytes, std::size_t align_bytes = 0) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.alloc_in(region, align_bytes, size_bytes);
  }

  void* realloc(std::uint32_t attr, void* ptr, std::size_t size_bytes) {
    return aligned_realloc(attr, ptr, 0, size_bytes);
  }
  // In place in the owning region when it satisfies attr and has room; else move
  // to a region that satisfies attr, copying min(old usable, size) bytes. On
  // failure the old block is untouched and nullptr is returned.
  void* aligned_realloc(std::uint32_t attr, void* ptr, std::size_t align_bytes, std::size_t size_bytes) {
    if (ptr == nullptr) {
      return aligned_alloc(attr, align_bytes, size_bytes);
    }
    if (size_bytes == 0) {
      free(ptr);
      return nullptr;
    }
    // Built in place under the lock (a lambda, so that no copy follows it).
    const PoolEngine::ResizeOutcome outcome = [&] {
      LockGuard<Lock> guard(state_.lock);
      return state_.engine.resize_in_place(attr, ptr, align_bytes, size_bytes);
    }();
    if (outcome.status == Status::ok) {
      return ptr;
    }
    if (outcome.status != Status::out_of_memory) {
      return nullptr;  // a bad pointer or argument: reported by the engine
    }
    void* moved = aligned_alloc(attr, align_bytes, size_bytes);
    if (moved == nullptr) {
      return nullptr;
    }
    const std::size_t copy_bytes = outcome.old_usable_bytes < size_bytes ? outcome.old_usable_bytes : size_bytes;
    __builtin_memcpy(moved, ptr, copy_bytes);  // outside the lock: both blocks are ours
    {
      LockGuard<Lock> guard(state_.lock);
      state_.engine.free_moved(outcome, ptr);  // checked once, in resize_in_place
    }
    return moved;
  }

  Status free(void* ptr) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.free(ptr);
  }

  [[nodiscard]] std::size_t usable_size(const void* ptr) const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.usable_size(ptr);
  }
  // usable_size of a block this pool has just returned and no one has freed
  // since, without the pointer checks (PoolEngine::usable_size_unchecked).
  [[nodiscard]] std::size_t usable_size_unchecked(const void* ptr) const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.usable_size_unchecked(ptr);
  }
  [[nodiscard]] Owner owner(const void* ptr) const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.owner(ptr);
  }
  [[nodiscard]] PoolStats stats(std::uint32_t attr, StatsDepth depth = StatsDepth::full) const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.stats(attr, depth);
  }
  [[nodiscard]] HeapStats region_stats(unsigned region, StatsDepth depth = StatsDepth::full) const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.region_stats(region, depth);
  }
  [[nodiscard]] unsigned region_count() const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.region_count();
  }
  [[nodiscard]] const RegionConfig* region_config(unsigned region) const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.region_config(region);
  }
  [[nodiscard]] std::uint64_t failed_alloc_count() const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.failed_alloc_count();
  }
  [[nodiscard]] std::uint64_t heap_search_count() const {  // PoolEngine::heap_search_count
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.heap_search_count();
  }
  [[nodiscard]] PoolValidationReport validate() const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.validate();
  }
  // The visitor runs under the lock: it must not call back into the pool.
  bool walk(PoolEngine::RegionBlockVisitor visitor, void* context) const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.walk(visitor, context);
  }
  template <class Fn>
  bool walk(Fn&& fn) const {
    return walk([](void* context, unsigned region, const BlockInfo& block) {
      (*static_cast<Fn*>(context))(region, block);
    }, static_cast<void*>(&fn));
  }

  Status set_policy(Policy policy) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.set_policy(policy);
  }
  Status set_policy(std::uint32_t attr, Policy policy) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.set_policy(attr, policy);
  }
  // The policy that places attr's requests (exact mode: per attribute).
  [[nodiscard]] Policy policy_for(std::uint32_t attr) const {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.policy_for(attr);
  }
  Status set_region_offline(unsigned region, bool offline) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.set_region_offline(region, offline);
  }
  void set_hooks(const PoolHooks& hooks) {
    LockGuard<Lock> guard(state_.lock);
    state_.engine.set_hooks(hooks);
  }
  Status set_region_hooks(unsigned region, const HeapHooks& hooks) {
    LockGuard<Lock> guard(state_.lock);
    return state_.engine.set_region_hooks(region, hooks);
  }

 private:
  // The engine's storage in one aggregate, value-initialised as a whole with the
  // engine (State): the -Os constructor zero-fills both with one memset (one per
  // array cost 68 B; the engine's fields stored one by one after it, 44 B).
  struct Tables {
    PoolEngine::Region regions[MaxRegions];
    std::uintptr_t sorted_begins[std::bit_ceil(MaxRegions)];  // padded for find_owner's search
    PoolEngine::Region* by_address[std::bit_ceil(MaxRegions)];
    std::uint8_t by_capacity[MaxRegions];
    Policy policies[AttributeCount];
    std::uint64_t failures[AttributeCount];
    std::uint8_t listed_regions[AttributeCount * MaxRegionsPerAttribute];
    std::uint8_t listed_counts[AttributeCount];
  };
  struct State {
    Tables tables;
    PoolEngine engine;
    mutable Lock lock;  // in the memset too
  } state_{};
};

// A general-purpose configuration: 16 regions, 8 attributes, no lock.
using Pool = BasicPool<16>;

}  // namespace smh
