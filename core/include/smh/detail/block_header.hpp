// The 8-byte block header: two 32-bit words at the start of every block, the
// same on 32- and 64-bit targets.
//
//   word 0 (byte offset 0), the block itself ("self word"):
//     bits  0..26  size of this block in granules (header included)
//     bit      27  used
//     bits 28..31  slack: usable bytes minus requested bytes (0..15) of a used block
//   word 1 (byte offset 4), the left neighbour ("left word"):
//     bits  0..26  size of the left neighbour in granules (0 for the first block)
//     bit      27  left neighbour is free
//     bits 28..31  zero (validate() and free()'s boundary-tag check refuse anything else)
//
// Two words, not one 64-bit word, so that each operation touches only the word it
// needs: a block's own size is one 32-bit load, and telling a block that its left
// neighbour changed (split, coalesce, carve's gap, resize) is a blind 32-bit store
// of its left word, with no load+mask+store (on Cortex-M, no register pairs).
// The price is the width: 27-bit sizes, blocks and regions below 2^27 granules
// (1 GiB at 8-byte granules; Heap::max_region_bytes).
//
// Keeping the left neighbour's size in every header (not only in free blocks'
// footers) lets validate() detect a flipped bit in any field, and lets free() check
// a free left neighbour before merging with it. The left-free bit spares free() a
// read of the left neighbour's header (often a cache miss) when it is in use. Slack fits in 4 bits because a
// block is never more than one granule larger than its request rounded up (a tail
// smaller than a minimal block is kept), so slack <= 15.
#pragma once

#include <cstdint>

#include "smh/detail/size_class.hpp"

namespace smh::detail {

// Both words of one block's header, in memory order.
struct BlockHeader {
  std::uint32_t self;  // word 0: size, used, slack
  std::uint32_t left;  // word 1: the left neighbour's size, left-free
};
inline constexpr unsigned self_word_offset = 0;  // bytes from the block's start
inline constexpr unsigned left_word_offset = 4;
static_assert(sizeof(BlockHeader) == 8 && alignof(BlockHeader) == 4, "two packed 32-bit words");

inline constexpr std::uint32_t size_mask = max_block_granules;
inline constexpr unsigned used_shift = block_size_bits;
inline constexpr unsigned slack_shift = block_size_bits + 1;
inline constexpr std::uint32_t slack_mask = 0xF;
inline constexpr unsigned left_free_shift = block_size_bits;
inline constexpr std::uint32_t max_slack_bytes = 15;
static_assert(slack_shift + 4 == 32, "the self word is exactly size, used and slack");
static_assert(left_free_shift + 1 <= 32, "the left word holds prev size and the left-free bit");

// ---- word 0: the block itself

constexpr std::uint32_t make_self_word(std::uint32_t size_granules, bool used, std::uint32_t slack_bytes) {
  return (size_granules & size_mask) | (std::uint32_t{used} << used_shift) |
         ((slack_bytes & slack_mask) << slack_shift);
}
constexpr std::uint32_t self_size(std::uint32_t self) { return self & size_mask; }
constexpr bool self_used(std::uint32_t self) { return ((self >> used_shift) & 1u) != 0; }
constexpr std::uint32_t self_slack(std::uint32_t self) { return self >> slack_shift; }

// ---- word 1: the left neighbour. One comparison of the whole word checks both
// fields and the zero bits above them (free()'s boundary-tag checks).

constexpr std::uint32_t make_left_word(std::uint32_t prev_size_granules, bool left_free) {
  return (prev_size_granules & size_mask) | (std::uint32_t{left_free} << left_free_shift);
}
constexpr std::uint32_t left_size(std::uint32_t left) { return left & size_mask; }
constexpr bool left_is_free(std::uint32_t left) { return ((left >> left_free_shift) & 1u) != 0; }

constexpr BlockHeader make_header(std::uint32_t size_granules, bool used, std::uint32_t slack_bytes,
                                  std::uint32_t prev_size_granules, bool left_free) {
  return BlockHeader{make_self_word(size_granules, used, slack_bytes), make_left_word(prev_size_granules, left_free)};
}

static_assert(self_size(make_self_word(max_block_granules, true, 15)) == max_block_granules);
static_assert(self_used(make_self_word(2, true, 0)) && !self_used(make_self_word(max_block_granules, false, 15)));
static_assert(self_slack(make_self_word(max_block_granules, true, 15)) == 15 &&
              self_slack(make_self_word(max_block_granules, true, 0)) == 0);
static_assert(make_self_word(max_block_granules, true, 15) == 0xFFFF'FFFFu, "every self bit is a field");
static_assert(left_size(make_left_word(max_block_granules, false)) == max_block_granules);
static_assert(left_is_free(make_left_word(0, true)) && !left_is_free(make_left_word(max_block_granules, false)));
static_assert(make_left_word(max_block_granules, true) == 0x0FFF'FFFFu, "the left word's top 4 bits stay 0");

}  // namespace smh::detail
