// The importers' live blocks by key (an address, or a CSV handle): an
// open-addressing table with linear probing and backward-shift deletion (no
// tombstones, so a long trace of allocs and frees never degrades it), doubled
// when half full. Memory follows the blocks live at once, never the trace's
// length. Private to sim/src.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "smh/assert.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim::detail {

struct TrackedBlock {
  std::uint64_t key = 0;
  std::uint64_t size_bytes = 0;
  Handle handle = 0;  // 0: an empty slot (handles start at 1)
  std::uint32_t attr = 0;
};

class BlockTable {
 public:
  BlockTable() : slots_(initial_slots) {}

  [[nodiscard]] std::uint64_t size() const { return count_; }

  // The live block with this key, or null.
  [[nodiscard]] const TrackedBlock* find(std::uint64_t key) const {
    std::size_t slot = home(key);
    while (slots_[slot].handle != 0) {
      if (slots_[slot].key == key) {
        return &slots_[slot];
      }
      slot = (slot + 1) & mask();
    }
    return nullptr;
  }
  [[nodiscard]] TrackedBlock* find(std::uint64_t key) {
    return const_cast<TrackedBlock*>(std::as_const(*this).find(key));
  }
  [[nodiscard]] bool contains(std::uint64_t key) const { return find(key) != nullptr; }

  // Asks the cache for the slot where the search for `key` starts (the ledger
  // does so when it queues an event, and uses the slot a few events later).
  void prefetch(std::uint64_t key) const { __builtin_prefetch(slots_.data() + home(key)); }

  // Adds a block whose key is not in the table.
  void insert(const TrackedBlock& block) {
    SMH_ASSERT(block.handle != 0);
    if ((count_ + 1) * 2 > slots_.size()) {
      grow();
    }
    std::size_t slot = home(block.key);
    while (slots_[slot].handle != 0) {
      SMH_ASSERT(slots_[slot].key != block.key);
      slot = (slot + 1) & mask();
    }
    slots_[slot] = block;
    ++count_;
  }

  // Removes the block `found` points at (from find()).
  void erase(TrackedBlock* found) {
    SMH_ASSERT(found >= slots_.data() && found < slots_.data() + slots_.size() && found->handle != 0);
    auto hole = static_cast<std::size_t>(found - slots_.data());
    // Backward shift: move later entries of the probe run into the hole when
    // their home slot does not lie cyclically in (hole, current].
    std::size_t current = hole;
    while (true) {
      current = (current + 1) & mask();
      if (slots_[current].handle == 0) {
        break;
      }
      const std::size_t wanted = home(slots_[current].key);
      const bool stays = hole <= current ? (hole < wanted && wanted <= current) : (hole < wanted || wanted <= current);
      if (!stays) {
        slots_[hole] = slots_[current];
        hole = current;
      }
    }
    slots_[hole] = TrackedBlock{};
    --count_;
  }

 private:
  static constexpr std::size_t initial_slots = 1024;

  // Kept, not computed from slots_.size(): GCC drops a prefetch whose address
  // needs that division by sizeof(TrackedBlock).
  [[nodiscard]] std::size_t mask() const { return mask_; }
  // Fibonacci hashing: addresses are multiples of 8 or 16, so the low bits
  // alone would crowd; the multiply spreads them over the high bits.
  [[nodiscard]] std::size_t home(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - shift_));
  }

  void grow() {
    std::vector<TrackedBlock> old(slots_.size() * 2);
    old.swap(slots_);
    ++shift_;
    mask_ = slots_.size() - 1;
    count_ = 0;
    for (const TrackedBlock& block : old) {
      if (block.handle != 0) {
        insert(block);
      }
    }
  }

  std::vector<TrackedBlock> slots_;
  unsigned shift_ = 10;  // log2(slots_.size())
  std::size_t mask_ = initial_slots - 1;
  std::uint64_t count_ = 0;
};

}  // namespace smh::sim::detail
