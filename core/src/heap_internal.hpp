// Inline definitions of Heap's memory accessors, shared by heap.cpp (the hot
// paths) and heap_inspect.cpp (validate, walk, stats). Private to core/src.
//
// The region is untyped storage owned by the caller, so every header and link is
// read and written through memcpy: no aliasing assumptions, no alignment traps on
// Cortex-M, and the compiler still emits single loads and stores.
#pragma once

#include <bit>
#include <cstdint>

#include "smh/assert.hpp"
#include "smh/detail/block_header.hpp"
#include "smh/heap.hpp"

namespace smh {

inline constexpr std::uint32_t min_block_granules = Heap::min_block_bytes / Heap::granule_bytes;
static_assert(min_block_granules == 2);
static_assert(Heap::header_bytes == Heap::granule_bytes, "a header is exactly one granule");

inline std::uint64_t Heap::load_header(Granule block) const {
  SMH_ASSERT(block < end_g_);
  std::uint64_t header;
  __builtin_memcpy(&header, base_ + std::size_t{block} * granule_bytes, sizeof header);
  return header;
}

inline void Heap::store_header(Granule block, std::uint64_t header) {
  SMH_ASSERT(block < end_g_);
  __builtin_memcpy(base_ + std::size_t{block} * granule_bytes, &header, sizeof header);
}

inline Heap::Granule Heap::block_size(Granule block) const {
  return detail::header_size(load_header(block));
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

// Free-list links live in the first payload granule: next in the low 32 bits,
// prev in the high 32 bits.
inline Heap::Granule Heap::next_link(Granule block) const {
  SMH_ASSERT(block + 1 < end_g_);
  Granule next;
  __builtin_memcpy(&next, base_ + (std::size_t{block} + 1) * granule_bytes, sizeof next);
  return next;
}

inline Heap::Granule Heap::prev_link(Granule block) const {
  SMH_ASSERT(block + 1 < end_g_);
  Granule prev;
  __builtin_memcpy(&prev, base_ + (std::size_t{block} + 1) * granule_bytes + 4, sizeof prev);
  return prev;
}

inline void Heap::store_links(Granule block, Granule next, Granule prev) {
  SMH_ASSERT(block + 1 < end_g_);
  unsigned char* at = base_ + (std::size_t{block} + 1) * granule_bytes;
  __builtin_memcpy(at, &next, sizeof next);
  __builtin_memcpy(at + 4, &prev, sizeof prev);
}

inline void Heap::set_next_link(Granule block, Granule next) {
  SMH_ASSERT(block + 1 < end_g_);
  __builtin_memcpy(base_ + (std::size_t{block} + 1) * granule_bytes, &next, sizeof next);
}

inline void Heap::set_prev_link(Granule block, Granule prev) {
  SMH_ASSERT(block + 1 < end_g_);
  __builtin_memcpy(base_ + (std::size_t{block} + 1) * granule_bytes + 4, &prev, sizeof prev);
}

// The block-start bitmap follows the blocks: one bit per block granule.
inline bool Heap::is_block_start(Granule granule) const {
  SMH_ASSERT(granule < end_g_);
  std::uint64_t word;
  __builtin_memcpy(&word, start_bits_ + std::size_t{granule / 64} * granule_bytes, sizeof word);
  return ((word >> (granule % 64)) & 1u) != 0;
}

inline void Heap::mark_block_start(Granule granule) {
  SMH_ASSERT(granule < end_g_);
  unsigned char* at = start_bits_ + std::size_t{granule / 64} * granule_bytes;
  std::uint64_t word;
  __builtin_memcpy(&word, at, sizeof word);
  word |= std::uint64_t{1} << (granule % 64);
  __builtin_memcpy(at, &word, sizeof word);
}

inline void Heap::clear_block_start(Granule granule) {
  SMH_ASSERT(granule < end_g_);
  unsigned char* at = start_bits_ + std::size_t{granule / 64} * granule_bytes;
  std::uint64_t word;
  __builtin_memcpy(&word, at, sizeof word);
  word &= ~(std::uint64_t{1} << (granule % 64));
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

// Highest non-empty size class, or class_count when every list is empty.
inline unsigned Heap::last_nonempty_class() const {
  if (class_summary_ == 0) {
    return detail::class_count;
  }
  const unsigned word = 31u - static_cast<unsigned>(std::countl_zero(class_summary_));
  SMH_ASSERT(class_words_[word] != 0);
  return word * 64u + 63u - static_cast<unsigned>(std::countl_zero(class_words_[word]));
}

}  // namespace smh
