// Names of the region-selection policies, for reports, scenarios and the CLI.
#include "smh/pool_types.hpp"

namespace smh {

namespace {

constexpr const char* policy_names[policy_count] = {
    "first_fit", "best_fit", "worst_fit", "smallest_region_first", "round_robin", "size_threshold",
};

// Freestanding string equality (no <cstring> dependency in core).
bool same_text(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}

}  // namespace

const char* to_string(Policy policy) {
  const auto index = static_cast<std::size_t>(policy);
  return index < policy_count ? policy_names[index] : "unknown_policy";
}

bool parse_policy(const char* name, Policy* out) {
  if (name == nullptr) {
    return false;
  }
  for (std::size_t index = 0; index < policy_count; ++index) {
    if (same_text(name, policy_names[index])) {
      *out = static_cast<Policy>(index);
      return true;
    }
  }
  return false;
}

}  // namespace smh
