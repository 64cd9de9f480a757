#include "smh/sim/granule_set.hpp"

#include <bit>

#include "smh/sim/host_memory_reuse.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

GranuleSet::GranuleSet(std::uint64_t size, unsigned lanes) : size_(size), lanes_(lanes) {
  SMH_SIM_ASSERT(lanes >= 1 && lanes <= max_lanes);
  std::uint64_t bits = size == 0 ? 1 : size;
  std::uint64_t words = (bits + 63) / 64;
  // A bitmap of at least a huge page's worth (a region of 64 MiB and up with
  // two lanes, 128 MiB with one) is backed densely, in huge pages, like the
  // owner tables: queries land on it at random, and over a million live blocks
  // a 4 KiB page per query missed the TLB as well as the cache. Smaller ones
  // stay sparse (their pages are in the TLB's reach anyway). The summary
  // levels are 64 times smaller.
  const bool dense = words * lanes * sizeof(std::uint64_t) >= detail::huge_page_bytes;
  bits_ = LazyZeroArray<std::uint64_t>(static_cast<std::size_t>(words * lanes), dense);
  level_bits_.push_back(bits);
  while (words > 1) {
    bits = words;
    words = (bits + 63) / 64;
    for (unsigned lane = 0; lane < lanes; ++lane) {
      summaries_.emplace_back(static_cast<std::size_t>(words));
    }
    level_bits_.push_back(bits);
  }
}

bool GranuleSet::test(std::uint64_t index, unsigned lane) const {
  SMH_SIM_ASSERT(index < size_ && lane < lanes_);
  return (word(0, lane, index / 64) >> (index % 64) & 1u) != 0;
}

void GranuleSet::insert(std::uint64_t index, unsigned lane) {
  SMH_SIM_ASSERT(index < size_ && lane < lanes_);
  for (unsigned level = 0; level < level_count(); ++level) {
    std::uint64_t& bits = word(level, lane, index / 64);
    const bool was_empty = bits == 0;
    bits |= std::uint64_t{1} << (index % 64);
    if (!was_empty) {
      return;  // the levels above already know this word is not empty
    }
    index /= 64;
  }
}

void GranuleSet::erase(std::uint64_t index, unsigned lane) {
  SMH_SIM_ASSERT(index < size_ && lane < lanes_);
  for (unsigned level = 0; level < level_count(); ++level) {
    std::uint64_t& bits = word(level, lane, index / 64);
    bits &= ~(std::uint64_t{1} << (index % 64));
    if (bits != 0) {
      return;
    }
    index /= 64;
  }
}

std::uint64_t GranuleSet::next_in(unsigned level, unsigned lane, std::uint64_t index) const {
  SMH_SIM_ASSERT(lane < lanes_);
  if (index >= level_bits_[level]) {
    return none;
  }
  const std::uint64_t word_index = index / 64;
  const std::uint64_t bits = word(level, lane, word_index) & (~std::uint64_t{0} << (index % 64));
  if (bits != 0) {
    return word_index * 64 + static_cast<std::uint64_t>(std::countr_zero(bits));
  }
  if (level + 1 == level_count()) {
    return none;  // the top level is one word
  }
  const std::uint64_t next_word = next_in(level + 1, lane, word_index + 1);
  if (next_word == none) {
    return none;
  }
  SMH_SIM_ASSERT(word(level, lane, next_word) != 0);  // the summary bit says so
  return next_word * 64 + static_cast<std::uint64_t>(std::countr_zero(word(level, lane, next_word)));
}

std::uint64_t GranuleSet::prev_in(unsigned level, unsigned lane, std::uint64_t index) const {
  SMH_SIM_ASSERT(lane < lanes_);
  if (index >= level_bits_[level]) {
    index = level_bits_[level] - 1;
  }
  const std::uint64_t word_index = index / 64;
  const unsigned bit = static_cast<unsigned>(index % 64);
  const std::uint64_t mask = bit == 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (bit + 1)) - 1;
  const std::uint64_t bits = word(level, lane, word_index) & mask;
  if (bits != 0) {
    return word_index * 64 + 63 - static_cast<std::uint64_t>(std::countl_zero(bits));
  }
  if (word_index == 0 || level + 1 == level_count()) {
    return none;
  }
  const std::uint64_t prev_word = prev_in(level + 1, lane, word_index - 1);
  if (prev_word == none) {
    return none;
  }
  SMH_SIM_ASSERT(word(level, lane, prev_word) != 0);
  return prev_word * 64 + 63 - static_cast<std::uint64_t>(std::countl_zero(word(level, lane, prev_word)));
}

}  // namespace smh::sim
