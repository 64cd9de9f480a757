// The one vocabulary of checks: every name maps back to its check, the schema
// lists exactly these names, and the cache model's hazards use the same table.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "smh/sim/cache_model.hpp"
#include "smh/sim/checks.hpp"

namespace smh::sim {
namespace {

TEST(Checks, EveryNameMapsBackToItsCheckAndNamesAreDistinct) {
  std::set<std::string> names;
  for (unsigned index = 0; index < check_count; ++index) {
    const auto check = static_cast<Check>(index);
    const std::string name = to_string(check);
    EXPECT_NE(name, "?") << index;
    EXPECT_TRUE(names.insert(name).second) << name;
    ASSERT_TRUE(check_named(name).has_value()) << name;
    EXPECT_EQ(*check_named(name), check) << name;
  }
  EXPECT_STREQ(to_string(static_cast<Check>(check_count)), "?");
  EXPECT_EQ(to_string(Check::non_overlap), std::string("NON_OVERLAP"));
  EXPECT_EQ(to_string(Check::region_offline_violated), std::string("REGION_OFFLINE_VIOLATED"));
  // Exact spelling only: no other case, no near miss.
  EXPECT_FALSE(check_named("stale_tx").has_value());
  EXPECT_FALSE(check_named("STALE_READ").has_value());
  EXPECT_FALSE(check_named("").has_value());
  EXPECT_FALSE(check_named("STALE_TX ").has_value());
}

TEST(Checks, TheListIsSortedAndComplete) {
  const std::string list = check_names_list();
  std::vector<std::string> names;
  std::istringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    names.push_back(name.front() == ' ' ? name.substr(1) : name);
  }
  ASSERT_EQ(names.size(), check_count) << list;
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end())) << list;
  for (const std::string& name : names) {
    EXPECT_TRUE(check_named(name).has_value()) << name;
  }
}

TEST(Checks, TheSchemaListsExactlyTheseNames) {
  std::ifstream in(std::string(SMH_SCENARIOS_DIR) + "/scenario.schema.json");
  const nlohmann::json schema = nlohmann::json::parse(in);
  std::set<std::string> in_schema;
  for (const auto& name : schema.at("$defs").at("check").at("enum")) {
    in_schema.insert(name.get<std::string>());
  }
  std::set<std::string> in_table;
  for (unsigned index = 0; index < check_count; ++index) {
    in_table.insert(to_string(static_cast<Check>(index)));
  }
  EXPECT_EQ(in_schema, in_table);
}

TEST(Checks, HazardsAreNamedByTheirOracle) {
  EXPECT_EQ(oracle_of(HazardKind::stale_tx), Check::stale_tx);
  EXPECT_EQ(oracle_of(HazardKind::stale_rx), Check::stale_rx);
  EXPECT_EQ(oracle_of(HazardKind::writeback_clobber), Check::writeback_clobber);
  EXPECT_EQ(oracle_of(HazardKind::cpu_touch_active_dma), Check::cpu_touch_active_dma);
  EXPECT_EQ(oracle_of(HazardKind::discarded_dirty), Check::collateral_invalidate);
  EXPECT_EQ(oracle_of(HazardKind::unaligned_invalidate), Check::unaligned_invalidate);
}

}  // namespace
}  // namespace smh::sim
