// What a run produced, in order: one outcome event per op (and per finding), with
// device addresses only. Events are what the digest covers and what reports list.
#pragma once

#include <cstdint>
#include <string>

#include "smh/sim/checks.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim {

enum class EventKind : std::uint8_t {
  allocated,       // alloc succeeded
  alloc_failed,    // alloc returned nullptr
  resized,         // realloc kept the block in place
  moved,           // realloc moved the block
  realloc_failed,  // realloc returned nullptr; the old block is intact
  freed,
  coherency,       // a CPU, cache or DMA op ran (device_address/size: its range)
  finding,         // an invariant or oracle fired (see Finding)
  skipped,         // a CPU, cache or DMA op on a handle whose allocation failed (it holds
                   // null): skipped, as firmware that checks for NULL does; counted
                   // (RunSummary::skipped_null_ops)
};
const char* to_string(EventKind kind);

struct Event {
  std::uint64_t op_index = 0;
  EventKind kind = EventKind::allocated;
  Handle handle = 0;
  std::uint32_t region = 0;          // the block's region (allocated/resized/moved/freed)
  std::uint64_t device_address = 0;  // the block's payload (0 when none)
  std::uint64_t size_bytes = 0;      // requested
  std::uint64_t usable_bytes = 0;
};

// A broken invariant or a coherency oracle that fired.
struct Finding {
  std::uint64_t op_index = 0;
  Check check = Check::non_overlap;  // to_string(check): its stable name, e.g. "NON_OVERLAP"
  std::string message;  // what, where (device addresses), which handles
};

}  // namespace smh::sim
