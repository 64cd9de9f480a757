// RequestTally (request_tally.hpp).
#include "request_tally.hpp"

#include <algorithm>

#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

void RequestTally::count(int home, int region, std::uint64_t heap_search_count) {
  SMH_SIM_ASSERT(heap_search_count >= heap_searches_counted_);  // the pool's count only grows
  SMH_SIM_ASSERT(region < static_cast<int>(by_region_.size()) && home < static_cast<int>(by_region_.size()));
  const std::uint64_t searched = heap_search_count - heap_searches_counted_;
  heap_searches_counted_ = heap_search_count;
  ++searches_.requests;
  searches_.heap_searches += searched;
  searches_.max_per_request = std::max(searches_.max_per_request, searched);
  if (region >= 0) {
    ++by_region_[static_cast<unsigned>(region)].allocs;
  }
  if (home < 0) {
    return;  // no region may serve it: only the run's total counts it (then it failed)
  }
  RegionRequests& at_home = by_region_[static_cast<unsigned>(home)];
  if (region < 0) {
    ++at_home.failed_allocs;
  } else if (region != home) {
    ++at_home.spilled_out;
    ++by_region_[static_cast<unsigned>(region)].spilled_in;
  }
}

}  // namespace smh::sim
