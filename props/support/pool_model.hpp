// The pool suites' system under test: the shipped pool over a simulated memory
// map, driven call by call, next to a model of the live blocks (region, request,
// usable size, contents) and of the pool's failure tally. apply() performs a call
// and checks what every pool call must keep; the suites add their own properties
// on top (support/pool_oracles.hpp, the no-false-OOM check).
//
// After every call: each live block lies in the region the memory map says holds
// it (inside its block area), is aligned, has requested <= usable <= round8 + 8
// and the usable size the pool reports, and owner() names its region; a new or
// moved block sits in a region that serves its request; the blocks of every
// region the call touched do not overlap and keep their fill patterns, and that
// region's block count and byte sums equal the model's; the pool's failure count
// equals the model's.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../core/tests/support/heap_test_support.hpp"
#include "../core/tests/support/pool_test_support.hpp"
#include "smh/pool.hpp"
#include "smh/sim/fill_pattern.hpp"
#include "support/call_commands.hpp"
#include "support/pool_machine.hpp"
#include "support/rc_gtest_assert.hpp"

namespace smh::props {

// Every region's blocks, as the pool's walk reports them.
inline std::vector<std::vector<BlockInfo>> walk_regions(const PropsPool& pool) {
  std::vector<std::vector<BlockInfo>> regions(pool.region_count());
  const bool complete =
      pool.walk([&regions](unsigned region, const BlockInfo& block) { regions[region].push_back(block); });
  RC_ASSERT(complete);
  return regions;
}

class PoolUnderTest {
 public:
  struct LiveBlock {
    unsigned char* payload = nullptr;
    unsigned region = 0;
    std::uint64_t requested_bytes = 0;
    std::uint64_t usable_bytes = 0;
    std::uint64_t align_bytes = 0;
    std::uint64_t fill_key = 0;
  };
  struct Outcome {
    bool asked_for_block = false;  // alloc, or realloc to a size > 0
    bool failed = false;           // ... and got null
    bool in_place = false;         // a realloc kept its block where it was
    int region = -1;               // where the resulting block is
  };

  explicit PoolUnderTest(const sim::MachineConfig& machine) : machine_(machine), pool_(machine) {}

  Outcome apply(const Call& call) {
    if (const auto op = to_op(call)) {
      ops_.push_back(*op);
    }
    Outcome outcome;
    std::set<unsigned> touched;
    const auto found = live_.find(call.handle);
    const bool holds_block = found != live_.end();
    if (holds_block) {
      touched.insert(found->second.region);
    }
    switch (call.kind) {
      case CallKind::alloc:
        outcome = allocate(call, alloc_call(call));
        break;
      case CallKind::realloc:
        outcome = holds_block ? reallocate(call, found->second) : allocate(call, realloc_null(call));
        break;
      case CallKind::free:
        if (holds_block) {
          RC_ASSERT(mutable_pool().free(found->second.payload) == Status::ok);
          live_.erase(found);
        } else {
          RC_ASSERT(mutable_pool().free(nullptr) == Status::ok);
        }
        break;
      case CallKind::usable_size:
        if (holds_block) {
          RC_ASSERT(pool().usable_size(found->second.payload) == found->second.usable_bytes);
        }
        break;
      case CallKind::validate:
        rc_assert(test::PoolValid(pool()));
        for (unsigned region = 0; region < pool().region_count(); ++region) {
          touched.insert(region);
        }
        break;
    }
    if (outcome.region >= 0) {
      touched.insert(static_cast<unsigned>(outcome.region));
    }
    check_live_blocks();
    for (const unsigned region : touched) {
      check_region(region);
    }
    RC_ASSERT(pool().failed_alloc_count() == failures_);
    return outcome;
  }

  // Frees everything: every region must be one free block again.
  void free_everything() {
    while (!live_.empty()) {
      apply(Call{CallKind::free, live_.begin()->first, 0, 0, 0});
    }
    rc_assert(test::PoolValid(pool()));
    rc_assert(test::EveryRegionOneFreeBlock(pool()));
  }

  [[nodiscard]] const sim::MachineConfig& machine() const { return machine_; }
  [[nodiscard]] const PropsPool& pool() const { return *pool_.pool; }
  [[nodiscard]] const sim::MemoryMap& map() const { return pool_.map; }
  [[nodiscard]] const std::map<sim::Handle, LiveBlock>& live() const { return live_; }
  [[nodiscard]] const std::vector<sim::Op>& ops() const { return ops_; }
  // Failed requests by their (first) attribute, as the pool tallies them.
  [[nodiscard]] std::uint64_t failures_for(std::uint32_t attr) const {
    const auto found = failures_by_attr_.find(attr);
    return found == failures_by_attr_.end() ? 0 : found->second;
  }

  // The region of the map whose CPU view holds ptr (independent of the pool).
  [[nodiscard]] int region_holding(const void* ptr) const {
    const auto where = pool_.map.locate_host(ptr);
    return where ? static_cast<int>(where->region) : -1;
  }

 private:
  PropsPool& mutable_pool() { return *pool_.pool; }

  void* alloc_call(const Call& call) {
    if (call.fallback_count == 0) {
      return mutable_pool().aligned_alloc(call.attr, call.align_bytes, call.size_bytes);
    }
    std::array<std::uint32_t, sim::max_prefer_attrs> chain{};
    for (unsigned i = 0; i < call.attr_count(); ++i) {
      chain[i] = call.attr_at(i);
    }
    return mutable_pool().alloc_prefer(chain.data(), call.attr_count(), call.size_bytes, call.align_bytes);
  }
  void* realloc_null(const Call& call) {  // realloc(NULL, n) allocates
    return mutable_pool().aligned_realloc(call.attr, nullptr, call.align_bytes, call.size_bytes);
  }

  void count_failure(const Call& call) {
    ++failures_;
    ++failures_by_attr_[call.attr];
  }

  // A block the pool handed out for `call` must sit in a region that serves one
  // of the call's attributes.
  Outcome allocate(const Call& call, void* ptr) {
    Outcome outcome;
    outcome.asked_for_block = call.size_bytes > 0;
    if (ptr == nullptr) {
      outcome.failed = outcome.asked_for_block;
      if (outcome.failed) {
        count_failure(call);
      }
      return outcome;
    }
    RC_ASSERT(call.size_bytes > 0u);
    outcome.region = region_holding(ptr);
    RC_ASSERT(outcome.region >= 0);
    bool served = false;
    for (unsigned i = 0; i < call.attr_count(); ++i) {
      served = served || region_serves(machine_.pool, machine_.regions[outcome.region], call.attr_at(i),
                                       call.size_bytes);
    }
    RC_ASSERT(served);
    add_live(call, ptr, static_cast<unsigned>(outcome.region));
    return outcome;
  }

  Outcome reallocate(const Call& call, const LiveBlock old) {
    void* ptr = mutable_pool().aligned_realloc(call.attr, old.payload, call.align_bytes, call.size_bytes);
    Outcome outcome;
    if (call.size_bytes == 0) {  // realloc(p, 0) frees
      if (ptr != nullptr) {
        RC_FAIL("realloc(p, 0) returned a block instead of freeing");
      }
      live_.erase(call.handle);
      return outcome;
    }
    outcome.asked_for_block = true;
    if (ptr == nullptr) {  // the old block stays as it was (its region is re-checked)
      outcome.failed = true;
      count_failure(call);
      return outcome;
    }
    outcome.region = region_holding(ptr);
    RC_ASSERT(outcome.region >= 0);
    outcome.in_place = ptr == old.payload;
    const sim::RegionSpec& region = machine_.regions[outcome.region];
    // In place needs only a matching region (a reserved one keeps its blocks);
    // a move goes through the policy.
    const bool allowed = outcome.in_place ? region_matches(machine_.pool.mode, region.attr, call.attr)
                                          : region_serves(machine_.pool, region, call.attr, call.size_bytes);
    RC_ASSERT(allowed);
    const std::uint64_t kept_bytes = std::min<std::uint64_t>(old.usable_bytes, call.size_bytes);
    RC_ASSERT(!sim::find_fill_mismatch(static_cast<unsigned char*>(ptr), kept_bytes, old.fill_key).has_value());
    live_.erase(call.handle);
    add_live(call, ptr, static_cast<unsigned>(outcome.region));
    return outcome;
  }

  void add_live(const Call& call, void* ptr, unsigned region) {
    LiveBlock block;
    block.payload = static_cast<unsigned char*>(ptr);
    block.region = region;
    block.requested_bytes = call.size_bytes;
    block.usable_bytes = pool().usable_size(ptr);
    block.align_bytes = call.align_bytes;
    block.fill_key = sim::fill_key(0, call.handle, generation_++);
    sim::write_fill(block.payload, block.usable_bytes, block.fill_key);
    live_[call.handle] = block;
  }

  // Every live block: owner(), alignment, usable size, containment.
  void check_live_blocks() const {
    for (const auto& [handle, block] : live_) {
      const Owner owner = pool().owner(block.payload);
      RC_ASSERT(owner.found);
      RC_ASSERT(owner.region == block.region);
      RC_ASSERT(region_holding(block.payload) == static_cast<int>(block.region));
      const std::uint64_t align = std::max<std::uint64_t>(block.align_bytes, Heap::default_align_bytes);
      RC_ASSERT(test::address_of(block.payload) % align == 0u);
      RC_ASSERT(block.requested_bytes <= block.usable_bytes);
      RC_ASSERT(block.usable_bytes <= test::round_up8(block.requested_bytes) + Heap::granule_bytes);
      RC_ASSERT(pool().usable_size(block.payload) == block.usable_bytes);
      const std::uint64_t payload_offset = block.payload - pool_.map.cpu_view(block.region);
      const std::uint64_t area = test::block_area_bytes(machine_.regions[block.region].size_bytes);
      RC_ASSERT(payload_offset >= Heap::header_bytes);
      RC_ASSERT(payload_offset + block.usable_bytes <= area);
    }
  }

  // One region's live blocks: no overlap (headers included), contents intact,
  // and the region's counters equal to the model's.
  void check_region(unsigned region) const {
    std::vector<const LiveBlock*> blocks;
    std::uint64_t requested = 0;
    std::uint64_t usable = 0;
    for (const auto& [handle, block] : live_) {
      if (block.region == region) {
        blocks.push_back(&block);
        requested += block.requested_bytes;
        usable += block.usable_bytes;
      }
    }
    std::sort(blocks.begin(), blocks.end(),
              [](const LiveBlock* a, const LiveBlock* b) { return a->payload < b->payload; });
    const unsigned char* previous_end = nullptr;
    for (const LiveBlock* block : blocks) {
      RC_ASSERT(previous_end == nullptr || block->payload >= previous_end + Heap::header_bytes);
      if (const auto bad = sim::find_fill_mismatch(block->payload, block->usable_bytes, block->fill_key)) {
        RC_FAIL("a block in region " + std::to_string(region) + " lost its contents at byte " +
                std::to_string(*bad));
      }
      previous_end = block->payload + block->usable_bytes;
    }
    const HeapStats stats = pool().region_stats(region);
    RC_ASSERT(stats.allocated_block_count == blocks.size());
    RC_ASSERT(stats.allocated_requested_bytes == requested);
    RC_ASSERT(stats.allocated_usable_bytes == usable);
  }

  sim::MachineConfig machine_;
  PoolOverMap pool_;
  std::map<sim::Handle, LiveBlock> live_;  // handles holding null are absent
  std::uint64_t failures_ = 0;
  std::map<std::uint32_t, std::uint64_t> failures_by_attr_;
  std::uint32_t generation_ = 0;
  std::vector<sim::Op> ops_;
};

}  // namespace smh::props
