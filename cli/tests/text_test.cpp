// The text helpers: sparklines, use bars, tables, quoting, attribute names,
// and which files count as scenarios.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "scenario_discovery.hpp"
#include "text_chart.hpp"
#include "text_format.hpp"
#include "text_table.hpp"

namespace smh::cli {
namespace {

namespace fs = std::filesystem;

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
  // A control character: bash's $'...' form, every unusual byte escaped.
  EXPECT_EQ(shell_quote(std::string("a\nb\x1b[2J'\\\xc3\xa9", 11)), "$'a\\x0ab\\x1b[2J\\'\\\\\\xc3\\xa9'");
}

// Issue 13: a NUL in a name cut the summary short; ESC, CR and LF could clear
// or retitle the terminal and forge output lines.
TEST(TextFormat, PrintableEscapesEveryControlCharacter) {
  EXPECT_EQ(printable("plain text, UTF-8 \xc3\xa9 too"), "plain text, UTF-8 \xc3\xa9 too");
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(printable("\x1b]0;title\x07\r\nPASS\t\x7f"), "\\x1b]0;title\\x07\\x0d\\x0aPASS\\x09\\x7f");
  EXPECT_EQ(printable("\xc2\x9b" "2J \xc2\xa0"), "\\u009b2J \xc2\xa0");  // C1 CSI escaped, NBSP kept
  EXPECT_EQ(printable("\xc2"), "\xc2");  // a truncated sequence is no control
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
  std::vector<std::string> unreadable;
  std::string error;
  ASSERT_TRUE(discover_scenarios({dir.string(), (dir / "a.json").string()}, &paths, &unreadable, &error)) << error;
  EXPECT_EQ(paths, (std::vector<std::string>{(dir / "a.json").string(), (dir / "broken.json").string(),
                                             (dir / "sub/b.json").string()}));
  EXPECT_TRUE(unreadable.empty());
  EXPECT_FALSE(discover_scenarios({(dir / "nothing").string()}, &paths, &unreadable, &error));
  EXPECT_EQ(error, (dir / "nothing").string() + ": no such file or directory");
  fs::remove_all(dir);
}

// Issue 13: `smh check /` stopped at the first folder it could not read and
// named "/" instead of it. Now that folder is named and the search goes on.
// (Root reads every folder: the search then runs in a child process that has
// given up root for user "nobody".)
TEST(ScenarioDiscoveryDeathTest, AnUnreadableFolderIsNamedAndTheSearchGoesOn) {
  const fs::path dir = fs::temp_directory_path() / ("smh_unreadable_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "a_locked");
  fs::create_directories(dir / "b_open");
  std::ofstream(dir / "a_locked" / "x.json") << R"({"format_version": 1})";
  std::ofstream(dir / "b_open" / "y.json") << R"({"format_version": 1})";
  for (const fs::path& folder : {dir, dir / "b_open"}) {
    fs::permissions(folder, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
  }
  fs::permissions(dir / "b_open" / "y.json", fs::perms::owner_read | fs::perms::owner_write |
                                                 fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir / "a_locked", fs::perms::none);
  const auto search = [&] {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      std::fprintf(stderr, "cannot give up root\n");
      std::exit(3);
    }
    std::vector<std::string> paths;
    std::vector<std::string> unreadable;
    std::string error;
    const bool ok = discover_scenarios({dir.string()}, &paths, &unreadable, &error);
    const bool right =
        ok && paths == std::vector<std::string>{(dir / "b_open" / "y.json").string()} && unreadable.size() == 1 &&
        unreadable[0] == (dir / "a_locked").string() + ": cannot search the directory: Permission denied";
    std::fprintf(stderr, "%s %zu paths; %s\n", right ? "right" : "wrong", paths.size(),
                 unreadable.empty() ? "nothing unreadable" : unreadable[0].c_str());
    std::exit(right ? 0 : 1);
  };
  EXPECT_EXIT(search(), ::testing::ExitedWithCode(0), "right 1 paths; .*a_locked: cannot search the directory");
  fs::permissions(dir / "a_locked", fs::perms::owner_all);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace smh::cli
