// Cache maintenance by address range over a frame spread over several buffers
// (issue 14), and the line sharing of a receive buffer, as the coherency range
// suite (coherency_range_props.cpp) generates them.
//
// A frame is 2 to 4 line-aligned, line-padded DMA buffers in the write-back
// SRAM of a driver machine (driver_workload.hpp), allocated one after another
// in a fresh region after a few CPU-only objects (which the CPU has written:
// dirty lines and allocator headers before the frame). The heap places
// consecutive allocations in a fresh region at ascending addresses, so the
// frame's buffers are neighbours, with only their headers and alignment gaps
// (allocator metadata, free space) between them; FrameBuilder asserts that
// layout from the allocation events instead of assuming it. The driver then
// maintains the frame by one address range, from the lowest buffer's first byte
// to the highest one's last:
// * transmit: the CPU writes every buffer, one range clean, every transmit;
// * receive: one range clean+invalidate before the receives (it also writes
//   back the dirty allocator bytes between the buffers, so nothing is lost),
//   every receive starts and completes, one range invalidate after them (the
//   bytes between are clean by then: no allocator call ran since), every read.
// Both are correct: silent under the worst case and under background noise.
//
// The broken variants (FrameBug) and the check docs/coherency-checks.md gives
// each, at the op where it must fire:
//   range invalidate over a CPU-written object     COLLATERAL_INVALIDATE  the invalidate
//     between two receive buffers, later read      DISCARDED_WRITE        the object's read
//   the same over a TX buffer written but not      COLLATERAL_INVALIDATE  the invalidate
//     yet cleaned, later cleaned and transmitted   STALE_TX               its transmit
//   range clean one line short of a TX frame       STALE_TX               the highest buffer's transmit
//   receive buffer not padded to its last line     DMA_LINE_SHARED        the receive's start
// and its precise twin, which must stay silent: the same unpadded buffer used
// for transmits only (a device that only reads a shared line cannot be hurt).
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "smh/sim/executor.hpp"
#include "support/driver_workload.hpp"
#include "support/live_executor.hpp"

namespace smh::props {

// Builds ops against a LiveExecutor (no noise) so that every op is valid and the
// device addresses of the blocks are known when a range is computed.
class FrameBuilder {
 public:
  explicit FrameBuilder(const sim::MachineConfig& machine) : live_(machine, sim::ExecutorOptions{}, 1) {}

  std::size_t emit(const sim::Op& op) {
    live_.apply(op);
    return live_.ops().size() - 1;
  }
  std::size_t whole(sim::OpKind kind, sim::Handle handle) { return emit(whole_block_op(kind, handle)); }
  sim::Handle alloc(std::uint64_t size_bytes, std::uint64_t align_bytes) {
    sim::Op op = whole_block_op(sim::OpKind::alloc, next_handle_);
    op.attr = write_back_sram;
    op.size_bytes = size_bytes;
    op.align_bytes = align_bytes;
    emit(op);
    RC_ASSERT(live_.live().contains(next_handle_));  // the region is far larger than the workload
    return next_handle_++;
  }
  // An op on the lowest-addressed of `handles`, over every byte from its first to
  // the last byte of the highest-addressed one, less `short_bytes`.
  std::size_t range(sim::OpKind kind, const std::vector<sim::Handle>& handles, std::uint64_t short_bytes = 0) {
    sim::Op op = whole_block_op(kind, lowest(handles));
    op.length_bytes = range_end(handles) - block(op.handle).device_address - short_bytes;
    return emit(op);
  }
  [[nodiscard]] sim::Handle lowest(const std::vector<sim::Handle>& handles) const {
    return *std::min_element(handles.begin(), handles.end(), [&](sim::Handle a, sim::Handle b) {
      return block(a).device_address < block(b).device_address;
    });
  }
  [[nodiscard]] sim::Handle highest(const std::vector<sim::Handle>& handles) const {
    return *std::max_element(handles.begin(), handles.end(), [&](sim::Handle a, sim::Handle b) {
      return block(a).device_address < block(b).device_address;
    });
  }
  [[nodiscard]] std::uint64_t range_end(const std::vector<sim::Handle>& handles) const {
    const BlockView& last = block(highest(handles));
    return last.device_address + last.size_bytes;
  }
  [[nodiscard]] const BlockView& block(sim::Handle handle) const { return live_.live().at(handle); }
  [[nodiscard]] const std::vector<sim::Op>& ops() const { return live_.ops(); }
  [[nodiscard]] const LiveExecutor& live() const { return live_; }

 private:
  LiveExecutor live_;
  sim::Handle next_handle_ = 1;
};

// A few CPU-only objects before the frame, written by the CPU (dirty lines, and
// allocator headers the allocator wrote).
inline void emit_objects_before(FrameBuilder& builder) {
  const auto count = *rc::gen::inRange<unsigned>(0, 4);
  for (unsigned i = 0; i < count; ++i) {
    const sim::Handle object = builder.alloc(*rc::gen::inRange<std::uint64_t>(1, 300), 0);
    builder.whole(sim::OpKind::cpu_write, object);
  }
}

inline std::uint64_t padded(std::uint64_t payload_bytes, std::uint64_t line_bytes) {
  return (payload_bytes + line_bytes - 1) / line_bytes * line_bytes;
}

// `count` line-aligned, padded buffers, allocated one after another.
inline std::vector<sim::Handle> alloc_frame(FrameBuilder& builder, unsigned count, std::uint64_t line_bytes) {
  std::vector<sim::Handle> frame;
  for (unsigned i = 0; i < count; ++i) {
    frame.push_back(builder.alloc(padded(*rc::gen::inRange<std::uint64_t>(1, 600), line_bytes), line_bytes));
  }
  return frame;
}

// No live block but the frame's lies in the frame's address range (the layout
// the correct range maintenance relies on, as the driver's ring allocation does).
inline void assert_frame_alone(const FrameBuilder& builder, const std::vector<sim::Handle>& frame) {
  const std::uint64_t begin = builder.block(builder.lowest(frame)).device_address;
  const std::uint64_t end = builder.range_end(frame);
  for (const auto& [handle, block] : builder.live().live()) {
    if (std::find(frame.begin(), frame.end(), handle) != frame.end() || block.region != write_back_sram) continue;
    RC_ASSERT(block.device_address + block.size_bytes <= begin || block.device_address >= end);
  }
}

inline void emit_tx_frame(FrameBuilder& builder, const std::vector<sim::Handle>& frame) {
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::cpu_write, buffer);
  builder.range(sim::OpKind::cache_clean, frame);
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::dma_to_device, buffer);
}

inline void emit_rx_frame(FrameBuilder& builder, const std::vector<sim::Handle>& frame) {
  builder.range(sim::OpKind::cache_clean_invalidate, frame);
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::dma_from_device_start, buffer);
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::dma_from_device_complete, buffer);
  builder.range(sim::OpKind::cache_invalidate, frame);
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::cpu_read, buffer);
}

}  // namespace smh::props
