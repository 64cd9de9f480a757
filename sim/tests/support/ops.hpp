// Ops for the Executor's tests, built in one line each.
#pragma once

#include <cstdint>

#include "smh/sim/ops.hpp"

namespace smh::sim::testing {

// A CPU, cache, DMA or free op on `handle`'s block: [offset, offset + length)
// of it (length 0: to its end).
inline Op op(OpKind kind, Handle handle, std::uint64_t offset = 0, std::uint64_t length = 0) {
  Op result;
  result.kind = kind;
  result.handle = handle;
  result.offset_bytes = offset;
  result.length_bytes = length;
  return result;
}

inline Op alloc(Handle handle, std::uint32_t attr, std::uint64_t size, std::uint64_t align = 0) {
  return Op{OpKind::alloc, handle, attr, size, align, 0, 0};
}

}  // namespace smh::sim::testing
