// Fault injection, swarm style: each run draws from its seed which fault kinds
// are on and how often they strike, so that many seeded runs explore many mixes.
// The Executor injects them between ops and must detect and attribute every one:
// each injection is recorded with what detected it, and one that nothing detected
// is a FAULT_UNDETECTED finding (a failure of the run), never silence.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace smh::sim {

enum class FaultKind : std::uint8_t {
  alloc_failure,   // the next allocation fails (all regions refuse it once)
  metadata_flip,   // one bit of a live block's allocator header flips
  dma_overrun,     // a device writes 1..16 bytes past a DMA buffer
  double_free,     // a block already freed is freed again
  foreign_free,    // a pointer from outside every region is freed
  region_offline,  // a region stops serving new allocations for the rest of the run
};
inline constexpr unsigned fault_kind_count = 6;
const char* to_string(FaultKind kind);

struct FaultPlan {
  // Chance per op, in parts per million, for each kind (0: off).
  std::array<std::uint32_t, fault_kind_count> rate_ppm{};

  // Asked on every op: an OR over the rates, which compiles to a few vector
  // instructions, where an early exit loop cost ~40 instructions per op.
  [[nodiscard]] bool any() const {
    std::uint32_t rates = 0;
    for (const std::uint32_t rate : rate_ppm) {
      rates |= rate;
    }
    return rates != 0;
  }
  // Swarm: each kind on with probability 1/2, at a rate drawn log-uniformly in
  // [100, 20000] ppm (1 in 10 000 ops .. 1 in 50), all from the seed.
  static FaultPlan swarm(std::uint64_t seed);
};

// What became of an injection: what caught it, or that nothing did.
enum class Detection : std::uint8_t {
  pending,             // not resolved yet (a region offline: at the end of the run)
  undetected,          // nothing caught it: a FAULT_UNDETECTED finding
  pool_returned_null,  // alloc_failure: the pool returned null
  validate,            // metadata_flip: the pool's validate()
  bus_monitor,         // dma_overrun: the device write was checked against its buffer
  pool_status,         // double_free, foreign_free: the pool's free() refused it
  honoured,            // region_offline: no allocation landed in the region afterwards
  violated,            // region_offline: one did (REGION_OFFLINE_VIOLATED); pending
                       // until the end of the run, where it becomes undetected
};

struct Injection {
  std::uint64_t op_index = 0;  // injected just before this op
  FaultKind kind = FaultKind::alloc_failure;
  std::string what;            // where, with device addresses
  bool detected = false;       // the outcome: detection is neither pending, undetected nor violated
  Detection detection = Detection::pending;
  std::string detected_by;     // in words, with the details (the status, where validate() failed)
};

}  // namespace smh::sim
