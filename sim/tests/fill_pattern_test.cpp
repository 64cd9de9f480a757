// The fill pattern's definition (fill_pattern.hpp) against its fast loops:
// byte i of a block is byte (i % 8) of key ^ (i / 8) * fill_step, whatever the
// block's length and host alignment, and find_fill_mismatch names the first
// changed byte wherever it is (in a vector chunk, a word or the tail).
#include "smh/sim/fill_pattern.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace smh::sim {
namespace {

unsigned char defined_byte(std::uint64_t key, std::size_t index) {
  const std::uint64_t word = key ^ (static_cast<std::uint64_t>(index / 8) * fill_step);
  return static_cast<unsigned char>(word >> (8 * (index % 8)));
}

constexpr std::uint64_t key = 0x0123'4567'89AB'CDEFull;

TEST(FillPattern, WritesTheDefinedBytesAtEveryLengthAndAlignment) {
  std::vector<unsigned char> buffer(200 + 16);
  for (std::size_t skew = 0; skew < 8; ++skew) {
    for (std::size_t size = 0; size <= 200; ++size) {
      std::fill(buffer.begin(), buffer.end(), 0xA5);
      write_fill(buffer.data() + skew, size, key);
      for (std::size_t i = 0; i < size; ++i) {
        ASSERT_EQ(buffer[skew + i], defined_byte(key, i)) << "size " << size << " skew " << skew << " byte " << i;
      }
      EXPECT_EQ(buffer[skew + size], 0xA5) << "wrote past the end, size " << size;
      EXPECT_FALSE(find_fill_mismatch(buffer.data() + skew, size, key).has_value()) << "size " << size;
    }
  }
}

TEST(FillPattern, FindsTheFirstChangedByteWhereverItIs) {
  for (const std::size_t size : {std::size_t{1}, std::size_t{7}, std::size_t{63}, std::size_t{64},
                                 std::size_t{65}, std::size_t{130}, std::size_t{197}}) {
    std::vector<unsigned char> buffer(size + 1);
    for (std::size_t changed = 0; changed < size; ++changed) {
      write_fill(buffer.data() + 1, size, key);
      buffer[1 + changed] ^= 0x10;
      if (changed + 3 < size) {
        buffer[1 + changed + 3] ^= 0x01;  // a later change must not hide the first
      }
      const auto found = find_fill_mismatch(buffer.data() + 1, size, key);
      ASSERT_TRUE(found.has_value()) << "size " << size << " changed " << changed;
      EXPECT_EQ(*found, changed) << "size " << size;
    }
  }
}

TEST(FillPattern, AnotherKeyDiffersInTheFirstWord) {
  std::vector<unsigned char> buffer(96);
  write_fill(buffer.data(), buffer.size(), key);
  const auto found = find_fill_mismatch(buffer.data(), buffer.size(), key + 1);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, 0u);
}

}  // namespace
}  // namespace smh::sim
