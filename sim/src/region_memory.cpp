// The two RegionMemory models (region_memory.hpp): through a cache, and the
// pass-through of a non-cacheable region.
#include "region_memory.hpp"

#include <cstring>

#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

namespace {

class CachedMemory final : public RegionMemory {
 public:
  CachedMemory(const MemoryMap& map, unsigned region)
      : cache_(map.cpu_view(region), map.ram_view(region), map.spec(region).size_bytes, map.spec(region).line_bytes,
               map.spec(region).cache_policy,
               static_cast<std::uint32_t>(map.spec(region).base % map.spec(region).line_bytes),
               /*worst_case=*/true) {}

  void cpu_write(std::uint64_t offset, const unsigned char* data, std::uint64_t size_bytes,
                 std::vector<Hazard>* hazards) override {
    cache_.cpu_write(offset, data, size_bytes, hazards);
  }
  void cpu_read(std::uint64_t offset, unsigned char* data, std::uint64_t size_bytes,
                std::vector<Hazard>* hazards) override {
    cache_.cpu_read(offset, data, size_bytes, hazards);
  }
  void clean(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) override {
    cache_.clean(offset, size_bytes, hazards);
  }
  void invalidate(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) override {
    cache_.invalidate(offset, size_bytes, hazards);
  }
  void clean_invalidate(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) override {
    cache_.clean_invalidate(offset, size_bytes, hazards);
  }
  void dma_to_device(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) override {
    cache_.dma_to_device(offset, size_bytes, hazards);
  }
  void dma_from_device_start(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) override {
    cache_.dma_from_device_start(offset, size_bytes, hazards);
  }
  void dma_from_device_complete(std::uint64_t offset, const unsigned char* data, std::uint64_t size_bytes,
                                std::uint64_t written_bytes) override {
    cache_.dma_from_device_complete(offset, data, size_bytes, written_bytes);
  }
  void dma_from_device_abort(std::uint64_t offset, std::uint64_t size_bytes) override {
    cache_.dma_from_device_abort(offset, size_bytes);
  }
  void dma_to_device_start(std::uint64_t offset, std::uint64_t size_bytes, std::vector<Hazard>* hazards) override {
    cache_.dma_to_device_start(offset, size_bytes, hazards);
  }
  void dma_to_device_complete(std::uint64_t offset, std::uint64_t size_bytes) override {
    cache_.dma_to_device_complete(offset, size_bytes);
  }
  void evict_line_at(std::uint64_t offset, std::vector<Hazard>* hazards) override {
    cache_.evict(cache_.line_of(offset), hazards);
  }
  void fill_line_at(std::uint64_t offset) override { cache_.speculative_fill(cache_.line_of(offset)); }
  [[nodiscard]] Extent lines_around(std::uint64_t offset, std::uint64_t size_bytes) const override {
    SMH_SIM_ASSERT(size_bytes != 0);
    return Extent{cache_.line_first_offset(cache_.line_of(offset)),
                  cache_.line_end_offset(cache_.line_of(offset + size_bytes - 1))};
  }
  [[nodiscard]] bool receive_holds(std::uint64_t offset, std::uint64_t size_bytes) const override {
    if (size_bytes == 0) {
      return true;
    }
    for (std::uint64_t line = cache_.line_of(offset), last = cache_.line_of(offset + size_bytes - 1); line <= last;
         ++line) {
      if (!cache_.rx_active(line)) {
        return false;
      }
    }
    return true;
  }
  [[nodiscard]] CacheModel* cache() override { return &cache_; }
  void verify() const override { cache_.verify(); }
  [[nodiscard]] std::uint64_t line_count() const override { return cache_.line_count(); }

 private:
  CacheModel cache_;
};

// CPU and devices share the one view: writes land in it, reads come from it,
// and there is nothing to maintain.
class PassThroughMemory final : public RegionMemory {
 public:
  explicit PassThroughMemory(unsigned char* view) : view_(view) {}

  void cpu_write(std::uint64_t offset, const unsigned char* data, std::uint64_t size_bytes,
                 std::vector<Hazard>* /*hazards*/) override {
    std::memcpy(view_ + offset, data, static_cast<std::size_t>(size_bytes));
  }
  void cpu_read(std::uint64_t offset, unsigned char* data, std::uint64_t size_bytes,
                std::vector<Hazard>* /*hazards*/) override {
    std::memcpy(data, view_ + offset, static_cast<std::size_t>(size_bytes));
  }
  void clean(std::uint64_t, std::uint64_t, std::vector<Hazard>*) override {}
  void invalidate(std::uint64_t, std::uint64_t, std::vector<Hazard>*) override {}
  void clean_invalidate(std::uint64_t, std::uint64_t, std::vector<Hazard>*) override {}
  void dma_to_device(std::uint64_t, std::uint64_t, std::vector<Hazard>*) override {}
  void dma_from_device_start(std::uint64_t, std::uint64_t, std::vector<Hazard>*) override {}
  void dma_from_device_complete(std::uint64_t offset, const unsigned char* data, std::uint64_t size_bytes,
                                std::uint64_t written_bytes) override {
    SMH_SIM_ASSERT(written_bytes <= size_bytes);
    std::memcpy(view_ + offset, data, static_cast<std::size_t>(written_bytes));
  }
  void dma_from_device_abort(std::uint64_t, std::uint64_t) override {}
  void dma_to_device_start(std::uint64_t, std::uint64_t, std::vector<Hazard>*) override {}
  void dma_to_device_complete(std::uint64_t, std::uint64_t) override {}
  void evict_line_at(std::uint64_t, std::vector<Hazard>*) override {}
  void fill_line_at(std::uint64_t) override {}
  [[nodiscard]] Extent lines_around(std::uint64_t /*offset*/, std::uint64_t /*size_bytes*/) const override {
    return Extent{};  // no lines
  }
  [[nodiscard]] bool receive_holds(std::uint64_t, std::uint64_t) const override { return true; }
  [[nodiscard]] CacheModel* cache() override { return nullptr; }
  void verify() const override {}
  [[nodiscard]] std::uint64_t line_count() const override { return 0; }

 private:
  unsigned char* view_;
};

}  // namespace

std::unique_ptr<RegionMemory> RegionMemory::for_region(const MemoryMap& map, unsigned region) {
  if (is_cacheable(map.spec(region).cache_policy)) {
    return std::make_unique<CachedMemory>(map, region);
  }
  return std::make_unique<PassThroughMemory>(map.cpu_view(region));
}

}  // namespace smh::sim
