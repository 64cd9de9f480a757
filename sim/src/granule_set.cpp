#include "smh/sim/granule_set.hpp"

#include <bit>

#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

GranuleSet::GranuleSet(std::uint64_t size) : size_(size) {
  std::uint64_t bits = size == 0 ? 1 : size;
  for (;;) {
    const std::uint64_t words = (bits + 63) / 64;
    levels_.emplace_back(static_cast<std::size_t>(words));
    level_bits_.push_back(bits);
    if (words == 1) {
      break;
    }
    bits = words;
  }
}

bool GranuleSet::test(std::uint64_t index) const {
  SMH_SIM_ASSERT(index < size_);
  return (levels_[0][index / 64] >> (index % 64) & 1u) != 0;
}

void GranuleSet::insert(std::uint64_t index) {
  SMH_SIM_ASSERT(index < size_);
  for (unsigned level = 0; level < levels_.size(); ++level) {
    std::uint64_t& word = levels_[level][index / 64];
    const bool was_empty = word == 0;
    word |= std::uint64_t{1} << (index % 64);
    if (!was_empty) {
      return;  // the levels above already know this word is not empty
    }
    index /= 64;
  }
}

void GranuleSet::erase(std::uint64_t index) {
  SMH_SIM_ASSERT(index < size_);
  for (unsigned level = 0; level < levels_.size(); ++level) {
    std::uint64_t& word = levels_[level][index / 64];
    word &= ~(std::uint64_t{1} << (index % 64));
    if (word != 0) {
      return;
    }
    index /= 64;
  }
}

std::uint64_t GranuleSet::next_in(unsigned level, std::uint64_t index) const {
  if (index >= level_bits_[level]) {
    return none;
  }
  const std::uint64_t word_index = index / 64;
  const std::uint64_t word = levels_[level][word_index] & (~std::uint64_t{0} << (index % 64));
  if (word != 0) {
    return word_index * 64 + static_cast<std::uint64_t>(std::countr_zero(word));
  }
  if (level + 1 == levels_.size()) {
    return none;  // the top level is one word
  }
  const std::uint64_t next_word = next_in(level + 1, word_index + 1);
  if (next_word == none) {
    return none;
  }
  SMH_SIM_ASSERT(levels_[level][next_word] != 0);  // the summary bit says so
  return next_word * 64 + static_cast<std::uint64_t>(std::countr_zero(levels_[level][next_word]));
}

std::uint64_t GranuleSet::prev_in(unsigned level, std::uint64_t index) const {
  if (index >= level_bits_[level]) {
    index = level_bits_[level] - 1;
  }
  const std::uint64_t word_index = index / 64;
  const unsigned bit = static_cast<unsigned>(index % 64);
  const std::uint64_t mask = bit == 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (bit + 1)) - 1;
  const std::uint64_t word = levels_[level][word_index] & mask;
  if (word != 0) {
    return word_index * 64 + 63 - static_cast<std::uint64_t>(std::countl_zero(word));
  }
  if (word_index == 0 || level + 1 == levels_.size()) {
    return none;
  }
  const std::uint64_t prev_word = prev_in(level + 1, word_index - 1);
  if (prev_word == none) {
    return none;
  }
  SMH_SIM_ASSERT(levels_[level][prev_word] != 0);
  return prev_word * 64 + 63 - static_cast<std::uint64_t>(std::countl_zero(levels_[level][prev_word]));
}

}  // namespace smh::sim
