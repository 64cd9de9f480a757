// CoherencyMachine — the simulated machine's memory system: each region's model
// (region_memory.hpp: through a cache, or the pass-through of a non-cacheable
// region), the receives in flight, and the background cache activity drawn from
// the run's own "sim.cache_noise" stream. It knows no owners or handles' blocks:
// the Executor's coherency oracles turn the hazards it reports into findings
// (executor_coherency_ops.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "region_memory.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/ops.hpp"
#include "smh/sim/prng.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

class CoherencyMachine {
 public:
  CoherencyMachine(const MemoryMap& map, std::uint64_t seed);

  [[nodiscard]] RegionMemory& memory(unsigned region) { return *regions_[region]; }
  [[nodiscard]] const RegionMemory& memory(unsigned region) const { return *regions_[region]; }

  // Receives in flight, by handle: one at a time per block (OpValidator), each
  // over the range of its block the device was programmed for (clipped to the
  // block: the bytes past it are a DMA_OVERRUN, reported at the start and not
  // written), with the index of the op that started it. It completes or aborts
  // over that range.
  struct Receive {
    unsigned region = 0;
    std::uint64_t region_offset = 0;
    std::uint64_t size_bytes = 0;
    std::uint64_t start_op = 0;  // the dma_from_device_start's op index
    // The bytes it was programmed for past the block (clipped off): a
    // completion may name up to size_bytes + overrun_bytes.
    std::uint64_t overrun_bytes = 0;
  };
  [[nodiscard]] bool receiving(Handle handle) const { return receiving_.contains(handle); }
  // The block's receive in flight, or nullptr.
  [[nodiscard]] const Receive* receive_of(Handle handle) const {
    const auto found = receiving_.find(handle);
    return found == receiving_.end() ? nullptr : &found->second;
  }
  void start_receive(Handle handle, Receive receive) { receiving_.emplace(handle, receive); }
  // The receive ends without completing (aborted, or its block freed).
  void end_receive(Handle handle) { receiving_.erase(handle); }
  // The receive completes at op `op_index`: its window (start and completion
  // ops) is kept until the block's next receive or its free, for the findings
  // of the worst-case model that name them.
  struct ReceiveWindow {
    std::uint64_t start_op = 0;
    std::uint64_t complete_op = 0;
  };
  void complete_receive(Handle handle, std::uint64_t op_index);
  [[nodiscard]] std::optional<ReceiveWindow> last_receive(Handle handle) const;

  // Live blocks a DMA op has used since their alloc: background cache activity
  // draws its lines among them and their neighbours (Executor::noise_targets()).
  void note_dma_buffer(Handle handle) { dma_buffers_.insert(handle); }
  [[nodiscard]] const std::set<Handle>& dma_buffers() const { return dma_buffers_; }

  // Whether the machine keeps anything by handle (transfers in flight, receive
  // windows, DMA buffers): a replay without DMA ops never does, and each free
  // skips the in-flight test and forget() on this one answer.
  [[nodiscard]] bool holds_handles() const {
    return !receiving_.empty() || !transmitting_.empty() || !last_receive_.empty() || !dma_buffers_.empty();
  }
  // A freed block's handle (its transfers in flight already ended): its last
  // receive window and its DMA-buffer mark go.
  void forget(Handle handle) {
    SMH_SIM_ASSERT(!receiving_.contains(handle) && !transmitting_.contains(handle));
    last_receive_.erase(handle);
    dma_buffers_.erase(handle);
  }

  // Transmits in flight (dma_to_device_start), by handle, one at a time per
  // block, with where they started: they complete there even if a realloc has
  // moved the block since (the device reads where it was told to).
  struct Transmit {
    unsigned region = 0;
    std::uint64_t region_offset = 0;
    std::uint64_t size_bytes = 0;
    std::uint64_t start_op = 0;  // the dma_to_device_start's op index
  };
  [[nodiscard]] bool transmitting(Handle handle) const { return transmitting_.contains(handle); }
  // The block's transmit in flight, or nullptr.
  [[nodiscard]] const Transmit* transmit_of(Handle handle) const {
    const auto found = transmitting_.find(handle);
    return found == transmitting_.end() ? nullptr : &found->second;
  }
  void start_transmit(Handle handle, Transmit transmit) { transmitting_.emplace(handle, transmit); }
  // Ends the block's transmit in flight (complete, abort, or its block freed):
  // its lines stop being read by the device.
  void end_transmit(Handle handle);
  // Whether any block has a receive or a transmit in flight: a free tests this
  // before looking its own handle up in both maps.
  [[nodiscard]] bool any_in_flight() const { return !receiving_.empty() || !transmitting_.empty(); }

  // Background cache activity before an op: with chance `ppm` (parts per
  // million), a line is to be evicted or speculatively filled, as real caches
  // do behind the program's back. The line is drawn among `targets` (the lines
  // of live DMA buffers and their neighbours, where activity can matter; the
  // caller builds them only when this op draws activity), or, with none, among
  // every line of a random cacheable region. The caller applies it through the
  // region's memory (an eviction's hazards and repairs are the oracles'
  // business).
  struct Noise {
    unsigned region = 0;
    std::uint64_t line_offset = 0;  // region offset of the line's first byte
    bool evict = false;             // else a speculative fill
  };
  // Lines [first_line_offset, first_line_offset + line_count * line) of a
  // cacheable region.
  struct NoiseTarget {
    unsigned region = 0;
    std::uint64_t first_line_offset = 0;
    std::uint64_t line_count = 0;
  };
  std::optional<Noise> draw_noise(std::uint32_t ppm, const std::function<std::vector<NoiseTarget>()>& targets);

  // The self-check of every region's model (RegionMemory::verify), O(lines).
  void verify() const;
  // The lines verify() walks, over all regions.
  [[nodiscard]] std::uint64_t line_count() const { return line_count_; }

 private:
  std::vector<std::unique_ptr<RegionMemory>> regions_;  // by region
  std::vector<unsigned> cached_regions_;                // the cacheable ones, in order
  std::uint64_t line_count_ = 0;
  std::map<Handle, Receive> receiving_;
  std::map<Handle, ReceiveWindow> last_receive_;
  std::map<Handle, Transmit> transmitting_;
  std::set<Handle> dma_buffers_;
  Rng noise_rng_;
};

}  // namespace smh::sim
