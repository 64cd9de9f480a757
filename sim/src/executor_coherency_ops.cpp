// The Executor's CPU, cache and DMA ops, and the coherency oracles. Each op goes
// to its region's memory model in the CoherencyMachine (coherency_machine.hpp:
// through the cache, or a pass-through for a non-cacheable region), which
// reports raw hazards in region offsets; here they are turned into findings with
// stable names, device addresses and owners (owner_names.hpp):
//
//   STALE_TX               a transmit reads RAM while the CPU holds newer bytes
//                          (dirty, or thrown away by an invalidate)
//   DISCARDED_WRITE        the CPU reads bytes it wrote that an invalidate threw away
//   STALE_RX               the CPU reads cached bytes a device has since overwritten
//   WRITEBACK_CLOBBER      a dirty line written back over bytes a device wrote
//   CPU_TOUCH_ACTIVE_DMA   the CPU touches a line a DMA transfer is using, or,
//                          without a cache, the bytes of its block's transfer
//   COLLATERAL_INVALIDATE  an invalidate discards another owner's dirty bytes
//                          (allocator metadata included)
//   UNALIGNED_INVALIDATE   an invalidate that does not start and end on lines
//   DMA_LINE_SHARED        a buffer a device writes (receive), in a cacheable
//                          region, shares a line with another owner
//   ATTR_MISMATCH          DMA on a block in a region DMA cannot reach
//   CONTENT                the CPU read bytes other than the block's contents
#include <algorithm>
#include <cstring>

#include "executor_impl.hpp"

namespace smh::sim {

namespace {

// Dropping a line (invalidate, clean+invalidate, eviction) puts RAM's bytes into
// the CPU view. Where those bytes are the allocator's (block headers, free-list
// links, free space) the heap would now be corrupt, and the allocator would
// follow broken links on its next call: an assertion in a checked build, a crash
// in the release gate. Two ways lead there:
//   * the line held the allocator's dirty bytes: the invalidate discarded them
//     (reported as COLLATERAL_INVALIDATE);
//   * the line was stale (a device wrote RAM after it was filled) and the
//     allocator wrote bytes equal to the stale ones there (a free block's links
//     over a freed receive buffer's old links): on the machine those writes made
//     the line dirty, but the model finds written bytes by comparison and cannot
//     see an equal one, so it drops them as clean.
// Either way, like an injected fault, the damage is repaired once reported: the
// allocator's bytes are put back into the CPU view (as if it had written them
// again; the cache model absorbs them as CPU writes), so the run goes on and
// later ops report their own bugs instead of a cascade. Bytes of live blocks
// stay as the cache left them: the content checks report those, and nothing
// cascades from them.
class AllocatorBytesKeeper {
 public:
  // Remembers the CPU view of `lines` (RegionMemory::lines_around: empty for a
  // pass-through, which drops nothing).
  AllocatorBytesKeeper(RegionMemory::Extent lines, unsigned char* cpu_view)
      : cpu_view_(cpu_view), lines_begin_(lines.begin), before_(cpu_view + lines.begin, cpu_view + lines.end) {
    SMH_SIM_ASSERT(lines.begin <= lines.end);
  }

  // Puts back every granule the cache changed that no live block holds;
  // `held_by_block(device_begin, device_end)` says whether one does.
  template <class HeldByBlock>
  void restore(std::uint64_t region_base, HeldByBlock held_by_block) const {
    // Lines start on granule boundaries, and so do owners.
    SMH_SIM_ASSERT(lines_begin_ % Heap::granule_bytes == 0);
    for (std::uint64_t at = 0; at < before_.size(); at += Heap::granule_bytes) {
      const std::uint64_t bytes = std::min<std::uint64_t>(Heap::granule_bytes, before_.size() - at);
      unsigned char* now = cpu_view_ + lines_begin_ + at;
      if (std::memcmp(now, before_.data() + at, bytes) == 0) {
        continue;
      }
      const std::uint64_t device = region_base + lines_begin_ + at;
      if (!held_by_block(device, device + bytes)) {
        std::memcpy(now, before_.data() + at, bytes);
      }
    }
  }

 private:
  unsigned char* cpu_view_;
  std::uint64_t lines_begin_;
  std::vector<unsigned char> before_;
};

}  // namespace

std::vector<unsigned char> Executor::Impl::expected_contents(Handle handle, const LiveBlock& block) const {
  std::vector<unsigned char> bytes(static_cast<std::size_t>(block.size_bytes));
  write_fill(bytes.data(), bytes.size(), fill_key(seed, handle, block.generation));
  return bytes;
}

// One finding per run of hazards of one kind on one owner (the model reports per
// line and per run of granules; a 128-byte buffer would otherwise read as four).
void Executor::Impl::report_hazards(const std::vector<Hazard>& hazards, const Op& op, const LiveBlock& block,
                                    std::uint64_t own_end, const std::string& context) {
  const std::uint64_t base = map.spec(block.region).base;
  const std::string self = "handle " + std::to_string(op.handle);
  struct Run {
    HazardKind kind;
    bool possible;
    std::uint64_t begin;
    std::uint64_t end;
    std::string owner;
  };
  std::vector<Run> runs;
  for (const Hazard& hazard : hazards) {
    const std::uint64_t begin = base + hazard.first_offset;
    const std::uint64_t end = base + hazard.last_offset + 1;
    std::string owner = owners->owner_of(begin, end, op.handle, block, own_end);
    if (hazard.kind == HazardKind::discarded_dirty && begin < own_end && end > block.device_address) {
      // Discarding the buffer's own bytes is what an invalidate is for; they are
      // undefined from now on. A run of dirty granules may hold a neighbour's
      // bytes too (a header in the buffer's first line): those are reported.
      shadow.find_mutable(op.handle)->contents_known = false;
      // Those the CPU wrote (cpu_write ops) are lost: RAM holds an older version.
      const std::uint64_t payload_end = block.device_address + block.size_bytes;
      if (begin < payload_end) {
        freshness.invalidated(op.handle, std::max(begin, block.device_address) - block.device_address,
                              std::min(end, payload_end) - block.device_address, sink.op_index());
      }
      if (owner == self) {
        continue;
      }
    }
    if (hazard.kind == HazardKind::discarded_dirty) {
      note_discarded_bytes_of_others(op, begin, end);
    }
    if (!runs.empty() && runs.back().kind == hazard.kind && runs.back().possible == hazard.possible &&
        runs.back().end == begin && runs.back().owner == owner) {
      runs.back().end = end;
    } else {
      runs.push_back(Run{hazard.kind, hazard.possible, begin, end, std::move(owner)});
    }
  }
  for (const Run& run : runs) {
    sink.report(oracle_of(run.kind),
                std::string(to_string(op.kind)) + " on " + self + ": bytes [" + hex(run.begin) + ", " + hex(run.end) +
                    ") of " + run.owner + " in '" + map.spec(block.region).name + "'" +
                    (run.possible ? possible_outcome(op, run.kind, block, run.begin, run.end) : std::string()) +
                    context,
                op.handle);
  }
}

// An invalidate whose lines (or range, by address) reach other live blocks
// threw their dirty bytes away too: those the CPU wrote are lost for each of
// them as for the invalidating block (COLLATERAL_INVALIDATE reports the discard
// itself, DISCARDED_WRITE or STALE_TX each later read or transmit of them).
void Executor::Impl::note_discarded_bytes_of_others(const Op& op, std::uint64_t begin, std::uint64_t end) {
  std::uint64_t from = begin;
  while (from < end) {
    const std::optional<Handle> other = shadow.overlapping(from, end, op.handle);
    if (!other) {
      return;
    }
    const LiveBlock& block = shadow.at(*other);
    const std::uint64_t payload_end = block.device_address + block.size_bytes;
    const std::uint64_t first = std::max(from, block.device_address);
    const std::uint64_t last = std::min(end, payload_end);
    if (first < last) {
      freshness.invalidated(*other, first - block.device_address, last - block.device_address, sink.op_index(),
                            op.handle);
    }
    // Past the block's last granule (owners are named per granule).
    const std::uint64_t granule_end = (payload_end + Heap::granule_bytes - 1) / Heap::granule_bytes * Heap::granule_bytes;
    from = std::max(from + 1, granule_end);
  }
}

// What a worst-case finding adds: the lines, the ops that open and close the
// window, and that it is what some legal cache behaviour could do, not what the
// modelled cache did.
std::string Executor::Impl::possible_outcome(const Op& op, HazardKind kind, const LiveBlock& block,
                                             std::uint64_t begin, std::uint64_t end) const {
  const std::uint64_t base = map.spec(block.region).base;
  const RegionMemory::Extent lines = coherency->memory(block.region).lines_around(begin - base, end - begin);
  const std::string where = "line(s) [" + hex(base + lines.begin) + ", " + hex(base + lines.end) + ")";
  const std::string prefix = " (a possible outcome, not one that happened: ";
  if (kind == HazardKind::writeback_clobber) {
    return prefix + where + " hold dirty bytes, and the core may evict them at any time while this receive runs " +
           "(from this op to its dma_from_device_complete), writing them over what the device writes; clean or " +
           "invalidate the buffer before starting the receive)";
  }
  SMH_SIM_ASSERT(kind == HazardKind::stale_rx);  // the worst case reports only these two
  std::string window = "the receive";
  if (const auto receive = coherency->last_receive(op.handle)) {
    window += " opened at op " + std::to_string(receive->start_op) + " (dma_from_device_start) and closed at op " +
              std::to_string(receive->complete_op) + " (dma_from_device_complete)";
  }
  return prefix + "the core may fill " + where + " speculatively at any time during " + window +
         ", and nothing invalidated them between the device's write and this read, so it may read what they held "
         "before; invalidate the buffer after the receive completes, not only before it starts)";
}

void Executor::Impl::check_dma_buffer(const Op& op, const LiveBlock& block, std::uint64_t begin, std::uint64_t end,
                                      std::uint64_t own_end, bool device_writes) {
  const RegionSpec& spec = map.spec(block.region);
  if (!spec.dma_capable) {
    sink.report(Check::attr_mismatch, std::string(to_string(op.kind)) + " on handle " + std::to_string(op.handle) + " at " +
                                hex(begin) + ": region '" + spec.name + "' is not reachable by DMA",
           op.handle);
  }
  // Sharing a line with a buffer the device only reads is safe: the device's
  // read changes no line, so nothing a neighbour's cache traffic does can undo
  // it (Linux dma-debug skips DMA_TO_DEVICE in its overlap check for this
  // reason). Only a device write can be clobbered by, or go stale under, a
  // neighbour's line.
  if (!is_cacheable(spec.cache_policy) || !device_writes) {
    return;
  }
  // The lines the transfer touches may hold only the block's own bytes (its
  // usable area): a part of a line-aligned, padded buffer shares nothing.
  const std::uint64_t line = spec.line_bytes;
  const std::uint64_t first_line = begin / line * line;
  const std::uint64_t last_line_end = (end + line - 1) / line * line;
  const std::uint64_t own_begin = block.device_address;
  for (const auto& [from, to] : {std::pair{first_line, std::min(begin, own_begin)},
                                 std::pair{std::max(end, own_end), last_line_end}}) {
    if (from < to) {
      sink.report(Check::dma_line_shared, std::string(to_string(op.kind)) + " on handle " + std::to_string(op.handle) +
                                    " [" + hex(begin) + ", " + hex(end) + "): its cache line shares [" + hex(from) +
                                    ", " + hex(to) + ") with " + owners->owner_of(from, to, op.handle, block, own_end),
             op.handle);
    }
  }
}

std::vector<CoherencyMachine::NoiseTarget> Executor::Impl::noise_targets() const {
  std::vector<CoherencyMachine::NoiseTarget> targets;
  for (const Handle handle : coherency->dma_buffers()) {
    const LiveBlock* block = shadow.find(handle);
    if (block == nullptr) {
      continue;  // a realloc that lost the block (a free takes the handle out)
    }
    const RegionMemory& memory = coherency->memory(block->region);
    const RegionSpec& spec = map.spec(block->region);
    if (!is_cacheable(spec.cache_policy) || block->size_bytes == 0) {
      continue;  // no cache: nothing to evict or fill
    }
    const RegionMemory::Extent lines = memory.lines_around(block->device_address - spec.base, block->size_bytes);
    const std::uint64_t first = lines.begin >= spec.line_bytes ? lines.begin - spec.line_bytes : 0;
    const std::uint64_t end = std::min(lines.end + spec.line_bytes, spec.size_bytes);
    targets.push_back({block->region, first, (end - first) / spec.line_bytes});
  }
  return targets;
}

void Executor::Impl::cache_noise() {
  const auto noise = coherency->draw_noise(options.cache_noise_ppm, [this] { return noise_targets(); });
  if (!noise) {
    return;
  }
  RegionMemory& memory = coherency->memory(noise->region);
  if (!noise->evict) {
    memory.fill_line_at(noise->line_offset);
    return;
  }
  const RegionSpec& spec = map.spec(noise->region);
  std::vector<Hazard> hazards;
  const AllocatorBytesKeeper keeper(memory.lines_around(noise->line_offset, 1), map.cpu_view(noise->region));
  memory.evict_line_at(noise->line_offset, &hazards);
  keeper.restore(spec.base, [&](std::uint64_t begin, std::uint64_t end) {
    return shadow.overlapping(begin, end, std::nullopt).has_value();
  });
  for (const Hazard& hazard : hazards) {
    const std::uint64_t begin = spec.base + hazard.first_offset;
    const std::uint64_t end = spec.base + hazard.last_offset + 1;
    const auto owner = shadow.overlapping(begin, end, std::nullopt);
    sink.report(oracle_of(hazard.kind),
                "a background eviction of the line at " + hex(spec.base + noise->line_offset) + " hit bytes [" +
                    hex(begin) + ", " + hex(end) + ") of " +
                    (owner ? "handle " + std::to_string(*owner) : owners->unowned_bytes(noise->region, begin, end)) +
                    " in '" + spec.name + "'");
  }
}

void Executor::Impl::coherency_cpu_write(const CoherencyAccess& at, std::vector<Hazard>* hazards) {
  const std::vector<unsigned char> expected = expected_contents(at.op.handle, at.block);
  report_touch_without_cache(at);
  at.memory.cpu_write(at.region_offset, expected.data() + at.op.offset_bytes, at.length, hazards);
  freshness.cpu_wrote(at.op.handle, at.op.offset_bytes, at.op.offset_bytes + at.length);
  if (at.op.offset_bytes == 0 && at.length == at.block.size_bytes) {
    shadow.find_mutable(at.op.handle)->contents_known = true;
  }
}

void Executor::Impl::coherency_cpu_read(const CoherencyAccess& at, std::vector<Hazard>* hazards) {
  std::vector<unsigned char> seen(static_cast<std::size_t>(at.length));
  at.memory.cpu_read(at.region_offset, seen.data(), at.length, hazards);
  report_touch_without_cache(at);
  // The bytes an invalidate threw away are explained by DISCARDED_WRITE: no
  // CONTENT finding on top of it.
  const bool discarded = report_discarded_writes(at);
  report_unreceived_reads(at);
  // CONTENT is an invariant check: a fast replay (checks off) writes no fill
  // patterns, so it has no contents to compare and must not report (its digest
  // is a checked run's when nothing fires).
  if (!options.check_invariants) {
    return;
  }
  const std::vector<unsigned char> expected = expected_contents(at.op.handle, at.block);
  const auto mismatch = std::mismatch(seen.begin(), seen.end(), expected.begin() + at.op.offset_bytes);
  if (hazards->empty() && !discarded && at.block.contents_known && mismatch.first != seen.end()) {
    sink.report(Check::content, owners->describe(at.op.handle, at.block) + ": the CPU read a wrong byte at " +
                               hex(at.begin + static_cast<std::uint64_t>(mismatch.first - seen.begin())),
           at.op.handle);
  }
}

void Executor::Impl::coherency_drop_lines(const CoherencyAccess& at, std::vector<Hazard>* hazards) {
  if (at.length == 0) {
    return;
  }
  const std::uint64_t size_bytes = at.op.kind == OpKind::evict ? 1 : at.length;  // an eviction: one line
  const AllocatorBytesKeeper keeper(at.memory.lines_around(at.region_offset, size_bytes),
                                    map.cpu_view(at.block.region));
  switch (at.op.kind) {
    case OpKind::cache_invalidate: at.memory.invalidate(at.region_offset, at.length, hazards); break;
    case OpKind::cache_clean_invalidate: at.memory.clean_invalidate(at.region_offset, at.length, hazards); break;
    case OpKind::evict: at.memory.evict_line_at(at.region_offset, hazards); break;
    default: SMH_SIM_ASSERT(false);  // only these drop lines
  }
  keeper.restore(map.spec(at.block.region).base, [&](std::uint64_t begin, std::uint64_t end) {
    return (begin >= at.block.device_address && end <= at.own_end) ||
           shadow.overlapping(begin, end, at.op.handle).has_value();
  });
}

std::uint64_t Executor::Impl::clip_programmed_transfer(const CoherencyAccess& at) {
  // The device was programmed for [begin, begin + length); past the block's
  // end, a receive that long would overrun it, and a transmit reads and sends
  // whatever lies there. What it would touch is known now, whatever the device
  // later does: DMA_OVERRUN at the op. The transfer goes on clipped to the
  // block, as if a bus firewall stopped the rest, so that the heap stays intact
  // and later ops report their own bugs.
  const std::uint64_t block_end = at.block.device_address + at.block.size_bytes;
  if (at.begin + at.length <= block_end) {
    return at.length;
  }
  const bool receive = at.op.kind == OpKind::dma_from_device_start;
  // Every owner past the buffer, in address order (its own padding first).
  const std::uint64_t from = std::max(at.begin, block_end);
  const std::string owners_hit = owners->unowned_bytes(at.block.region, from, at.begin + at.length) + " in '" +
                                 map.spec(at.block.region).name + "'";
  sink.report(Check::dma_overrun,
              std::string(to_string(at.op.kind)) + " on handle " + std::to_string(at.op.handle) +
                  " programs the device for " + std::to_string(at.length) + " bytes from offset " +
                  std::to_string(at.op.offset_bytes) + ", past the end of its " +
                  std::to_string(at.block.size_bytes) + "-byte buffer: bytes [" + hex(from) + ", " +
                  hex(at.begin + at.length) + ")" +
                  (receive ? " would hit " + owners_hit +
                                 " (a possible outcome, as soon as the device receives that many bytes; program the "
                                 "transfer with the buffer's size)"
                           : " of " + owners_hit +
                                 " are read and sent with the buffer (program the transfer with the length of the "
                                 "data the buffer holds)"),
              at.op.handle);
  return block_end - at.begin;
}

void Executor::Impl::coherency_receive_start(const CoherencyAccess& at, std::vector<Hazard>* hazards) {
  const std::uint64_t length = clip_programmed_transfer(at);
  check_dma_buffer(at.op, at.block, at.begin, at.begin + length, at.own_end, true);
  at.memory.dma_from_device_start(at.region_offset, length, hazards);
  coherency->start_receive(at.op.handle, CoherencyMachine::Receive{at.block.region, at.region_offset, length,
                                                                   sink.op_index(), at.length - length});
}

void Executor::Impl::coherency_transmit(const CoherencyAccess& at, std::vector<Hazard>* hazards) {
  const std::uint64_t length = clip_programmed_transfer(at);
  check_dma_buffer(at.op, at.block, at.begin, at.begin + length, at.own_end, false);
  if (at.op.kind == OpKind::dma_to_device) {
    at.memory.dma_to_device(at.region_offset, length, hazards);
  } else {
    at.memory.dma_to_device_start(at.region_offset, length, hazards);
    coherency->start_transmit(at.op.handle,
                              CoherencyMachine::Transmit{at.block.region, at.region_offset, length, sink.op_index()});
  }
  report_discarded_writes(at);
}

void Executor::Impl::coherency_receive_complete(const CoherencyAccess& at) {
  // The device delivers new contents: the block's next generation, over the
  // range its receive started on, or the start of it when the completion names
  // fewer bytes (a short frame: the device wrote `written` bytes). The content
  // oracle knows a block's contents as a whole: after a receive into part of
  // it, they are a mix, unknown until the CPU writes the block again (the
  // worst-case model still reports a stale read of the received part, and
  // SHORT_RX_READ a read of the part the device did not write).
  const CoherencyMachine::Receive receive = *coherency->receive_of(at.op.handle);
  const bool names_range = at.op.offset_bytes != 0 || at.op.length_bytes != 0;
  const std::uint64_t written = names_range ? std::min(at.length, receive.size_bytes) : receive.size_bytes;
  const std::uint64_t begin = map.spec(receive.region).base + receive.region_offset;
  const std::uint64_t offset_in_block = begin - at.block.device_address;
  LiveBlock* live = shadow.find_mutable(at.op.handle);
  ++live->generation;
  live->contents_known = written == live->size_bytes;
  const std::vector<unsigned char> received = expected_contents(at.op.handle, *live);
  if (const std::string outside = owners->device_write_outside(at.op.handle, *live, begin, begin + written);
      !outside.empty()) {
    sink.report(Check::dma_overrun, outside, at.op.handle);
  }
  at.memory.dma_from_device_complete(receive.region_offset, received.data() + offset_in_block, receive.size_bytes,
                                     written);
  // The device's bytes supersede the CPU's; those it did not write are unreceived.
  freshness.received(at.op.handle, offset_in_block, offset_in_block + written,
                     offset_in_block + receive.size_bytes, sink.op_index());
  coherency->complete_receive(at.op.handle, sink.op_index());
}

bool Executor::Impl::stop_transfers(Handle handle, const LiveBlock& block) {
  if (coherency->transmitting(handle)) {
    coherency->end_transmit(handle);
  }
  if (!coherency->receiving(handle)) {
    return false;
  }
  // Freed after a realloc moved the block, the receive is no longer where it
  // started (OpValidator refuses an abort then): its old lines stay busy, as
  // the device goes on writing them.
  const CoherencyMachine::Receive receive = *coherency->receive_of(handle);
  RegionMemory& memory = coherency->memory(receive.region);
  const std::uint64_t block_offset = block.device_address - map.spec(block.region).base;
  if (receive.region == block.region && receive.region_offset >= block_offset &&
      receive.region_offset + receive.size_bytes <= block_offset + block.size_bytes &&
      memory.receive_holds(receive.region_offset, receive.size_bytes)) {
    memory.dma_from_device_abort(receive.region_offset, receive.size_bytes);
  }
  coherency->end_receive(handle);
  freshness.forget(handle);
  // The device wrote some of the buffer, or none of it: its bytes are undefined.
  if (LiveBlock* live = shadow.find_mutable(handle); live != nullptr) {
    live->contents_known = false;
  }
  return true;
}

void Executor::Impl::report_transfer_in_flight(const Op& op, const LiveBlock& block) {
  const bool receiving = coherency->receiving(op.handle);
  const bool transmitting = coherency->transmitting(op.handle);
  if (!receiving && !transmitting) {
    return;
  }
  const char* transfer = receiving ? (transmitting ? "a receive and a transmit" : "a receive") : "a transmit";
  sink.report(Check::free_during_dma,
              std::string(to_string(op.kind)) + " of " + owners->describe(op.handle, block) + " with " + transfer +
                  " in flight: the device goes on " + (receiving ? "writing" : "reading") +
                  " memory handed back to the allocator (stop the transfer, or wait for it, first)",
              op.handle);
}

bool Executor::Impl::report_discarded_writes(const CoherencyAccess& at) {
  const bool read = at.op.kind == OpKind::cpu_read;
  const std::vector<PayloadFreshness::Discarded> runs =
      freshness.discarded_in(at.op.handle, at.op.offset_bytes, at.op.offset_bytes + at.length);
  for (const PayloadFreshness::Discarded& run : runs) {
    const std::uint64_t begin = at.block.device_address + run.begin;
    const std::uint64_t end = at.block.device_address + run.end;
    const bool own = run.op_handle == at.op.handle;
    sink.report(read ? Check::discarded_write : Check::stale_tx,
                std::string(to_string(at.op.kind)) + " on handle " + std::to_string(at.op.handle) + ": bytes [" +
                    hex(begin) + ", " + hex(end) + ") the CPU wrote were thrown away, dirty, by the invalidate at op " +
                    std::to_string(run.op_index) +
                    (own ? std::string() : " on handle " + std::to_string(run.op_handle) + ", whose lines reach them") +
                    ", so " + (read ? "this read returns" : "the device reads") + " the older version RAM holds (" +
                    (own ? "clean the buffer, or clean+invalidate it, instead of invalidating it after the CPU wrote it"
                         : "invalidate each buffer over its own lines only, and keep DMA buffers line-aligned and "
                           "padded") +
                    ")",
                at.op.handle);
  }
  return !runs.empty();
}

void Executor::Impl::report_unreceived_reads(const CoherencyAccess& at) {
  for (const PayloadFreshness::Unreceived& run :
       freshness.unreceived_in(at.op.handle, at.op.offset_bytes, at.op.offset_bytes + at.length)) {
    sink.report(Check::short_rx_read,
                "cpu_read on handle " + std::to_string(at.op.handle) + ": bytes [" +
                    hex(at.block.device_address + run.begin) + ", " + hex(at.block.device_address + run.end) +
                    ") are in the range its receive was programmed for, but that receive completed short at op " +
                    std::to_string(run.op_index) +
                    " and the device never wrote them, so this read returns what they held before it (a previous "
                    "frame, or what the allocator left there), not received data (read only the length the "
                    "device reports)",
                at.op.handle);
  }
}

void Executor::Impl::report_touch_without_cache(const CoherencyAccess& at) {
  if (at.memory.cache() != nullptr) {
    return;  // the cache model reports a touch of its DMA-active lines itself
  }
  const bool write = at.op.kind == OpKind::cpu_write;
  const auto report = [&](unsigned region, std::uint64_t offset, std::uint64_t size_bytes, std::uint64_t start_op,
                          const char* transfer, const char* consequence) {
    const std::uint64_t first = std::max(offset, at.region_offset);
    const std::uint64_t last_end = std::min(offset + size_bytes, at.region_offset + at.length);
    if (region != at.block.region || first >= last_end) {
      return;
    }
    const std::uint64_t base = map.spec(at.block.region).base;
    sink.report(Check::cpu_touch_active_dma,
                std::string(to_string(at.op.kind)) + " on handle " + std::to_string(at.op.handle) + ": bytes [" +
                    hex(base + first) + ", " + hex(base + last_end) + ") belong to the " + transfer +
                    " started at op " + std::to_string(start_op) + " until it completes, so " + consequence +
                    " (wait for the transfer's completion before touching the buffer)",
                at.op.handle);
  };
  if (const CoherencyMachine::Transmit* transmit = coherency->transmit_of(at.op.handle); transmit != nullptr && write) {
    report(transmit->region, transmit->region_offset, transmit->size_bytes, transmit->start_op, "transmit",
           "the device may send the older version of them");
  }
  if (const CoherencyMachine::Receive* receive = coherency->receive_of(at.op.handle); receive != nullptr) {
    report(receive->region, receive->region_offset, receive->size_bytes, receive->start_op, "receive",
           write ? "the device's bytes and the CPU's race" : "the CPU may read a mix of old and received bytes");
  }
}

// Maintenance by address range (a ring, a frame spread over buffers) may run
// past its block: its findings name every owner its lines touch, so that the
// engineer sees what the driver's range really covered.
std::string Executor::Impl::maintenance_range_context(const CoherencyAccess& at) const {
  const bool maintenance = at.op.kind == OpKind::cache_clean || at.op.kind == OpKind::cache_invalidate ||
                           at.op.kind == OpKind::cache_clean_invalidate;
  if (!maintenance || at.begin + at.length <= at.block.device_address + at.block.size_bytes) {
    return {};
  }
  const std::uint64_t base = map.spec(at.block.region).base;
  const RegionMemory::Extent lines = at.memory.lines_around(at.region_offset, at.length);
  const std::uint64_t begin = lines.begin == lines.end ? at.begin : base + lines.begin;
  const std::uint64_t end = lines.begin == lines.end ? at.begin + at.length : base + lines.end;
  return "; the op's range [" + hex(at.begin) + ", " + hex(at.begin + at.length) + ") runs past handle " +
         std::to_string(at.op.handle) + "'s " + std::to_string(at.block.size_bytes) + " bytes, and its lines [" +
         hex(begin) + ", " + hex(end) + ") hold " + owners->unowned_bytes(at.block.region, begin, end);
}

void Executor::Impl::apply_coherency(const Op& op, const LiveBlock& block) {
  SMH_SIM_ASSERT(!validator->access_refusal(op, block).has_value());  // the validator refused the others
  shadow.track_owners();  // the oracles name the owners of the bytes they hit
  const std::uint64_t length = access_length(op, block);
  RegionMemory& memory = coherency->memory(block.region);
  const std::uint64_t region_offset = block.device_address - map.spec(block.region).base + op.offset_bytes;
  const std::uint64_t begin = block.device_address + op.offset_bytes;
  // The block's own bytes end where its header says, read before the op: an
  // invalidate may discard that header (it can share the block's first line),
  // and the stale copy in RAM may name another size, or no block at all.
  const CoherencyAccess at{op, block, memory, region_offset, length, begin, owners->own_bytes_end(block)};
  if (op.kind == OpKind::dma_to_device || op.kind == OpKind::dma_to_device_start ||
      op.kind == OpKind::dma_from_device_start) {
    coherency->note_dma_buffer(op.handle);
  }
  std::vector<Hazard> hazards;
  switch (op.kind) {
    case OpKind::cpu_write: coherency_cpu_write(at, &hazards); break;
    case OpKind::cpu_read: coherency_cpu_read(at, &hazards); break;
    case OpKind::cache_clean: memory.clean(region_offset, length, &hazards); break;
    case OpKind::cache_invalidate:
    case OpKind::cache_clean_invalidate:
    case OpKind::evict: coherency_drop_lines(at, &hazards); break;
    case OpKind::dma_to_device:
    case OpKind::dma_to_device_start: coherency_transmit(at, &hazards); break;
    case OpKind::dma_from_device_start: coherency_receive_start(at, &hazards); break;
    case OpKind::dma_from_device_complete: coherency_receive_complete(at); break;
    case OpKind::dma_to_device_complete: coherency->end_transmit(op.handle); break;
    case OpKind::dma_abort: stop_transfers(op.handle, block); break;
    case OpKind::speculative_fill: memory.fill_line_at(region_offset); break;
    case OpKind::alloc:
    case OpKind::realloc:
    case OpKind::free: SMH_SIM_ASSERT(false);  // not a CPU, cache or DMA op: apply_op() sends it elsewhere
  }
  report_hazards(hazards, op, block, at.own_end, maintenance_range_context(at));
  sink.record(Event{sink.op_index(), EventKind::coherency, op.handle, block.region, begin, length, 0});
}

}  // namespace smh::sim
