// Printing a heap's statistics for the programs whose output is compared
// byte for byte across builds (the layout probe and the pool replay, natively,
// with -m32 and on the Cortex-M4 target): nothing printed depends on the word
// size, and every number goes through %llu, because newlib's printf in Debian's
// ARM toolchain has no C99 %zu. printf only: these programs run freestanding
// targets with newlib, without GoogleTest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "smh/heap_types.hpp"

namespace smh::test {

inline unsigned long long ull(std::size_t value) { return value; }

// The title line, then three lines of figures, each indented by `indent`.
inline void print_heap_stats(const char* indent, const char* title, const HeapStats& s) {
  std::printf("%s%s\n", indent, title);
  std::printf("%s  capacity %llu free %llu allocated_requested %llu allocated_usable %llu overhead %llu\n", indent,
              ull(s.capacity_bytes), ull(s.free_bytes), ull(s.allocated_requested_bytes),
              ull(s.allocated_usable_bytes), ull(s.overhead_bytes));
  std::printf("%s  peak_requested %llu min_free %llu largest_free %llu high_water %llu\n", indent,
              ull(s.peak_allocated_requested_bytes), ull(s.min_free_bytes), ull(s.largest_free_block_bytes),
              ull(s.high_water_bytes));
  std::printf("%s  free_blocks %llu allocated_blocks %llu allocs %llu frees %llu failed %llu\n", indent,
              ull(s.free_block_count), ull(s.allocated_block_count), static_cast<unsigned long long>(s.alloc_count),
              static_cast<unsigned long long>(s.free_count), static_cast<unsigned long long>(s.failed_alloc_count));
}

}  // namespace smh::test
