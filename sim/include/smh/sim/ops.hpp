// The operations a simulation applies, in the plain model every driver shares:
// scenarios, traces, the fuzzer, the properties and the benchmarks all produce
// these, and the Executor applies them. Ops name blocks by handle, never by
// address, so the same op sequence means the same thing whatever the placement.
#pragma once

#include <array>
#include <cstdint>

namespace smh::sim {

using Handle = std::uint32_t;
// The largest handle an op may name: 2^32 - 2. 2^32 - 1 is reserved (the shadow
// state's owner tables store handle + 1, 0 meaning no block); the op parser
// refuses it, so that the documented range and the run agree.
inline constexpr Handle max_handle = 0xFFFF'FFFEu;

// The longest preference chain an alloc may carry (attr plus 3 fallbacks): enough
// for every chain of distinct exact-mode attributes, and it keeps Op one cache
// line.
inline constexpr unsigned max_prefer_attrs = 4;

enum class OpKind : std::uint8_t {
  // Blocks.
  alloc,    // handle := pool.aligned_alloc(attr, align, size) (align 0: default), or
            // with fallbacks pool.alloc_prefer({attr, fallbacks...}, size, align)
  realloc,  // handle := pool.aligned_realloc(attr, handle, align, size)
  free,     // pool.free(handle)
  // The CPU and its cache, on [offset, offset + length) of the block. CPU writes
  // store the block's expected contents (so they dirty lines without changing
  // what the content check expects); reads compare against them.
  cpu_write,
  cpu_read,
  cache_clean,             // write dirty lines back (ranges widen to whole lines)
  cache_invalidate,        // discard lines
  cache_clean_invalidate,
  // DMA on [offset, offset + length) of the block.
  dma_to_device,             // the device reads RAM (transmit)
  dma_from_device_start,     // the device starts writing RAM (receive)
  dma_from_device_complete,  // ... and completes: the block gets new contents
  // The cache's own moves, on the line holding block + offset (seeded by drivers).
  evict,
  speculative_fill,
  // A transmit that lasts, on [offset, offset + length) of the block: the device
  // reads RAM from start to complete, and a CPU write to the buffer meanwhile is
  // CPU_TOUCH_ACTIVE_DMA. One at a time per block. (Appended after the kinds
  // above so that their numbers keep their meaning.)
  dma_to_device_start,
  dma_to_device_complete,  // ends the block's transmit in flight, where it started
  // The driver stops the block's transfers in flight (a timeout, an error path):
  // a receive ends with what the device wrote unknown, a transmit ends.
  dma_abort,
};
inline constexpr unsigned op_kind_count = 16;

const char* to_string(OpKind kind);

// The fields an op of each kind carries besides its kind and handle: the one
// table that the parser's allowed keys, the writer and the digest all read, so
// that an op read back from a written scenario or trace is the same op.
enum OpField : unsigned {
  op_field_attr_size_align = 1u << 0,  // attr (an alloc's chain too), size, align
  op_field_offset = 1u << 1,
  op_field_length = 1u << 2,
};
constexpr unsigned op_fields(OpKind kind) {
  switch (kind) {
    case OpKind::alloc:
    case OpKind::realloc: return op_field_attr_size_align;
    case OpKind::free:
    case OpKind::dma_to_device_complete:  // they end the transfer in flight, wherever it started
    case OpKind::dma_abort: return 0;
    case OpKind::evict:
    case OpKind::speculative_fill: return op_field_offset;  // one line
    default: return op_field_offset | op_field_length;
  }
}

struct Op {
  OpKind kind = OpKind::alloc;
  Handle handle = 0;
  std::uint32_t attr = 0;         // exact-mode attribute id or capability bits
  std::uint64_t size_bytes = 0;
  std::uint64_t align_bytes = 0;  // 0: the default alignment
  // CPU, cache and DMA ops: the range in the block, from its payload start.
  // length 0 means "to the end of the requested size". A transfer the device
  // is programmed for (dma_from_device_start, dma_to_device,
  // dma_to_device_start) may run past the block's end: the device was
  // programmed for more than the buffer holds (a DMA_OVERRUN); a receive's
  // completion ends it over the range it started on.
  std::uint64_t offset_bytes = 0;
  std::uint64_t length_bytes = 0;
  // An alloc's preference chain ("prefer" in scenarios and traces): attr is the
  // first choice, then fallback_attrs[0 .. fallback_count) in order. Appended
  // after the fields above so that positional initialisers keep their meaning.
  std::array<std::uint32_t, max_prefer_attrs - 1> fallback_attrs{};
  std::uint8_t fallback_count = 0;

  // The chain's length (1 without fallbacks) and its i-th attribute.
  [[nodiscard]] unsigned attr_count() const { return 1u + fallback_count; }
  [[nodiscard]] std::uint32_t attr_at(unsigned index) const {
    return index == 0 ? attr : fallback_attrs[index - 1];
  }
  friend bool operator==(const Op&, const Op&) = default;
};
// Benchmarks and traces hold ops by the million: keep it one cache line.
static_assert(sizeof(Op) <= 64);

}  // namespace smh::sim
