// OpValidator — whether an op may be applied at all, decided before anything is:
// the Executor asks it first, and on a refusal applies nothing, not even the
// machine's own activity before an op (cache noise, faults draw nothing), as
// executor.hpp promises. It reads the memory map and the receives in flight by
// const reference; what the op's handle holds is looked up once by the
// coordinator and passed in. A refusal is typed (its Reason) and says why in
// words; the coordinator prefixes the op ("op 12 (free handle 3): ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "coherency_machine.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/ops.hpp"
#include "smh/sim/shadow_state.hpp"

namespace smh::sim {

struct OpRefusal {
  enum class Reason : std::uint8_t {
    reserved_handle,            // the handle is max_handle + 1 or beyond
    alignment_not_power_of_two,
    alignment_too_large,        // beyond what host and device addresses share
    chain_not_on_alloc,         // a preference chain on an op other than alloc
    chain_too_long,             // more than max_prefer_attrs attributes
    handle_still_live,          // an alloc of a live handle
    no_live_block,              // an op on a handle that holds nothing
    offset_past_block,
    offset_past_last_byte,      // an eviction or fill names the line after the block
    range_past_block,
    range_past_region,          // a receive programmed past its region's end
    complete_range_differs,     // a receive completed elsewhere than it started, or past what it was programmed for
    receive_in_flight,          // a second receive into the block started
    no_receive_started,         // a receive completed that never started
    receive_moved,              // the block moved or shrank from under its receive
    transmit_in_flight,         // a second transmit from the block started
    no_transmit_started,        // a transmit completed that never started
    no_transfer_in_flight,      // an abort with nothing to stop
  };
  Reason reason;
  std::string why;
};

// The bytes a CPU, cache or DMA op covers: its length, or with length 0 the rest
// of its block from its offset.
inline std::uint64_t access_length(const Op& op, const LiveBlock& block) {
  return op.length_bytes == 0 ? block.size_bytes - op.offset_bytes : op.length_bytes;
}

class OpValidator {
 public:
  OpValidator(const MemoryMap& map, const CoherencyMachine& coherency) : map_(map), coherency_(coherency) {}

  // nullopt when `op` may be applied. `live`: its handle's block (nullptr when
  // none); `holds_null`: the handle's last allocation failed (free and realloc
  // take it; firmware that checks for NULL skips its accesses).
  [[nodiscard]] std::optional<OpRefusal> refusal(const Op& op, const LiveBlock* live, bool holds_null) const;
  // The part of refusal() for a CPU, cache or DMA op on its live `block`.
  [[nodiscard]] std::optional<OpRefusal> access_refusal(const Op& op, const LiveBlock& block) const;

 private:
  // The receive's own rules: one at a time per block, programmed inside its
  // region (past the block's end is a DMA_OVERRUN, not a refusal), and
  // completed where it started.
  [[nodiscard]] std::optional<OpRefusal> receive_refusal(const Op& op, const LiveBlock& block,
                                                         std::uint64_t length) const;
  // A range [offset, offset + length) of `block` that runs past its end.
  [[nodiscard]] static OpRefusal past_block(const Op& op, const LiveBlock& block, std::uint64_t length);
  // A lasting transmit's and an abort's: one transmit at a time per block, and
  // only a transfer in flight completes or aborts.
  [[nodiscard]] std::optional<OpRefusal> transfer_refusal(const Op& op, const LiveBlock& block) const;
  // Whether the block's receive in flight is still inside the block (a realloc
  // may have moved or shrunk it) and still holds the lines it started on.
  [[nodiscard]] bool receive_still_in_place(const Op& op, const LiveBlock& block) const;

  const MemoryMap& map_;
  const CoherencyMachine& coherency_;
};

}  // namespace smh::sim
