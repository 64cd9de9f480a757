// The text helpers: sparklines, use bars, tables, quoting, attribute names,
// and which files count as scenarios.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "scenario_discovery.hpp"
#include "text_chart.hpp"
#include "text_format.hpp"
#include "text_table.hpp"

namespace smh::cli {
namespace {

TEST(Sparkline, LevelsFromZeroToOne) {
  const std::vector<double> values = {0.0, 0.01, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0, 2.0, -1.0};
  EXPECT_EQ(sparkline(values, 80), "_.:-=+*##_");
}

TEST(Sparkline, LongSeriesKeepTheMaximumOfEachBucket) {
  std::vector<double> values(100, 0.0);
  values[57] = 1.0;  // a spike inside the sixth of ten buckets
  EXPECT_EQ(sparkline(values, 10), "_____#____");
  EXPECT_EQ(sparkline({}, 10), "");
}

TEST(UseBar, LiveThenHighWaterThenUnused) {
  EXPECT_EQ(use_bar(0.25, 0.5, 8), "##++....");
  EXPECT_EQ(use_bar(0.0, 0.0, 4), "....");
  EXPECT_EQ(use_bar(0.001, 0.002, 4), "#...");  // non-zero shows
  EXPECT_EQ(use_bar(1.0, 1.0, 4), "####");
}

TEST(TextTable, AlignsColumnsWithoutTrailingSpaces) {
  TextTable table({"name", "bytes", "note"},
                  {TextTable::Align::left, TextTable::Align::right, TextTable::Align::left});
  table.add_row({"a", "4096", ""});
  table.add_row({"longer", "8", "x"});
  EXPECT_EQ(table.render("  "),
            "  name    bytes  note\n"
            "  a        4096\n"
            "  longer      8  x\n");
}

TEST(TextFormat, ShellQuoting) {
  EXPECT_EQ(shell_quote("scenarios/a_b-1.json"), "scenarios/a_b-1.json");
  EXPECT_EQ(shell_quote("my scenario.json"), "'my scenario.json'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

TEST(TextFormat, AttributeNamesByMode) {
  EXPECT_EQ(attribute_name(MatchMode::exact, 0), "cacheable");
  EXPECT_EQ(attribute_name(MatchMode::exact, 2), "external");
  EXPECT_EQ(attribute_name(MatchMode::exact, 7), "7");
  EXPECT_EQ(attribute_name(MatchMode::capability, caps::dma | caps::internal), "dma|internal");
  EXPECT_EQ(attribute_name(MatchMode::capability, 0), "none");
  EXPECT_EQ(attribute_name(MatchMode::capability, caps::tcm | (1u << 8)), "tcm|0x100");
}

TEST(TextFormat, NumbersDoNotDependOnTheLocale) {
  EXPECT_EQ(hex(0), "0x0");
  EXPECT_EQ(hex(0xABCDEF), "0xabcdef");
  EXPECT_EQ(fixed(0.25, 3), "0.250");
}

TEST(ScenarioDiscovery, ScenariosAreFormatVersionedOrBroken) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("smh_discovery_" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  const auto put = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  EXPECT_TRUE(looks_like_scenario(put("a.json", R"({"format_version": 1})")));
  EXPECT_TRUE(looks_like_scenario(put("broken.json", R"({"format_version": )")));
  EXPECT_FALSE(looks_like_scenario(put("report.json", R"({"report": "smh"})")));
  EXPECT_FALSE(looks_like_scenario(put("list.json", "[1, 2]")));
  put("sub/b.json", R"({"format_version": 1})");
  put("x.schema.json", R"({"format_version": 1})");
  std::vector<std::string> paths;
  std::string error;
  ASSERT_TRUE(discover_scenarios({dir.string(), (dir / "a.json").string()}, &paths, &error)) << error;
  EXPECT_EQ(paths, (std::vector<std::string>{(dir / "a.json").string(), (dir / "broken.json").string(),
                                             (dir / "sub/b.json").string()}));
  EXPECT_FALSE(discover_scenarios({(dir / "nothing").string()}, &paths, &error));
  EXPECT_EQ(error, (dir / "nothing").string() + ": no such file or directory");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace smh::cli
