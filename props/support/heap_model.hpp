// Suite 1's system under test: one smh::Heap driven call by call, next to a
// simple model of what must be true of it — the live blocks (where, how large,
// what they hold) and the accounting every HeapStats figure follows from.
//
// After every call: validate() passes; live blocks do not overlap (headers
// included), lie in the block area, are aligned, have requested <= usable <=
// round8(requested) + 8 and the usable size the heap reports; every live block
// still holds its fill pattern; and stats() equals the model's accounting. A
// validate call adds the walk-based cross-check of core/tests (HeapConsistent).
// finish() frees everything and requires one free block covering the block area.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../core/tests/support/heap_test_support.hpp"
#include "../core/tests/support/pool_test_support.hpp"
#include "smh/heap.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/fill_pattern.hpp"
#include "support/call_commands.hpp"
#include "support/heap_machine.hpp"
#include "support/rc_gtest_assert.hpp"

namespace smh::props {

class HeapUnderTest {
 public:
  explicit HeapUnderTest(const HeapMachine& machine)
      : machine_(machine),
        buffer_(machine.region_bytes, host_alignment_bytes(machine), machine.base_offset_bytes),
        block_area_bytes_(test::block_area_bytes(machine.region_bytes)) {
    RC_ASSERT(heap_.init(buffer_.data(), machine.region_bytes) == Status::ok);
    expected_.min_free_bytes = block_area_bytes_;
    check_after_call();
  }

  void apply(const Call& call) {
    if (const auto op = to_op(call)) {
      ops_.push_back(*op);
    }
    switch (call.kind) {
      case CallKind::alloc:
        alloc_call(call);
        break;
      case CallKind::realloc:
        realloc_call(call);
        break;
      case CallKind::free:
        free_call(call.handle);
        break;
      case CallKind::usable_size:
        query_usable_size(call.handle);
        break;
      case CallKind::validate:
        rc_assert(test::HeapConsistent(heap_));
        break;
    }
    check_after_call();
  }

  // Frees every live block; the heap must then be one free block again.
  void finish() {
    while (!live_.empty()) {
      const sim::Handle handle = live_.begin()->first;
      apply(Call{CallKind::free, handle, 0, 0, 0});
    }
    rc_assert(test::HeapConsistent(heap_));
    const HeapStats stats = heap_.stats();
    RC_ASSERT(stats.free_block_count == 1u);
    RC_ASSERT(stats.free_bytes == block_area_bytes_);
    RC_ASSERT(stats.largest_free_block_bytes == block_area_bytes_);
    RC_ASSERT(stats.allocated_block_count == 0u);
  }

  // What a sequence exercised, for RapidCheck's distribution report (RC_TAG):
  // evidence that the checks ran against failures, moves and in-place resizes.
  struct Coverage {
    unsigned failed_allocs = 0;
    unsigned moved_reallocs = 0;
    unsigned in_place_reallocs = 0;
    unsigned max_live_blocks = 0;
  };
  [[nodiscard]] const Coverage& coverage() const { return coverage_; }

  [[nodiscard]] sim::MachineConfig machine_config() const { return single_region_machine(machine_); }
  [[nodiscard]] const std::vector<sim::Op>& ops() const { return ops_; }

 private:
  struct LiveBlock {
    unsigned char* payload = nullptr;
    std::size_t requested_bytes = 0;
    std::size_t usable_bytes = 0;
    std::size_t align_bytes = 0;
    std::uint64_t fill_key = 0;
  };

  // The model's accounting: everything HeapStats reports except the two figures
  // only a walk knows (largest free block, free block count; checked by
  // HeapConsistent on validate calls and at the end).
  struct Accounting {
    std::size_t blocks = 0;
    std::size_t requested_bytes = 0;
    std::size_t usable_bytes = 0;
    std::size_t peak_requested_bytes = 0;
    std::size_t min_free_bytes = 0;
    std::size_t high_water_bytes = 0;
    std::uint64_t allocs = 0;
    std::uint64_t frees = 0;
    std::uint64_t failed = 0;
  };

  [[nodiscard]] std::size_t free_bytes(std::size_t blocks, std::size_t usable_bytes) const {
    return block_area_bytes_ - usable_bytes - blocks * Heap::header_bytes;
  }

  // Live bytes grew (an alloc, an in-place growth, or a move's moment with both
  // blocks live): the watermarks follow.
  void note_growth(std::size_t blocks, std::size_t requested_bytes, std::size_t usable_bytes,
                   std::size_t block_end_bytes) {
    expected_.peak_requested_bytes = std::max(expected_.peak_requested_bytes, requested_bytes);
    expected_.min_free_bytes = std::min(expected_.min_free_bytes, free_bytes(blocks, usable_bytes));
    expected_.high_water_bytes = std::max(expected_.high_water_bytes, block_end_bytes);
  }

  [[nodiscard]] std::size_t offset_of(const void* ptr) const { return test::offset_in(heap_, ptr); }

  LiveBlock new_block(sim::Handle handle, void* ptr, const Call& call) {
    LiveBlock block;
    block.payload = static_cast<unsigned char*>(ptr);
    block.requested_bytes = call.size_bytes;
    block.usable_bytes = heap_.usable_size(ptr);
    block.align_bytes = call.align_bytes;
    block.fill_key = sim::fill_key(0, handle, generation_++);
    sim::write_fill(block.payload, block.usable_bytes, block.fill_key);
    return block;
  }

  void alloc_call(const Call& call) {
    void* ptr = call.align_bytes == 0 ? heap_.alloc(call.size_bytes)
                                      : heap_.aligned_alloc(call.align_bytes, call.size_bytes);
    if (ptr == nullptr) {
      expected_.failed += call.size_bytes == 0 ? 0 : 1;  // size 0 is not a request
      coverage_.failed_allocs += call.size_bytes == 0 ? 0 : 1;
      return;
    }
    RC_ASSERT(call.size_bytes != 0u);
    add_live(call.handle, new_block(call.handle, ptr, call));
  }

  void add_live(sim::Handle handle, const LiveBlock& block) {
    live_[handle] = block;
    coverage_.max_live_blocks = std::max<unsigned>(coverage_.max_live_blocks, static_cast<unsigned>(live_.size()));
    ++expected_.allocs;
    ++expected_.blocks;
    expected_.requested_bytes += block.requested_bytes;
    expected_.usable_bytes += block.usable_bytes;
    note_growth(expected_.blocks, expected_.requested_bytes, expected_.usable_bytes,
                offset_of(block.payload) + block.usable_bytes);
  }

  void remove_live(sim::Handle handle) {
    const LiveBlock& block = live_.at(handle);
    ++expected_.frees;
    --expected_.blocks;
    expected_.requested_bytes -= block.requested_bytes;
    expected_.usable_bytes -= block.usable_bytes;
    live_.erase(handle);
  }

  void free_call(sim::Handle handle) {
    const auto found = live_.find(handle);
    if (found == live_.end()) {  // the handle holds null: free(NULL) does nothing
      RC_ASSERT(heap_.free(nullptr) == Status::ok);
      return;
    }
    RC_ASSERT(heap_.free(found->second.payload) == Status::ok);
    remove_live(handle);
  }

  void realloc_call(const Call& call) {
    const auto found = live_.find(call.handle);
    if (found == live_.end()) {  // realloc(NULL, n) allocates
      void* ptr = heap_.aligned_realloc(nullptr, call.align_bytes, call.size_bytes);
      if (ptr == nullptr) {
        expected_.failed += call.size_bytes == 0 ? 0 : 1;
        return;
      }
      add_live(call.handle, new_block(call.handle, ptr, call));
      return;
    }
    const LiveBlock old = found->second;
    void* ptr = heap_.aligned_realloc(old.payload, call.align_bytes, call.size_bytes);
    if (call.size_bytes == 0) {  // realloc(p, 0) frees
      if (ptr != nullptr) {
        RC_FAIL("realloc(p, 0) returned a block instead of freeing");
      }
      remove_live(call.handle);
      return;
    }
    if (ptr == nullptr) {  // the old block is untouched (the sweep checks its bytes)
      ++expected_.failed;
      RC_ASSERT(heap_.usable_size(old.payload) == old.usable_bytes);
      return;
    }
    const bool moved = ptr != old.payload;
    const std::size_t new_usable = heap_.usable_size(ptr);
    // What survives: in place, the bytes both sizes cover; moved, the copied
    // min(old usable, new request) bytes.
    const std::size_t kept_bytes =
        moved ? std::min(old.usable_bytes, std::size_t{call.size_bytes}) : std::min(old.usable_bytes, new_usable);
    const auto mismatch = sim::find_fill_mismatch(static_cast<unsigned char*>(ptr), kept_bytes, old.fill_key);
    RC_ASSERT(!mismatch.has_value());
    ++(moved ? coverage_.moved_reallocs : coverage_.in_place_reallocs);
    if (moved) {
      // Both blocks are live for a moment: the watermarks see them together.
      note_growth(expected_.blocks + 1, expected_.requested_bytes + call.size_bytes,
                  expected_.usable_bytes + new_usable, offset_of(ptr) + new_usable);
      remove_live(call.handle);
      add_live(call.handle, new_block(call.handle, ptr, call));
      return;
    }
    expected_.requested_bytes = expected_.requested_bytes - old.requested_bytes + call.size_bytes;
    expected_.usable_bytes = expected_.usable_bytes - old.usable_bytes + new_usable;
    live_[call.handle] = new_block(call.handle, ptr, call);
    note_growth(expected_.blocks, expected_.requested_bytes, expected_.usable_bytes, offset_of(ptr) + new_usable);
  }

  void query_usable_size(sim::Handle handle) {
    const auto found = live_.find(handle);
    if (found == live_.end()) {
      RC_ASSERT(heap_.usable_size(nullptr) == 0u);
      return;
    }
    const LiveBlock& block = found->second;
    RC_ASSERT(heap_.usable_size(block.payload) == block.usable_bytes);
    // Its own header, and an interior pointer, are no block's payload.
    RC_ASSERT(heap_.usable_size(block.payload - Heap::header_bytes) == 0u);
    if (block.usable_bytes >= 2 * Heap::granule_bytes) {
      RC_ASSERT(heap_.usable_size(block.payload + Heap::granule_bytes) == 0u);
    }
  }

  void check_after_call() {
    const ValidationReport report = heap_.validate();
    if (!report.ok()) {
      RC_FAIL(std::string("validate(): ") + to_string(report.check) + " at offset " +
              std::to_string(report.offset_bytes) + "; layout " + test::describe_layout(heap_));
    }
    check_blocks();
    check_stats();
  }

  // Containment, non-overlap (headers included), alignment, usable size, contents.
  void check_blocks() const {
    std::vector<const LiveBlock*> by_address;
    by_address.reserve(live_.size());
    for (const auto& [handle, block] : live_) {
      by_address.push_back(&block);
    }
    std::sort(by_address.begin(), by_address.end(),
              [](const LiveBlock* a, const LiveBlock* b) { return a->payload < b->payload; });
    std::size_t previous_end = 0;
    for (const LiveBlock* block : by_address) {
      const std::size_t payload = offset_of(block->payload);
      RC_ASSERT(payload >= previous_end + Heap::header_bytes);
      RC_ASSERT(payload + block->usable_bytes <= heap_.block_area_bytes());
      const std::size_t align = std::max<std::size_t>(block->align_bytes, Heap::default_align_bytes);
      RC_ASSERT(test::address_of(block->payload) % align == 0u);
      RC_ASSERT(block->requested_bytes <= block->usable_bytes);
      RC_ASSERT(block->usable_bytes <= test::round_up8(block->requested_bytes) + Heap::granule_bytes);
      RC_ASSERT(heap_.usable_size(block->payload) == block->usable_bytes);
      const auto mismatch = sim::find_fill_mismatch(block->payload, block->usable_bytes, block->fill_key);
      if (mismatch) {
        RC_FAIL("block at offset " + std::to_string(payload) + " lost its contents at byte " +
                std::to_string(*mismatch));
      }
      previous_end = payload + block->usable_bytes;
    }
  }

  void check_stats() const {
    HeapStats want = heap_.stats();  // the two walk-only figures are taken as reported
    want.capacity_bytes = machine_.region_bytes;
    want.free_bytes = free_bytes(expected_.blocks, expected_.usable_bytes);
    want.allocated_requested_bytes = expected_.requested_bytes;
    want.allocated_usable_bytes = expected_.usable_bytes;
    want.overhead_bytes = machine_.region_bytes - block_area_bytes_ + expected_.blocks * Heap::header_bytes;
    want.peak_allocated_requested_bytes = expected_.peak_requested_bytes;
    want.min_free_bytes = expected_.min_free_bytes;
    want.high_water_bytes = expected_.high_water_bytes;
    want.allocated_block_count = expected_.blocks;
    want.alloc_count = expected_.allocs;
    want.free_count = expected_.frees;
    want.failed_alloc_count = expected_.failed;
    const std::string diff = test::stats_diff(heap_.stats(), want);
    if (!diff.empty()) {
      RC_FAIL("stats (heap != model): " + diff);
    }
  }

  HeapMachine machine_;
  test::AlignedBuffer buffer_;
  Heap heap_;
  std::size_t block_area_bytes_;
  std::map<sim::Handle, LiveBlock> live_;  // handles holding null are absent
  Accounting expected_;
  Coverage coverage_;
  std::uint32_t generation_ = 0;
  std::vector<sim::Op> ops_;
};

}  // namespace smh::props
