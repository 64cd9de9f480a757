#include "smh/sim/cache_model.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "power_of_two.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {
namespace {

constexpr std::uint8_t kValid = 1u << 0;
constexpr std::uint8_t kRamNewer = 1u << 1;
constexpr std::uint8_t kRxActive = 1u << 2;
constexpr std::uint8_t kTxActive = 1u << 3;

constexpr std::uint32_t kGranuleShift = 3;
static_assert(CacheModel::granule_bytes == 1u << kGranuleShift);
static_assert(CacheModel::max_line_bytes / CacheModel::granule_bytes <= 32, "granule masks are uint32");

// Bits first..last (inclusive) set.
constexpr std::uint32_t bit_range(std::uint32_t first, std::uint32_t last) {
  const std::uint32_t up_to_last = last >= 31 ? ~std::uint32_t{0} : (std::uint32_t{1} << (last + 1)) - 1;
  return up_to_last & ~((std::uint32_t{1} << first) - 1);
}

}  // namespace

Check oracle_of(HazardKind kind) {
  switch (kind) {
    case HazardKind::stale_tx: return Check::stale_tx;
    case HazardKind::stale_rx: return Check::stale_rx;
    case HazardKind::writeback_clobber: return Check::writeback_clobber;
    case HazardKind::cpu_touch_active_dma: return Check::cpu_touch_active_dma;
    case HazardKind::discarded_dirty: return Check::collateral_invalidate;
    case HazardKind::unaligned_invalidate: return Check::unaligned_invalidate;
  }
  return static_cast<Check>(check_count);  // named "?"
}

const char* to_string(HazardKind kind) { return to_string(oracle_of(kind)); }

CacheModel::CacheModel(unsigned char* cpu_view, unsigned char* ram_view, std::uint64_t size_bytes,
                       std::uint32_t line_bytes, CachePolicy policy, std::uint32_t line_skew_bytes,
                       bool worst_case)
    : cpu_(cpu_view),
      ram_(ram_view),
      size_bytes_(size_bytes),
      line_bytes_(line_bytes),
      skew_(line_skew_bytes),
      policy_(policy),
      worst_case_(worst_case) {
  SMH_SIM_ASSERT(cpu_view != nullptr && ram_view != nullptr && cpu_view != ram_view);
  SMH_SIM_ASSERT(size_bytes > 0 && size_bytes <= std::numeric_limits<std::uint64_t>::max() / 2);
  SMH_SIM_ASSERT(detail::is_power_of_two(line_bytes) && line_bytes >= min_line_bytes &&
             line_bytes <= max_line_bytes);
  SMH_SIM_ASSERT(policy == CachePolicy::write_back || policy == CachePolicy::write_through);
  SMH_SIM_ASSERT(line_skew_bytes < line_bytes && line_skew_bytes % granule_bytes == 0);
  line_shift_ = static_cast<std::uint32_t>(std::countr_zero(line_bytes));
  mask_stride_ = (line_bytes / granule_bytes + 7) / 8;
  const std::uint64_t lines = (size_bytes + skew_ + line_bytes - 1) >> line_shift_;
  flags_ = LazyZeroArray<std::uint8_t>(static_cast<std::size_t>(lines));
  dirty_mask_ = LazyZeroArray<std::uint8_t>(static_cast<std::size_t>(lines * mask_stride_));
}

// ---- Geometry ---------------------------------------------------------------------

std::uint64_t CacheModel::line_of(std::uint64_t offset) const {
  SMH_SIM_ASSERT(offset < size_bytes_);
  return (offset + skew_) >> line_shift_;
}

CacheModel::Span CacheModel::line_span(std::uint64_t line) const {
  SMH_SIM_ASSERT(line < flags_.size());
  const std::uint64_t start = line << line_shift_;
  return {std::max<std::uint64_t>(start, skew_), std::min(start + line_bytes_, skew_ + size_bytes_)};
}

CacheModel::Span CacheModel::range_span(std::uint64_t offset, std::uint64_t size) const {
  SMH_SIM_ASSERT(offset <= size_bytes_ && size <= size_bytes_ - offset);
  return {offset + skew_, offset + skew_ + size};
}

std::uint64_t CacheModel::line_first_offset(std::uint64_t line) const {
  return line_span(line).first - skew_;
}
std::uint64_t CacheModel::line_end_offset(std::uint64_t line) const {
  return line_span(line).end - skew_;
}

bool CacheModel::line_aligned(std::uint64_t offset) const {
  SMH_SIM_ASSERT(offset <= size_bytes_);
  return ((offset + skew_) & (line_bytes_ - 1)) == 0;
}

// The granules of a line that part (non-empty, inside the line) touches.
std::uint32_t CacheModel::granules_of(std::uint64_t line, Span part) const {
  const std::uint64_t start = line << line_shift_;
  SMH_SIM_ASSERT(part.first < part.end && part.first >= start && part.end <= start + line_bytes_);
  return bit_range(static_cast<std::uint32_t>((part.first - start) >> kGranuleShift),
                   static_cast<std::uint32_t>((part.end - 1 - start) >> kGranuleShift));
}

// The granules of a line whose in-region bytes part covers entirely.
std::uint32_t CacheModel::covered_granules(std::uint64_t line, Span part) const {
  const std::uint64_t start = line << line_shift_;
  const Span span = line_span(line);
  std::uint32_t covered = 0;
  for (std::uint64_t g_start = part.first & ~std::uint64_t{granule_bytes - 1}; g_start < part.end;
       g_start += granule_bytes) {
    const std::uint64_t first = std::max(g_start, span.first);
    const std::uint64_t end = std::min(g_start + granule_bytes, span.end);
    if (first >= part.first && end <= part.end) {
      covered |= std::uint32_t{1} << ((g_start - start) >> kGranuleShift);
    }
  }
  return covered;
}

std::uint32_t CacheModel::dirty_mask(std::uint64_t line) const {
  const std::uint8_t* bytes = &dirty_mask_[line * mask_stride_];
  std::uint32_t mask = 0;
  for (std::uint32_t i = 0; i < mask_stride_; ++i) mask |= std::uint32_t{bytes[i]} << (8 * i);
  return mask;
}

void CacheModel::set_dirty_mask(std::uint64_t line, std::uint32_t mask) {
  note_touched(line);
  SMH_SIM_ASSERT(policy_ == CachePolicy::write_back || mask == 0);
  std::uint8_t* bytes = &dirty_mask_[line * mask_stride_];
  for (std::uint32_t i = 0; i < mask_stride_; ++i) bytes[i] = static_cast<std::uint8_t>(mask >> (8 * i));
}

// ---- Hazards ----------------------------------------------------------------------

void CacheModel::emit(HazardKind kind, std::uint64_t line, Span part, std::vector<Hazard>* out,
                      bool possible) const {
  SMH_SIM_ASSERT(part.first < part.end);
  if (out != nullptr) out->push_back({kind, line, part.first - skew_, part.end - 1 - skew_, possible});
}

std::uint32_t CacheModel::maybe_stale(std::uint64_t line) const {
  const auto found = maybe_stale_.find(line);
  return found == maybe_stale_.end() ? 0 : found->second;
}

void CacheModel::clear_maybe_stale(std::uint64_t line, std::uint32_t granules) {
  const auto found = maybe_stale_.find(line);
  if (found != maybe_stale_.end() && (found->second &= ~granules) == 0) maybe_stale_.erase(found);
}

// One hazard per run of consecutive granules, each clipped to clip and the region.
void CacheModel::emit_runs(HazardKind kind, std::uint64_t line, std::uint32_t granules, Span clip,
                           std::vector<Hazard>* out, bool possible) const {
  if (out == nullptr) return;
  const std::uint64_t start = line << line_shift_;
  const Span span = line_span(line);
  while (granules != 0) {
    const auto first = static_cast<std::uint32_t>(std::countr_zero(granules));
    const auto run = static_cast<std::uint32_t>(std::countr_one(granules >> first));
    granules &= ~bit_range(first, first + run - 1);
    const Span part{std::max({start + first * granule_bytes, span.first, clip.first}),
                    std::min({start + (first + run) * granule_bytes, span.end, clip.end})};
    if (part.first < part.end) emit(kind, line, part, out, possible);
  }
}

// ---- Line state transitions -------------------------------------------------------

// Accounts for CPU writes the model did not see (the allocator writing the CPU
// view directly): bytes differing from the line's reference were written by the
// CPU, through the cache.
void CacheModel::absorb_cpu_writes(std::uint64_t line) {
  const Span span = line_span(line);
  const std::uint64_t n = span.end - span.first;
  unsigned char* cpu = cpu_ + (span.first - skew_);
  unsigned char* ram = ram_ + (span.first - skew_);
  std::uint8_t& flags = line_flags(line);
  // A ram_newer line legitimately differs from RAM; its reference is the CPU
  // bytes as last accounted for. Every other line's reference is RAM (model
  // invariants: dirty granules may differ too, which re-marking leaves as is).
  RamNewer* newer = nullptr;
  if ((flags & kRamNewer) != 0) {
    newer = &ram_newer_.find(line)->second;
    SMH_SIM_ASSERT(newer->cpu_snapshot.size() == n);
  }
  const unsigned char* reference = newer != nullptr ? newer->cpu_snapshot.data() : ram;
  if (std::memcmp(cpu, reference, n) == 0) return;

  const std::uint64_t start = line << line_shift_;
  std::uint32_t written = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (cpu[i] == reference[i]) continue;
    written |= std::uint32_t{1} << ((span.first + i - start) >> kGranuleShift);
    if (policy_ == CachePolicy::write_through) ram[i] = cpu[i];  // it was written through
    if (newer != nullptr) newer->cpu_snapshot[i] = cpu[i];
  }
  flags |= kValid;  // write-allocate
  clear_maybe_stale(line, written);  // the CPU's bytes now, whatever a fill held
  if (policy_ == CachePolicy::write_back) set_dirty_mask(line, dirty_mask(line) | written);
  if (newer != nullptr) {
    // A stale line: a written byte equal to the stale one it replaced is invisible
    // to the comparison, yet on the machine it went through (write-through) or
    // will be written back with its line. The writers we cannot see write whole
    // granules (the allocator's headers and links, the harness's fill patterns),
    // so a granule with any change counts as written in full — else the device's
    // byte would stay in RAM and the next invalidate would put it into a header.
    // Its bytes are the CPU's from now on: the device's there are superseded.
    for (std::uint32_t granules = written; granules != 0; granules &= granules - 1) {
      const std::uint64_t g_start = start + std::uint64_t{static_cast<std::uint32_t>(std::countr_zero(granules))} * granule_bytes;
      const std::uint64_t first = std::max(g_start, span.first) - span.first;
      const std::uint64_t end = std::min(g_start + granule_bytes, span.end) - span.first;
      if (policy_ == CachePolicy::write_through) std::memcpy(ram + first, cpu + first, end - first);
      std::memcpy(newer->cpu_snapshot.data() + first, cpu + first, end - first);
    }
    newer->device_granules &= ~written;
    if (newer->device_granules == 0) {
      ram_newer_.erase(line);
      flags &= static_cast<std::uint8_t>(~kRamNewer);
    }
  }
}

// Writes a dirty line back (CPU -> RAM); the caller absorbed first.
void CacheModel::write_back(std::uint64_t line, std::vector<Hazard>* out) {
  const std::uint32_t dirty = dirty_mask(line);
  if (dirty == 0) return;
  std::uint8_t& flags = line_flags(line);
  std::uint32_t device_bytes = 0;  // what the write-back overwrites of a device's data
  if ((flags & kRamNewer) != 0) device_bytes |= ram_newer_.find(line)->second.device_granules;
  if ((flags & kRxActive) != 0) device_bytes |= dma_.find(line)->second.rx_granules;
  const Span span = line_span(line);
  emit_runs(HazardKind::writeback_clobber, line, device_bytes, span, out);
  std::memcpy(ram_ + (span.first - skew_), cpu_ + (span.first - skew_), span.end - span.first);
  set_dirty_mask(line, 0);
  if ((flags & kRamNewer) != 0) {  // RAM now holds the CPU's bytes: nothing newer remains
    ram_newer_.erase(line);
    flags &= static_cast<std::uint8_t>(~kRamNewer);
  }
}

// Drops the line: the CPU view mirrors RAM again. Dirty data is lost.
void CacheModel::make_invalid(std::uint64_t line) {
  const Span span = line_span(line);
  std::memcpy(cpu_ + (span.first - skew_), ram_ + (span.first - skew_), span.end - span.first);
  std::uint8_t& flags = line_flags(line);
  if ((flags & kRamNewer) != 0) ram_newer_.erase(line);
  flags &= static_cast<std::uint8_t>(~(kValid | kRamNewer));
  set_dirty_mask(line, 0);
  maybe_stale_.erase(line);  // dropped: the next read fills from RAM
}

// A device writes part of a line in RAM; the caller absorbed first.
void CacheModel::device_write_line(std::uint64_t line, Span part, const unsigned char* data) {
  const std::uint64_t n = part.end - part.first;
  std::memcpy(ram_ + (part.first - skew_), data, n);
  std::uint8_t& flags = line_flags(line);
  if ((flags & kValid) == 0) {  // an invalid line mirrors RAM
    std::memcpy(cpu_ + (part.first - skew_), data, n);
    return;
  }
  if ((flags & kRamNewer) == 0) {
    const Span span = line_span(line);
    const unsigned char* cpu = cpu_ + (span.first - skew_);
    RamNewer& newer = ram_newer_[line];
    newer.cpu_snapshot.assign(cpu, cpu + (span.end - span.first));
    newer.device_granules = 0;
    flags |= kRamNewer;
  }
  ram_newer_.find(line)->second.device_granules |= granules_of(line, part);
}

// ---- CPU --------------------------------------------------------------------------

void CacheModel::cpu_write(std::uint64_t offset, const unsigned char* data, std::uint64_t size,
                           std::vector<Hazard>* out) {
  const Span range = range_span(offset, size);
  if (size == 0) return;
  SMH_SIM_ASSERT(data != nullptr);
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    absorb_cpu_writes(line);
    const Span span = line_span(line);
    const Span part{std::max(span.first, range.first), std::min(span.end, range.end)};
    const unsigned char* bytes = data + (part.first - range.first);
    const std::uint64_t n = part.end - part.first;
    std::uint8_t& flags = line_flags(line);
    if ((flags & (kRxActive | kTxActive)) != 0) emit(HazardKind::cpu_touch_active_dma, line, part, out);
    flags |= kValid;  // invalid lines mirror RAM: the fill is already in the CPU view
    clear_maybe_stale(line, covered_granules(line, part));
    std::memcpy(cpu_ + (part.first - skew_), bytes, n);
    if (policy_ == CachePolicy::write_through) {
      std::memcpy(ram_ + (part.first - skew_), bytes, n);
    } else {
      set_dirty_mask(line, dirty_mask(line) | granules_of(line, part));
    }
    if ((flags & kRamNewer) != 0) {
      RamNewer& newer = ram_newer_.find(line)->second;
      std::memcpy(newer.cpu_snapshot.data() + (part.first - span.first), bytes, n);
      // The CPU's bytes are newer than the device's where it wrote whole granules.
      newer.device_granules &= ~covered_granules(line, part);
      if (newer.device_granules == 0) {
        ram_newer_.erase(line);
        flags &= static_cast<std::uint8_t>(~kRamNewer);
      }
    }
  }
}

void CacheModel::cpu_read(std::uint64_t offset, unsigned char* data, std::uint64_t size,
                          std::vector<Hazard>* out) {
  const Span range = range_span(offset, size);
  if (size == 0) return;
  SMH_SIM_ASSERT(data != nullptr);
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    absorb_cpu_writes(line);
    const Span span = line_span(line);
    const Span part{std::max(span.first, range.first), std::min(span.end, range.end)};
    std::uint8_t& flags = line_flags(line);
    if ((flags & kRxActive) != 0) emit(HazardKind::cpu_touch_active_dma, line, part, out);
    std::uint32_t stale = 0;
    if ((flags & kRamNewer) != 0) {
      stale = ram_newer_.find(line)->second.device_granules & granules_of(line, part);
      emit_runs(HazardKind::stale_rx, line, stale, part, out);
    }
    emit_runs(HazardKind::stale_rx, line, maybe_stale(line) & granules_of(line, part) & ~stale, part, out, true);
    flags |= kValid;
    std::memcpy(data + (part.first - range.first), cpu_ + (part.first - skew_), part.end - part.first);
  }
}

// ---- Cache maintenance ------------------------------------------------------------

void CacheModel::clean(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out) {
  (void)range_span(offset, size);  // asserts the range
  if (size == 0) return;
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    absorb_cpu_writes(line);
    write_back(line, out);
  }
}

void CacheModel::invalidate(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out) {
  (void)range_span(offset, size);  // asserts the range
  if (size == 0) return;
  const std::uint64_t first_line = line_of(offset);
  const std::uint64_t last_line = line_of(offset + size - 1);
  const bool first_unaligned = !line_aligned(offset);
  const bool last_unaligned = !line_aligned(offset + size);
  for (std::uint64_t line = first_line; line <= last_line; ++line) {
    const Span span = line_span(line);
    if ((line == first_line && first_unaligned) || (line == last_line && last_unaligned)) {
      emit(HazardKind::unaligned_invalidate, line, span, out);
    }
    absorb_cpu_writes(line);
    emit_runs(HazardKind::discarded_dirty, line, dirty_mask(line), span, out);
    make_invalid(line);
  }
}

void CacheModel::clean_invalidate(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out) {
  (void)range_span(offset, size);  // asserts the range
  if (size == 0) return;
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    absorb_cpu_writes(line);
    write_back(line, out);
    make_invalid(line);
  }
}

// ---- DMA --------------------------------------------------------------------------

void CacheModel::check_stale_tx(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out) {
  const Span range = range_span(offset, size);
  if (size == 0) return;
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    absorb_cpu_writes(line);
    const Span span = line_span(line);
    const Span part{std::max(span.first, range.first), std::min(span.end, range.end)};
    // Only dirty bytes inside the transfer make it stale; a neighbour's dirty
    // bytes in the same line leave the transferred RAM bytes right.
    emit_runs(HazardKind::stale_tx, line, dirty_mask(line) & granules_of(line, part), part, out);
  }
}

void CacheModel::dma_to_device(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out) {
  check_stale_tx(offset, size, out);
}

void CacheModel::dma_to_device_start(std::uint64_t offset, std::uint64_t size,
                                     std::vector<Hazard>* out) {
  check_stale_tx(offset, size, out);
  if (size == 0) return;
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    DmaActivity& activity = dma_[line];
    SMH_SIM_ASSERT(activity.tx < std::numeric_limits<std::uint16_t>::max());
    ++activity.tx;
    line_flags(line) |= kTxActive;
  }
}

void CacheModel::dma_to_device_complete(std::uint64_t offset, std::uint64_t size) {
  (void)range_span(offset, size);  // asserts the range
  if (size == 0) return;
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    const auto found = dma_.find(line);
    SMH_SIM_ASSERT(found != dma_.end() && found->second.tx > 0);  // completes a started transfer
    DmaActivity& activity = found->second;
    if (--activity.tx == 0) line_flags(line) &= static_cast<std::uint8_t>(~kTxActive);
    if (activity.rx == 0 && activity.tx == 0) dma_.erase(found);
  }
}

void CacheModel::dma_from_device_start(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out) {
  const Span range = range_span(offset, size);
  if (size == 0) return;
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    const Span span = line_span(line);
    const Span part{std::max(span.first, range.first), std::min(span.end, range.end)};
    if (worst_case_) {
      // An eviction of a dirty line during the receive writes it back over the
      // device's bytes: possible from now until the receive completes.
      absorb_cpu_writes(line);
      if (dirty_mask(line) != 0) emit_runs(HazardKind::writeback_clobber, line, granules_of(line, part), part, out, true);
    }
    DmaActivity& activity = dma_[line];
    SMH_SIM_ASSERT(activity.rx < std::numeric_limits<std::uint16_t>::max());
    ++activity.rx;
    activity.rx_granules |= granules_of(line, part);
    line_flags(line) |= kRxActive;
  }
}

void CacheModel::dma_from_device_complete(std::uint64_t offset, const unsigned char* data, std::uint64_t size,
                                          std::uint64_t written_bytes) {
  const Span range = range_span(offset, size);
  SMH_SIM_ASSERT(written_bytes <= size);
  if (size == 0) return;
  SMH_SIM_ASSERT(data != nullptr || written_bytes == 0);
  const std::uint64_t written_end = range.first + written_bytes;  // skewed, exclusive
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    const auto found = dma_.find(line);
    SMH_SIM_ASSERT(found != dma_.end() && found->second.rx > 0);  // completes a started transfer
    const Span span = line_span(line);
    const Span part{std::max(span.first, range.first), std::min(span.end, range.end)};
    const Span written{part.first, std::min(part.end, written_end)};
    absorb_cpu_writes(line);
    if (written.first < written.end) {
      if (worst_case_ && (flags_[line] & kValid) == 0) {
        maybe_stale_[line] |= granules_of(line, written);  // a fill during the receive would hold the old bytes
      }
      device_write_line(line, written, data + (written.first - range.first));
    }
    DmaActivity& activity = found->second;
    // Transfers sharing a line are different blocks, hence different granules.
    activity.rx_granules &= ~granules_of(line, part);
    if (--activity.rx == 0) {
      activity.rx_granules = 0;
      line_flags(line) &= static_cast<std::uint8_t>(~kRxActive);
    }
    if (activity.rx == 0 && activity.tx == 0) dma_.erase(found);
  }
}

void CacheModel::dma_from_device_abort(std::uint64_t offset, std::uint64_t size) {
  const Span range = range_span(offset, size);
  if (size == 0) return;
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    const auto found = dma_.find(line);
    SMH_SIM_ASSERT(found != dma_.end() && found->second.rx > 0);  // aborts a started transfer
    const Span span = line_span(line);
    DmaActivity& activity = found->second;
    activity.rx_granules &= ~granules_of(line, Span{std::max(span.first, range.first), std::min(span.end, range.end)});
    if (--activity.rx == 0) {
      activity.rx_granules = 0;
      line_flags(line) &= static_cast<std::uint8_t>(~kRxActive);
    }
    if (activity.rx == 0 && activity.tx == 0) dma_.erase(found);
  }
}

void CacheModel::device_write(std::uint64_t offset, const unsigned char* data, std::uint64_t size) {
  const Span range = range_span(offset, size);
  if (size == 0) return;
  SMH_SIM_ASSERT(data != nullptr);
  for (std::uint64_t line = line_of(offset), last = line_of(offset + size - 1); line <= last; ++line) {
    const Span span = line_span(line);
    const Span part{std::max(span.first, range.first), std::min(span.end, range.end)};
    absorb_cpu_writes(line);
    device_write_line(line, part, data + (part.first - range.first));
  }
}

// ---- Seeded cache behaviour -------------------------------------------------------

void CacheModel::evict(std::uint64_t line, std::vector<Hazard>* out) {
  SMH_SIM_ASSERT(line < flags_.size());
  absorb_cpu_writes(line);
  if (!has_flag(line, kValid)) return;
  write_back(line, out);
  make_invalid(line);
}

void CacheModel::speculative_fill(std::uint64_t line) {
  SMH_SIM_ASSERT(line < flags_.size());
  absorb_cpu_writes(line);
  line_flags(line) |= kValid;  // an invalid line already mirrors RAM
}

// ---- Queries ----------------------------------------------------------------------

bool CacheModel::has_flag(std::uint64_t line, std::uint8_t flag) const {
  SMH_SIM_ASSERT(line < flags_.size());
  return (flags_[line] & flag) != 0;
}
bool CacheModel::valid(std::uint64_t line) const { return has_flag(line, kValid); }
bool CacheModel::ram_newer(std::uint64_t line) const { return has_flag(line, kRamNewer); }
bool CacheModel::rx_active(std::uint64_t line) const { return has_flag(line, kRxActive); }
bool CacheModel::tx_active(std::uint64_t line) const { return has_flag(line, kTxActive); }
bool CacheModel::dirty(std::uint64_t line) const {
  SMH_SIM_ASSERT(line < flags_.size());
  return dirty_mask(line) != 0;
}
bool CacheModel::effectively_dirty(std::uint64_t line) {
  SMH_SIM_ASSERT(line < flags_.size());
  absorb_cpu_writes(line);
  return dirty_mask(line) != 0;
}

// ---- Self-check -------------------------------------------------------------------

namespace {

// The lines verify() tests for zero together.
constexpr std::uint64_t untouched_chunk_lines = 64;

// Whether `count` bytes (a multiple of 8) are all zero: OR of 8-byte words, no
// early exit inside (vectorised).
bool all_zero(const std::uint8_t* bytes, std::uint64_t count) {
  SMH_SIM_ASSERT(count % 8 == 0);
  std::uint64_t any = 0;
  for (std::uint64_t at = 0; at < count; at += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + at, 8);
    any |= word;
  }
  return any == 0;
}

}  // namespace

// Each line's state against itself and against the side tables, both ways (the
// line's flags name exactly the side-table entries that exist). The contents
// invariants (an invalid or clean line mirrors RAM) are not checked here: in a
// run the allocator's unobserved stores make the CPU view differ until the next
// operation on the line absorbs them, and absorbing here would change what later
// operations report (the unit tests check them, their stores accounted for).
void CacheModel::verify() const {
  constexpr std::uint8_t known_flags = kValid | kRamNewer | kRxActive | kTxActive;
  std::size_t ram_newer_lines = 0;
  std::size_t dma_lines = 0;
  // Lines outside [touched_begin_, touched_end_) were never written (their
  // pages were never even faulted in): zero, the untouched state. A replay
  // without cache ops touches none, and walking them all (on a 21 MB region,
  // 1.3 MB of zero pages faulted in one by one) was most of the fixed cost the
  // checks add to a short replay.
  SMH_SIM_ASSERT(touched_end_ <= flags_.size());
  const std::uint64_t first = touched_end_ == 0 ? 0 : touched_begin_ / untouched_chunk_lines * untouched_chunk_lines;
  for (std::uint64_t line = first; line < touched_end_; ++line) {
    // A chunk of untouched lines (the most of a replay without cache ops: the
    // harness's fills bypass the model) is skipped in word reads.
    if (line % untouched_chunk_lines == 0 && line + untouched_chunk_lines <= flags_.size() &&
        all_zero(&flags_[line], untouched_chunk_lines) &&
        all_zero(&dirty_mask_[line * mask_stride_], untouched_chunk_lines * mask_stride_)) {
      line += untouched_chunk_lines - 1;
      continue;
    }
    const std::uint8_t flags = flags_[line];
    const std::uint32_t dirty = dirty_mask(line);
    if (flags == 0 && dirty == 0) {
      continue;  // the common case: an untouched line
    }
    SMH_SIM_ASSERT((flags & ~known_flags) == 0);
    SMH_SIM_ASSERT((dirty & ~granules_of(line, line_span(line))) == 0);  // only the line's in-region granules
    SMH_SIM_ASSERT(policy_ == CachePolicy::write_back || dirty == 0);     // write-through is never dirty
    if ((flags & kValid) == 0) {  // an invalid line holds nothing: not dirty, nothing newer in RAM
      SMH_SIM_ASSERT(dirty == 0 && (flags & kRamNewer) == 0);
    }
    ram_newer_lines += (flags & kRamNewer) != 0 ? 1 : 0;
    dma_lines += (flags & (kRxActive | kTxActive)) != 0 ? 1 : 0;
  }
  SMH_SIM_ASSERT(ram_newer_.size() == ram_newer_lines);
  SMH_SIM_ASSERT(dma_.size() == dma_lines);
  for (const auto& [line, newer] : ram_newer_) {
    SMH_SIM_ASSERT(line < flags_.size() && has_flag(line, kRamNewer));
    const Span span = line_span(line);
    SMH_SIM_ASSERT(newer.cpu_snapshot.size() == span.end - span.first);
    SMH_SIM_ASSERT((newer.device_granules & ~granules_of(line, span)) == 0);
  }
  for (const auto& [line, granules] : maybe_stale_) {
    SMH_SIM_ASSERT(worst_case_ && line < flags_.size() && granules != 0);
    SMH_SIM_ASSERT((granules & ~granules_of(line, line_span(line))) == 0);
  }
  for (const auto& [line, activity] : dma_) {
    SMH_SIM_ASSERT(line < flags_.size());
    SMH_SIM_ASSERT(has_flag(line, kRxActive) == (activity.rx > 0));
    SMH_SIM_ASSERT(has_flag(line, kTxActive) == (activity.tx > 0));
    SMH_SIM_ASSERT(activity.rx > 0 || activity.rx_granules == 0);
    SMH_SIM_ASSERT((activity.rx_granules & ~granules_of(line, line_span(line))) == 0);
  }
}

}  // namespace smh::sim
