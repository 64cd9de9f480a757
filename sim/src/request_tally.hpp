// RequestTally — where the run's requests went: per region, served, failed at
// their home, spilled in and out (RegionRequests), and how many heaps the pool
// searched for them (RequestSearches, from PoolEngine::heap_search_count).
#pragma once

#include <cstdint>
#include <vector>

#include "smh/sim/executor.hpp"

namespace smh::sim {

class RequestTally {
 public:
  explicit RequestTally(unsigned region_count = 0) : by_region_(region_count) {}

  // One request: its home region (-1: no region may serve it), the region that
  // served it (-1: it failed), and the pool's heap-search count after it (only
  // requests select regions, so the searches since the last one are its own).
  void count(int home, int region, std::uint64_t heap_search_count);
  // An alloc or realloc that returned null for want of room (not one for 0 bytes).
  void count_failure() { ++failed_allocs_; }

  [[nodiscard]] const RegionRequests& region(unsigned index) const { return by_region_[index]; }
  [[nodiscard]] const RequestSearches& searches() const { return searches_; }
  [[nodiscard]] std::uint64_t failed_allocs() const { return failed_allocs_; }

 private:
  std::vector<RegionRequests> by_region_;
  RequestSearches searches_;
  std::uint64_t heap_searches_counted_ = 0;  // the pool's count at the last request
  std::uint64_t failed_allocs_ = 0;
};

}  // namespace smh::sim
