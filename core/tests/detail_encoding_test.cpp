// The encodings under the heap: size classes (monotonic, exact below
// exact_class_count granules, then one per power of two, each a contiguous range
// whose lower bound class_min_granules names), the trie key inside a class (orders
// like the size, digits name a path at most trie_levels deep) and the 8-byte block
// header (two 32-bit words; every field round-trips and is independent of the others).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "smh/detail/block_header.hpp"
#include "smh/detail/size_class.hpp"
#include "support/prng.hpp"

namespace smh::test {
namespace {

using detail::class_count;
using detail::class_min_granules;
using detail::class_of;
using detail::max_block_granules;

TEST(SizeClass, ExactBelowTheExactClassCount) {
  for (std::uint32_t s = 0; s < detail::exact_class_count; ++s) {
    EXPECT_EQ(class_of(s), s);
    EXPECT_EQ(class_min_granules(s), s);
    EXPECT_TRUE(detail::is_exact_class(class_of(s)));
  }
  EXPECT_FALSE(detail::is_exact_class(class_of(detail::exact_class_count)));
}

TEST(SizeClass, MonotonicAndLowerBoundHoldsUpToTwoToTheTwenty) {
  unsigned previous = class_of(1);
  for (std::uint32_t s = 1; s <= (1u << 20); ++s) {
    const unsigned c = class_of(s);
    ASSERT_GE(c, previous) << "s " << s;
    ASSERT_LE(c, previous + 1) << "s " << s << ": classes are contiguous, none skipped";
    ASSERT_LE(class_min_granules(c), s) << "s " << s;
    ASSERT_GT(class_min_granules(c + 1), s) << "s " << s << ": s lies below the next class";
    if (c != previous) {
      ASSERT_EQ(class_min_granules(c), s) << "s " << s << " starts class " << c;
    }
    previous = c;
  }
}

TEST(SizeClass, BoundariesAroundEveryPowerOfTwoUpToTheMaximum) {
  for (unsigned bit = 1; bit < detail::block_size_bits; ++bit) {
    const std::uint32_t p = 1u << bit;
    for (const std::uint32_t s : {p - 1, p, p + 1}) {
      const unsigned c = class_of(s);
      EXPECT_LT(c, class_count) << "s " << s;
      EXPECT_LE(class_min_granules(c), s) << "s " << s;
      if (c + 1 < class_count) {
        EXPECT_GT(class_min_granules(c + 1), s) << "s " << s;
      }
    }
    EXPECT_LT(class_of(p - 1), class_of(p)) << "a power of two starts a new class: " << p;
  }
  EXPECT_EQ(class_of(max_block_granules), class_count - 1);
  EXPECT_LE(class_min_granules(class_count - 1), max_block_granules);
}

TEST(SizeClass, EveryClassLowerBoundMapsBackToItsClassAndSpansOneSizeOrOnePowerOfTwo) {
  for (unsigned c = 1; c < class_count; ++c) {
    const std::uint32_t low = class_min_granules(c);
    ASSERT_EQ(class_of(low), c) << "class " << c;
    ASSERT_EQ(class_of(low - 1), c - 1) << "class " << c;
    if (c + 1 < class_count) {
      const std::uint32_t next = class_min_granules(c + 1);
      ASSERT_GT(next, low) << "class " << c;
      ASSERT_EQ(class_of(next - 1), c) << "class " << c;
      if (low >= detail::exact_class_count) {
        ASSERT_EQ(next, 2 * low) << "class " << c;
      } else {
        ASSERT_EQ(next - low, 1u) << "class " << c;
      }
    }
  }
}

TEST(SizeClass, SampledSizesUpToTheMaximumRespectBounds) {
  Prng rng(2024);
  for (int i = 0; i < 200000; ++i) {
    const auto a = static_cast<std::uint32_t>(rng.between(1, max_block_granules));
    const auto b = static_cast<std::uint32_t>(rng.between(1, max_block_granules));
    const std::uint32_t lo = a < b ? a : b;
    const std::uint32_t hi = a < b ? b : a;
    ASSERT_LE(class_of(lo), class_of(hi)) << lo << " " << hi;
    ASSERT_LE(class_min_granules(class_of(hi)), hi) << hi;
  }
}

// Within a trie class, keys order like sizes and a size's digits, read from the
// top, run out (are zero) after trie_levels of its class: a trie is never deeper.
TEST(TrieKey, OrdersLikeSizesWithinAClassAndHasNoDigitsBelowTheClassDepth) {
  Prng rng(77);
  for (unsigned c = detail::exact_class_count; c < class_count; ++c) {
    const std::uint32_t low = class_min_granules(c);
    const std::uint32_t high = c + 1 < class_count ? class_min_granules(c + 1) - 1 : max_block_granules;
    const unsigned levels = detail::trie_levels(c);
    ASSERT_LE(levels, detail::trie_max_levels);
    for (int i = 0; i < 2000; ++i) {
      const std::uint32_t a = low + static_cast<std::uint32_t>(rng.below(std::uint64_t{high} - low + 1));
      const std::uint32_t b = low + static_cast<std::uint32_t>(rng.below(std::uint64_t{high} - low + 1));
      ASSERT_EQ(a < b, detail::trie_key(a) < detail::trie_key(b)) << a << " vs " << b;
      ASSERT_EQ(detail::trie_key(a) >> 31, 1u);
      // Bits below the class's digits are zero: key and size carry the same bits.
      const unsigned spent = detail::trie_digit_bits * levels;
      ASSERT_EQ(detail::trie_key(a) << 1 << spent, 0u) << "size " << a << " class " << c;
    }
  }
}

TEST(BlockHeader, EveryFieldRoundTripsAtItsExtremes) {
  const std::uint32_t sizes[] = {0, 1, 2, 3, 63, 64, 0x0400'0000u, max_block_granules - 1, max_block_granules};
  for (const std::uint32_t size : sizes) {
    for (const std::uint32_t prev : sizes) {
      for (std::uint32_t slack = 0; slack <= detail::max_slack_bytes; ++slack) {
        for (const bool used : {false, true}) {
          for (const bool left_free : {false, true}) {
            const detail::BlockHeader h = detail::make_header(size, used, slack, prev, left_free);
            ASSERT_EQ(detail::self_size(h.self), size);
            ASSERT_EQ(detail::self_used(h.self), used);
            ASSERT_EQ(detail::self_slack(h.self), slack);
            ASSERT_EQ(detail::left_size(h.left), prev);
            ASSERT_EQ(detail::left_is_free(h.left), left_free);
          }
        }
      }
    }
  }
}

TEST(BlockHeader, FieldsOccupyDisjointBitsOfTheirWord) {
  const std::uint32_t size_bits = detail::make_self_word(max_block_granules, false, 0);
  const std::uint32_t used_bit = detail::make_self_word(0, true, 0);
  const std::uint32_t slack_bits = detail::make_self_word(0, false, detail::max_slack_bytes);
  EXPECT_EQ(size_bits, 0x07FF'FFFFu);
  EXPECT_EQ(used_bit, 1u << 27);
  EXPECT_EQ(slack_bits, 0xFu << 28);
  EXPECT_EQ(size_bits & used_bit, 0u);
  EXPECT_EQ((size_bits | used_bit) & slack_bits, 0u);
  EXPECT_EQ(size_bits | used_bit | slack_bits, 0xFFFF'FFFFu)
      << "every self-word bit carries a field, so every single-bit flip changes a field";

  const std::uint32_t prev_bits = detail::make_left_word(max_block_granules, false);
  const std::uint32_t left_bit = detail::make_left_word(0, true);
  EXPECT_EQ(prev_bits, 0x07FF'FFFFu);
  EXPECT_EQ(left_bit, 1u << 27);
  EXPECT_EQ(prev_bits & left_bit, 0u);
  EXPECT_EQ(prev_bits | left_bit, 0x0FFF'FFFFu)
      << "the left word's top 4 bits are always 0: a flip there breaks the boundary-tag comparison";
}

TEST(BlockHeader, OversizedArgumentsAreMaskedNotSpilledIntoOtherFields) {
  const detail::BlockHeader h = detail::make_header(0xFFFF'FFFFu, false, 0xFFu, 0xFFFF'FFFFu, false);
  EXPECT_EQ(detail::self_size(h.self), max_block_granules);
  EXPECT_FALSE(detail::self_used(h.self));
  EXPECT_EQ(detail::self_slack(h.self), 0xFu);
  EXPECT_EQ(detail::left_size(h.left), max_block_granules);
  EXPECT_FALSE(detail::left_is_free(h.left));
}

// The heap rewrites a neighbour's left description by storing the 4 bytes at
// left_word_offset alone: that must leave the block's own fields as they were.
TEST(BlockHeader, StoringTheLeftWordReplacesOnlyTheLeftNeighbourFields) {
  Prng rng(7);
  for (int i = 0; i < 100000; ++i) {
    const auto size = static_cast<std::uint32_t>(rng.between(0, max_block_granules));
    const auto prev = static_cast<std::uint32_t>(rng.between(0, max_block_granules));
    const auto new_prev = static_cast<std::uint32_t>(rng.between(0, max_block_granules));
    const auto slack = static_cast<std::uint32_t>(rng.below(16));
    const bool used = rng.chance(1, 2);
    const bool left = rng.chance(1, 2);
    const bool new_left = rng.chance(1, 2);
    unsigned char bytes[sizeof(detail::BlockHeader)];
    const detail::BlockHeader before = detail::make_header(size, used, slack, prev, left);
    std::memcpy(bytes, &before, sizeof bytes);
    const std::uint32_t new_left_word = detail::make_left_word(new_prev, new_left);
    std::memcpy(bytes + detail::left_word_offset, &new_left_word, sizeof new_left_word);
    detail::BlockHeader after{};
    std::memcpy(&after, bytes, sizeof after);
    const detail::BlockHeader expected = detail::make_header(size, used, slack, new_prev, new_left);
    ASSERT_EQ(after.self, expected.self);
    ASSERT_EQ(after.left, expected.left);
  }
}

}  // namespace
}  // namespace smh::test
