// Deterministic pseudo-random numbers for the simulator, the tests and the
// benchmarks. Everything that decides behaviour or output draws from here, never
// from std::random_device, std::*_distribution or the clock: the same seed gives
// the same stream on every host, compiler and word size.
//
// Rng is xoshiro256** seeded through SplitMix64; stream(seed, name) derives an
// independent per-subsystem stream by hashing the name into the seed, so adding a
// consumer does not perturb the others.
#pragma once

#include <cstdint>
#include <string_view>

namespace smh::sim {

// SplitMix64: the seeding generator (also a decent hash step).
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9E37'79B9'7F4A'7C15ull;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
  return z ^ (z >> 31);
}

// FNV-1a over a name, for deriving named streams.
constexpr std::uint64_t hash_name(std::string_view name) {
  std::uint64_t hash = 0xCBF2'9CE4'8422'2325ull;
  for (const char c : name) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x0000'0100'0000'01B3ull;
  }
  return hash;
}

class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) {
    std::uint64_t state = seed;
    for (std::uint64_t& word : state_) {
      word = splitmix64(state);
    }
  }

  // An independent stream for the subsystem `name` under the run's seed.
  static constexpr Rng stream(std::uint64_t seed, std::string_view name) {
    std::uint64_t mixed = seed ^ hash_name(name);
    return Rng(splitmix64(mixed));
  }

  constexpr std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound), bound > 0, without modulo bias (Lemire's multiply-shift
  // with rejection), defined here so the result is the same everywhere.
  constexpr std::uint64_t below(std::uint64_t bound) {
    // 128-bit product split into 64-bit halves, portable to 32-bit hosts.
    for (;;) {
      const std::uint64_t x = next();
      const std::uint64_t hi = mul_high(x, bound);
      const std::uint64_t lo = x * bound;
      if (lo >= bound || lo >= (0 - bound) % bound) {
        return hi;
      }
    }
  }

  // Uniform in [low, high], inclusive.
  constexpr std::uint64_t between(std::uint64_t low, std::uint64_t high) {
    return low + below(high - low + 1);
  }

  // True with probability numerator / denominator.
  constexpr bool chance(std::uint64_t numerator, std::uint64_t denominator) {
    return below(denominator) < numerator;
  }

  // Log-uniform integer in [low, high] (low >= 1): each power-of-two octave is
  // equally likely, then uniform inside it. Integer-only, so it is exact everywhere.
  constexpr std::uint64_t log_uniform(std::uint64_t low, std::uint64_t high) {
    const unsigned low_octave = bit_width(low) - 1;
    const unsigned high_octave = bit_width(high) - 1;
    const unsigned octave = low_octave + static_cast<unsigned>(below(high_octave - low_octave + 1));
    const std::uint64_t octave_low = std::uint64_t{1} << octave;
    const std::uint64_t from = octave_low > low ? octave_low : low;
    const std::uint64_t octave_high = (octave_low << 1) - 1;
    const std::uint64_t to = octave_high < high ? octave_high : high;
    return between(from, to);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static constexpr unsigned bit_width(std::uint64_t x) {
    unsigned width = 0;
    while (x != 0) {
      x >>= 1;
      ++width;
    }
    return width;
  }
  static constexpr std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t a_lo = a & 0xFFFF'FFFFu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xFFFF'FFFFu, b_hi = b >> 32;
    const std::uint64_t lo_lo = a_lo * b_lo;
    const std::uint64_t hi_lo = a_hi * b_lo;
    const std::uint64_t lo_hi = a_lo * b_hi;
    const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFF'FFFFu) + lo_hi;
    return a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
  }

  std::uint64_t state_[4] = {};
};

}  // namespace smh::sim
