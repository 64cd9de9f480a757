// PayloadFreshness — which of a block's bytes the CPU wrote (cpu_write ops) and
// which of those writes an invalidate then threw away, so that RAM, and every
// later read through the cache, holds an older version than the CPU's newest.
// Per handle, in block offsets (from the payload start), so that it knows no
// addresses or lines: the Executor feeds it the discarded bytes the cache model
// reports (HazardKind::discarded_dirty on the block's own bytes) and asks it at
// each read and transmit (executor_coherency_ops.cpp):
//   * a cpu_read of discarded bytes is DISCARDED_WRITE (a programmed-I/O path
//     that still invalidates);
//   * a transmit of discarded bytes is STALE_TX, though no line is dirty (a
//     transmit path that invalidates instead of cleaning).
// It also keeps the bytes a short receive left unwritten (the device completed
// with fewer bytes than it was programmed for): they hold what they held before
// the receive, and a cpu_read of them is SHORT_RX_READ, until the CPU writes
// them or a receive writes them.
// Only bytes written by cpu_write ops count: the harness's fill at alloc stands
// for contents the program never relied on being in RAM, so discarding it is
// what an invalidate before a receive is for.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "smh/sim/ops.hpp"

namespace smh::sim {

class PayloadFreshness {
 public:
  // A run of bytes, [begin, end) in block offsets, and the op that made it: for
  // a discarded run, the invalidate that discarded them; for an unreceived run,
  // the completion of the short receive that left them unwritten. op_handle:
  // the handle that op named (for a discard, another block's when an
  // invalidate by address range ran over this one; else this block's).
  struct Run {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    std::uint64_t op_index = 0;
    Handle op_handle = 0;

    friend bool operator==(const Run&, const Run&) = default;
  };
  using Discarded = Run;
  using Unreceived = Run;

  // The CPU wrote [begin, end): its newest version, no longer discarded.
  void cpu_wrote(Handle handle, std::uint64_t begin, std::uint64_t end);
  // An invalidate at op `op_index` on `invalidated_by` (this block, or another
  // whose range ran over it) discarded the dirty bytes [begin, end) of the
  // block: those of them the CPU wrote are now lost.
  void invalidated(Handle handle, std::uint64_t begin, std::uint64_t end, std::uint64_t op_index,
                   Handle invalidated_by);
  void invalidated(Handle handle, std::uint64_t begin, std::uint64_t end, std::uint64_t op_index) {
    invalidated(handle, begin, end, op_index, handle);
  }
  // The block has new contents the CPU did not write (a receive completed, or
  // ended unknown), or is gone (freed, reallocated): nothing of it is tracked.
  // Called on every free and realloc: the empty test first spares a replay
  // without invalidates the map lookup.
  void forget(Handle handle) {
    if (!blocks_.empty()) {
      blocks_.erase(handle);
    }
  }
  // A receive programmed for [begin, programmed_end) completed at op `op_index`
  // having written [begin, end) (end < programmed_end: a short completion):
  // [begin, end) are the device's now, [end, programmed_end) unreceived.
  void received(Handle handle, std::uint64_t begin, std::uint64_t end, std::uint64_t programmed_end,
                std::uint64_t op_index);
  void received(Handle handle, std::uint64_t begin, std::uint64_t end) { received(handle, begin, end, end, 0); }
  // The discarded runs overlapping [begin, end), clipped to it, in offset order.
  [[nodiscard]] std::vector<Discarded> discarded_in(Handle handle, std::uint64_t begin, std::uint64_t end) const;
  // The unreceived runs overlapping [begin, end), clipped to it, in offset order.
  [[nodiscard]] std::vector<Unreceived> unreceived_in(Handle handle, std::uint64_t begin, std::uint64_t end) const;

 private:
  struct Block {
    std::vector<Run> written;     // disjoint, sorted (op_index unused)
    std::vector<Run> discarded;   // disjoint, sorted
    std::vector<Run> unreceived;  // disjoint, sorted
  };
  // Drops the block's entry once it tracks nothing.
  void erase_if_empty(std::map<Handle, Block>::iterator found);
  std::map<Handle, Block> blocks_;
};

}  // namespace smh::sim
