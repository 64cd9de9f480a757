#include "text_chart.hpp"

#include <algorithm>
#include <cmath>

namespace smh::cli {

namespace {

constexpr char levels[] = "_.:-=+*#";
constexpr std::size_t nonzero_levels = sizeof levels - 2;  // without '_' and the NUL

char level_of(double value) {
  if (!(value > 0)) {  // 0, negative or NaN
    return levels[0];
  }
  const auto step = static_cast<std::size_t>(std::min(value, 1.0) * static_cast<double>(nonzero_levels - 1) + 0.5);
  return levels[1 + std::min(step, nonzero_levels - 1)];
}

std::size_t cells(double fraction, std::size_t width) {
  if (!(fraction > 0)) {
    return 0;
  }
  const auto rounded = static_cast<std::size_t>(std::min(fraction, 1.0) * static_cast<double>(width) + 0.5);
  return std::clamp<std::size_t>(rounded, 1, width);
}

}  // namespace

std::string sparkline(std::span<const double> values, std::size_t width) {
  std::string line;
  if (values.empty() || width == 0) {
    return line;
  }
  const std::size_t columns = std::min(values.size(), width);
  for (std::size_t column = 0; column < columns; ++column) {
    const std::size_t begin = column * values.size() / columns;
    const std::size_t end = (column + 1) * values.size() / columns;
    line += level_of(*std::max_element(values.begin() + static_cast<std::ptrdiff_t>(begin),
                                       values.begin() + static_cast<std::ptrdiff_t>(end)));
  }
  return line;
}

std::string use_bar(double live_fraction, double high_water_fraction, std::size_t width) {
  const std::size_t live = cells(live_fraction, width);
  const std::size_t high_water = std::max(live, cells(high_water_fraction, width));
  return std::string(live, '#') + std::string(high_water - live, '+') + std::string(width - high_water, '.');
}

}  // namespace smh::cli
