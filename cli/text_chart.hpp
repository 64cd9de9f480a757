// Text pictures for the run summary: a sparkline of a series over time and a use
// bar of a region. Plain ASCII, so they survive any terminal, log or locale.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace smh::cli {

// One character per column for values in [0, 1]; a longer series is split into
// `width` equal buckets, each drawn at its maximum (a spike stays visible).
// Levels: '_' exactly 0, then . : - = + * # up to 1.
std::string sparkline(std::span<const double> values, std::size_t width);

// A `width`-cell bar of a region: '#' live bytes, '+' up to the high water mark
// (the footprint), '.' never used. Fractions of the capacity, in [0, 1]; any
// non-zero part gets at least one cell.
std::string use_bar(double live_fraction, double high_water_fraction, std::size_t width);

}  // namespace smh::cli
