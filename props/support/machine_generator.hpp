// Random simulated machines for the determinism suite: one to four regions with
// every cache policy, line size, DMA reach, role and a skewed base now and then,
// under either matching mode and any selection policy. Region sizes stay small
// (a few KiB) so that a generated sequence fills them and exercises failures.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <string>
#include <vector>

#include "smh/pool_types.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/memory_map.hpp"

namespace smh::props {

inline rc::Gen<sim::RegionSpec> gen_region(unsigned index, MatchMode mode) {
  return rc::gen::exec([index, mode] {
    sim::RegionSpec spec;
    spec.name = "r" + std::to_string(index);
    // Regions 256 MiB apart; a base off the line grid now and then (skewed lines).
    const std::uint64_t skew_bytes = *rc::gen::weightedElement<std::uint64_t>({{6, 0}, {1, 8}, {1, 24}});
    spec.base = 0x1000'0000ull * (index + 1) + skew_bytes;
    spec.size_bytes = *rc::gen::inRange<std::uint64_t>(32, 8 * 1024 / 8) * 8;  // 256 B .. 8 KiB
    spec.attr = mode == MatchMode::exact ? *rc::gen::inRange<std::uint32_t>(0, 3)
                                         : *rc::gen::inRange<std::uint32_t>(1, 1u << 6);  // caps bits 0..5
    spec.cache_policy = *rc::gen::element(sim::CachePolicy::write_back, sim::CachePolicy::write_through,
                                          sim::CachePolicy::non_cacheable);
    spec.line_bytes = *rc::gen::element<std::uint32_t>(16, 32, 64, 128, 256);
    spec.dma_capable = *rc::gen::weightedElement<bool>({{3, true}, {1, false}});
    spec.reserved = *rc::gen::weightedElement<bool>({{7, false}, {1, true}});
    spec.role = *rc::gen::element(RegionRole::any, RegionRole::small_requests, RegionRole::large_requests);
    return spec;
  });
}

inline rc::Gen<sim::MachineConfig> gen_machine() {
  return rc::gen::exec([] {
    sim::MachineConfig machine;
    machine.pool.mode = *rc::gen::element(MatchMode::exact, MatchMode::capability);
    machine.pool.policy = *rc::gen::element(Policy::first_fit, Policy::best_fit, Policy::worst_fit,
                                            Policy::smallest_region_first, Policy::round_robin,
                                            Policy::size_threshold);
    if (machine.pool.policy == Policy::size_threshold) {
      machine.pool.size_threshold_bytes = *rc::gen::inRange<std::size_t>(16, 1025);
    }
    const unsigned regions = *rc::gen::inRange(1u, 5u);
    for (unsigned index = 0; index < regions; ++index) {
      machine.regions.push_back(*gen_region(index, machine.pool.mode));
    }
    return machine;
  });
}

// The attributes requests draw from: mostly those the machine's regions have (so
// most requests can succeed), sometimes one no region serves.
inline std::vector<std::uint32_t> request_attrs(const sim::MachineConfig& machine) {
  std::vector<std::uint32_t> attrs;
  for (const sim::RegionSpec& spec : machine.regions) {
    attrs.push_back(spec.attr);
  }
  attrs.push_back(machine.pool.mode == MatchMode::exact ? 7u : 1u << 7);
  return attrs;
}

}  // namespace smh::props
