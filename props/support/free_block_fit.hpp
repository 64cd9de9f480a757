// What the heap promises about fits — restated here from docs/ARCHITECTURE.md
// ("No false out-of-memory", "realloc"), independently of both the core's search
// and the simulator's NO_FALSE_OOM check, for the pool suites.
#pragma once

#include <algorithm>
#include <cstdint>

namespace smh::props {

// The block a request of size_bytes needs: an 8-byte header and max(8,
// round8(size)) bytes of payload.
inline std::uint64_t block_bytes_needed(std::uint64_t size_bytes) {
  return 8 + std::max<std::uint64_t>(8, (size_bytes + 7) / 8 * 8);
}

// The guarantee: an allocation of size_bytes at align_bytes fails only when no
// free block has room for it wherever it lies — its block, plus for an
// alignment above 8 the worst alignment gap, align + 8 bytes. (Smaller blocks may
// serve it too: the heap tries the best fit first; see the layout suite.)
inline bool free_block_guarantees_fit(std::uint64_t block_bytes, std::uint64_t size_bytes,
                                      std::uint64_t align_bytes) {
  const std::uint64_t gap_room = align_bytes > 8 ? align_bytes + 8 : 0;
  return size_bytes <= block_bytes && block_bytes_needed(size_bytes) + gap_room <= block_bytes;
}

// Can a live block grow in place to size_bytes? Its payload must already have the
// alignment, and the block alone or with a free right neighbour must hold the
// header plus max(8, round8(size)) bytes (docs/ARCHITECTURE.md, realloc).
inline bool live_block_can_resize(std::uint64_t payload_address, std::uint64_t block_bytes,
                                  std::uint64_t free_right_neighbour_bytes, std::uint64_t size_bytes,
                                  std::uint64_t align_bytes) {
  const std::uint64_t align = std::max<std::uint64_t>(align_bytes, 8);
  const std::uint64_t need_bytes = 8 + std::max<std::uint64_t>(8, (size_bytes + 7) / 8 * 8);
  return payload_address % align == 0 && need_bytes <= block_bytes + free_right_neighbour_bytes;
}

}  // namespace smh::props
