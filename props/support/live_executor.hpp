// An Executor driven op by op from a property, which remembers the ops it applied
// (the counterexample, once RapidCheck has shrunk the sequence) and keeps a view of
// what is live, read from the outcome events: which handles hold a block and of
// what requested size, which hold null after a failed allocation, and which have a
// receive in flight. Generators resolve their abstract choices against this view,
// so every op they emit is valid whatever the allocator and the faults did.
#pragma once

#include <rapidcheck.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "smh/sim/events.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/ops.hpp"

namespace smh::props {

// A live block as the events tell it.
struct BlockView {
  std::uint64_t size_bytes = 0;      // requested
  std::uint64_t usable_bytes = 0;
  std::uint64_t device_address = 0;  // of the payload
  unsigned region = 0;
};

class LiveExecutor {
 public:
  LiveExecutor(const sim::MachineConfig& machine, const sim::ExecutorOptions& options, std::uint64_t seed)
      : machine_(machine), seed_(seed) {
    std::string error;
    executor_ = sim::Executor::create(machine, options, seed, &error);
    RC_ASSERT(executor_ != nullptr);  // the generators only build valid machines
  }

  // Applies an op the caller built from this view; returns the events it produced.
  std::span<const sim::Event> apply(const sim::Op& op) {
    std::string error;
    const std::size_t first_event = executor_->events().size();
    const bool accepted = executor_->apply(op, &error);
    RC_ASSERT(accepted);  // an invalid op is a generator bug: the view was wrong
    ops_.push_back(op);
    const std::span<const sim::Event> produced =
        std::span<const sim::Event>(executor_->events()).subspan(first_event);
    for (const sim::Event& event : produced) {
      track(event);
    }
    if (op.kind == sim::OpKind::dma_from_device_start) {
      receiving_.insert(op.handle);
    } else if (op.kind == sim::OpKind::dma_from_device_complete) {
      receiving_.erase(op.handle);
    }
    return produced;
  }

  void finish() { executor_->finish(); }

  [[nodiscard]] sim::Executor& executor() { return *executor_; }
  [[nodiscard]] const sim::MachineConfig& machine() const { return machine_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  [[nodiscard]] const std::vector<sim::Op>& ops() const { return ops_; }
  // Handle -> its live block.
  [[nodiscard]] const std::map<sim::Handle, BlockView>& live() const { return live_; }
  // Handles whose last allocation failed (they hold null: free and realloc are valid).
  [[nodiscard]] const std::set<sim::Handle>& null_handles() const { return null_; }
  [[nodiscard]] const std::set<sim::Handle>& receiving() const { return receiving_; }

 private:
  void track(const sim::Event& event) {
    switch (event.kind) {
      case sim::EventKind::allocated:
      case sim::EventKind::resized:
      case sim::EventKind::moved:
        live_[event.handle] = BlockView{event.size_bytes, event.usable_bytes, event.device_address, event.region};
        null_.erase(event.handle);
        break;
      case sim::EventKind::alloc_failed:
        null_.insert(event.handle);
        break;
      case sim::EventKind::freed:
        live_.erase(event.handle);
        null_.erase(event.handle);
        receiving_.erase(event.handle);  // as the Executor does: the receive is abandoned
        break;
      case sim::EventKind::realloc_failed:
      case sim::EventKind::coherency:
      case sim::EventKind::finding:
      case sim::EventKind::skipped:
        break;
    }
  }

  sim::MachineConfig machine_;
  std::uint64_t seed_ = 0;
  std::unique_ptr<sim::Executor> executor_;
  std::vector<sim::Op> ops_;
  std::map<sim::Handle, BlockView> live_;
  std::set<sim::Handle> null_;
  std::set<sim::Handle> receiving_;
};

}  // namespace smh::props
