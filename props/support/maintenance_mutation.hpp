// Removing exactly one cache-maintenance step from a correct driver workload
// (driver_workload.hpp), and the oracle that must then fire:
//
//   mutation                                   oracle              where
//   dropped clean before a transmit            STALE_TX            the transmit
//   dropped invalidate after a receive         STALE_RX            the CPU's read
//   dropped invalidate before a receive        WRITEBACK_CLOBBER   the eviction during the transfer
//   clean before a transmit made an invalidate STALE_TX            the transmit
//   invalidate after a receive moved into it   STALE_RX            the CPU's read
//   invalidate after a receive one line short  STALE_RX            the CPU's read
//   read past a short receive's bytes          SHORT_RX_READ       the CPU's read
//   transmit programmed past its buffer        DMA_OVERRUN         the transmit
//   CPU write before a lasting transmit's end  CPU_TOUCH_ACTIVE_DMA the write
//   receive programmed past its buffer         DMA_OVERRUN         the receive's start
//   buffer freed with its transfer in flight   FREE_DURING_DMA     the free
//
// (A TX buffer neither line-aligned nor padded was a mutation, caught as
// DMA_LINE_SHARED; issue 14 made that a false alarm: a device that only reads a
// shared line cannot be hurt by it, and only receives report DMA_LINE_SHARED.)
//
// A dropped step is a bug only where it can change what the CPU or the device
// sees, and the oracles report only what is wrong, never what merely could have
// been. So each mutation also sets up the situation where the step matters, and
// removes what would hide it — which is what makes "always detected" true:
// * clean before TX: only dirty lines hold what RAM lacks. The CPU's write just
//   before makes them dirty; an eviction between the write and the transmit would
//   write them back in time (then RAM is right and nothing is wrong), so the
//   mutated run drops those evictions. Write-through lines are never dirty: there
//   the clean is redundant and dropping it is no bug (not a candidate).
// * invalidate after RX: only a line the cache holds at completion goes stale.
//   A speculative fill is placed during the transfer, and evictions of the
//   buffer's lines between it and the read (which would drop the stale copy) are
//   removed. Applies to write-back and write-through regions.
// * invalidate before RX: only a dirty line can later be written back over the
//   received bytes. The CPU writes the buffer in place of the dropped step, and an
//   eviction lands while the device writes. Write-through lines are never dirty
//   (not a candidate); a clean line is harmless (the invalidate after the receive
//   drops it).
// * clean before TX replaced by an invalidate (a TX path that invalidates
//   instead of cleaning): no line is dirty at the transmit, yet the CPU's write
//   was thrown away and RAM holds the version before it. Set up as for the
//   dropped clean (the write just before, no eviction between them); buffers in
//   cacheable memory are line-aligned and padded, so the invalidate discards
//   nothing of another owner.
// * invalidate after RX moved between the receive's start and its completion
//   (misplaced, not dropped): the core may refill the lines after it while the
//   device writes, so the read may be stale (the worst-case model reports it at
//   the read whatever the noise; no fill is placed).
// * invalidate after RX over the receive's window less its last line (misplaced
//   in space: a length computed for the payload, not the lines): the missed
//   line may hold what it held before the device wrote; the worst-case model
//   reports it at the read. Only windows of at least two lines are candidates.
// * the CPU's read after a short completion over the whole window (misplaced:
//   the driver ignores the length the device reported): the bytes past what
//   the device wrote hold what they held before. Not a maintenance step, so
//   non-cacheable buffers are candidates too.
// * a transmit programmed one byte past its buffer (a length off by one): the
//   device reads what lies after it, whatever the memory.
// * the CPU's next write to a buffer under a lasting transmit, moved before
//   the transmit's completion (the driver reuses the buffer on the start, not
//   the completion): the device may send the new bytes or the old, whatever
//   the memory.
// * a receive whose window reaches its buffer's end programmed one byte past
//   it, and a buffer freed right after its receive or lasting transmit
//   started (a timeout path that forgets the transfer): reported where they
//   happen, whatever the memory.
// Non-cacheable buffers need no maintenance: nothing to drop.
//
// The mutated run stops right after the op where the oracle must fire (and has no
// background cache noise, which could evict a line at any op): what follows
// would only repeat the consequences. The other buffers then finish their open
// transactions, correctly, so the end-of-run checks see a driver at rest.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "smh/sim/executor.hpp"
#include "support/driver_workload.hpp"

namespace smh::props {

enum class Mutation : std::uint8_t {
  drop_clean_before_tx,
  drop_invalidate_after_rx,
  drop_invalidate_before_rx,
  invalidate_instead_of_clean_before_tx,
  invalidate_during_rx_instead_of_after,
  invalidate_after_rx_one_line_short,
  read_past_short_receive,
  transmit_past_buffer,
  write_during_lasting_transmit,
  receive_past_buffer,
  free_during_transfer,
};

inline const char* to_string(Mutation mutation) {
  switch (mutation) {
    case Mutation::drop_clean_before_tx: return "dropped clean before transmit";
    case Mutation::drop_invalidate_after_rx: return "dropped invalidate after receive";
    case Mutation::drop_invalidate_before_rx: return "dropped invalidate before receive";
    case Mutation::invalidate_instead_of_clean_before_tx: return "invalidate instead of clean before transmit";
    case Mutation::invalidate_during_rx_instead_of_after: return "invalidate during receive instead of after";
    case Mutation::invalidate_after_rx_one_line_short: return "invalidate after receive one line short";
    case Mutation::read_past_short_receive: return "read past a short receive";
    case Mutation::transmit_past_buffer: return "transmit programmed past its buffer";
    case Mutation::write_during_lasting_transmit: return "CPU write during a lasting transmit";
    case Mutation::receive_past_buffer: return "receive programmed past its buffer";
    case Mutation::free_during_transfer: return "buffer freed with its transfer in flight";
  }
  return "?";
}

// A maintenance step (or a buffer's allocation) that can be mutated: the op's
// index in the workload.
struct MutationSite {
  Mutation mutation = Mutation::drop_clean_before_tx;
  std::size_t index = 0;
  std::uint64_t short_length_bytes = 0;  // invalidate_after_rx_one_line_short: its length
  // read_past_short_receive: the receive's window; transmit_past_buffer: the
  // buffer's size.
  std::uint64_t window_offset_bytes = 0;
  std::uint64_t window_length_bytes = 0;
};

struct MutatedWorkload {
  std::vector<sim::Op> ops;
  sim::Check expected = sim::Check::stale_tx;  // the oracle that must fire
  std::set<sim::Check> allowed;                // every finding must be one of these
  std::size_t first_changed_op = 0;    // no finding may come before it
  std::size_t detection_op = 0;        // where `expected` must fire
};

namespace detail {

inline std::optional<std::size_t> find_step(const std::vector<AnnotatedOp>& ops, std::size_t from, Role role,
                                            sim::Handle buffer, std::uint32_t transaction) {
  for (std::size_t i = from; i < ops.size(); ++i) {
    if (ops[i].role == role && ops[i].buffer == buffer && ops[i].transaction == transaction) return i;
  }
  return std::nullopt;
}

inline bool is_noise_on(const AnnotatedOp& op, sim::Handle buffer) {
  return op.role == Role::cache_activity && op.buffer == buffer;
}

inline sim::CachePolicy policy_of(const sim::MachineConfig& machine, std::uint32_t attr) {
  return machine.regions.at(attr).cache_policy;  // region i has attribute i
}

}  // namespace detail

// Every place in `ops` where a mutation applies and its oracle's op is present.
inline std::vector<MutationSite> mutation_sites(const std::vector<AnnotatedOp>& ops, const sim::MachineConfig& machine) {
  std::vector<MutationSite> sites;
  std::map<sim::Handle, const sim::Op*> alloc_of;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const AnnotatedOp& op = ops[i];
    if (op.op.kind == sim::OpKind::alloc && op.buffer != 0) alloc_of[op.buffer] = &op.op;
    if (op.buffer == 0 || !alloc_of.contains(op.buffer)) continue;
    const sim::Op& alloc = *alloc_of[op.buffer];
    const sim::CachePolicy policy = detail::policy_of(machine, alloc.attr);
    switch (op.role) {
      case Role::tx_send:
        sites.push_back({Mutation::transmit_past_buffer, i, 0, 0, alloc.size_bytes});
        if (op.lasting_tx) {
          sites.push_back({Mutation::write_during_lasting_transmit, i});
          sites.push_back({Mutation::free_during_transfer, i});
        }
        break;
      case Role::rx_start:
        // Only a window that reaches the buffer's end runs past it by one byte
        // (a shorter one would grow over lines its maintenance never covered).
        if (op.op.length_bytes == 0 || op.op.offset_bytes + op.op.length_bytes == alloc.size_bytes) {
          sites.push_back({Mutation::receive_past_buffer, i, 0, op.op.offset_bytes,
                           alloc.size_bytes - op.op.offset_bytes});
        }
        sites.push_back({Mutation::free_during_transfer, i});
        break;
      case Role::rx_read:
        if (op.rx_received_bytes != 0) {
          sites.push_back({Mutation::read_past_short_receive, i, 0, op.rx_offset_bytes, op.rx_length_bytes});
        }
        break;
      case Role::tx_clean:
        if (policy == sim::CachePolicy::write_back &&
            detail::find_step(ops, i + 1, Role::tx_send, op.buffer, op.transaction)) {
          sites.push_back({Mutation::drop_clean_before_tx, i});
          sites.push_back({Mutation::invalidate_instead_of_clean_before_tx, i});
        }
        break;
      case Role::rx_invalidate_after:
        if (detail::find_step(ops, i + 1, Role::rx_read, op.buffer, op.transaction)) {
          sites.push_back({Mutation::drop_invalidate_after_rx, i});
          sites.push_back({Mutation::invalidate_during_rx_instead_of_after, i});
          // The window is whole lines of a line-aligned buffer (driver_workload.hpp).
          const std::uint64_t line = machine.regions.at(alloc.attr).line_bytes;
          const std::uint64_t window =
              op.op.length_bytes != 0 ? op.op.length_bytes : alloc.size_bytes - op.op.offset_bytes;
          if (window >= 2 * line) {
            sites.push_back({Mutation::invalidate_after_rx_one_line_short, i, window - line});
          }
        }
        break;
      case Role::rx_invalidate_before:
        if (policy == sim::CachePolicy::write_back &&
            detail::find_step(ops, i + 1, Role::rx_start, op.buffer, op.transaction)) {
          sites.push_back({Mutation::drop_invalidate_before_rx, i});
        }
        break;
      default:
        break;
    }
  }
  return sites;
}

inline MutatedWorkload mutate(const std::vector<AnnotatedOp>& ops, const MutationSite& site) {
  const AnnotatedOp& target = ops[site.index];
  const sim::Handle buffer = target.buffer;
  MutatedWorkload out;
  std::size_t last_kept = site.index;  // the original op the mutated run stops after
  auto copy_range = [&](std::size_t from, std::size_t to, bool drop_noise) {  // [from, to)
    for (std::size_t i = from; i < to; ++i) {
      if (i == site.index || (drop_noise && detail::is_noise_on(ops[i], buffer))) continue;
      out.ops.push_back(ops[i].op);
    }
  };
  switch (site.mutation) {
    case Mutation::drop_clean_before_tx: {
      const std::size_t send = *detail::find_step(ops, site.index, Role::tx_send, buffer, target.transaction);
      const std::size_t write = *detail::find_step(ops, 0, Role::tx_write, buffer, target.transaction);
      copy_range(0, write, false);
      out.first_changed_op = out.ops.size();
      copy_range(write, send + 1, true);
      last_kept = send;
      out.expected = sim::Check::stale_tx;
      out.allowed = {sim::Check::stale_tx};
      break;
    }
    case Mutation::drop_invalidate_after_rx: {
      const std::size_t start = *detail::find_step(ops, 0, Role::rx_start, buffer, target.transaction);
      const std::size_t read = *detail::find_step(ops, site.index, Role::rx_read, buffer, target.transaction);
      copy_range(0, start + 1, false);
      out.first_changed_op = out.ops.size();
      // In the receive's window (it may be part of the buffer).
      sim::Op fill = whole_block_op(sim::OpKind::speculative_fill, buffer);
      fill.offset_bytes = ops[start].op.offset_bytes;
      out.ops.push_back(fill);
      copy_range(start + 1, read + 1, true);
      last_kept = read;
      out.expected = sim::Check::stale_rx;
      // The CPU's view keeps the stale line: the end-of-run content check sees it.
      out.allowed = {sim::Check::stale_rx, sim::Check::content};
      break;
    }
    case Mutation::invalidate_instead_of_clean_before_tx: {
      const std::size_t send = *detail::find_step(ops, site.index, Role::tx_send, buffer, target.transaction);
      const std::size_t write = *detail::find_step(ops, 0, Role::tx_write, buffer, target.transaction);
      copy_range(0, write, false);
      out.first_changed_op = out.ops.size();
      copy_range(write, site.index, true);
      out.ops.push_back(whole_block_op(sim::OpKind::cache_invalidate, buffer));
      copy_range(site.index + 1, send + 1, true);
      last_kept = send;
      out.expected = sim::Check::stale_tx;
      out.allowed = {sim::Check::stale_tx};
      break;
    }
    case Mutation::invalidate_during_rx_instead_of_after: {
      const std::size_t start = *detail::find_step(ops, 0, Role::rx_start, buffer, target.transaction);
      const std::size_t complete = *detail::find_step(ops, start, Role::rx_complete, buffer, target.transaction);
      const std::size_t read = *detail::find_step(ops, site.index, Role::rx_read, buffer, target.transaction);
      copy_range(0, complete, false);
      out.first_changed_op = out.ops.size();
      out.ops.push_back(whole_block_op(sim::OpKind::cache_invalidate, buffer));
      copy_range(complete, read + 1, true);
      last_kept = read;
      out.expected = sim::Check::stale_rx;
      out.allowed = {sim::Check::stale_rx};
      break;
    }
    case Mutation::invalidate_after_rx_one_line_short: {
      const std::size_t read = *detail::find_step(ops, site.index, Role::rx_read, buffer, target.transaction);
      copy_range(0, site.index, false);
      out.first_changed_op = out.ops.size();
      sim::Op shorter = target.op;
      shorter.length_bytes = site.short_length_bytes;
      out.ops.push_back(shorter);
      copy_range(site.index + 1, read + 1, true);
      last_kept = read;
      out.expected = sim::Check::stale_rx;
      // A fill during the transfer (kept from the workload) leaves a stale copy
      // in the CPU's view: the end-of-run content check sees it.
      out.allowed = {sim::Check::stale_rx, sim::Check::content};
      break;
    }
    case Mutation::read_past_short_receive:
    case Mutation::receive_past_buffer:
    case Mutation::transmit_past_buffer: {
      copy_range(0, site.index, false);
      out.first_changed_op = out.ops.size();
      sim::Op misplaced = target.op;
      misplaced.offset_bytes = site.window_offset_bytes;
      misplaced.length_bytes = site.window_length_bytes + (site.mutation == Mutation::read_past_short_receive ? 0 : 1);
      out.ops.push_back(misplaced);
      const bool read = site.mutation == Mutation::read_past_short_receive;
      out.expected = read ? sim::Check::short_rx_read : sim::Check::dma_overrun;
      out.allowed = {out.expected};
      break;
    }
    case Mutation::write_during_lasting_transmit:
    case Mutation::free_during_transfer: {
      copy_range(0, site.index, false);
      out.ops.push_back(target.op);  // the transfer's start
      out.first_changed_op = out.ops.size();
      const bool write = site.mutation == Mutation::write_during_lasting_transmit;
      out.ops.push_back(whole_block_op(write ? sim::OpKind::cpu_write : sim::OpKind::free, buffer));
      out.expected = write ? sim::Check::cpu_touch_active_dma : sim::Check::free_during_dma;
      out.allowed = {out.expected};
      break;
    }
    case Mutation::drop_invalidate_before_rx: {
      const std::size_t start = *detail::find_step(ops, site.index, Role::rx_start, buffer, target.transaction);
      copy_range(0, site.index, false);
      out.first_changed_op = out.ops.size();
      out.ops.push_back(whole_block_op(sim::OpKind::cpu_write, buffer));
      copy_range(site.index + 1, start + 1, true);
      sim::Op evict = whole_block_op(sim::OpKind::evict, buffer);
      evict.offset_bytes = ops[start].op.offset_bytes;  // a line the receive covers
      out.ops.push_back(evict);
      last_kept = start;
      out.expected = sim::Check::writeback_clobber;
      out.allowed = {sim::Check::writeback_clobber};
      break;
    }
  }
  out.detection_op = out.ops.size() - 1;
  // The other buffers' open transactions close correctly (see closing_ops()).
  std::vector<AnnotatedOp> kept(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(last_kept + 1));
  for (const AnnotatedOp& op : closing_ops(kept, buffer)) {
    out.ops.push_back(op.op);
  }
  return out;
}

}  // namespace smh::props
