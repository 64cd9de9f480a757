// AddressSanitizer's manual poisoning, where the build has ASan, and nothing
// where it has not. ASan does not watch anonymous mappings on its own: the
// simulator poisons the host memory around each region's views
// (host_backing.cpp), so that a stray access there is reported at once.
#pragma once

#include <cstddef>

#include "smh/sim/sanitizers.hpp"

#if defined(SMH_HAS_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace smh::sim::detail {

inline void poison_memory(const void* begin, std::size_t bytes) {
#if defined(SMH_HAS_ASAN)
  __asan_poison_memory_region(begin, bytes);
#else
  (void)begin;
  (void)bytes;
#endif
}

inline void unpoison_memory(const void* begin, std::size_t bytes) {
#if defined(SMH_HAS_ASAN)
  __asan_unpoison_memory_region(begin, bytes);
#else
  (void)begin;
  (void)bytes;
#endif
}

}  // namespace smh::sim::detail
