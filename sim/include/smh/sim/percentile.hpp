// Percentiles of sampled figures (F_ext over a run), as `smh compare` and the
// policy benchmark report them: nearest rank, so every answer is a sample.
#pragma once

#include <vector>

namespace smh::sim {

// The smallest sample with at least pct % of the samples at or below it
// (0 < pct <= 100; 100 is the largest); 0 when there are none.
double nearest_rank_percentile(std::vector<double> samples, double pct);

}  // namespace smh::sim
