// Host memory behind the simulated regions: anonymous, lazily committed mappings
// placed at a chosen residue modulo a power of two (see memory_map.hpp for why).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace smh::sim::detail {

struct HostBacking {
  unsigned char* view = nullptr;  // congruent to the requested residue
  void* mapping = nullptr;        // what stays mapped (page-aligned, guards included), for unmap_backing
  std::size_t mapping_bytes = 0;
};

// Maps size_bytes of zero-filled host memory (MAP_NORESERVE: pages cost memory
// only once touched) whose start is ≡ residue (mod align_bytes). align_bytes is a
// power of two; the reservation is over-sized by align_bytes and the slack on both
// sides unmapped, but for one page on each side of the view's pages, which is
// made inaccessible (PROT_NONE): a guard page, on which a stray access faults at
// once. Under ASan everything mapped but the view is also poisoned, so that the
// bytes between the view and its guards (less than a page) are watched too.
// On failure returns false and sets *error (the OS reason).
bool map_backing(std::uint64_t size_bytes, std::uint64_t align_bytes, std::uint64_t residue,
                 HostBacking* out, std::string* error);

// Unmaps what map_backing mapped; a no-op for an empty backing.
void unmap_backing(void* mapping, std::size_t mapping_bytes) noexcept;

// Releases what map_backing(size_bytes, align_bytes, residue) mapped: zeroed
// and kept for the next map_backing of that shape when a HostMemoryReuse is
// active on this thread (host_memory_reuse.hpp), else unmapped.
void release_backing(const HostBacking& backing, std::uint64_t size_bytes, std::uint64_t align_bytes,
                     std::uint64_t residue) noexcept;

}  // namespace smh::sim::detail
