// "Could this free block hold the request?" — restated here from the heap's
// documented layout (docs/ARCHITECTURE.md, Layout rules), independently of both
// the core's search and the simulator's NO_FALSE_OOM check, for the pool suites.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "smh/heap_types.hpp"

namespace smh::props {

// A free block at host address block_address of block_bytes can hold size_bytes
// at align_bytes when an 8-byte header, then a payload aligned to max(align, 8)
// in absolute address terms, then max(8, round8(size)) bytes fit inside it, and
// what stays in front of the header is either nothing or a whole free block (at
// least 16 bytes). Whatever is left behind the payload is absorbed or split off.
inline bool free_block_can_hold(std::uint64_t block_address, std::uint64_t block_bytes, std::uint64_t size_bytes,
                                std::uint64_t align_bytes) {
  constexpr std::uint64_t header_bytes = 8;
  constexpr std::uint64_t min_block_bytes = 16;
  const std::uint64_t align = std::max<std::uint64_t>(align_bytes, 8);
  const std::uint64_t payload_bytes = std::max<std::uint64_t>(8, (size_bytes + 7) / 8 * 8);
  std::uint64_t payload = block_address + header_bytes;
  if (payload % align != 0) {
    // The header moves forward, leaving a free block of at least 16 bytes.
    const std::uint64_t earliest = block_address + min_block_bytes + header_bytes;
    payload = (earliest + align - 1) / align * align;
  }
  return payload + payload_bytes <= block_address + block_bytes;
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
