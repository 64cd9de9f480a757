// What the program asked to hold at once, its "demand": the requested bytes of
// its live blocks plus what its outstanding failed allocations asked for (a
// handle whose alloc failed holds null, as in C, until it is freed or
// allocated again). peak_live_bytes alone falls when allocations fail, and that
// fall is no improvement: the report gives the demand's peak beside it, in all
// and per requested attribute (issue 16). The null handles live here, in a flat
// table: the Executor asks about one on every alloc. Private to sim/src.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "import_block_table.hpp"
#include "smh/sim/ops.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim::detail {

class DemandTally {
 public:
  // Whether `handle` holds null: its last alloc failed and it was not freed since.
  // (Most runs have no null handle: then no probe of the table at all.)
  [[nodiscard]] bool holds_null(Handle handle) const { return nulls_.size() != 0 && nulls_.contains(handle); }
  // An alloc of `handle` failed: it holds null, and its request counts as demand.
  void failed(Handle handle, std::uint32_t attr, std::uint64_t size_bytes);
  // A realloc of a live block of `old_attr`, `old_bytes` to `size_bytes` of
  // `attr` failed: the handle keeps its block (as in C), but at that moment the
  // program asked to hold the new size in its place, so the peaks see it.
  void realloc_failed(std::uint32_t old_attr, std::uint64_t old_bytes, std::uint32_t attr, std::uint64_t size_bytes) {
    remove(old_attr, old_bytes);
    add(attr, size_bytes);
    remove(attr, size_bytes);
    add(old_attr, old_bytes);
  }
  // `handle` holds null no longer (freed, or allocated again). Every alloc asks:
  // the empty test is inline, so that a run whose allocations never failed
  // pays no call for it.
  void cleared(Handle handle) {
    if (nulls_.size() != 0) {
      clear_null(handle);
    }
  }
  // A block of `attr` became live, or stopped being live.
  void live_added(std::uint32_t attr, std::uint64_t size_bytes) { add(attr, size_bytes); }
  void live_removed(std::uint32_t attr, std::uint64_t size_bytes) { remove(attr, size_bytes); }

  [[nodiscard]] std::uint64_t peak_bytes() const { return peak_bytes_; }
  // The peak for requests of `attr` (0 when none asked for it).
  [[nodiscard]] std::uint64_t peak_bytes(std::uint32_t attr) const;

 private:
  struct PerAttr {
    std::uint32_t attr = 0;
    std::uint64_t bytes = 0;  // live and outstanding failed, requested
    std::uint64_t peak_bytes = 0;
  };
  // A run has a few attributes, mostly one after another the same: the last
  // one found is tried first, then a linear search (which beats any map).
  PerAttr& of(std::uint32_t attr) {
    return last_ < per_attr_.size() && per_attr_[last_].attr == attr ? per_attr_[last_] : search(attr);
  }
  PerAttr& search(std::uint32_t attr);
  void clear_null(Handle handle);  // cleared() once some handle holds null
  void add(std::uint32_t attr, std::uint64_t size_bytes) {
    PerAttr& one = of(attr);
    one.bytes += size_bytes;
    one.peak_bytes = std::max(one.peak_bytes, one.bytes);
    bytes_ += size_bytes;
    peak_bytes_ = std::max(peak_bytes_, bytes_);
  }
  void remove(std::uint32_t attr, std::uint64_t size_bytes) {
    PerAttr& one = of(attr);
    SMH_SIM_ASSERT(one.bytes >= size_bytes && bytes_ >= size_bytes);  // only what was added leaves
    one.bytes -= size_bytes;
    bytes_ -= size_bytes;
  }

  BlockTable nulls_;  // key: the handle; size_bytes and attr: the failed request
  std::vector<PerAttr> per_attr_;
  std::size_t last_ = 0;  // the index of(attr) found last
  std::uint64_t bytes_ = 0;
  std::uint64_t peak_bytes_ = 0;
};

}  // namespace smh::sim::detail
