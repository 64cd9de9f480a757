// CoherencyMachine (coherency_machine.hpp): the regions' memory models, the
// receives in flight, background cache activity.
#include "coherency_machine.hpp"

#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

CoherencyMachine::CoherencyMachine(const MemoryMap& map, std::uint64_t seed)
    : noise_rng_(Rng::stream(seed, "sim.cache_noise")) {
  for (unsigned region = 0; region < map.region_count(); ++region) {
    regions_.push_back(RegionMemory::for_region(map, region));
    line_count_ += regions_.back()->line_count();
    if (regions_.back()->cache() != nullptr) {
      cached_regions_.push_back(region);
    }
  }
}

void CoherencyMachine::complete_receive(Handle handle, std::uint64_t op_index) {
  const auto found = receiving_.find(handle);
  SMH_SIM_ASSERT(found != receiving_.end());  // OpValidator refuses completing a receive never started
  last_receive_[handle] = ReceiveWindow{found->second.start_op, op_index};
  receiving_.erase(found);
}

std::optional<CoherencyMachine::ReceiveWindow> CoherencyMachine::last_receive(Handle handle) const {
  const auto found = last_receive_.find(handle);
  return found == last_receive_.end() ? std::nullopt : std::optional<ReceiveWindow>(found->second);
}

void CoherencyMachine::end_transmit(Handle handle) {
  const auto found = transmitting_.find(handle);
  SMH_SIM_ASSERT(found != transmitting_.end());  // OpValidator refuses ending a transmit never started
  const Transmit& transmit = found->second;
  regions_[transmit.region]->dma_to_device_complete(transmit.region_offset, transmit.size_bytes);
  transmitting_.erase(found);
}

void CoherencyMachine::verify() const {
  for (const auto& memory : regions_) {
    memory->verify();
  }
}

std::optional<CoherencyMachine::Noise> CoherencyMachine::draw_noise(
    std::uint32_t ppm, const std::function<std::vector<NoiseTarget>()>& targets) {
  // The draws, in this order, are part of a run's identity: a seed's noise is
  // the same in every version.
  if (noise_rng_.below(1'000'000) >= ppm || cached_regions_.empty()) {
    return std::nullopt;
  }
  const std::vector<NoiseTarget> near_dma = targets();
  std::uint64_t total_lines = 0;
  for (const NoiseTarget& target : near_dma) {
    total_lines += target.line_count;
  }
  if (total_lines == 0) {
    const unsigned region = cached_regions_[noise_rng_.below(cached_regions_.size())];
    const CacheModel* const cache = regions_[region]->cache();
    SMH_SIM_ASSERT(cache != nullptr);  // cached_regions_ lists the regions with a cache
    const std::uint64_t line = noise_rng_.below(cache->line_count());
    const bool evict = noise_rng_.chance(1, 2);
    return Noise{region, cache->line_first_offset(line), evict};
  }
  std::uint64_t pick = noise_rng_.below(total_lines);
  const bool evict = noise_rng_.chance(1, 2);
  for (const NoiseTarget& target : near_dma) {
    if (pick < target.line_count) {
      const CacheModel* const cache = regions_[target.region]->cache();
      SMH_SIM_ASSERT(cache != nullptr);  // targets are lines of cacheable regions
      const std::uint64_t line = cache->line_of(target.first_line_offset) + pick;
      SMH_SIM_ASSERT(line < cache->line_count());
      return Noise{target.region, cache->line_first_offset(line), evict};
    }
    pick -= target.line_count;
  }
  SMH_SIM_ASSERT(false);  // pick < total_lines
  return std::nullopt;
}

}  // namespace smh::sim
