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
// (the same values mod 2^64).
inline constexpr std::uint64_t fill_step = 0x9E37'79B9'7F4A'7C15ull;

namespace fill_detail {

// Two pattern words at a time, in GCC/Clang vector extensions (SSE2 on x86-64,
// a pair of scalar words elsewhere): GCC at -O2 left both loops scalar, one
// 8-byte store or load per step, and filling and checking are a fifth of a
// checked replay of a real trace. Stored with memcpy, so the bytes are those
// of the words one by one (host order), whatever the vector type's alignment.
using WordPair = std::uint64_t __attribute__((vector_size(16)));
inline constexpr std::size_t pair_bytes = sizeof(WordPair);

}  // namespace fill_detail

inline void write_fill(unsigned char* bytes, std::size_t size_bytes, std::uint64_t key) {
  using fill_detail::pair_bytes;
  using fill_detail::WordPair;
  std::size_t i = 0;
  // Four words a step: the pattern of words (w, w+1) and (w+2, w+3).
  const WordPair keys = {key, key};
  WordPair low = {0, fill_step};
  WordPair high = {2 * fill_step, 3 * fill_step};
  const WordPair advance = {4 * fill_step, 4 * fill_step};
  for (; i + 2 * pair_bytes <= size_bytes; i += 2 * pair_bytes, low += advance, high += advance) {
    const WordPair first = keys ^ low;
    const WordPair second = keys ^ high;
    std::memcpy(bytes + i, &first, pair_bytes);
    std::memcpy(bytes + i + pair_bytes, &second, pair_bytes);
  }
  std::uint64_t offset = low[0];  // word index times fill_step
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
  using fill_detail::pair_bytes;
  using fill_detail::WordPair;
  constexpr std::size_t chunk_pairs = 4;  // tested together, no early exit inside
  std::size_t i = 0;
  const WordPair keys = {key, key};
  WordPair at = {0, fill_step};  // the pattern offsets of the pair at i
  const WordPair advance = {2 * fill_step, 2 * fill_step};
  // The difference of the pair `pair` pairs past i, whose pattern offsets are at + pair * advance.
  const auto pair_difference = [&](std::size_t pair, WordPair offsets) {
    WordPair actual;
    std::memcpy(&actual, bytes + i + pair * pair_bytes, pair_bytes);
    return actual ^ keys ^ offsets;
  };
  // The chunk's four pairs written out: GCC at -O2 kept a loop over them (a
  // counter, a compare and a branch per pair), about 5 % of a checked replay.
  static_assert(chunk_pairs == 4, "the chunk below tests exactly four pairs");
  for (; i + chunk_pairs * pair_bytes <= size_bytes; i += chunk_pairs * pair_bytes) {
    const WordPair second = at + advance;
    const WordPair third = second + advance;
    const WordPair fourth = third + advance;
    const WordPair differs = pair_difference(0, at) | pair_difference(1, second) | pair_difference(2, third) |
                             pair_difference(3, fourth);
    if ((differs[0] | differs[1]) != 0) {
      break;  // the words below find the byte
    }
    at = fourth + advance;
  }
  std::uint64_t offset = at[0];  // word index times fill_step
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
