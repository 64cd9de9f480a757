// Deterministic fill patterns for content-integrity checks: every live block holds
// bytes derived from a key (seed, handle, generation), written when the block is
// obtained and verified before it is freed, after a realloc (the kept prefix) and
// at the end of a run. Any stray write into a block shows up as a mismatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "smh/sim/prng.hpp"

namespace smh::sim {

inline std::uint64_t fill_key(std::uint64_t seed, std::uint32_t handle, std::uint32_t generation) {
  std::uint64_t state = seed ^ (std::uint64_t{handle} << 32) ^ generation;
  return splitmix64(state);
}

// Byte i is byte (i % 8) of the key, xor the 8-byte word index times
// fill_step: cheap to write in words, and no two nearby words are equal (so a
// shifted copy is caught too). The loops add fill_step instead of multiplying
// (the same values mod 2^64), which lets the compiler vectorise them: filling
// and checking are most of a checked replay of large blocks.
inline constexpr std::uint64_t fill_step = 0x9E37'79B9'7F4A'7C15ull;

inline void write_fill(unsigned char* bytes, std::size_t size_bytes, std::uint64_t key) {
  std::size_t i = 0;
  std::uint64_t offset = 0;  // word index times fill_step
  for (; i + 8 <= size_bytes; i += 8, offset += fill_step) {
    const std::uint64_t value = key ^ offset;
    std::memcpy(bytes + i, &value, 8);
  }
  const std::uint64_t tail = key ^ offset;
  for (unsigned byte = 0; i < size_bytes; ++i, ++byte) {
    bytes[i] = static_cast<unsigned char>(tail >> (8 * byte));
  }
}

// The first offset whose byte differs from the pattern, if any.
inline std::optional<std::size_t> find_fill_mismatch(const unsigned char* bytes, std::size_t size_bytes,
                                                      std::uint64_t key) {
  constexpr std::size_t chunk_words = 8;  // tested together, no early exit inside (vectorised)
  std::size_t i = 0;
  std::uint64_t offset = 0;  // word index times fill_step
  for (; i + 8 * chunk_words <= size_bytes; i += 8 * chunk_words) {
    std::uint64_t differs = 0;
    std::uint64_t at = offset;
    for (std::size_t word = 0; word < chunk_words; ++word, at += fill_step) {
      std::uint64_t actual;
      std::memcpy(&actual, bytes + i + 8 * word, 8);
      differs |= actual ^ key ^ at;
    }
    if (differs != 0) {
      break;  // the words below find the byte
    }
    offset = at;
  }
  for (; i + 8 <= size_bytes; i += 8, offset += fill_step) {
    const std::uint64_t expected = key ^ offset;
    std::uint64_t actual;
    std::memcpy(&actual, bytes + i, 8);
    if (actual != expected) {
      for (unsigned byte = 0; byte < 8; ++byte) {
        if (static_cast<unsigned char>(actual >> (8 * byte)) != static_cast<unsigned char>(expected >> (8 * byte))) {
          return i + byte;
        }
      }
    }
  }
  const std::uint64_t tail = key ^ offset;
  for (unsigned byte = 0; i < size_bytes; ++i, ++byte) {
    if (bytes[i] != static_cast<unsigned char>(tail >> (8 * byte))) {
      return i;
    }
  }
  return std::nullopt;
}

}  // namespace smh::sim
