// Asking the kernel to back a densely touched host mapping cheaply: transparent
// huge pages where they fit, and the rest faulted in by one call up front.
//
// A region's view, or a side table with an entry per granule of one, is touched
// all over by a replay. Transparent huge pages (MADV_HUGEPAGE) serve only the
// aligned 2 MiB stretches inside a mapping: a 3.6 MiB region view got one huge
// page and 400 single-page first-touch faults for its other 1.6 MiB, and a
// 1.8 MiB owner table none at all. On the shared virtual machine the project is
// measured on a fault costs about 10 µs, so those faults were ~13 % of a
// checks-off replay of a real trace on three such regions. MADV_POPULATE_WRITE
// faults in the pieces huge pages cannot cover with one system call: the same
// zeroed pages, never more than two huge pages' worth per mapping. Both are
// hints: a kernel that refuses them only costs speed. Nothing a run reports
// depends on it (the bytes are zero either way).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "smh/sim/host_memory_reuse.hpp"

namespace smh::sim::detail {

// The host's page size (sysconf, asked once).
inline std::uintptr_t host_page_bytes() {
  static const auto bytes = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  return bytes;
}

// Faults in, by one call, the whole host pages inside [begin, begin + bytes)
// (MADV_POPULATE_WRITE): for memory about to be written all over that is fresh
// from the kernel. A hint: refused, it only costs speed.
inline void populate_pages(void* begin, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  const std::uintptr_t page = host_page_bytes();
  const auto first = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(begin) + bytes) & ~(page - 1);
  if (first < end) {
    (void)::madvise(reinterpret_cast<void*>(first), end - first, MADV_POPULATE_WRITE);
  }
#else
  (void)begin;
  (void)bytes;
#endif
}

// [begin, begin + bytes): page-aligned, part of one fresh anonymous mapping.
inline void advise_dense(void* begin, std::size_t bytes) {
  const auto first = reinterpret_cast<std::uintptr_t>(begin);
  const std::uintptr_t end = first + bytes;
  const auto huge = static_cast<std::uintptr_t>(huge_page_bytes);
  const std::uintptr_t huge_begin = (first + huge - 1) & ~(huge - 1);
  const std::uintptr_t huge_end = end & ~(huge - 1);
#ifdef MADV_HUGEPAGE
  (void)::madvise(begin, bytes, MADV_HUGEPAGE);  // the whole range: one VMA, not three
#endif
  if (huge_begin >= huge_end) {  // no whole huge page inside: all of it
    populate_pages(begin, bytes);
    return;
  }
  if (first < huge_begin) {
    populate_pages(begin, huge_begin - first);
  }
  if (huge_end < end) {
    populate_pages(reinterpret_cast<void*>(huge_end), end - huge_end);
  }
}

}  // namespace smh::sim::detail
