// Size classes for the segregated free lists (sizes in granules of 8 bytes).
//
// A block of s granules belongs to class
//   shift = max(0, bit_width(s) - 6);   class = shift * 32 + (s >> shift)
// so classes are exact (one per granule count) below 64 granules (512 bytes), and
// above that each power of two is split into 32 classes, i.e. a class spans at
// most 1/32 (3.1 %) of its lower bound. The mapping is monotonic: a larger block
// never falls in a smaller class, which is what makes "every block in a class above
// class_of(need) fits" true.
#pragma once

#include <bit>
#include <cstdint>

namespace smh::detail {

inline constexpr unsigned sub_class_log2 = 5;
inline constexpr unsigned sub_class_count = 1u << sub_class_log2;
// Header size fields are 29 bits wide.
inline constexpr std::uint32_t block_size_bits = 29;
inline constexpr std::uint32_t max_block_granules = (1u << block_size_bits) - 1u;

constexpr unsigned class_of(std::uint32_t granules) {
  const unsigned width = static_cast<unsigned>(std::bit_width(granules));
  const unsigned shift = width > sub_class_log2 + 1 ? width - (sub_class_log2 + 1) : 0u;
  return shift * sub_class_count + static_cast<unsigned>(granules >> shift);
}

// The smallest block size (granules) that maps to class_index.
constexpr std::uint32_t class_min_granules(unsigned class_index) {
  if (class_index < 2 * sub_class_count) {
    return class_index;
  }
  const unsigned shift = class_index / sub_class_count - 1u;
  return (class_index % sub_class_count + sub_class_count) << shift;
}

inline constexpr unsigned class_count = class_of(max_block_granules) + 1u;
inline constexpr unsigned class_word_count = (class_count + 63u) / 64u;

static_assert(class_count == 800, "29-bit sizes with 32 sub-classes give 800 classes");
static_assert(class_word_count <= 32, "the class summary is one 32-bit word");
static_assert(class_of(63) == 63 && class_of(64) == 64 && class_of(65) == 64);
static_assert(class_min_granules(class_of(max_block_granules)) <= max_block_granules);
static_assert(class_min_granules(64) == 64 && class_min_granules(95) == 126 &&
              class_min_granules(96) == 128);

}  // namespace smh::detail
