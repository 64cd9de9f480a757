// Size classes of the free-block index, and the trie key inside a class (sizes in
// granules of 8 bytes).
//
// Blocks smaller than exact_class_count granules have one class per size: every
// block of such a class has the same size, so its first block is an exact fit.
// Larger blocks have one class per power of two,
//   class_of(s) = exact_class_count + floor(log2 s) - log2(exact_class_count),
// and inside such a class a 16-way trie keyed by size finds the smallest block of
// at least a given size in at most trie_max_levels steps (docs/ARCHITECTURE.md,
// "Finding a block"). The mapping is monotonic: every block of a higher class is
// larger than every block of a lower one.
//
// SMH_EXACT_CLASSES (16, 32 or 64; default 32) is the compile-time knob that
// trades RAM for speed: each class costs one 4-byte list head in the Heap, and
// sizes below the knob skip the trie. Placement does not depend on it: the heap
// chooses the smallest free block that fits however the classes are cut.
#pragma once

#include <bit>
#include <cstdint>

#ifndef SMH_EXACT_CLASSES
#define SMH_EXACT_CLASSES 32
#endif

namespace smh::detail {

inline constexpr unsigned exact_class_count = SMH_EXACT_CLASSES;
static_assert(exact_class_count == 16 || exact_class_count == 32 || exact_class_count == 64,
              "SMH_EXACT_CLASSES must be 16, 32 or 64");
inline constexpr unsigned exact_class_log2 = static_cast<unsigned>(std::countr_zero(exact_class_count));

// Header size fields are 27 bits wide (detail/block_header.hpp: a 32-bit word
// holds a size, the used bit and 4 bits of slack).
inline constexpr std::uint32_t block_size_bits = 27;
inline constexpr std::uint32_t max_block_granules = (1u << block_size_bits) - 1u;

// Exact classes 0 .. exact_class_count - 1 (0 and 1 stay empty: a block has at
// least 2 granules), then one class per power of two up to 2^26.
inline constexpr unsigned class_count = exact_class_count + block_size_bits - exact_class_log2;
inline constexpr unsigned class_word_count = (class_count + 31u) / 32u;

// floor(log2 v) for v > 0: one count-leading-zeros instruction on every target.
constexpr unsigned floor_log2(std::uint32_t v) { return 31u - static_cast<unsigned>(std::countl_zero(v)); }

constexpr unsigned class_of(std::uint32_t granules) {
  return granules < exact_class_count ? granules
                                      : exact_class_count - exact_class_log2 + floor_log2(granules);
}

// The smallest block size (granules) that maps to class_index.
constexpr std::uint32_t class_min_granules(unsigned class_index) {
  return class_index < exact_class_count ? class_index
                                         : std::uint32_t{1} << (class_index - exact_class_count + exact_class_log2);
}

constexpr bool is_exact_class(unsigned class_index) { return class_index < exact_class_count; }

// The trie key of a size: the size shifted so that its leading one is bit 31.
// Within a class (one power of two) keys order like sizes, and the digits below
// the leading one, four bits at a time from the top, name a path in the trie:
// digit L is (key >> (trie_top_shift - 4 L)) & 15.
constexpr std::uint32_t trie_key(std::uint32_t granules) {
  return granules << static_cast<unsigned>(std::countl_zero(granules));
}
inline constexpr unsigned trie_fanout = 16;
inline constexpr unsigned trie_digit_bits = 4;
inline constexpr unsigned trie_top_shift = 31 - trie_digit_bits;
// A class of 2^p .. 2^(p+1) - 1 granules has p key bits below the leading one,
// ceil(p / 4) digits: a node at depth ceil(p / 4) is the only possible key there.
constexpr unsigned trie_levels(unsigned class_index) {
  const unsigned p = class_index - exact_class_count + exact_class_log2;
  return (p + trie_digit_bits - 1) / trie_digit_bits;
}
inline constexpr unsigned trie_max_levels = trie_levels(class_count - 1);

static_assert(class_count <= 32 * class_word_count);
static_assert(class_of(exact_class_count - 1) == exact_class_count - 1);
static_assert(class_of(exact_class_count) == exact_class_count);
static_assert(class_of(max_block_granules) == class_count - 1);
static_assert(class_min_granules(class_count - 1) == 1u << (block_size_bits - 1));
static_assert(trie_max_levels == 7, "26 key bits below the leading one: 7 digits");
static_assert(trie_key(1) == 0x8000'0000u && trie_key(max_block_granules) == 0xFFFF'FFE0u);

}  // namespace smh::detail
