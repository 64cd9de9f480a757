// Whether a value is a power of two (0 is not), without a population count:
// std::has_single_bit is popcount(x) == 1, which GCC turns into a call to
// libgcc's __popcountdi2 on x86-64 builds without -mpopcnt (the portable
// default), and these tests sit on the op parsers' and the validator's paths.
#pragma once

#include <cstdint>

namespace smh::sim::detail {

[[nodiscard]] constexpr bool is_power_of_two(std::uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

static_assert(!is_power_of_two(0) && is_power_of_two(1) && is_power_of_two(std::uint64_t{1} << 63) &&
              !is_power_of_two(6) && !is_power_of_two(UINT64_MAX));

}  // namespace smh::sim::detail
