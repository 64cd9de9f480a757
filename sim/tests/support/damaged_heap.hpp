// A heap damaged the way a stray write damages one: a free block's header claims
// more granules than the block has, running past its region's end, while its
// size stays in the block's size class, so the allocator finds the block where
// it looks and believes it. With SMH_ASSERTS the allocator then stops on an
// assertion; without, it hands the block out.
//
// The region is 8320 bytes: 1040 granules, of which the block-start bitmap takes
// 16, so a fresh heap is one free block of 1024 granules at offset 0, the first
// size of a class 32 granules wide.
#pragma once

#include <cstdint>
#include <cstring>

#include "smh/detail/block_header.hpp"
#include "smh/detail/size_class.hpp"
#include "smh/heap.hpp"

namespace smh::sim::testing {

inline constexpr std::uint64_t damaged_region_bytes = 8320;
inline constexpr std::uint32_t fresh_free_block_granules = 1024;
inline constexpr std::uint32_t overstated_by_granules = 24;
static_assert(smh::detail::class_of(fresh_free_block_granules) ==
              smh::detail::class_of(fresh_free_block_granules + overstated_by_granules));
static_assert((fresh_free_block_granules + overstated_by_granules) * Heap::granule_bytes > damaged_region_bytes);

// The request that takes the whole overstated block (header included), without
// a split: 8376 bytes.
inline constexpr std::uint64_t overstated_request_bytes =
    (fresh_free_block_granules + overstated_by_granules - 1) * Heap::granule_bytes;

// Overstates the fresh free block whose header is at `header` (the region's
// first byte in its CPU view). False if that is not the fresh free block.
inline bool overstate_fresh_free_block(unsigned char* header) {
  std::uint32_t self = 0;  // the header's first word (detail/block_header.hpp)
  std::memcpy(&self, header + smh::detail::self_word_offset, sizeof self);
  if (smh::detail::self_used(self) || smh::detail::self_size(self) != fresh_free_block_granules) {
    return false;
  }
  self += overstated_by_granules;  // the size is the self word's low bits
  std::memcpy(header + smh::detail::self_word_offset, &self, sizeof self);
  return true;
}

}  // namespace smh::sim::testing
