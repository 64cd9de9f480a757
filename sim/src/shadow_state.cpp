#include "smh/sim/shadow_state.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "smh/heap.hpp"
#include "smh/sim/host_memory_reuse.hpp"
#include "smh/sim/prng.hpp"
#include "smh/sim/sim_assert.hpp"


namespace smh::sim {

namespace {

constexpr std::uint64_t granule_bytes = Heap::granule_bytes;  // the heap places blocks on granules

// Owner-table entries tested together by overlapping().
constexpr std::uint64_t owner_chunk = 16;

// Whether any of owner_chunk entries names a block other than `skip` (0: none).
bool chunk_has_other(const std::uint32_t* owners, std::uint32_t skip) {
  std::uint32_t other = 0;
  for (std::uint64_t i = 0; i < owner_chunk; ++i) {
    other |= static_cast<std::uint32_t>(owners[i] != 0) & static_cast<std::uint32_t>(owners[i] != skip);
  }
  return other != 0;
}

// One entry of verify()'s multiset sum: a block's start and last granule in
// its region and its owner entry, mixed (splitmix64, three rounds).
std::uint64_t entry_hash(unsigned region, std::uint64_t first, std::uint64_t last, std::uint32_t owner) {
  std::uint64_t state = first ^ (std::uint64_t{region} << 48);
  state = splitmix64(state) ^ last;
  state = splitmix64(state) ^ owner;
  return splitmix64(state);
}

}  // namespace

ShadowState::ShadowState(const MemoryMap& map, bool track_owners)
    : map_(&map), slots_(64, true), region_counts_(map.region_count(), 0), region_bytes_(map.region_count(), 0) {
  if (track_owners) {
    this->track_owners();
  }
}

void ShadowState::track_owners() {
  if (tracks_owners_) {
    return;
  }
  for (unsigned region = 0; region < map_->region_count(); ++region) {
    const std::uint64_t granules = (map_->spec(region).size_bytes + granule_bytes - 1) / granule_bytes;
    // Dense (huge pages, the rest faulted in up front) when its region's view is
    // (host_backing.cpp): the table is as dense as the region (an entry per
    // block start, 4 bytes per 8-byte granule). With 4 KiB pages a checked
    // replay of a real trace faulted in its pages one by one (most of the run's
    // ~2,700 faults on a 21 MB region) and missed the TLB on each start; a
    // 1.8 MiB table of a 3.6 MiB region holds no whole huge page and took 460.
    const bool huge_pages = map_->spec(region).size_bytes >= detail::huge_page_bytes;
    owner_tables_.emplace_back(static_cast<std::size_t>(granules), huge_pages);
    bounds_.emplace_back(granules);
  }
  tracks_owners_ = true;
  // In handle order, not slot order: where blocks overlap (a pool bug) the
  // tables name the last one set, which must not depend on the table's layout.
  for (const Handle handle : handles_in_order()) {
    add_owner(at(handle), handle);
  }
}

std::size_t ShadowState::slot_of(Handle handle) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = home_slot(handle, mask);
  while (slots_[slot].used && slots_[slot].handle != handle) {
    slot = (slot + 1) & mask;
  }
  return slot;
}

const LiveBlock* ShadowState::find(Handle handle) const {
  if (slots_.empty()) {
    return nullptr;
  }
  const Slot& slot = slots_[slot_of(handle)];
  return slot.used ? &slot.block : nullptr;
}

const LiveBlock& ShadowState::at(Handle handle) const {
  const LiveBlock* block = find(handle);
  SMH_SIM_ASSERT(block != nullptr);
  return *block;
}

LiveBlock* ShadowState::find_mutable(Handle handle) {
  return const_cast<LiveBlock*>(std::as_const(*this).find(handle));
}

void ShadowState::grow() {
  LazyZeroArray<Slot> old = std::move(slots_);
  slots_ = LazyZeroArray<Slot>(old.size() * 2, true);
  for (Slot& slot : old) {
    if (slot.used) {
      slots_[slot_of(slot.handle)] = std::move(slot);
    }
  }
}

std::uint64_t ShadowState::granule_span(const LiveBlock& block) const {
  const std::uint64_t offset = block.device_address - map_->spec(block.region).base;
  return (offset + block.size_bytes + granule_bytes - 1) / granule_bytes - offset / granule_bytes;
}

void ShadowState::set_owner(const LiveBlock& block, Handle handle) {
  const std::uint64_t offset = block.device_address - map_->spec(block.region).base;
  std::uint32_t* owners = owner_tables_[block.region].data();
  const std::uint64_t first = offset / granule_bytes;
  const std::uint64_t last = first + granule_span(block);
  std::uint64_t taken = 0;  // granules no block held
  for (std::uint64_t granule = first; granule < last; ++granule) {
    taken += owners[granule] == 0 ? 1 : 0;
    owners[granule] = static_cast<std::uint32_t>(handle + 1);
  }
  owned_granules_ += taken;
  overlapped_ = overlapped_ || taken != last - first;
}

std::uint64_t ShadowState::first_granule(const LiveBlock& block) const {
  return (block.device_address - map_->spec(block.region).base) / granule_bytes;
}

// While no two live blocks share a granule, the only block that can reach into
// [first, last] is the one with the greatest start at or below last.
bool ShadowState::start_overlaps(const LiveBlock& block) const {
  const std::uint64_t first = first_granule(block);
  const std::uint64_t start = bounds_[block.region].first_at_or_before(last_granule(block));
  if (start == ExtentBounds::none || start >= first) {
    return start != ExtentBounds::none;
  }
  return bounds_[block.region].last_of(start) >= first;
}

void ShadowState::add_owner(const LiveBlock& block, Handle handle) {
  const std::uint64_t span = granule_span(block);
  if (!overlapped_) {
    if (span == 0) {
      return;  // holds no granule
    }
    if (!start_overlaps(block)) {
      bounds_[block.region].add(first_granule(block), last_granule(block));
      owner_tables_[block.region][first_granule(block)] = static_cast<std::uint32_t>(handle + 1);
      owned_granules_ += span;
      return;
    }
    expand_owner_tables();
  }
  set_owner(block, handle);
  SMH_SIM_ASSERT(overlapped_);  // the starts said it overlaps: the full tables agree
}

// The first overlap (a pool bug): from here on the tables name the last block
// set on each granule, which only a full table can say, so every start entry
// is spread over its block's granules. The blocks are disjoint until now, so
// the order does not matter.
void ShadowState::expand_owner_tables() {
  for (unsigned region = 0; region < bounds_.size(); ++region) {
    std::uint32_t* owners = owner_tables_[region].data();
    for (std::uint64_t start = bounds_[region].first_at_or_after(0); start != ExtentBounds::none;
         start = bounds_[region].first_at_or_after(start + 1)) {
      const std::uint32_t owner = owners[start];
      const std::uint64_t last = start + granule_span(at(owner - 1));
      std::fill(owners + start + 1, owners + last, owner);
    }
  }
  bounds_.clear();  // not kept from here on
}

void ShadowState::prefetch_entries(const LiveBlock& block) const {
  if (tracks_owners_) {
    const std::uint64_t first = first_granule(block);
    __builtin_prefetch(owner_tables_[block.region].data() + first);
    if (!overlapped_) {
      bounds_[block.region].prefetch(first);
      if (granule_span(block) != 0) {
        bounds_[block.region].prefetch(last_granule(block));  // often the same word
      }
    }
  }
}

void ShadowState::insert(Handle handle, const LiveBlock& block) {
  SMH_SIM_ASSERT(handle <= max_handle);
  if ((live_count_ + 1) * 2 > slots_.size()) {
    grow();
  }
  Slot& slot = slots_[slot_of(handle)];  // one probe serves the check and the insert
  SMH_SIM_ASSERT(!slot.used);            // not live yet
  slot = Slot{handle, 1, block};
  ++live_count_;
  live_bytes_ += block.size_bytes;
  ++region_counts_[block.region];
  region_bytes_[block.region] += block.size_bytes;
  if (tracks_owners_) {
    add_owner(block, handle);
  }
}

void ShadowState::erase(Handle handle) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = slot_of(handle);
  SMH_SIM_ASSERT(slots_[hole].used);  // the handle is live
  const LiveBlock block = slots_[hole].block;
  // Backward-shift deletion: pull later entries of the probe run into the hole,
  // so lookups never need tombstones.
  slots_[hole].used = 0;
  for (std::size_t next = (hole + 1) & mask; slots_[next].used; next = (next + 1) & mask) {
    const std::size_t home = home_slot(slots_[next].handle, mask);
    const bool movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
    if (movable) {
      slots_[hole] = std::move(slots_[next]);
      slots_[next].used = 0;
      hole = next;
    }
  }
  --live_count_;
  live_bytes_ -= block.size_bytes;
  --region_counts_[block.region];
  region_bytes_[block.region] -= block.size_bytes;
  if (!tracks_owners_) {
    return;
  }
  const std::uint64_t first = first_granule(block);
  std::uint32_t* owners = owner_tables_[block.region].data();
  if (!overlapped_) {
    if (granule_span(block) != 0) {
      SMH_SIM_ASSERT(owners[first] == handle + 1);
      owners[first] = 0;
      bounds_[block.region].remove(first, last_granule(block));
      owned_granules_ -= granule_span(block);
    }
    return;
  }
  // Only granules still naming this handle are cleared: after an overlap bug
  // another block may own some of them now.
  for (std::uint64_t granule = first, last = granule + granule_span(block); granule < last; ++granule) {
    if (owners[granule] == handle + 1) {
      owners[granule] = 0;
      --owned_granules_;
    }
  }
}

std::optional<Handle> ShadowState::overlapping(std::uint64_t begin, std::uint64_t end,
                                               std::optional<Handle> except) const {
  SMH_SIM_ASSERT(tracks_owners_);  // overlapping() needs the owner tables: track_owners() first
  if (begin >= end) {
    return std::nullopt;
  }
  const auto where = map_->locate(begin);
  if (!where) {
    return std::nullopt;
  }
  const std::uint64_t region_end = map_->spec(where->region).size_bytes;
  const std::uint64_t stop = std::min(where->offset + (end - begin), region_end);
  const std::uint32_t* owners = owner_tables_[where->region].data();
  const std::uint32_t skip = except ? *except + 1 : 0;
  const std::uint64_t last = (stop + granule_bytes - 1) / granule_bytes;
  std::uint64_t granule = where->offset / granule_bytes;
  if (!overlapped_) {
    return overlapping_start(where->region, granule, last, skip);
  }
  // Whole chunks first, with no early exit inside one, so that the compiler
  // vectorises the test (large blocks made this scan a tenth of a replay).
  for (; granule + owner_chunk <= last && !chunk_has_other(owners + granule, skip); granule += owner_chunk) {
  }
  for (; granule < last; ++granule) {  // the chunk that has one, or the tail
    if (owners[granule] != 0 && owners[granule] != skip) {
      return owners[granule] - 1;
    }
  }
  return std::nullopt;
}

// overlapping() while the blocks are disjoint: the block reaching into the
// first granule if any, else the first start inside the range; `skip` (an
// owner entry) is passed over. At most one block is skipped, so this makes at
// most four set queries (the block below's reach is one, on its last).
std::optional<Handle> ShadowState::overlapping_start(unsigned region, std::uint64_t first, std::uint64_t last,
                                                     std::uint32_t skip) const {
  const ExtentBounds& bounds = bounds_[region];
  const std::uint32_t* owners = owner_tables_[region].data();
  const std::uint64_t below = bounds.first_at_or_before(first);
  if (below != ExtentBounds::none && bounds.last_of(below) >= first && owners[below] != skip) {
    return owners[below] - 1;
  }
  for (std::uint64_t start = bounds.first_at_or_after(first + 1); start < last;
       start = bounds.first_at_or_after(start + 1)) {
    if (owners[start] != skip) {
      return owners[start] - 1;
    }
  }
  return std::nullopt;
}

std::vector<Handle> ShadowState::handles_in_order() const {
  std::vector<Handle> handles;
  handles.reserve(live_count_);
  for (const Slot& slot : slots_) {
    if (slot.used) {
      handles.push_back(slot.handle);
    }
  }
  std::sort(handles.begin(), handles.end());
  return handles;
}

std::uint64_t ShadowState::starts_hash(std::size_t* holding) const {
  std::uint64_t sum = 0;
  *holding = 0;
  for (unsigned region = 0; region < bounds_.size(); ++region) {
    const ExtentBounds& bounds = bounds_[region];
    std::uint64_t last = bounds.last_at_or_after(0);
    for (std::uint64_t start = bounds.first_at_or_after(0); start != ExtentBounds::none;) {
      const std::uint64_t next_start = bounds.first_at_or_after(start + 1);
      SMH_SIM_ASSERT(last != ExtentBounds::none && last >= start &&
                     (next_start == ExtentBounds::none || last < next_start));  // the block's own last
      sum += entry_hash(region, start, last, owner_tables_[region][start]);
      ++*holding;
      last = bounds.last_at_or_after(last + 1);
      start = next_start;
    }
    SMH_SIM_ASSERT(last == ExtentBounds::none);  // no last without its start
  }
  return sum;
}

// The handle table against its counters, and the owner tables against the
// blocks. O(slots + live blocks + set words), every table read in address
// order: over a million live blocks a probe of the sets and the owner table per
// block missed the cache three times a block, which made the periodic sweep
// (at 8 ops per live block) a tenth of a checked run. Instead both sides are
// summed as a multiset, a block (region, first granule, last granule, handle +
// 1) against a start with its last and owner entry (starts_hash): equal sums
// and counts say every block has exactly its entries and nothing else is there
// (a 64-bit mixed sum: a mismatch goes unnoticed with odds of 2^-64).
void ShadowState::verify() const {
  std::size_t live = 0;
  std::uint64_t bytes = 0;
  std::uint64_t granules = 0;
  std::size_t holding = 0;  // blocks holding a granule: one start and one last each
  std::uint64_t blocks_hash = 0;
  std::vector<std::size_t> counts(region_counts_.size(), 0);
  std::vector<std::uint64_t> region_bytes(region_bytes_.size(), 0);
  for (std::size_t index = 0; index < slots_.size(); ++index) {
    const Slot& slot = slots_[index];
    if (!slot.used) {
      continue;
    }
    // Reachable: no empty slot between its home and it (linear probing, no
    // tombstones), so find() returns this very slot.
    SMH_SIM_ASSERT(slot.handle <= max_handle && slot_of(slot.handle) == index);
    const LiveBlock& block = slot.block;
    SMH_SIM_ASSERT(block.region < counts.size());
    const RegionSpec& spec = map_->spec(block.region);
    SMH_SIM_ASSERT(block.device_address >= spec.base &&
                   block.size_bytes <= spec.base + spec.size_bytes - block.device_address);
    ++live;
    bytes += block.size_bytes;
    ++counts[block.region];
    region_bytes[block.region] += block.size_bytes;
    granules += granule_span(block);
    if (tracks_owners_ && !overlapped_ && granule_span(block) != 0) {
      blocks_hash += entry_hash(block.region, first_granule(block), last_granule(block), slot.handle + 1);
      ++holding;
    }
  }
  SMH_SIM_ASSERT(live == live_count_ && bytes == live_bytes_);
  SMH_SIM_ASSERT(counts == region_counts_ && region_bytes == region_bytes_);
  if (tracks_owners_ && !overlapped_) {
    std::size_t starts = 0;
    SMH_SIM_ASSERT(owned_granules_ == granules && starts_hash(&starts) == blocks_hash && starts == holding);
  }
}

}  // namespace smh::sim
