// smh::sim::CacheModel — the data cache and DMA of ONE cacheable region, over its
// two host views: the CPU view (what the CPU sees through the cache; the memory
// smh::Heap manages) and the RAM view (what DMA sees).
//
// Everything is in region offsets; the model knows no owners, handles or device
// addresses. Each operation appends the hazards it detects to a caller-owned
// vector (nullptr: hazards are dropped, the data semantics still apply) and the
// Executor maps them to oracle findings and owners.
//
// State per cache line: valid, a dirty mask (one bit per 8-byte granule, the
// allocator's owner granularity, so a hazard's byte range never spans two
// owners' data without both being dirty), ram_newer (a device wrote RAM after the
// line was filled: the cached copy is stale), and active RX / TX DMA counts.
//
// Model invariants (for every line, at every operation boundary, once
// unobserved CPU writes are absorbed):
// * an invalid line's CPU bytes equal its RAM bytes (an invalid line mirrors RAM:
//   RAM -> CPU view whenever a line becomes invalid or a device writes RAM under
//   an invalid line);
// * a valid line that is neither dirty nor ram_newer has CPU bytes == RAM bytes;
// * a write-through line is never dirty.
//
// Unobserved CPU writes. The allocator writes its block headers and free-list
// links straight into the CPU view; they are CPU writes through the cache that
// the model never sees. Every operation first "absorbs" such writes on each line
// it touches: a byte whose CPU value differs from the line's reference (RAM, or
// for a ram_newer line the CPU bytes as last accounted for) was written by the
// CPU. Write-back: its granule becomes dirty (and an invalid line valid: write
// allocate). Write-through: the byte is written through to RAM.
//
// Line geometry. Lines are aligned on the DEVICE: when the region's base is not a
// multiple of line_bytes, pass base % line_bytes as line_skew_bytes. Line i then
// covers region offsets [i * line_bytes - skew, (i + 1) * line_bytes - skew),
// clipped to [0, size_bytes): the first and last lines may be partial.
//
// Cost: every operation is O(lines touched * line_bytes); nothing scans the
// region. Memory: 1 + ceil(line_bytes / 64) bytes per line, eagerly, plus small
// side tables for lines that are ram_newer or under active DMA.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

#include "smh/sim/checks.hpp"
#include "smh/sim/lazy_zero_array.hpp"
#include "smh/sim/memory_map.hpp"

namespace smh::sim {

enum class HazardKind : std::uint8_t {
  // dma_to_device* read RAM while the CPU held dirty bytes of the transfer.
  stale_tx,
  // cpu_read returned cached bytes that a device has since overwritten in RAM.
  stale_rx,
  // A dirty line was written back (clean, clean_invalidate, evict) over bytes a
  // device wrote since the line was filled, or over a line under active RX DMA.
  writeback_clobber,
  // cpu_write touched a line under active RX or TX DMA, or cpu_read a line under
  // active RX DMA.
  cpu_touch_active_dma,
  // invalidate discarded dirty bytes (the CPU's only copy of them). Whether they
  // belong to someone other than the invalidating owner (COLLATERAL_INVALIDATE)
  // is the Executor's call.
  discarded_dirty,
  // invalidate's offset or end is not on a line boundary (of the device).
  unaligned_invalidate,
};
// The check that reports a hazard of this kind (checks.hpp): discarded_dirty is
// COLLATERAL_INVALIDATE (reported when the bytes are another owner's).
Check oracle_of(HazardKind kind);
// Its name: to_string(oracle_of(kind)), the one name table's ("?" for an invalid
// value).
const char* to_string(HazardKind kind);

// One detected hazard: a line and the affected byte range in it, as region
// offsets, INCLUSIVE on both ends ([first_offset, last_offset], never empty, always
// inside the line and the region). What the range holds, per kind:
// * stale_tx: dirty bytes inside the transfer (one hazard per run of dirty granules);
// * stale_rx: bytes read that a device had written (per run of device granules);
// * writeback_clobber: the device's bytes being overwritten: those written since
//   the fill, and those targeted by an active RX transfer (per run);
// * cpu_touch_active_dma: the bytes the CPU accessed in that line;
// * discarded_dirty: the dirty bytes discarded (per run of dirty granules; the
//   whole dirty granules, a superset of the bytes that differed from RAM);
// * unaligned_invalidate: the whole line the invalidate widened over.
// Hazards come in line order, and within a line in detection order.
struct Hazard {
  HazardKind kind = HazardKind::stale_tx;
  std::uint64_t line = 0;
  std::uint64_t first_offset = 0;
  std::uint64_t last_offset = 0;  // inclusive
  // A worst-case model's finding (see CacheModel's worst_case): what some legal
  // cache behaviour could do here, not what the modelled cache did.
  bool possible = false;

  friend bool operator==(const Hazard&, const Hazard&) = default;
};

class CacheModel {
 public:
  // Dirtiness and device writes are tracked per granule (Heap::granule_bytes).
  static constexpr std::uint32_t granule_bytes = 8;
  static constexpr std::uint32_t min_line_bytes = 16;
  static constexpr std::uint32_t max_line_bytes = 256;  // 32 granules: one uint32 mask

  // cpu_view and ram_view: size_bytes each, distinct, alive as long as the model.
  // line_bytes: a power of two in [min_line_bytes, max_line_bytes]. policy:
  // write_back or write_through (non-cacheable regions get no model).
  // line_skew_bytes: device base % line_bytes (a multiple of granule_bytes).
  // All lines start invalid: the CPU view is expected to equal RAM except where
  // the CPU (allocator) has already written, which is absorbed as CPU writes.
  //
  // worst_case: also report, deterministically and flagged `possible`, what a
  // real core's own cache activity (a speculative fill or an eviction of any
  // cacheable line, at any time) could do, without changing any bytes:
  // * dma_from_device_start: a dirty line overlapping the receive may be evicted
  //   during it, over the device's bytes (writeback_clobber, at the start);
  // * dma_from_device_complete: a line the receive wrote may have been filled
  //   speculatively during it; until an invalidate (or eviction) drops it, or
  //   the CPU overwrites those granules, a cpu_read of them is stale_rx.
  CacheModel(unsigned char* cpu_view, unsigned char* ram_view, std::uint64_t size_bytes,
             std::uint32_t line_bytes, CachePolicy policy, std::uint32_t line_skew_bytes = 0,
             bool worst_case = false);
  CacheModel(const CacheModel&) = delete;
  CacheModel& operator=(const CacheModel&) = delete;
  CacheModel(CacheModel&&) noexcept = default;
  CacheModel& operator=(CacheModel&&) noexcept = default;
  ~CacheModel() = default;

  // ---- CPU ----------------------------------------------------------------------
  // Fills invalid lines, writes the CPU view (write-back: dirties the granules
  // written; write-through: also writes RAM). Hazard: cpu_touch_active_dma.
  void cpu_write(std::uint64_t offset, const unsigned char* data, std::uint64_t size,
                 std::vector<Hazard>* out);
  // Fills invalid lines, copies the CPU view out. Hazards: stale_rx,
  // cpu_touch_active_dma (active RX only).
  void cpu_read(std::uint64_t offset, unsigned char* data, std::uint64_t size, std::vector<Hazard>* out);

  // ---- Cache maintenance (widened to whole lines) -------------------------------
  // Writes dirty lines back (CPU -> RAM). Hazard: writeback_clobber.
  void clean(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out);
  // Discards the lines (CPU view <- RAM). Hazards: unaligned_invalidate,
  // discarded_dirty.
  void invalidate(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out);
  // clean, then invalidate; never discards dirty data, never unaligned_invalidate
  // (widening is harmless when everything is written back first).
  void clean_invalidate(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out);

  // ---- DMA ----------------------------------------------------------------------
  // The device reads RAM, instantaneously. Hazard: stale_tx.
  void dma_to_device(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out);
  // A transfer that lasts: the stale_tx check happens at start; the lines stay
  // TX-active (cpu_write -> cpu_touch_active_dma) until complete.
  void dma_to_device_start(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out);
  void dma_to_device_complete(std::uint64_t offset, std::uint64_t size);
  // Marks the lines RX-active (no hazard by itself: the dangers show up when the
  // CPU touches, cleans or evicts them, or reads them after completion; in the
  // worst-case model, a dirty line is a possible writeback_clobber here).
  void dma_from_device_start(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out = nullptr);
  // The device writes RAM (device_write) and the lines stop being RX-active.
  // The range must have been started (same lines).
  void dma_from_device_complete(std::uint64_t offset, const unsigned char* data, std::uint64_t size) {
    dma_from_device_complete(offset, data, size, size);
  }
  // A completion that may be short: the device wrote only the first
  // written_bytes (<= size) of the started range, from `data`; the rest keeps
  // what RAM and the cache held (and is not stale: no device wrote it). Every
  // line of the range stops being RX-active.
  void dma_from_device_complete(std::uint64_t offset, const unsigned char* data, std::uint64_t size,
                                std::uint64_t written_bytes);
  // The driver aborts a started receive: the lines stop being RX-active and RAM
  // keeps what it holds (what the device wrote before the abort is unknown; the
  // Executor treats the buffer's contents as undefined). Same lines as started.
  void dma_from_device_abort(std::uint64_t offset, std::uint64_t size);
  // A device write to RAM outside any started transfer (a DMA overrun): valid
  // lines become ram_newer (stale), invalid lines get the new bytes.
  void device_write(std::uint64_t offset, const unsigned char* data, std::uint64_t size);

  // ---- Seeded cache behaviour ---------------------------------------------------
  // Dirty -> written back (writeback_clobber if ram_newer or RX-active), then the
  // line becomes invalid (CPU view <- RAM). No-op on an invalid, clean line.
  void evict(std::uint64_t line, std::vector<Hazard>* out);
  // An invalid line becomes valid and clean (from RAM), also under active RX DMA
  // (then it is stale once the DMA completes). No-op on a valid line.
  void speculative_fill(std::uint64_t line);

  // ---- Queries ------------------------------------------------------------------
  std::uint64_t size_bytes() const { return size_bytes_; }
  std::uint32_t line_bytes() const { return line_bytes_; }
  std::uint32_t line_skew_bytes() const { return skew_; }
  CachePolicy policy() const { return policy_; }
  std::uint64_t line_count() const { return flags_.size(); }
  // The line holding a region offset (offset < size_bytes).
  std::uint64_t line_of(std::uint64_t offset) const;
  // The line's bytes as region offsets: [line_first_offset, line_end_offset).
  std::uint64_t line_first_offset(std::uint64_t line) const;
  std::uint64_t line_end_offset(std::uint64_t line) const;
  // Whether an offset is on a (device) line boundary; size_bytes counts as one
  // only when the region's end is.
  bool line_aligned(std::uint64_t offset) const;

  bool valid(std::uint64_t line) const;
  bool ram_newer(std::uint64_t line) const;
  bool rx_active(std::uint64_t line) const;
  bool tx_active(std::uint64_t line) const;
  // The dirty state as last accounted for (unobserved CPU writes not included).
  bool dirty(std::uint64_t line) const;
  // Dirty, counting unobserved CPU writes: absorbs them first (see the top of
  // this file), so it may change the line's state (write-through: RAM).
  bool effectively_dirty(std::uint64_t line);

  // ---- Self-check -----------------------------------------------------------------
  // Every line's state and the side tables, against each other (cache_model.cpp
  // says what is and is not checked), in every build (SMH_SIM_ASSERT). O(lines).
  void verify() const;

 private:
  // Skewed coordinates: s = offset + skew, so line i is [i * line_bytes, (i + 1) * line_bytes).
  struct Span {
    std::uint64_t first;  // skewed, inclusive
    std::uint64_t end;    // skewed, exclusive
  };
  struct RamNewer {
    std::uint32_t device_granules = 0;  // granules a device wrote since the fill
    // The line's CPU bytes as last accounted for (reference for absorbing
    // unobserved CPU writes), indexed from the line's first in-region byte.
    std::vector<unsigned char> cpu_snapshot;
  };
  struct DmaActivity {
    std::uint16_t rx = 0;
    std::uint16_t tx = 0;
    std::uint32_t rx_granules = 0;  // granules under active RX transfers
  };

  Span line_span(std::uint64_t line) const;  // in-region part of the line
  Span range_span(std::uint64_t offset, std::uint64_t size) const;
  std::uint32_t granules_of(std::uint64_t line, Span part) const;
  std::uint32_t covered_granules(std::uint64_t line, Span part) const;
  // Whether `line`'s state has `flag` (a bit of flags_, see cache_model.cpp).
  bool has_flag(std::uint64_t line, std::uint8_t flag) const;
  std::uint32_t dirty_mask(std::uint64_t line) const;
  void set_dirty_mask(std::uint64_t line, std::uint32_t mask);
  // Every write of a line's flags or dirty mask goes through these, so that
  // verify() knows which lines may hold state.
  std::uint8_t& line_flags(std::uint64_t line) {
    note_touched(line);
    return flags_[line];
  }
  void note_touched(std::uint64_t line) {
    touched_begin_ = std::min(touched_begin_, line);
    touched_end_ = std::max(touched_end_, line + 1);
  }

  void absorb_cpu_writes(std::uint64_t line);
  void write_back(std::uint64_t line, std::vector<Hazard>* out);
  void make_invalid(std::uint64_t line);
  void check_stale_tx(std::uint64_t offset, std::uint64_t size, std::vector<Hazard>* out);
  void device_write_line(std::uint64_t line, Span part, const unsigned char* data);
  void emit_runs(HazardKind kind, std::uint64_t line, std::uint32_t granules, Span clip,
                 std::vector<Hazard>* out, bool possible = false) const;
  void emit(HazardKind kind, std::uint64_t line, Span part, std::vector<Hazard>* out, bool possible = false) const;
  // Worst case: the granules of `line` a speculative fill during a receive may
  // have left stale (none when worst_case_ is off).
  std::uint32_t maybe_stale(std::uint64_t line) const;
  void clear_maybe_stale(std::uint64_t line, std::uint32_t granules);

  unsigned char* cpu_ = nullptr;
  unsigned char* ram_ = nullptr;
  std::uint64_t size_bytes_ = 0;
  std::uint32_t line_bytes_ = 0;
  std::uint32_t line_shift_ = 0;
  std::uint32_t skew_ = 0;
  std::uint32_t mask_stride_ = 0;  // bytes of dirty mask per line
  CachePolicy policy_ = CachePolicy::write_back;
  // Per-line tables, lazily backed: a 1 GiB region costs only the lines used.
  LazyZeroArray<std::uint8_t> flags_;                      // per line: valid, ram_newer, rx/tx active
  LazyZeroArray<std::uint8_t> dirty_mask_;                 // per line: mask_stride_ bytes, little-endian
  // The lines whose flags or dirty mask were ever written (note_touched): all
  // others are zero. Empty while begin > end.
  std::uint64_t touched_begin_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t touched_end_ = 0;
  std::unordered_map<std::uint64_t, RamNewer> ram_newer_;  // lines with ram_newer set
  std::unordered_map<std::uint64_t, DmaActivity> dma_;     // lines under active DMA
  bool worst_case_ = false;
  // Worst case: per line, the granules a receive wrote that nothing has dropped
  // from the cache since (a speculative fill during the receive may hold them).
  std::unordered_map<std::uint64_t, std::uint32_t> maybe_stale_;
};

}  // namespace smh::sim
