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

// Header words (detail/block_header.hpp). Each load counts as one header read,
// whether it reads one word or both. Both words are two 32-bit loads into
// scalars (not one memcpy into the struct, which GCC keeps in a stack slot on
// Cortex-M).
inline detail::BlockHeader Heap::peek_header(Granule block) const {
  SMH_ASSERT(block < end_g_);
  const unsigned char* at = base_ + std::size_t{block} * granule_bytes;
  std::uint32_t self;
  std::uint32_t left;
  __builtin_memcpy(&self, at + detail::self_word_offset, sizeof self);
  __builtin_memcpy(&left, at + detail::left_word_offset, sizeof left);
  return detail::BlockHeader{self, left};
}

inline detail::BlockHeader Heap::load_header(Granule block) const {
  count_read();
  return peek_header(block);
}

// One word of the header: the same 32-bit access as a free node's fields.
inline std::uint32_t Heap::load_self(Granule block) const { return load_field(block, detail::self_word_offset); }
inline std::uint32_t Heap::load_left(Granule block) const { return load_field(block, detail::left_word_offset); }
inline void Heap::store_self(Granule block, std::uint32_t self) { store_field(block, detail::self_word_offset, self); }
inline void Heap::store_left(Granule block, std::uint32_t left) { store_field(block, detail::left_word_offset, left); }

inline void Heap::store_header(Granule block, detail::BlockHeader header) {
  store_self(block, header.self);
  store_left(block, header.left);
}

// Out of line on -Os: called from the index's every size comparison, a call
// takes fewer bytes than the load and the mask.
#if defined(__OPTIMIZE_SIZE__)
[[gnu::noinline]]
#endif
inline Heap::Granule Heap::size_of(Granule block) const { return detail::self_size(load_self(block)); }

// A 32-bit field of a free block's node (detail/free_node.hpp) or of a header.
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
// `block`'s new size and state: a blind store of its left word.
inline void Heap::set_left_of_next(Granule block, Granule size, bool free) {
  const Granule next = block + size;
  SMH_ASSERT(next <= end_g_);
  if (next < end_g_) {
    store_left(next, detail::make_left_word(size, free));
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
