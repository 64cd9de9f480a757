// The operations a simulation applies, in the plain model every driver shares:
// scenarios, traces, the fuzzer, the properties and the benchmarks all produce
// these, and the Executor applies them. Ops name blocks by handle, never by
// address, so the same op sequence means the same thing whatever the placement.
#pragma once

#include <cstdint>

namespace smh::sim {

using Handle = std::uint32_t;

enum class OpKind : std::uint8_t {
  alloc,    // handle := pool.aligned_alloc(attr, align, size) (align 0: default)
  realloc,  // handle := pool.aligned_realloc(attr, handle, align, size)
  free,     // pool.free(handle)
};
inline constexpr unsigned op_kind_count = 3;

const char* to_string(OpKind kind);

struct Op {
  OpKind kind = OpKind::alloc;
  Handle handle = 0;
  std::uint32_t attr = 0;         // exact-mode attribute id or capability bits
  std::uint64_t size_bytes = 0;
  std::uint64_t align_bytes = 0;  // 0: the default alignment
};

}  // namespace smh::sim
