#include "validation_cadence.hpp"

#include <charconv>
#include <cstdint>

namespace smh::cli {

bool apply_validate_every(const std::string& text, sim::RunnerOptions* runner, std::string* error) {
  if (text == "auto") {
    runner->validate_every_ops = 1024;
    runner->validate_scales_with_blocks = true;
    return true;
  }
  if (text == "off") {
    runner->validate_every_ops = 0;
    runner->validate_scales_with_blocks = false;
    return true;
  }
  std::uint64_t every_ops = 0;
  const char* end = text.data() + text.size();
  const auto [stop, failure] = std::from_chars(text.data(), end, every_ops);
  if (text.empty() || failure != std::errc() || stop != end || every_ops == 0) {
    *error = "--validate-every: expected 'auto', 'off' or a number of ops >= 1, got '" + text + "'";
    return false;
  }
  runner->validate_every_ops = every_ops;
  runner->validate_scales_with_blocks = false;
  return true;
}

}  // namespace smh::cli
