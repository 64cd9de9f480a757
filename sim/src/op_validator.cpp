// OpValidator (op_validator.hpp): an op's own checks, in the order its problems
// are reported — the handle and the request's form first, then what the handle
// holds, then the range and the receive rules of a CPU, cache or DMA op.
#include "op_validator.hpp"

#include <limits>

#include "power_of_two.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

namespace {

using Reason = OpRefusal::Reason;

bool is_receive(OpKind kind) {
  return kind == OpKind::dma_from_device_start || kind == OpKind::dma_from_device_complete;
}

// Ops whose range may run past their block's end (inside its region): cache
// maintenance by address range, and a transfer the device is programmed for (a
// DMA_OVERRUN). A receive's completion is checked against its start instead.
bool may_run_past_block(OpKind kind) {
  return kind == OpKind::cache_clean || kind == OpKind::cache_invalidate || kind == OpKind::cache_clean_invalidate ||
         kind == OpKind::dma_from_device_start || kind == OpKind::dma_from_device_complete ||
         kind == OpKind::dma_to_device || kind == OpKind::dma_to_device_start;
}

}  // namespace

std::optional<OpRefusal> OpValidator::refusal(const Op& op, const LiveBlock* live, bool holds_null) const {
  if (op.handle > max_handle) {
    return OpRefusal{Reason::reserved_handle, "handle " + std::to_string(op.handle) + " is reserved"};
  }
  if (op.align_bytes != 0 && !detail::is_power_of_two(op.align_bytes)) {
    return OpRefusal{Reason::alignment_not_power_of_two,
                     "alignment " + std::to_string(op.align_bytes) + " is not a power of two"};
  }
  // Host and device addresses agree modulo at most this (memory_map.hpp): a
  // larger alignment would make the outcome depend on host placement.
  if (op.align_bytes > MemoryMap::max_host_alignment_bytes) {
    return OpRefusal{Reason::alignment_too_large, "alignment " + std::to_string(op.align_bytes) +
                                                      " is larger than the simulator models (" +
                                                      std::to_string(MemoryMap::max_host_alignment_bytes) +
                                                      " bytes)"};
  }
  if (op.fallback_count != 0 && op.kind != OpKind::alloc) {
    return OpRefusal{Reason::chain_not_on_alloc, "only an alloc takes a preference chain"};
  }
  if (op.fallback_count >= max_prefer_attrs) {
    return OpRefusal{Reason::chain_too_long,
                     "a preference chain holds at most " + std::to_string(max_prefer_attrs) + " attributes"};
  }
  if (op.kind == OpKind::alloc) {
    if (live != nullptr) {
      return OpRefusal{Reason::handle_still_live, "the handle is still live"};
    }
    return std::nullopt;
  }
  if (live == nullptr) {
    // A handle whose allocation failed holds null: free and realloc take it, and
    // firmware that checks for NULL skips its accesses (the Executor counts them).
    if (holds_null) {
      return std::nullopt;
    }
    return OpRefusal{Reason::no_live_block, "no live block has this handle"};
  }
  if (op.kind == OpKind::realloc || op.kind == OpKind::free) {
    return std::nullopt;
  }
  return access_refusal(op, *live);
}

std::optional<OpRefusal> OpValidator::access_refusal(const Op& op, const LiveBlock& block) const {
  if (op.offset_bytes > block.size_bytes) {
    return OpRefusal{Reason::offset_past_block, "offset " + std::to_string(op.offset_bytes) +
                                                    " is past the block's " + std::to_string(block.size_bytes) +
                                                    " bytes"};
  }
  // The cache's own moves name the line holding block + offset: a byte of the
  // block, not the line after it.
  if ((op.kind == OpKind::evict || op.kind == OpKind::speculative_fill) && op.offset_bytes == block.size_bytes) {
    return OpRefusal{Reason::offset_past_last_byte, "offset " + std::to_string(op.offset_bytes) +
                                                        " is past the block's last byte (it has " +
                                                        std::to_string(block.size_bytes) + ")"};
  }
  const std::uint64_t length = access_length(op, block);
  if (may_run_past_block(op.kind)) {
    // Cache maintenance by address range (a ring, a frame spread over buffers)
    // and a device programmed for more than its buffer may go past the block,
    // not past its region: there is nothing there the simulator could name.
    const RegionSpec& spec = map_.spec(block.region);
    if (length > spec.base + spec.size_bytes - block.device_address - op.offset_bytes) {
      return OpRefusal{Reason::range_past_region, "range [" + std::to_string(op.offset_bytes) + ", +" +
                                                      std::to_string(length) + ") runs past the end of region '" +
                                                      spec.name + "'"};
    }
  } else if (length > block.size_bytes - op.offset_bytes) {
    return past_block(op, block, length);
  }
  if (is_receive(op.kind)) {
    return receive_refusal(op, block, length);
  }
  return transfer_refusal(op, block);
}

OpRefusal OpValidator::past_block(const Op& op, const LiveBlock& block, std::uint64_t length) {
  // The end is written only when it does not wrap (offset 8, length 2^64 - 8
  // would read "[8, 0)").
  const bool wraps = length > std::numeric_limits<std::uint64_t>::max() - op.offset_bytes;
  return OpRefusal{Reason::range_past_block,
                   "range [" + std::to_string(op.offset_bytes) + ", " +
                       (wraps ? std::to_string(op.offset_bytes) + " + " + std::to_string(length)
                              : std::to_string(op.offset_bytes + length)) +
                       ") runs past the block's " + std::to_string(block.size_bytes) + " bytes"};
}

std::optional<OpRefusal> OpValidator::transfer_refusal(const Op& op, const LiveBlock& block) const {
  const bool transmitting = coherency_.transmitting(op.handle);
  switch (op.kind) {
    case OpKind::dma_to_device_start:
      if (transmitting) {
        return OpRefusal{Reason::transmit_in_flight, "a transmit from this block is already in flight"};
      }
      return std::nullopt;
    case OpKind::dma_to_device_complete:
      if (!transmitting) {
        return OpRefusal{Reason::no_transmit_started, "no transmit from this block was started"};
      }
      return std::nullopt;
    case OpKind::dma_abort:
      if (coherency_.receiving(op.handle) && !receive_still_in_place(op, block)) {
        return OpRefusal{Reason::receive_moved,
                         "the block moved or shrank since its receive started (a realloc during the transfer)"};
      }
      if (!transmitting && !coherency_.receiving(op.handle)) {
        return OpRefusal{Reason::no_transfer_in_flight, "no transfer of this block is in flight"};
      }
      return std::nullopt;
    default: return std::nullopt;
  }
}

bool OpValidator::receive_still_in_place(const Op& op, const LiveBlock& block) const {
  const CoherencyMachine::Receive* receive = coherency_.receive_of(op.handle);
  SMH_SIM_ASSERT(receive != nullptr);  // asked only while a receive is in flight
  const std::uint64_t block_offset = block.device_address - map_.spec(block.region).base;
  return receive->region == block.region && receive->region_offset >= block_offset &&
         receive->region_offset + receive->size_bytes <= block_offset + block.size_bytes &&
         coherency_.memory(block.region).receive_holds(receive->region_offset, receive->size_bytes);
}

std::optional<OpRefusal> OpValidator::receive_refusal(const Op& op, const LiveBlock& block,
                                                      std::uint64_t length) const {
  if (op.kind == OpKind::dma_from_device_start) {
    // A device may be programmed for more bytes than the buffer holds: the
    // Executor reports what the overrun would hit (DMA_OVERRUN).
    if (coherency_.receiving(op.handle)) {
      return OpRefusal{Reason::receive_in_flight, "a receive into this block is already in flight"};
    }
    return std::nullopt;
  }
  if (!coherency_.receiving(op.handle)) {
    return OpRefusal{Reason::no_receive_started, "no receive into this block was started"};
  }
  // A realloc during the transfer may have moved or shrunk the buffer: the
  // device's transfer is not where the block now is. That is a program error
  // the run cannot continue past faithfully (the device writes memory the
  // program no longer owns), so the op is refused, like any other invalid one.
  // The receive's lines depend only on receives started and completed, never on
  // the cache's background activity, so this is known before any of it.
  if (!receive_still_in_place(op, block)) {
    return OpRefusal{Reason::receive_moved,
                     "the block moved or shrank since its receive started (a realloc during the transfer)"};
  }
  // A completion names no range (it ends the receive where it started, every
  // byte written), or the bytes the device wrote: from where the receive
  // started, at most what it was programmed for (fewer: a short completion;
  // past the block: clipped, the overrun was reported at the start).
  const CoherencyMachine::Receive* receive = coherency_.receive_of(op.handle);
  const std::uint64_t started = receive->region_offset - (block.device_address - map_.spec(block.region).base);
  const std::uint64_t programmed = receive->size_bytes + receive->overrun_bytes;
  if (!(op.offset_bytes == 0 && op.length_bytes == 0) && !(op.offset_bytes == started && length <= programmed)) {
    return OpRefusal{Reason::complete_range_differs,
                     "a receive completes where it started, over at most the bytes it was programmed for: [" +
                         std::to_string(started) + ", " + std::to_string(started + programmed) + ") of the block"};
  }
  return std::nullopt;
}

}  // namespace smh::sim
