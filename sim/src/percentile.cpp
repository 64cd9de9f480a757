#include "smh/sim/percentile.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

double nearest_rank_percentile(std::vector<double> samples, double pct) {
  SMH_SIM_ASSERT(pct > 0 && pct <= 100);
  if (samples.empty()) {
    return 0.0;
  }
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(pct / 100.0 * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

}  // namespace smh::sim
