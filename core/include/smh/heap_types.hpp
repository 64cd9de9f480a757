// Plain value types of the Heap API: statistics, validation reports, block visits
// and event hooks. Every position is an offset in bytes from the region base, so
// values are identical on 32- and 64-bit builds and never leak host pointers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "smh/status.hpp"

namespace smh {

// All byte figures refer to one region. The accounting identity
//   allocated_usable_bytes + free_bytes + overhead_bytes == capacity_bytes
// holds after every operation (validate() checks it).
struct HeapStats {
  std::size_t capacity_bytes = 0;             // the whole region given to init()
  std::size_t free_bytes = 0;                 // free blocks, their headers included
  std::size_t allocated_requested_bytes = 0;  // sum of live requests as asked for
  std::size_t allocated_usable_bytes = 0;     // sum of usable_size() of live blocks
  std::size_t overhead_bytes = 0;             // fixed metadata + headers of live blocks
  std::size_t peak_allocated_requested_bytes = 0;  // max of allocated_requested_bytes
  std::size_t min_free_bytes = 0;             // min of free_bytes since init
  std::size_t largest_free_block_bytes = 0;   // whole block; it can serve
                                              // largest - header_bytes bytes
  std::size_t high_water_bytes = 0;           // highest end of any live block ever,
                                              // from the region base (footprint)
  std::size_t free_block_count = 0;
  std::size_t allocated_block_count = 0;
  std::uint64_t alloc_count = 0;              // successful allocations (realloc moves too)
  std::uint64_t free_count = 0;               // successful frees
  std::uint64_t failed_alloc_count = 0;       // allocations that returned nullptr
                                              // (size 0 is not a request)
};

// How much of HeapStats to gather. `counters_only` reads nothing but the heap's
// own object (largest_free_block_bytes stays 0): what may still be asked of a
// heap whose region metadata is known to be corrupted, as the simulator does
// after an allocator assertion; `full` also looks up the largest free block,
// following the free index inside the region (bounded by the trie depth).
enum class StatsDepth : std::uint8_t { full, counters_only };

// What validate() found. `check` names the first failed check; `offset_bytes`
// is where (block start, or list head) relative to the region base.
enum class ValidationCheck : std::uint8_t {
  ok = 0,
  not_initialized,
  block_out_of_bounds,      // a block's size runs past the end of the region
  block_too_small,          // a block below the minimal size
  left_free_mismatch,       // the left-free bit disagrees with the left neighbour
  prev_size_mismatch,       // boundary tag disagrees with the left neighbour's size
  block_start_bit_missing,  // a block the walk reached is not marked as a start
  stray_block_start_bit,    // a start bit with no block behind it
  adjacent_free_blocks,     // two free neighbours: coalescing was missed
  slack_on_free_block,      // a free block carries a used block's slack field
  free_list_link_broken,    // next/prev links disagree or leave the region
  free_list_cycle,          // a list longer than the number of free blocks
  free_list_entry_not_free, // a listed block is marked used
  free_list_wrong_class,    // a listed block belongs to another size class
  class_bitmap_mismatch,    // bitmap bit set for an empty list or vice versa
  free_block_not_listed,    // free blocks in the walk vs in the lists disagree
  accounting_mismatch,      // counters disagree with what the walk measured
};

const char* to_string(ValidationCheck check);

struct ValidationReport {
  ValidationCheck check = ValidationCheck::ok;
  std::size_t offset_bytes = 0;
  [[nodiscard]] bool ok() const { return check == ValidationCheck::ok; }
};

// One block as seen by walk(): offset of the block (its header) and of its
// payload, its whole size, and whether it is allocated.
struct BlockInfo {
  std::size_t block_offset_bytes = 0;
  std::size_t payload_offset_bytes = 0;
  std::size_t block_size_bytes = 0;
  std::size_t usable_bytes = 0;     // block_size_bytes - header
  std::size_t requested_bytes = 0;  // 0 for free blocks
  bool used = false;
};

// Events. Offsets are payload offsets (what the caller's pointer minus the base is).
struct AllocEvent {
  std::size_t offset_bytes;
  std::size_t requested_bytes;
  std::size_t usable_bytes;
  std::size_t align_bytes;
};
struct FreeEvent {
  std::size_t offset_bytes;
  std::size_t requested_bytes;
  std::size_t usable_bytes;
};
struct ReallocEvent {
  std::size_t old_offset_bytes;
  std::size_t new_offset_bytes;
  std::size_t old_requested_bytes;
  std::size_t new_requested_bytes;
  std::size_t new_usable_bytes;
  std::size_t align_bytes;
  bool moved;
};
struct AllocFailedEvent {
  std::size_t requested_bytes;
  std::size_t align_bytes;
};
struct ErrorEvent {
  Status status;             // what went wrong
  std::size_t offset_bytes;  // pointer minus region base (wraps for pointers below it)
};

// Hooks cost one predictable branch each when unset. Callbacks run synchronously
// inside the heap operation and must not call back into the same heap.
struct HeapHooks {
  void* context = nullptr;
  void (*on_alloc)(void* context, const AllocEvent& event) = nullptr;
  void (*on_free)(void* context, const FreeEvent& event) = nullptr;
  void (*on_realloc)(void* context, const ReallocEvent& event) = nullptr;
  void (*on_alloc_failed)(void* context, const AllocFailedEvent& event) = nullptr;
  void (*on_error)(void* context, const ErrorEvent& event) = nullptr;
};

// realloc's full answer: the pointer (nullptr on failure or when freeing) and why.
struct ReallocResult {
  void* ptr;
  Status status;
};

}  // namespace smh
