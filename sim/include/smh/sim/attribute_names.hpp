// The names attributes go by in scenarios, traces and reports: Zephyr's exact
// attribute ids, and the capability bits of smh::caps. One table each, read by
// the parser (names to values) and by the reports (values to names).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smh/pool_types.hpp"

namespace smh::sim {

struct AttributeName {
  std::string_view name;
  std::uint32_t value;
};

inline constexpr AttributeName exact_attribute_names[] = {
    {"cacheable", attr::cacheable}, {"non_cacheable", attr::non_cacheable}, {"external", attr::external}};

inline constexpr AttributeName capability_names[] = {
    {"cacheable", caps::cacheable}, {"dma", caps::dma},   {"external", caps::external},
    {"internal", caps::internal},   {"exec", caps::exec}, {"tcm", caps::tcm}};

// "cacheable, non_cacheable, external": a table's names in its order, for the
// messages that list what a name may be.
template <std::size_t count>
std::string attribute_names_list(const AttributeName (&table)[count]) {
  std::string out;
  for (const AttributeName& entry : table) {
    out += (out.empty() ? "" : ", ") + std::string(entry.name);
  }
  return out;
}

}  // namespace smh::sim
