// The heap and the first_fit pool as replay targets, shared by the timed pool
// ratio benchmark (pool_ratio_bench.cpp) and the callgrind event counter
// (callgrind/event_count.cpp), so both measure the same pool set-up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "smh/heap.hpp"
#include "smh/pool.hpp"

namespace smh::bench {

constexpr unsigned pool_regions = 8;
constexpr std::uint32_t pool_attr = smh::attr::cacheable;
using Pool8 = smh::BasicPool<pool_regions>;

struct HeapTarget {
  smh::Heap* heap;
  void* alloc(std::size_t size_bytes) const { return heap->alloc(size_bytes); }
  void* realloc(void* ptr, std::size_t size_bytes) const { return heap->realloc(ptr, size_bytes); }
  void free(void* ptr) const { heap->free(ptr); }
};

struct PoolTarget {
  Pool8* pool;
  void* alloc(std::size_t size_bytes) const { return pool->alloc(pool_attr, size_bytes); }
  void* realloc(void* ptr, std::size_t size_bytes) const { return pool->realloc(pool_attr, ptr, size_bytes); }
  void free(void* ptr) const { pool->free(ptr); }
};

// An exact-mode first_fit pool whose `region_count` regions of pool_attr split
// the arena evenly (8-byte multiples); nullptr if set-up fails.
inline std::unique_ptr<Pool8> make_first_fit_pool(unsigned region_count, unsigned char* arena,
                                                  std::size_t arena_bytes) {
  auto pool = std::make_unique<Pool8>();
  smh::PoolConfig config;
  config.mode = smh::MatchMode::exact;
  config.policy = smh::Policy::first_fit;
  if (region_count == 0 || region_count > pool_regions || pool->init(config) != smh::Status::ok) {
    return nullptr;
  }
  const std::size_t region_bytes = arena_bytes / region_count / 8 * 8;
  for (unsigned index = 0; index < region_count; ++index) {
    smh::RegionConfig region;
    region.address = reinterpret_cast<std::uintptr_t>(arena + index * region_bytes);
    region.size_bytes = region_bytes;
    region.attr = pool_attr;
    if (pool->add(region) != smh::Status::ok) {
      return nullptr;
    }
  }
  return pool;
}

}  // namespace smh::bench
