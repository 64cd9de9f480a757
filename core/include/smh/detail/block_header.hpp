// The 8-byte block header, one 64-bit word at the start of every block:
//
//   bits  0..28  size of this block in granules (header included)
//   bit      29  used
//   bits 30..33  slack: usable bytes minus requested bytes (0..15) of a used block
//   bits 34..62  size of the left neighbour in granules (0 for the first block)
//   bit      63  reserved, always 0
//
// Keeping the left neighbour's size in every header (not only in free blocks'
// footers) lets free() check both neighbours before trusting a pointer, and lets
// validate() detect a flipped bit in any field. Slack fits in 4 bits because a
// block is never more than one granule larger than its request rounded up (a tail
// smaller than a minimal block is kept), so slack <= 15.
#pragma once

#include <cstdint>

#include "smh/detail/size_class.hpp"

namespace smh::detail {

inline constexpr std::uint64_t size_mask = max_block_granules;
inline constexpr unsigned used_shift = 29;
inline constexpr unsigned slack_shift = 30;
inline constexpr std::uint64_t slack_mask = 0xF;
inline constexpr unsigned prev_shift = 34;
inline constexpr std::uint64_t reserved_bit = std::uint64_t{1} << 63;
inline constexpr std::uint32_t max_slack_bytes = 15;

constexpr std::uint64_t make_header(std::uint32_t size_granules, bool used, std::uint32_t slack_bytes,
                                    std::uint32_t prev_size_granules) {
  return (std::uint64_t{size_granules} & size_mask) | (std::uint64_t{used} << used_shift) |
         ((std::uint64_t{slack_bytes} & slack_mask) << slack_shift) |
         ((std::uint64_t{prev_size_granules} & size_mask) << prev_shift);
}

constexpr std::uint32_t header_size(std::uint64_t header) {
  return static_cast<std::uint32_t>(header & size_mask);
}
constexpr bool header_used(std::uint64_t header) { return ((header >> used_shift) & 1u) != 0; }
constexpr std::uint32_t header_slack(std::uint64_t header) {
  return static_cast<std::uint32_t>((header >> slack_shift) & slack_mask);
}
constexpr std::uint32_t header_prev_size(std::uint64_t header) {
  return static_cast<std::uint32_t>((header >> prev_shift) & size_mask);
}
constexpr bool header_reserved_set(std::uint64_t header) { return (header & reserved_bit) != 0; }

constexpr std::uint64_t with_prev_size(std::uint64_t header, std::uint32_t prev_size_granules) {
  return (header & ~(size_mask << prev_shift)) |
         ((std::uint64_t{prev_size_granules} & size_mask) << prev_shift);
}

static_assert(header_size(make_header(max_block_granules, true, 15, 7)) == max_block_granules);
static_assert(header_prev_size(make_header(2, false, 0, max_block_granules)) == max_block_granules);
static_assert(!header_reserved_set(make_header(max_block_granules, true, 15, max_block_granules)));

}  // namespace smh::detail
