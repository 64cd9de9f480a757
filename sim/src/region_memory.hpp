// RegionMemory — one region's memory as the CPU and the devices see it, in
// region offsets: the CPU, cache-maintenance and DMA operations the Executor's
// coherency ops apply, each appending the hazards it detects (cache_model.hpp).
// Two models: a cacheable region's goes through its CacheModel; a non-cacheable
// region's is a pass-through, where CPU and devices share one view, maintenance
// does nothing and no hazard can arise. The Executor applies an op the same way
// whichever model the region has.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "smh/sim/cache_model.hpp"
#include "smh/sim/memory_map.hpp"

namespace smh::sim {

class RegionMemory {
 public:
  // Region offsets [begin, end).
  struct Extent {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
  };

  // The model for `region` of `map`: a CacheModel over its two views when it is
  // cacheable, else a pass-through over its one view.
  static std::unique_ptr<RegionMemory> for_region(const MemoryMap& map, unsigned region);
  virtual ~RegionMemory() = default;

  virtual void cpu_write(std::uint64_t offset, const unsigned char* data, std::uint64_t size_bytes,
                         std::vector<Hazard>* hazards) = 0;
  virtual void cpu_read(std::uint64_t offset, unsigned char* data, std::uint64_t size_bytes,
                        std::vector<Hazard>* hazards) = 0;
  virtual void clean(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) = 0;
  virtual void invalidate(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) = 0;
  virtual void clean_invalidate(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) = 0;
  virtual void dma_to_device(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) = 0;
  virtual void dma_from_device_start(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) = 0;
  // The receive started over [offset, offset + size_bytes) ends; the device
  // wrote its first written_bytes (<= size_bytes: fewer on a short completion)
  // from `data`.
  virtual void dma_from_device_complete(std::uint64_t offset, const unsigned char* data, std::uint64_t size_bytes,
                                        std::uint64_t written_bytes) = 0;
  virtual void dma_from_device_abort(std::uint64_t offset, std::uint64_t size_bytes) = 0;
  virtual void dma_to_device_start(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) = 0;
  virtual void dma_to_device_complete(std::uint64_t offset, std::uint64_t size_bytes) = 0;
  // The cache's own moves on the line holding `offset`.
  virtual void evict_line_at(std::uint64_t offset, std::vector<Hazard>* hazards) = 0;
  virtual void fill_line_at(std::uint64_t offset) = 0;
  // The cache lines [offset, offset + size_bytes) lies in (size_bytes > 0): what
  // an invalidate widens to. Empty ({0, 0}) without a cache.
  [[nodiscard]] virtual Extent lines_around(std::uint64_t offset, std::uint64_t size_bytes) const = 0;
  // Whether a receive started over [offset, offset + size_bytes) still holds
  // every line of it (false once a realloc moved the buffer from under it).
  [[nodiscard]] virtual bool receive_holds(std::uint64_t offset, std::uint64_t size_bytes) const = 0;
  // The region's cache, nullptr for a pass-through (background cache activity
  // reaches it here).
  [[nodiscard]] virtual CacheModel* cache() = 0;
  // The self-check: the cache model's verify() (a pass-through holds no state).
  virtual void verify() const = 0;
  // Lines the model keeps state for (what verify() walks): 0 for a pass-through.
  [[nodiscard]] virtual std::uint64_t line_count() const = 0;
};

}  // namespace smh::sim
