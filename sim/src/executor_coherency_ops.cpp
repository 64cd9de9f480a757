// The Executor's CPU, cache and DMA ops, and the coherency oracles. The cache
// model (cache_model.hpp) reports raw hazards in region offsets; here they are
// turned into findings with stable names, device addresses and owners:
//
//   STALE_TX               a transmit reads RAM while the CPU holds newer bytes
//   STALE_RX               the CPU reads cached bytes a device has since overwritten
//   WRITEBACK_CLOBBER      a dirty line written back over bytes a device wrote
//   CPU_TOUCH_ACTIVE_DMA   the CPU touches a line a DMA transfer is using
//   COLLATERAL_INVALIDATE  an invalidate discards another owner's dirty bytes
//                          (allocator metadata included)
//   UNALIGNED_INVALIDATE   an invalidate that does not start and end on lines
//   DMA_LINE_SHARED        a DMA buffer in a cacheable region shares a line with
//                          another owner
//   ATTR_MISMATCH          DMA on a block in a region DMA cannot reach
//   CONTENT                the CPU read bytes other than the block's contents
#include <algorithm>
#include <cstring>
#include <limits>

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
  // Remembers the CPU view of the lines covering region offsets [first, end).
  AllocatorBytesKeeper(const CacheModel& cache, unsigned char* cpu_view, std::uint64_t first, std::uint64_t end)
      : cpu_view_(cpu_view),
        lines_begin_(cache.line_first_offset(cache.line_of(first))),
        before_(cpu_view + lines_begin_, cpu_view + cache.line_end_offset(cache.line_of(end - 1))) {
    SMH_SIM_ASSERT(first < end);
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

bool is_receive(OpKind kind) {
  return kind == OpKind::dma_from_device_start || kind == OpKind::dma_from_device_complete;
}

}  // namespace

std::vector<unsigned char> Executor::Impl::expected_contents(Handle handle, const LiveBlock& block) const {
  std::vector<unsigned char> bytes(static_cast<std::size_t>(block.size_bytes));
  write_fill(bytes.data(), bytes.size(), fill_key(seed, handle, block.generation));
  return bytes;
}

std::uint64_t Executor::Impl::own_bytes_end(const LiveBlock& block) const {
  return block.device_address + pool->usable_size(host(block));
}

// Who owns device bytes [begin, end): the block itself (its whole usable area,
// up to `own_end`), another live block, or — when no live block does — the
// allocator (headers, free-list links) or nobody (free space).
std::string Executor::Impl::owner_of(std::uint64_t begin, std::uint64_t end, Handle handle, const LiveBlock& block,
                                     std::uint64_t own_end) const {
  if (begin >= block.device_address && end <= own_end) {
    return "handle " + std::to_string(handle);
  }
  if (const auto other = shadow.overlapping(begin, end, handle)) {
    return "handle " + std::to_string(*other);
  }
  return unowned_bytes(block.region, begin, end);
}

// What holds device bytes [begin, end), which no live block holds: the
// allocator's own walk tells block headers (allocator metadata) from free blocks
// (free space and their free-list links) and from what lies past the last block.
// Findings are rare, so walking O(blocks) here costs nothing that matters.
std::string Executor::Impl::unowned_bytes(unsigned region, std::uint64_t begin, std::uint64_t end) const {
  const std::uint64_t base = map.spec(region).base;
  const std::uint64_t first = begin - base;
  const std::uint64_t stop = end - base;
  std::string what;
  std::uint64_t covered_to = first;  // the walk visits blocks in address order
  auto add = [&what](const std::string& part) {
    if (what.find(part) == std::string::npos) {
      what += (what.empty() ? "" : " and ") + part;
    }
  };
  const bool walked = pool->walk([&](unsigned block_region, const BlockInfo& info) {
    const std::uint64_t block_begin = info.block_offset_bytes;
    const std::uint64_t block_end = block_begin + info.block_size_bytes;
    const std::uint64_t payload = info.payload_offset_bytes;
    if (block_region != region || block_end <= first || block_begin >= stop) {
      return;
    }
    covered_to = std::max(covered_to, block_end);
    const std::string at = hex(base + block_begin);
    if (first < payload) {
      add(std::string("allocator metadata (the header of the ") + (info.used ? "used" : "free") + " block at " + at + ")");
    }
    if (stop > payload && !info.used) {
      add("the free block at " + at + " (free space and the allocator's free-list links)");
    } else if (stop > payload) {
      const auto holder = shadow.overlapping(base + payload, base + payload + 1, std::nullopt);
      add(holder ? "handle " + std::to_string(*holder) : "the used block at " + at + ", which no live handle holds");
    }
  });
  if (!walked) {
    add("bytes the allocator's walk could not reach (its metadata is corrupted)");
  } else if (covered_to < stop) {
    add("allocator metadata past the last block");
  }
  return what;
}

// One finding per run of hazards of one kind on one owner (the model reports per
// line and per run of granules; a 128-byte buffer would otherwise read as four).
void Executor::Impl::report_hazards(const std::vector<Hazard>& hazards, const Op& op, const LiveBlock& block,
                                    std::uint64_t own_end) {
  const std::uint64_t base = map.spec(block.region).base;
  const std::string self = "handle " + std::to_string(op.handle);
  struct Run {
    HazardKind kind;
    std::uint64_t begin;
    std::uint64_t end;
    std::string owner;
  };
  std::vector<Run> runs;
  for (const Hazard& hazard : hazards) {
    const std::uint64_t begin = base + hazard.first_offset;
    const std::uint64_t end = base + hazard.last_offset + 1;
    std::string owner = owner_of(begin, end, op.handle, block, own_end);
    if (hazard.kind == HazardKind::discarded_dirty && begin < own_end && end > block.device_address) {
      // Discarding the buffer's own bytes is what an invalidate is for; they are
      // undefined from now on. A run of dirty granules may hold a neighbour's
      // bytes too (a header in the buffer's first line): those are reported.
      shadow.find_mutable(op.handle)->contents_known = false;
      if (owner == self) {
        continue;
      }
    }
    if (!runs.empty() && runs.back().kind == hazard.kind && runs.back().end == begin && runs.back().owner == owner) {
      runs.back().end = end;
    } else {
      runs.push_back(Run{hazard.kind, begin, end, std::move(owner)});
    }
  }
  for (const Run& run : runs) {
    report(oracle_of(run.kind), std::string(to_string(op.kind)) + " on " + self + ": bytes [" + hex(run.begin) +
                                      ", " + hex(run.end) + ") of " + run.owner + " in '" +
                                      map.spec(block.region).name + "'",
           op.handle);
  }
}

void Executor::Impl::check_dma_buffer(const Op& op, const LiveBlock& block, std::uint64_t begin, std::uint64_t end,
                                      std::uint64_t own_end) {
  const RegionSpec& spec = map.spec(block.region);
  if (!spec.dma_capable) {
    report(Check::attr_mismatch, std::string(to_string(op.kind)) + " on handle " + std::to_string(op.handle) + " at " +
                                hex(begin) + ": region '" + spec.name + "' is not reachable by DMA",
           op.handle);
  }
  if (!is_cacheable(spec.cache_policy)) {
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
      report(Check::dma_line_shared, std::string(to_string(op.kind)) + " on handle " + std::to_string(op.handle) +
                                    " [" + hex(begin) + ", " + hex(end) + "): its cache line shares [" + hex(from) +
                                    ", " + hex(to) + ") with " + owner_of(from, to, op.handle, block, own_end),
             op.handle);
    }
  }
}

std::string Executor::Impl::device_write_outside(Handle handle, const LiveBlock& block, std::uint64_t begin,
                                                std::uint64_t end) const {
  const std::uint64_t buffer_end = block.device_address + block.size_bytes;
  if (begin >= block.device_address && end <= buffer_end) {
    return "";
  }
  const std::uint64_t from = begin < block.device_address ? begin : buffer_end;
  const std::uint64_t to = begin < block.device_address ? std::min(end, block.device_address) : end;
  return "device write [" + hex(begin) + ", " + hex(end) + ") leaves handle " + std::to_string(handle) +
         "'s buffer [" + hex(block.device_address) + ", " + hex(buffer_end) + ") at [" + hex(from) + ", " + hex(to) +
         "), into " + owner_of(from, to, handle, block, own_bytes_end(block));
}

void Executor::Impl::cache_noise() {
  if (cache_noise_rng.below(1'000'000) >= options.cache_noise_ppm) {
    return;
  }
  std::vector<unsigned> cached;
  for (unsigned region = 0; region < caches.size(); ++region) {
    if (caches[region]) {
      cached.push_back(region);
    }
  }
  if (cached.empty()) {
    return;
  }
  const unsigned region = cached[cache_noise_rng.below(cached.size())];
  CacheModel& cache = *caches[region];
  const std::uint64_t line = cache_noise_rng.below(cache.line_count());
  if (!cache_noise_rng.chance(1, 2)) {
    cache.speculative_fill(line);
    return;
  }
  std::vector<Hazard> hazards;
  const std::uint64_t first = cache.line_first_offset(line);
  const AllocatorBytesKeeper keeper(cache, map.cpu_view(region), first, first + 1);
  cache.evict(line, &hazards);
  const std::uint64_t base = map.spec(region).base;
  keeper.restore(base, [&](std::uint64_t begin, std::uint64_t end) {
    return shadow.overlapping(begin, end, std::nullopt).has_value();
  });
  for (const Hazard& hazard : hazards) {
    const std::uint64_t begin = base + hazard.first_offset;
    const std::uint64_t end = base + hazard.last_offset + 1;
    const auto owner = shadow.overlapping(begin, end, std::nullopt);
    report(oracle_of(hazard.kind), "a background eviction of the line at " + hex(base + cache.line_first_offset(line)) +
                                         " hit bytes [" + hex(begin) + ", " + hex(end) + ") of " +
                                         (owner ? "handle " + std::to_string(*owner) : unowned_bytes(region, begin, end)) +
                                         " in '" + map.spec(region).name + "'");
  }
}

bool Executor::Impl::coherency_op_fits(const Op& op, const LiveBlock& block, std::string* why) const {
  if (op.offset_bytes > block.size_bytes) {
    *why = "offset " + std::to_string(op.offset_bytes) + " is past the block's " + std::to_string(block.size_bytes) +
           " bytes";
    return false;
  }
  // The cache's own moves name the line holding block + offset: a byte of the
  // block, not the line after it.
  if ((op.kind == OpKind::evict || op.kind == OpKind::speculative_fill) && op.offset_bytes == block.size_bytes) {
    *why = "offset " + std::to_string(op.offset_bytes) + " is past the block's last byte (it has " +
           std::to_string(block.size_bytes) + ")";
    return false;
  }
  const std::uint64_t length = op.length_bytes == 0 ? block.size_bytes - op.offset_bytes : op.length_bytes;
  if (length > block.size_bytes - op.offset_bytes) {
    // The end is written only when it does not wrap (offset 8, length 2^64 - 8
    // would read "[8, 0)").
    const bool wraps = length > std::numeric_limits<std::uint64_t>::max() - op.offset_bytes;
    *why = "range [" + std::to_string(op.offset_bytes) + ", " +
           (wraps ? std::to_string(op.offset_bytes) + " + " + std::to_string(length)
                  : std::to_string(op.offset_bytes + length)) +
           ") runs past the block's " + std::to_string(block.size_bytes) + " bytes";
    return false;
  }
  if (is_receive(op.kind) && (op.offset_bytes != 0 || length != block.size_bytes)) {
    *why = "a receive covers the whole block";
    return false;
  }
  if (op.kind == OpKind::dma_from_device_start && receiving.contains(op.handle)) {
    *why = "a receive into this block is already in flight";
    return false;
  }
  if (op.kind == OpKind::dma_from_device_complete && !receiving.contains(op.handle)) {
    *why = "no receive into this block was started";
    return false;
  }
  return true;
}

void Executor::Impl::coherency_cpu_write(const CoherencyAccess& at, std::vector<Hazard>* hazards) {
  const std::vector<unsigned char> expected = expected_contents(at.op.handle, at.block);
  if (at.cache != nullptr) {
    at.cache->cpu_write(at.region_offset, expected.data() + at.op.offset_bytes, at.length, hazards);
  } else {
    std::memcpy(at.cpu, expected.data() + at.op.offset_bytes, static_cast<std::size_t>(at.length));
  }
  if (at.op.offset_bytes == 0 && at.length == at.block.size_bytes) {
    shadow.find_mutable(at.op.handle)->contents_known = true;
  }
}

void Executor::Impl::coherency_cpu_read(const CoherencyAccess& at, std::vector<Hazard>* hazards) {
  std::vector<unsigned char> seen(static_cast<std::size_t>(at.length));
  if (at.cache != nullptr) {
    at.cache->cpu_read(at.region_offset, seen.data(), at.length, hazards);
  } else {
    std::memcpy(seen.data(), at.cpu, seen.size());
  }
  // CONTENT is an invariant check: a fast replay (checks off) writes no fill
  // patterns, so it has no contents to compare and must not report (its digest
  // is a checked run's when nothing fires).
  if (!options.check_invariants) {
    return;
  }
  const std::vector<unsigned char> expected = expected_contents(at.op.handle, at.block);
  const auto mismatch = std::mismatch(seen.begin(), seen.end(), expected.begin() + at.op.offset_bytes);
  if (hazards->empty() && at.block.contents_known && mismatch.first != seen.end()) {
    report(Check::content, describe(at.op.handle, at.block) + ": the CPU read a wrong byte at " +
                               hex(at.begin + static_cast<std::uint64_t>(mismatch.first - seen.begin())),
           at.op.handle);
  }
}

void Executor::Impl::coherency_drop_lines(const CoherencyAccess& at, std::vector<Hazard>* hazards) {
  if (at.cache == nullptr || at.length == 0) {
    return;
  }
  const std::uint64_t line = at.cache->line_of(at.region_offset);
  const AllocatorBytesKeeper keeper(*at.cache, map.cpu_view(at.block.region), at.region_offset,
                                    at.op.kind == OpKind::evict ? at.region_offset + 1 : at.region_offset + at.length);
  switch (at.op.kind) {
    case OpKind::cache_invalidate: at.cache->invalidate(at.region_offset, at.length, hazards); break;
    case OpKind::cache_clean_invalidate: at.cache->clean_invalidate(at.region_offset, at.length, hazards); break;
    case OpKind::evict: at.cache->evict(line, hazards); break;
    default: SMH_SIM_ASSERT(false);  // only these drop lines
  }
  keeper.restore(map.spec(at.block.region).base, [&](std::uint64_t begin, std::uint64_t end) {
    return (begin >= at.block.device_address && end <= at.own_end) ||
           shadow.overlapping(begin, end, at.op.handle).has_value();
  });
}

void Executor::Impl::coherency_receive_complete(const CoherencyAccess& at) {
  // The device delivers new contents: the block's next generation.
  LiveBlock* live = shadow.find_mutable(at.op.handle);
  ++live->generation;
  live->contents_known = true;
  const std::vector<unsigned char> received = expected_contents(at.op.handle, *live);
  if (const std::string outside = device_write_outside(at.op.handle, *live, at.begin, at.begin + at.length);
      !outside.empty()) {
    report(Check::dma_overrun, outside, at.op.handle);
  }
  if (at.cache != nullptr) {
    at.cache->dma_from_device_complete(at.region_offset, received.data(), at.length);
  } else {
    std::memcpy(at.cpu, received.data(), received.size());
  }
  receiving.erase(at.op.handle);
}

bool Executor::Impl::apply_coherency(const Op& op, const LiveBlock& block, std::string* why) {
  SMH_SIM_ASSERT(coherency_op_fits(op, block, why));  // validate_op() refused the others
  shadow.track_owners();  // the oracles name the owners of the bytes they hit
  const std::uint64_t length = op.length_bytes == 0 ? block.size_bytes - op.offset_bytes : op.length_bytes;
  CacheModel* cache = caches[block.region].get();
  const std::uint64_t region_offset = block.device_address - map.spec(block.region).base + op.offset_bytes;
  if (op.kind == OpKind::dma_from_device_complete && cache != nullptr && length != 0) {
    // A realloc during the transfer may have moved or grown the buffer: the
    // device's transfer is not where the block now is. That is a program error
    // the run cannot continue past faithfully (the device writes memory the
    // program no longer owns), so the op is refused, like any other invalid one.
    for (std::uint64_t line = cache->line_of(region_offset), last = cache->line_of(region_offset + length - 1);
         line <= last; ++line) {
      if (!cache->rx_active(line)) {
        *why = "the block moved or grew since its receive started (a realloc during the transfer)";
        return false;
      }
    }
  }
  const std::uint64_t begin = block.device_address + op.offset_bytes;
  // The block's own bytes end where its header says, read before the op: an
  // invalidate may discard that header (it can share the block's first line),
  // and the stale copy in RAM may name another size, or no block at all.
  const CoherencyAccess at{op, block, cache, region_offset, length, begin, own_bytes_end(block),
                           host(block) + op.offset_bytes};
  std::vector<Hazard> hazards;
  switch (op.kind) {
    case OpKind::cpu_write: coherency_cpu_write(at, &hazards); break;
    case OpKind::cpu_read: coherency_cpu_read(at, &hazards); break;
    case OpKind::cache_clean:
      if (cache != nullptr) {
        cache->clean(region_offset, length, &hazards);
      }
      break;
    case OpKind::cache_invalidate:
    case OpKind::cache_clean_invalidate:
    case OpKind::evict: coherency_drop_lines(at, &hazards); break;
    case OpKind::dma_to_device:
      check_dma_buffer(op, block, begin, begin + length, at.own_end);
      if (cache != nullptr) {
        cache->dma_to_device(region_offset, length, &hazards);
      }
      break;
    case OpKind::dma_from_device_start:
      check_dma_buffer(op, block, begin, begin + length, at.own_end);
      if (cache != nullptr) {
        cache->dma_from_device_start(region_offset, length);
      }
      receiving.emplace(op.handle, std::pair{op.offset_bytes, length});
      break;
    case OpKind::dma_from_device_complete: coherency_receive_complete(at); break;
    case OpKind::speculative_fill:
      if (cache != nullptr) {
        cache->speculative_fill(cache->line_of(region_offset));
      }
      break;
    case OpKind::alloc:
    case OpKind::realloc:
    case OpKind::free: SMH_SIM_ASSERT(false);  // not a CPU, cache or DMA op: apply_op() sends it elsewhere
  }
  report_hazards(hazards, op, block, at.own_end);
  record(Event{op_index, EventKind::coherency, op.handle, block.region, begin, length, 0});
  return true;
}

}  // namespace smh::sim
