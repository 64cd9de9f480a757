#include "smh/sim/checks.hpp"

#include <algorithm>
#include <array>

namespace smh::sim {

namespace {

// The one name table, in enum order (checked by the static_assert and the test).
constexpr std::array<const char*, check_count> names = {
    "NON_OVERLAP",      "CONTAINMENT",          "ATTRIBUTE",
    "ALIGNMENT",        "USABLE_SIZE",          "CONTENT",
    "ACCOUNTING",       "COALESCING",           "NO_FALSE_OOM",
    "HEAP_VALIDATE",    "FREE_REFUSED",         "ASSERTION_FAILED",
    "STALE_TX",         "STALE_RX",             "WRITEBACK_CLOBBER",
    "CPU_TOUCH_ACTIVE_DMA", "COLLATERAL_INVALIDATE", "UNALIGNED_INVALIDATE",
    "DMA_LINE_SHARED",  "ATTR_MISMATCH",        "DMA_OVERRUN",
    "FAULT_UNDETECTED", "REGION_OFFLINE_VIOLATED", "FREE_DURING_DMA",
    "DISCARDED_WRITE",  "SHORT_RX_READ",
};
static_assert(static_cast<unsigned>(Check::short_rx_read) + 1 == check_count,
              "a check added to the enum needs its name here");

}  // namespace

const char* to_string(Check check) {
  const auto index = static_cast<unsigned>(check);
  return index < check_count ? names[index] : "?";
}

std::optional<Check> check_named(std::string_view name) {
  for (unsigned index = 0; index < check_count; ++index) {
    if (name == names[index]) {
      return static_cast<Check>(index);
    }
  }
  return std::nullopt;
}

std::string check_names_list() {
  std::array<std::string_view, check_count> sorted{};
  std::copy(names.begin(), names.end(), sorted.begin());
  std::sort(sorted.begin(), sorted.end());
  std::string list;
  for (const std::string_view name : sorted) {
    list += (list.empty() ? "" : ", ") + std::string(name);
  }
  return list;
}

}  // namespace smh::sim
