// The 8-byte block header, one 64-bit word at the start of every block:
//
//   bits  0..28  size of this block in granules (header included)
//   bit      29  used
//   bits 30..33  slack: usable bytes minus requested bytes (0..15) of a used block
//   bits 34..62  size of the left neighbour in granules (0 for the first block)
//   bit      63  left neighbour is free
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

inline constexpr std::uint64_t size_mask = max_block_granules;
inline constexpr unsigned used_shift = 29;
inline constexpr unsigned slack_shift = 30;
inline constexpr std::uint64_t slack_mask = 0xF;
inline constexpr unsigned prev_shift = 34;
inline constexpr unsigned left_free_shift = 63;
inline constexpr std::uint32_t max_slack_bytes = 15;

constexpr std::uint64_t make_header(std::uint32_t size_granules, bool used, std::uint32_t slack_bytes,
                                    std::uint32_t prev_size_granules, bool left_free) {
  return (std::uint64_t{size_granules} & size_mask) | (std::uint64_t{used} << used_shift) |
         ((std::uint64_t{slack_bytes} & slack_mask) << slack_shift) |
         ((std::uint64_t{prev_size_granules} & size_mask) << prev_shift) |
         (std::uint64_t{left_free} << left_free_shift);
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
constexpr bool header_left_free(std::uint64_t header) { return (header >> left_free_shift) != 0; }

// A header's left neighbour description (prev size, then the left-free bit
// above it) as one value, and the value that describes a given neighbour: one
// comparison checks both fields (free()'s boundary-tag checks).
constexpr std::uint64_t header_left_fields(std::uint64_t header) { return header >> prev_shift; }
constexpr std::uint64_t left_fields(std::uint32_t prev_size_granules, bool left_free) {
  return (std::uint64_t{prev_size_granules} & size_mask) |
         (std::uint64_t{left_free} << (left_free_shift - prev_shift));
}
static_assert(left_free_shift - prev_shift == 29 && size_mask == (std::uint64_t{1} << 29) - 1,
              "the left fields are prev_size's 29 bits with the left-free bit right above them");

// The same header with a new description of the left neighbour.
constexpr std::uint64_t with_left(std::uint64_t header, std::uint32_t prev_size_granules,
                                  bool left_free) {
  constexpr std::uint64_t left_fields = (size_mask << prev_shift) | (std::uint64_t{1} << left_free_shift);
  return (header & ~left_fields) | ((std::uint64_t{prev_size_granules} & size_mask) << prev_shift) |
         (std::uint64_t{left_free} << left_free_shift);
}

static_assert(header_size(make_header(max_block_granules, true, 15, 7, true)) == max_block_granules);
static_assert(header_prev_size(make_header(2, false, 0, max_block_granules, true)) ==
              max_block_granules);
static_assert(header_left_free(make_header(2, false, 0, 0, true)) &&
              !header_left_free(make_header(max_block_granules, true, 15, max_block_granules, false)));
static_assert(with_left(make_header(5, true, 3, 9, true), 4, false) == make_header(5, true, 3, 4, false));
static_assert(header_left_fields(make_header(5, true, 3, 9, true)) == left_fields(9, true) &&
              header_left_fields(make_header(max_block_granules, true, 15, max_block_granules, false)) ==
                  left_fields(max_block_granules, false));

}  // namespace smh::detail
