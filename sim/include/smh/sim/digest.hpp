// A 64-bit outcome digest over a canonical encoding of the outcome events (each
// field a 64-bit integer, in event order; text as its length then its bytes), so
// that the same outcomes give the same digest on every host and word size. Each
// word is folded in with one multiply-rotate step (an FNV-style byte loop would
// cost a multiply per byte on every event); value() finishes with a SplitMix64
// avalanche so that nearby inputs give unrelated digests.
#pragma once

#include <cstdint>
#include <string_view>

namespace smh::sim {

class Digest {
 public:
  void add_u64(std::uint64_t value) {
    state_ = rotl(state_ ^ value, 27) * 0x9E37'79B9'7F4A'7C15ull + 0x0000'0100'0000'01B3ull;
  }
  void add_text(std::string_view text) {
    add_u64(text.size());
    std::uint64_t word = 0;
    unsigned filled = 0;
    for (const char c : text) {
      word |= std::uint64_t{static_cast<unsigned char>(c)} << (8 * filled);
      if (++filled == 8) {
        add_u64(word);
        word = 0;
        filled = 0;
      }
    }
    if (filled != 0) {
      add_u64(word);
    }
  }
  [[nodiscard]] std::uint64_t value() const {
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
    return z ^ (z >> 31);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_ = 0xCBF2'9CE4'8422'2325ull;
};

}  // namespace smh::sim
