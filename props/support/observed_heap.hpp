// The heap as an adaptive adversary sees it: it allocates blocks by need (granules,
// header included) and frees them through the Executor, and learns where each
// block landed from the allocated events (granule offsets in the one region).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>

#include "smh/sim/events.hpp"
#include "smh/sim/ops.hpp"
#include "support/fragmentation_bound.hpp"
#include "support/live_executor.hpp"

namespace smh::props {

struct ObservedBlock {
  std::uint64_t start = 0;   // granule offset of its header in the region
  std::uint64_t length = 0;  // granules it occupies (its need, or one more)
  std::uint64_t need = 0;    // granules it asked for
};

class ObservedHeap {
 public:
  ObservedHeap(LiveExecutor& sut, std::uint64_t region_base) : sut_(sut), base_(region_base) {}

  // False when the allocation failed.
  bool allocate(std::uint64_t need) {
    sim::Op op;
    op.kind = sim::OpKind::alloc;
    op.handle = next_handle_++;
    op.size_bytes = request_bytes_for_need(need);
    for (const sim::Event& event : sut_.apply(op)) {
      if (event.kind == sim::EventKind::alloc_failed) return false;
      if (event.kind == sim::EventKind::allocated) {
        const std::uint64_t payload = (event.device_address - base_) / granule_bytes;
        const ObservedBlock block{payload - 1, event.usable_bytes / granule_bytes + 1, need};
        live_[op.handle] = block;
        live_need_ += need;
        highest_end_ = std::max(highest_end_, block.start + block.length);
      }
    }
    return true;
  }

  void release(sim::Handle handle) {
    sim::Op op;
    op.kind = sim::OpKind::free;
    op.handle = handle;
    sut_.apply(op);
    live_need_ -= live_.at(handle).need;
    live_.erase(handle);
  }

  [[nodiscard]] const std::map<sim::Handle, ObservedBlock>& live() const { return live_; }
  [[nodiscard]] std::uint64_t live_need() const { return live_need_; }
  [[nodiscard]] std::uint64_t highest_end() const { return highest_end_; }

 private:
  LiveExecutor& sut_;
  std::uint64_t base_;
  std::map<sim::Handle, ObservedBlock> live_;
  std::uint64_t live_need_ = 0;
  std::uint64_t highest_end_ = 0;
  sim::Handle next_handle_ = 1;
};

}  // namespace smh::props
