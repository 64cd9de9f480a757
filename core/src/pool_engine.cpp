// PoolEngine — set-up, allocation entry points, ownership, statistics.
// Region selection (the policies) lives in region_selection.hpp, inlined here.
#include "smh/pool_engine.hpp"

#include "region_selection.hpp"

#include "smh/assert.hpp"

namespace smh {

// Checks the storage BasicPool hands over (attach() itself is inline in
// pool_engine.hpp: an -Os image then stores the pointers straight into the engine).
void PoolEngine::check_storage() const {
  SMH_ASSERT(placer_ != nullptr && limits_.policies != 0 && (limits_.policies & ~all_policies) == 0);
  SMH_ASSERT(storage_.regions != nullptr && storage_.by_address != nullptr);
  SMH_ASSERT(storage_.sorted_begins != nullptr && storage_.by_capacity != nullptr);
  SMH_ASSERT(storage_.attribute_policies != nullptr && storage_.attribute_failures != nullptr);
  SMH_ASSERT(limits_.max_regions >= 1 && limits_.max_regions <= 255);
  SMH_ASSERT(limits_.max_regions_per_attribute >= 1 && limits_.attribute_count >= 1);
  SMH_ASSERT(storage_.listed_regions != nullptr && storage_.listed_counts != nullptr);
  SMH_ASSERT(limits_.max_regions_per_attribute < unlisted);
  for (unsigned attr = 0; attr < limits_.attribute_count; ++attr) {
    SMH_ASSERT(storage_.attribute_failures[attr] == 0);  // zeroed: init() counts from there
  }
}

void PoolEngine::rebuild_listed() {
  if (!SMH_POOL_LISTS) {
    return;  // alloc() never reads the lists then
  }
  const unsigned per_attribute = limits_.max_regions_per_attribute;
  for (unsigned attr = 0; attr < limits_.attribute_count; ++attr) {
    const bool listed = initialized_ && config_.mode == MatchMode::exact &&
                        storage_.attribute_policies[attr] == Policy::first_fit && !refusal_hooked();
    storage_.listed_counts[attr] = listed ? 0 : unlisted;
  }
  for (unsigned index = 0; index < region_count_; ++index) {
    const Region& region = storage_.regions[index];
    const std::uint32_t attr = region.config.attr;
    if (region.offline || region.config.reserved || attr >= limits_.attribute_count ||
        storage_.listed_counts[attr] == unlisted) {
      continue;
    }
    // Listed by its place in the address index, which holds the region itself:
    // the walk then reads a pointer instead of multiplying an index by
    // sizeof(Region) (pool8 mix: 2.4 instructions per event fewer). A scan, as
    // rebuilding is rare (set-up, policy, offline and hook changes).
    unsigned position = 0;
    while (storage_.by_address[position] != &region) {
      ++position;
      SMH_ASSERT(position < region_count_);  // add() indexes every region
    }
    std::uint8_t& count = storage_.listed_counts[attr];
    SMH_ASSERT(count < per_attribute);  // add() keeps max_regions_per_attribute
    storage_.listed_regions[attr * per_attribute + count] = static_cast<std::uint8_t>(position);
    ++count;
  }
}

Status PoolEngine::report(Status status, std::uintptr_t address) const {
  SMH_ASSERT(status != Status::ok);
  if (hooks_.on_error != nullptr) {
    hooks_.on_error(hooks_.context, PoolErrorEvent{status, address});
  }
  return status;
}

Status PoolEngine::init(const PoolConfig& config) {
  if (initialized_) {
    return Status::already_initialized;
  }
  if (static_cast<std::size_t>(config.mode) > static_cast<std::size_t>(MatchMode::capability) ||
      !policy_available(config.policy)) {
    return Status::invalid_argument;  // unknown, or not in this pool's policy set
  }
  // init() runs once in an engine's life (a second call is refused above), so
  // the counters and indexes are still as constructed: zero.
  config_ = config;
  for (unsigned attr = 0; attr < limits_.attribute_count; ++attr) {
    storage_.attribute_policies[attr] = config.policy;
  }
  initialized_ = true;
  rebuild_listed();
  return Status::ok;
}

bool PoolEngine::attribute_valid(std::uint32_t attr) const {
  return config_.mode == MatchMode::capability || attr < limits_.attribute_count;
}

Status PoolEngine::add(const RegionConfig& region, void* user_data) {
  if (!initialized_) {
    return report(Status::not_initialized, region.address);
  }
  if (!attribute_valid(region.attr)) {
    return report(Status::unknown_attribute, region.address);
  }
  if (region.address == 0) {
    return report(Status::region_null, region.address);
  }
  if (region.size_bytes < Heap::min_region_bytes) {
    return report(Status::region_too_small, region.address);
  }
  const std::uintptr_t end = region.address + region.size_bytes;
  if (end < region.address) {
    return report(Status::invalid_argument, region.address);  // wraps the address space
  }
  unsigned same_attr = 0;
  for (unsigned index = 0; index < region_count_; ++index) {
    const Region& other = storage_.regions[index];
    if (region.address < other.config.address + other.config.size_bytes && other.config.address < end) {
      return report(Status::region_overlap, region.address);
    }
    same_attr += other.config.attr == region.attr ? 1u : 0u;
  }
  if (region_count_ == limits_.max_regions || same_attr == limits_.max_regions_per_attribute) {
    return report(Status::capacity_exceeded, region.address);
  }

  Region& slot = storage_.regions[region_count_];
  const Status status = slot.heap.init(reinterpret_cast<void*>(region.address), region.size_bytes);
  if (status != Status::ok) {
    return report(status, region.address);  // misaligned or too large: the slot stays free
  }
  slot.config = region;
  slot.user_data = user_data;
  slot.offline = false;

  // Insert into the address index, keeping it sorted (regions never overlap).
  const auto new_index = static_cast<std::uint8_t>(region_count_);
  unsigned position = region_count_;
  while (position > 0 && storage_.sorted_begins[position - 1] > region.address) {
    storage_.sorted_begins[position] = storage_.sorted_begins[position - 1];
    storage_.by_address[position] = storage_.by_address[position - 1];
    --position;
  }
  storage_.sorted_begins[position] = region.address;
  storage_.by_address[position] = &slot;
  if (orderer_ != nullptr) {
    orderer_(*this, new_index);
  }
  ++region_count_;
  search_span_ = search_span_ == 0 ? 1 : search_span_;
  search_span_ = search_span_ < region_count_ ? 2 * search_span_ : search_span_;
  // find_owner's search reads slots up to search_span_ - 1 (sorted_begins holds
  // bit_ceil(max_regions)): the ones past the last region start above every
  // address a region holds (their by_address entries name region 0).
  for (unsigned pad = region_count_; pad < search_span_; ++pad) {
    storage_.sorted_begins[pad] = ~std::uintptr_t{0};
    storage_.by_address[pad] = storage_.regions;
  }
  rebuild_listed();
  return Status::ok;
}

// Inserts the region just added (new_index == region_count_, not yet counted)
// into the capacity order after every region of equal size: ties keep insertion
// order, as smallest_region_first promises.
void PoolEngine::order_by_capacity(PoolEngine& engine, std::uint8_t new_index) {
  std::uint8_t* order = engine.storage_.by_capacity;
  const std::size_t size_bytes = engine.storage_.regions[new_index].config.size_bytes;
  unsigned position = engine.region_count_;
  SMH_ASSERT(position == new_index);
  while (position > 0 && engine.storage_.regions[order[position - 1]].config.size_bytes > size_bytes) {
    order[position] = order[position - 1];
    --position;
  }
  order[position] = new_index;
}

void PoolEngine::count_failure(std::uint32_t attr) {
  ++failed_allocs_;
  if (config_.mode == MatchMode::exact && attr < limits_.attribute_count) {
    ++storage_.attribute_failures[attr];
  }
}

// The hot path: an exact-mode attribute whose policy is first_fit walks its
// list of serving regions (rebuild_listed) and nothing else; every other request
// (capability mode, another policy, a bad argument, the fault hook set: such
// attributes are unlisted) takes alloc_general. Either way each candidate heap
// is searched at most once. An unaligned request (alloc()) has its own copy of
// the walk with the heap's search and take inlined for alignment 0: the
// alignment gap's arithmetic folds away and the request lives in registers.
void* PoolEngine::alloc(std::uint32_t attr, std::size_t align_bytes, std::size_t size_bytes) {
#if !SMH_POOL_LISTS
  return alloc_general(attr, Heap::make_request(align_bytes, size_bytes));
#else
  const unsigned count = attr < limits_.attribute_count ? storage_.listed_counts[attr] : unlisted;
  if (align_bytes == 0 && count != unlisted) [[likely]] {
    const Heap::Request request = Heap::make_request(0, size_bytes);
    if (request.well_formed) [[likely]] {
      return alloc_listed(attr, count, request);
    }
  }
  return alloc_slow(attr, count, align_bytes, size_bytes);
#endif
}

#if SMH_POOL_LISTS  // (an -Os image has no lists: alloc() takes the general path)

// The listed walk's result: the block, or a failure counted.
SMH_HOT void* PoolEngine::alloc_listed(std::uint32_t attr, unsigned count, const Heap::Request& request) {
  void* block = listed_candidate(attr, count, request);
  return block != nullptr ? block : alloc_failed(attr);
}

// Aligned requests on the listed walk, and everything else on the general one.
SMH_OFF_HOT_PATH void* PoolEngine::alloc_slow(std::uint32_t attr, unsigned count, std::size_t align_bytes,
                                              std::size_t size_bytes) {
  const Heap::Request request = Heap::make_request(align_bytes, size_bytes);
  if (count != unlisted && request.well_formed) {
    return alloc_listed(attr, count, request);
  }
  return alloc_general(attr, request);
}
#endif

SMH_OFF_HOT_PATH void* PoolEngine::alloc_failed(std::uint32_t attr) {
  count_failure(attr);
  return nullptr;
}

SMH_OFF_HOT_PATH void* PoolEngine::alloc_general(std::uint32_t attr, const Heap::Request& request) {
  if (!initialized_ || request.size_bytes == 0) {
    return nullptr;
  }
  if (!attribute_valid(attr)) {
    report(Status::unknown_attribute, 0);
    return alloc_failed(attr);
  }
  // Not 0 or a power of two (no popcount: a libgcc call on Cortex-M).
  if ((request.align_bytes & (request.align_bytes - 1)) != 0) {
    report(Status::invalid_argument, 0);
    return alloc_failed(attr);
  }
  void* block = place(attr, request);
  return block != nullptr ? block : alloc_failed(attr);
}

void* PoolEngine::alloc_prefer(const std::uint32_t* attrs, std::size_t attr_count, std::size_t align_bytes,
                               std::size_t size_bytes) {
  if (!initialized_ || size_bytes == 0 || attrs == nullptr) {
    return nullptr;
  }
  const Heap::Request request = Heap::make_request(align_bytes, size_bytes);
  for (std::size_t choice = 0; choice < attr_count; ++choice) {
    if (!attribute_valid(attrs[choice])) {
      report(Status::unknown_attribute, 0);
      continue;
    }
    void* block = place(attrs[choice], request);
    if (block != nullptr) {
      return block;
    }
  }
  count_failure(attr_count > 0 ? attrs[0] : 0);
  return nullptr;
}

void* PoolEngine::alloc_in(unsigned region, std::size_t align_bytes, std::size_t size_bytes) {
  if (!initialized_ || size_bytes == 0) {
    return nullptr;
  }
  if (region >= region_count_) {
    report(Status::region_out_of_range, 0);
    ++failed_allocs_;
    return nullptr;
  }
  Region& chosen = storage_.regions[region];
  if (chosen.offline) {
    ++failed_allocs_;
    return nullptr;
  }
  void* block = chosen.heap.aligned_alloc(align_bytes, size_bytes);
  if (block == nullptr) {
    ++failed_allocs_;
  }
  return block;
}

// The region whose [begin, end) holds address, or nullptr: the last region starting
// at or below it in the address-sorted index, then one unsigned compare,
// address - begin < size, checks both bounds (a pointer below every region or
// past a region's end is foreign). Over the compact array of region starts,
// padded to a power of two with starts above every address (their by_address
// entries name region 0, which holds no such address; with no region yet, slot
// 0 names region 0's empty slot, as attach() sets it), so the search is
// log2(span) halving steps of one compare and a conditional add each,
// branch-free: a free() pays no mispredicted branch for it (the pool's frees
// land in regions in no predictable order).
SMH_HOT PoolEngine::Region* PoolEngine::find_owner(std::uintptr_t address) const {
  const std::uintptr_t* begins = storage_.sorted_begins;
  unsigned low = 0;
  for (unsigned step = search_span_ / 2; step > 0; step /= 2) {
    low = begins[low + step] <= address ? low + step : low;
  }
  // The index holds the region itself, not its number: no multiply by
  // sizeof(Region) on the way (mix under callgrind: pool1 and pool8 3.3 to 3.7
  // instructions per event fewer; 3 more bytes per slot on 32-bit targets).
  Region* region = storage_.by_address[low];
  return address - region->config.address < region->config.size_bytes ? region : nullptr;
}

// free(nullptr) and a pointer outside every region (or any pointer before
// init()) end here, off the hot path: no region is named 0 (add() refuses it).
Status PoolEngine::free(void* ptr) {
  const auto address = reinterpret_cast<std::uintptr_t>(ptr);
  Region* region = find_owner(address);
  if (region == nullptr) [[unlikely]] {
    return free_unowned(address);
  }
  // Initialised and in the region (find_owner): the heap's checks that remain.
  const Status status = free_into(region->heap, ptr);
  return status == Status::ok ? status : report(status, address);
}

SMH_OFF_HOT_PATH Status PoolEngine::free_unowned(std::uintptr_t address) const {
  if (address == 0) {
    return Status::ok;
  }
  return report(initialized_ ? Status::pointer_outside_region : Status::not_initialized, address);
}

PoolEngine::ResizeOutcome PoolEngine::resize_in_place(std::uint32_t attr, void* ptr, std::size_t align_bytes,
                                                      std::size_t size_bytes) {
  const auto address = reinterpret_cast<std::uintptr_t>(ptr);
  // Before init() no region exists, so find_owner finds none: one test for both.
  Region* region = find_owner(address);
  if (region == nullptr) {
    return {report(initialized_ ? Status::pointer_outside_region : Status::not_initialized, address), 0, nullptr};
  }
  Region& owner_region = *region;
  // A block stays put only where its region satisfies the request (offline and
  // reserved regions still resize their own blocks: nothing new is carved), and
  // only for an alignment its heap accepts: one larger than the region is refused
  // there as an argument, yet it is a valid request of the pool, so the block
  // moves to a region that can give it, or the realloc fails and is counted. (A
  // region never serves an alignment beyond its size, not even to a block that
  // happens to have it: alloc and realloc agree, and the simulator's memory map
  // keeps host and device alignment equal only up to the region size.)
  const bool known_attr = attribute_valid(attr);
  const bool may_stay = known_attr && matches(owner_region, attr) &&
                        !(align_bytes > owner_region.config.size_bytes && (align_bytes & (align_bytes - 1)) == 0);
  // One pointer check, in the heap: it classifies a bad pointer (interior, double
  // free, corrupted) and reports it, and gives a live block's usable size.
  std::size_t old_usable = 0;
  const Status status = owner_region.heap.resize_in_place(ptr, align_bytes, size_bytes, may_stay, &old_usable);
  if (old_usable == 0) {  // not a live block
    SMH_ASSERT(status != Status::ok);
    return {report(status, address), 0, nullptr};
  }
  if (!known_attr) {
    return {report(Status::unknown_attribute, address), old_usable, &owner_region.heap};
  }
  if (status != Status::ok && status != Status::out_of_memory) {
    return {report(status, address), old_usable, &owner_region.heap};
  }
  return {status, old_usable, &owner_region.heap};
}

void PoolEngine::free_moved(const ResizeOutcome& outcome, void* ptr) {
  SMH_ASSERT(outcome.status == Status::out_of_memory && outcome.heap != nullptr);
  outcome.heap->free_validated(ptr);
}

std::size_t PoolEngine::usable_size(const void* ptr) const {
  const Region* region = find_owner(reinterpret_cast<std::uintptr_t>(ptr));
  return region == nullptr ? 0 : region->heap.usable_size(ptr);
}

std::size_t PoolEngine::usable_size_unchecked(const void* ptr) const {
  const Region* region = find_owner(reinterpret_cast<std::uintptr_t>(ptr));
  SMH_ASSERT(region != nullptr);  // the caller's promise: a block this pool returned
  return region->heap.usable_size_unchecked(ptr);
}

Owner PoolEngine::owner(const void* ptr) const {
  const Region* region = find_owner(reinterpret_cast<std::uintptr_t>(ptr));
  if (region == nullptr) {
    return {};
  }
  return Owner{true, static_cast<unsigned>(region - storage_.regions), region->user_data};
}

PoolStats PoolEngine::stats(std::uint32_t attr, StatsDepth depth) const {
  PoolStats total;
  if (!attribute_valid(attr)) {
    return total;
  }
  for (unsigned index = 0; index < region_count_; ++index) {
    const Region& region = storage_.regions[index];
    if (!matches(region, attr)) {
      continue;
    }
    const HeapStats one = region.heap.stats(depth);
    total.capacity_bytes += one.capacity_bytes;
    total.free_bytes += one.free_bytes;
    total.allocated_requested_bytes += one.allocated_requested_bytes;
    total.allocated_usable_bytes += one.allocated_usable_bytes;
    total.overhead_bytes += one.overhead_bytes;
    total.peak_allocated_requested_bytes += one.peak_allocated_requested_bytes;
    total.min_free_bytes += one.min_free_bytes;
    total.largest_free_block_bytes =
        one.largest_free_block_bytes > total.largest_free_block_bytes ? one.largest_free_block_bytes
                                                                      : total.largest_free_block_bytes;
    total.high_water_bytes += one.high_water_bytes;
    total.free_block_count += one.free_block_count;
    total.allocated_block_count += one.allocated_block_count;
    total.alloc_count += one.alloc_count;
    total.free_count += one.free_count;
    total.failed_alloc_count += one.failed_alloc_count;
  }
  // Requests the pool could not place never reached a heap: count them here.
  // Exact mode counts per attribute; capability mode has no per-mask tally.
  if (config_.mode == MatchMode::exact) {
    total.failed_alloc_count += storage_.attribute_failures[attr];
  }
  return total;
}

HeapStats PoolEngine::region_stats(unsigned region, StatsDepth depth) const {
  return region < region_count_ ? storage_.regions[region].heap.stats(depth) : HeapStats{};
}

const RegionConfig* PoolEngine::region_config(unsigned region) const {
  return region < region_count_ ? &storage_.regions[region].config : nullptr;
}

PoolValidationReport PoolEngine::validate() const {
  for (unsigned index = 0; index < region_count_; ++index) {
    const ValidationReport report = storage_.regions[index].heap.validate();
    if (!report.ok()) {
      return PoolValidationReport{index, report};
    }
  }
  return {};
}

bool PoolEngine::walk(RegionBlockVisitor visitor, void* context) const {
  struct Forward {
    RegionBlockVisitor visitor;
    void* context;
    unsigned region;
  };
  for (unsigned index = 0; index < region_count_; ++index) {
    Forward forward{visitor, context, index};
    const bool complete = storage_.regions[index].heap.walk(
        [](void* raw, const BlockInfo& block) {
          const Forward& f = *static_cast<const Forward*>(raw);
          f.visitor(f.context, f.region, block);
        },
        &forward);
    if (!complete) {
      return false;
    }
  }
  return true;
}

Status PoolEngine::set_policy(Policy policy) {
  if (!policy_available(policy)) {
    return Status::invalid_argument;  // unknown, or not in this pool's policy set
  }
  config_.policy = policy;
  for (unsigned attr = 0; attr < limits_.attribute_count; ++attr) {
    storage_.attribute_policies[attr] = policy;
  }
  rebuild_listed();
  return Status::ok;
}

Status PoolEngine::set_policy(std::uint32_t attr, Policy policy) {
  if (!policy_available(policy)) {
    return Status::invalid_argument;  // unknown, or not in this pool's policy set
  }
  if (config_.mode != MatchMode::exact || attr >= limits_.attribute_count) {
    return Status::unknown_attribute;
  }
  storage_.attribute_policies[attr] = policy;
  rebuild_listed();
  return Status::ok;
}

Status PoolEngine::set_region_offline(unsigned region, bool offline) {
  if (region >= region_count_) {
    return Status::region_out_of_range;
  }
  storage_.regions[region].offline = offline;
  rebuild_listed();
  return Status::ok;
}

void PoolEngine::set_hooks(const PoolHooks& hooks) {
  hooks_ = hooks;
  rebuild_listed();  // the fault hook takes every request off the fast path
}

Status PoolEngine::set_region_hooks(unsigned region, const HeapHooks& hooks) {
  if (region >= region_count_) {
    return Status::region_out_of_range;
  }
  storage_.regions[region].heap.set_hooks(hooks);
  return Status::ok;
}

}  // namespace smh
