// What a free block keeps in its payload for the free index (byte offsets from
// the block's start; every field a 32-bit granule offset or mask):
//
//   0   header (8 bytes, detail/block_header.hpp)
//   8   next: the ring of free blocks of the same size
//  12   prev
//  16   node word: bit d (d < 16) set <=> trie child d present;
//       bit 16 set <=> this block is its size's anchor           (trie classes only)
//  20   child[16]: the subtries by the next 4 bits of the size   (trie classes only)
//
// The ring holds every free block of one size; one of them, the anchor, stands
// for the size in the index (a class head or a trie child slot), and its next is
// the most recently inserted block. Exact classes hold one size each, so their
// blocks need only the ring (16-byte blocks have room for nothing more); trie
// classes hold blocks of at least detail::exact_class_count >= 16 granules, which
// have room for the whole node.
#pragma once

#include <cstdint>

#include "smh/detail/size_class.hpp"

namespace smh::detail {

inline constexpr unsigned next_offset = 8;
inline constexpr unsigned prev_offset = 12;
inline constexpr unsigned mask_offset = 16;
inline constexpr unsigned children_offset = 20;
inline constexpr unsigned trie_node_bytes = children_offset + 4 * trie_fanout;
inline constexpr std::uint32_t children_mask = 0xFFFFu;
inline constexpr std::uint32_t anchor_flag = 1u << 16;

static_assert(trie_node_bytes <= exact_class_count * 8, "every trie-class block holds a whole node");

}  // namespace smh::detail
