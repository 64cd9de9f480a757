// Inline definitions of Heap's memory accessors, shared by heap.cpp (the hot
// paths), heap_index.cpp (the free index) and heap_inspect.cpp (validate, walk,
// stats). Private to core/src.
//
// The region is untyped storage owned by the caller, so every header and link is
// read and written through memcpy: no aliasing assumptions, no alignment traps on
// Cortex-M, and the compiler still emits single loads and stores.
#pragma once

#include <bit>
#include <cstdint>

#include "hot.hpp"
#include "smh/assert.hpp"
#include "smh/detail/block_header.hpp"
#include "smh/detail/free_node.hpp"
#include "smh/heap.hpp"

// SMH_PLANTED_DEFECT=1 builds the core with one deliberate bug: free() merging a
// block with its free right neighbour counts one granule too few (an off-by-one
// in coalescing, heap_hot.hpp). Only the test library smh_core_planted sets it
// (privately), for the test that `smh swarm` finds and shrinks a real allocator
// defect (cli/tests/swarm_planted_test.cpp); a freestanding build refuses it.
#ifndef SMH_PLANTED_DEFECT
#define SMH_PLANTED_DEFECT 0
#endif
#if SMH_PLANTED_DEFECT && !defined(__linux__)
#error "SMH_PLANTED_DEFECT is a host test build's switch: never build a shipped core with it"
#endif

namespace smh {

inline constexpr std::uint32_t min_block_granules = Heap::min_block_bytes / Heap::granule_bytes;
static_assert(min_block_granules == 2);
static_assert(Heap::header_bytes == Heap::granule_bytes, "a header is exactly one granule");

inline std::uint64_t Heap::load_header(Granule block) const {
  SMH_ASSERT(block < end_g_);
  count_read();
  std::uint64_t header;
  __builtin_memcpy(&header, base_ + std::size_t{block} * granule_bytes, sizeof header);
  return header;
}

inline void Heap::store_header(Granule block, std::uint64_t header) {
  SMH_ASSERT(block < end_g_);
  __builtin_memcpy(base_ + std::size_t{block} * granule_bytes, &header, sizeof header);
}

inline Heap::Granule Heap::size_of(Granule block) const { return detail::header_size(load_header(block)); }

// A 32-bit field of a free block's node (detail/free_node.hpp).
inline std::uint32_t Heap::load_field(Granule block, unsigned byte_offset) const {
  SMH_ASSERT(std::size_t{block} * granule_bytes + byte_offset + 4 <= std::size_t{end_g_} * granule_bytes);
  count_read();
  std::uint32_t value;
  __builtin_memcpy(&value, base_ + std::size_t{block} * granule_bytes + byte_offset, sizeof value);
  return value;
}

inline void Heap::store_field(Granule block, unsigned byte_offset, std::uint32_t value) {
  SMH_ASSERT(std::size_t{block} * granule_bytes + byte_offset + 4 <= std::size_t{end_g_} * granule_bytes);
  __builtin_memcpy(base_ + std::size_t{block} * granule_bytes + byte_offset, &value, sizeof value);
}

// Keeps the boundary tag of the block that follows `block` (if any) in step with
// `block`'s new size and state.
inline void Heap::set_left_of_next(Granule block, Granule size, bool free) {
  const Granule next = block + size;
  SMH_ASSERT(next <= end_g_);
  if (next < end_g_) {
    store_header(next, detail::with_left(load_header(next), size, free));
  }
}

// The block-start bitmap follows the blocks: one bit per block granule.

inline bool Heap::is_block_start(Granule granule) const {
  SMH_ASSERT(granule < end_g_);
  count_read();
  std::uint32_t word;
  __builtin_memcpy(&word, start_bits_ + std::size_t{granule / 32} * 4, sizeof word);
  return ((word >> (granule % 32)) & 1u) != 0;
}

inline void Heap::mark_block_start(Granule granule) {
  SMH_ASSERT(granule < end_g_);
  unsigned char* at = start_bits_ + std::size_t{granule / 32} * 4;
  std::uint32_t word;
  __builtin_memcpy(&word, at, sizeof word);
  word |= std::uint32_t{1} << (granule % 32);
  __builtin_memcpy(at, &word, sizeof word);
}

inline void Heap::clear_block_start(Granule granule) {
  SMH_ASSERT(granule < end_g_);
  unsigned char* at = start_bits_ + std::size_t{granule / 32} * 4;
  std::uint32_t word;
  __builtin_memcpy(&word, at, sizeof word);
  word &= ~(std::uint32_t{1} << (granule % 32));
  __builtin_memcpy(at, &word, sizeof word);
}

inline void* Heap::payload_of(Granule block) const {
  return base_ + (std::size_t{block} + 1) * granule_bytes;
}

// Offset of any pointer from the base, computed on integers so that foreign
// pointers never take part in pointer arithmetic (which would be undefined).
inline std::size_t Heap::offset_of(const void* ptr) const {
  return static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(ptr) -
                                  reinterpret_cast<std::uintptr_t>(base_));
}

inline Heap::Granule Heap::child_of(Granule node, unsigned digit) const {
  SMH_ASSERT(digit < detail::trie_fanout);
  return load_field(node, detail::children_offset + 4 * digit);
}

// Highest non-empty size class, or class_count when every class is empty.
inline unsigned Heap::last_class() const {
  for (unsigned word = detail::class_word_count; word-- > 0;) {
    if (class_bits_[word] != 0) {
      return word * 32 + 31u - static_cast<unsigned>(std::countl_zero(class_bits_[word]));
    }
  }
  return detail::class_count;
}

}  // namespace smh
