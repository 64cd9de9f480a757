// The pool suites' machines: random memory maps (1 to 16 regions at device
// addresses, adjacent or apart, added in a random order, with exact ids or
// capability masks, some reserved, size-threshold roles) and pool configurations
// (matching mode, any policy), and the pool built over such a map exactly as the
// simulator's Executor builds it, so a counterexample replays with `smh run`.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <ostream>
#include <string>
#include <vector>

#include "smh/heap.hpp"
#include "smh/pool.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/memory_map.hpp"

namespace smh::props {

struct PoolMachineShape {
  unsigned max_regions = 16;
  std::uint64_t max_region_bytes = 16384;
  std::uint32_t exact_attr_count = 4;  // exact mode: region ids drawn from [0, this)
  unsigned capability_bits = 4;        // capability mode: masks over the low bits
};

inline bool region_matches(MatchMode mode, std::uint32_t region_attr, std::uint32_t request_attr) {
  return mode == MatchMode::exact ? region_attr == request_attr : (region_attr & request_attr) == request_attr;
}

// Whether the region may serve an attribute request of size_bytes at all (fit
// aside): it matches, is not reserved, and under size_threshold its role allows.
inline bool region_serves(const PoolConfig& pool, const sim::RegionSpec& region, std::uint32_t attr,
                          std::uint64_t size_bytes) {
  if (region.reserved || !region_matches(pool.mode, region.attr, attr)) {
    return false;
  }
  if (pool.policy != Policy::size_threshold || region.role == RegionRole::any) {
    return true;
  }
  return (size_bytes < pool.size_threshold_bytes) == (region.role == RegionRole::small_requests);
}

// A generated machine (wrapped so that RapidCheck prints it with our operator<<).
struct PoolMachine {
  sim::MachineConfig config;
};

inline rc::Gen<PoolMachine> gen_pool_machine(const PoolMachineShape& shape) {
  return rc::gen::exec([shape]() {
    sim::MachineConfig machine;
    machine.pool.mode = *rc::gen::element(MatchMode::exact, MatchMode::capability);
    machine.pool.policy = static_cast<Policy>(*rc::gen::inRange<unsigned>(0, policy_count));
    machine.pool.size_threshold_bytes = *rc::gen::inRange<std::size_t>(1, 1025);
    const unsigned count = *rc::gen::inRange(1u, shape.max_regions + 1);
    // Laid out in address order, then added in a generated order: the pool's
    // address index must not depend on insertion order.
    std::uint64_t address = 0x2000'0000 + 8 * *rc::gen::inRange<std::uint64_t>(0, 512);
    std::vector<sim::RegionSpec> by_address;
    for (unsigned i = 0; i < count; ++i) {
      sim::RegionSpec region;
      region.base = address;
      region.size_bytes = *rc::gen::weightedOneOf<std::uint64_t>({
          {1, rc::gen::inRange<std::uint64_t>(Heap::min_region_bytes, 257)},
          {3, rc::gen::inRange<std::uint64_t>(256, shape.max_region_bytes + 1)},
      });
      region.attr = machine.pool.mode == MatchMode::exact
                        ? *rc::gen::inRange<std::uint32_t>(0, shape.exact_attr_count)
                        : *rc::gen::inRange<std::uint32_t>(0, 1u << shape.capability_bits);
      region.reserved = *rc::gen::weightedElement<bool>({{7, false}, {1, true}});
      region.role = *rc::gen::element(RegionRole::any, RegionRole::small_requests, RegionRole::large_requests);
      region.cache_policy = sim::CachePolicy::non_cacheable;
      // Adjacent (an owner lookup must tell the two apart at the seam), a few
      // granules apart, or pages apart.
      const std::uint64_t gap_bytes = *rc::gen::weightedOneOf<std::uint64_t>({
          {2, rc::gen::just<std::uint64_t>(0)},
          {2, rc::gen::map(rc::gen::inRange<std::uint64_t>(1, 64), [](std::uint64_t g) { return 8 * g; })},
          {1, rc::gen::map(rc::gen::inRange<std::uint64_t>(1, 16), [](std::uint64_t p) { return 4096 * p; })},
      });
      address = (region.base + region.size_bytes + 7) / 8 * 8 + gap_bytes;
      by_address.push_back(region);
    }
    std::vector<unsigned> order(count);
    std::iota(order.begin(), order.end(), 0u);
    for (unsigned i = 1; i < count; ++i) {  // Fisher-Yates with generated indices
      std::swap(order[i], order[*rc::gen::inRange(0u, i + 1)]);
    }
    for (unsigned i = 0; i < count; ++i) {
      sim::RegionSpec region = by_address[order[i]];
      region.name = "r" + std::to_string(i);
      machine.regions.push_back(region);
    }
    return PoolMachine{machine};
  });
}

// The attributes requests draw from: every id in use and one more (exact), or
// every region's mask, its single bits and 0 (capability).
inline std::vector<std::uint32_t> request_attrs(const sim::MachineConfig& machine) {
  std::vector<std::uint32_t> attrs{0};
  for (const sim::RegionSpec& region : machine.regions) {
    attrs.push_back(region.attr);
    if (machine.pool.mode == MatchMode::exact) {
      attrs.push_back(region.attr + 1);
    } else {
      for (std::uint32_t bit = 1; bit != 0 && bit <= region.attr; bit <<= 1) {
        if ((region.attr & bit) != 0) {
          attrs.push_back(bit);
        }
      }
    }
  }
  std::sort(attrs.begin(), attrs.end());
  attrs.erase(std::unique(attrs.begin(), attrs.end()), attrs.end());
  return attrs;
}

inline std::ostream& operator<<(std::ostream& os, const PoolMachine& generated) {
  const sim::MachineConfig& machine = generated.config;
  os << "{mode " << (machine.pool.mode == MatchMode::exact ? "exact" : "capability") << ", policy "
     << to_string(machine.pool.policy) << ", threshold " << machine.pool.size_threshold_bytes << ", regions";
  for (const sim::RegionSpec& region : machine.regions) {
    os << " [" << region.name << " 0x" << std::hex << region.base << std::dec << "+" << region.size_bytes
       << " attr " << region.attr << (region.reserved ? " reserved" : "") << " role "
       << static_cast<int>(region.role) << "]";
  }
  return os << "}";
}

// The shipped pool over a memory map, as the Executor builds it: the same pool
// type, regions added in map order at their CPU views.
using PropsPool = BasicPool<sim::Executor::max_regions, sim::Executor::max_regions, sim::Executor::attribute_count>;

struct PoolOverMap {
  sim::MemoryMap map;
  std::unique_ptr<PropsPool> pool = std::make_unique<PropsPool>();

  explicit PoolOverMap(const sim::MachineConfig& machine) {
    std::string error;
    RC_ASSERT(sim::MemoryMap::build(machine.regions, &map, &error));
    RC_ASSERT(pool->init(machine.pool) == Status::ok);
    for (unsigned index = 0; index < map.region_count(); ++index) {
      const sim::RegionSpec& spec = map.spec(index);
      RegionConfig region;
      region.address = reinterpret_cast<std::uintptr_t>(map.cpu_view(index));
      region.size_bytes = static_cast<std::size_t>(spec.size_bytes);
      region.attr = spec.attr;
      region.reserved = spec.reserved;
      region.role = spec.role;
      RC_ASSERT(pool->add(region) == Status::ok);
    }
  }
};

}  // namespace smh::props
