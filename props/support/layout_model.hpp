// The layout suite's model: the predicted heap (support/layout_predictor.hpp)
// driven by calls on handles. It serves twice — as RapidCheck's model, where
// knowing which handles hold null lets frees pick live blocks (so holes pile up
// instead of frees of failed allocations doing nothing), and inside the system
// under test, as the prediction each of the core's answers is compared with.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "support/call_commands.hpp"
#include "support/layout_predictor.hpp"

namespace smh::props {

class PredictedHeap {
 public:
  PredictedHeap(std::uint64_t base_address, std::uint64_t region_bytes) : predictor_(base_address, region_bytes) {}

  // Applies the call; returns the payload offset it hands back (alloc, realloc
  // with size > 0), or nullopt for null and for calls that return no block.
  std::optional<std::uint64_t> apply(const Call& call) {
    const auto found = live_.find(call.handle);
    switch (call.kind) {
      case CallKind::alloc:
        return settle(call.handle, predictor_.alloc(call.size_bytes, call.align_bytes));
      case CallKind::realloc:
        if (found == live_.end()) {  // realloc(NULL, n) allocates
          return settle(call.handle, predictor_.alloc(call.size_bytes, call.align_bytes));
        }
        if (call.size_bytes == 0) {  // realloc(p, 0) frees
          predictor_.free(found->second);
          live_.erase(found);
          return std::nullopt;
        }
        if (const auto moved = predictor_.realloc(found->second, call.size_bytes, call.align_bytes)) {
          found->second = *moved;
          return moved;
        }
        return std::nullopt;  // failed: the old block stays
      case CallKind::free:
        if (found != live_.end()) {
          predictor_.free(found->second);
          live_.erase(found);
        }
        return std::nullopt;
      case CallKind::usable_size:
      case CallKind::validate:
        return std::nullopt;
    }
    return std::nullopt;
  }

  // The payload offset of a handle's block; nullopt when it holds null.
  [[nodiscard]] std::optional<std::uint64_t> offset_of(sim::Handle handle) const {
    const auto found = live_.find(handle);
    return found == live_.end() ? std::nullopt : std::optional<std::uint64_t>(found->second);
  }
  [[nodiscard]] std::vector<sim::Handle> live_handles() const {
    std::vector<sim::Handle> out;
    for (const auto& [handle, offset] : live_) {
      out.push_back(handle);
    }
    return out;
  }
  [[nodiscard]] const LayoutPredictor& predictor() const { return predictor_; }

 private:
  std::optional<std::uint64_t> settle(sim::Handle handle, std::optional<std::uint64_t> offset) {
    if (offset) {
      live_[handle] = *offset;
    } else {
      live_.erase(handle);
    }
    return offset;
  }

  LayoutPredictor predictor_;
  std::map<sim::Handle, std::uint64_t> live_;  // payload offsets; handles holding null are absent
};

struct LayoutModel : CallModel {
  LayoutModel(std::shared_ptr<const CallShape> call_shape, std::uint64_t base_address, std::uint64_t region_bytes)
      : CallModel{std::move(call_shape), {}, 1}, heap(base_address, region_bytes) {}

  void on_call(const Call& call) {
    CallModel::on_call(call);
    const bool asks_for_block = (call.kind == CallKind::alloc || call.kind == CallKind::realloc) && call.size_bytes > 0;
    if (!heap.apply(call) && asks_for_block) {
      full = true;
    }
  }
  // Churning starts once the memory is full (an allocation failed), so frees then
  // leave holes that the following requests must search.
  [[nodiscard]] bool churning() const { return full || CallModel::churning(); }
  [[nodiscard]] std::vector<sim::Handle> free_candidates() const {
    std::vector<sim::Handle> live = heap.live_handles();
    return live.empty() ? CallModel::free_candidates() : live;
  }

  PredictedHeap heap;
  bool full = false;
};

}  // namespace smh::props
