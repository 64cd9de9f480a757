// Parsing a scenario costs memory in proportion to its text, and a nesting bomb
// costs none (issue 13, defect 5: 1M inline ops cost 970 MiB, 21 times their
// 46 MB of text, and 32 MB of '[' 1.2 GiB before the nesting error, when the
// text was parsed into a tree and indexed by path before it was read). The
// peak resident size over the parse is measured, not what is left after it.
#include <gtest/gtest.h>

#include <string>

#include "smh/sim/scenario_parser.hpp"
#include "support/process_memory.hpp"

namespace smh::sim {
namespace {

// `pairs` allocations and frees of one region, in the format's plain syntax.
std::string scenario_with_ops(std::size_t pairs) {
  std::string text = R"({"format_version": 1, "machine": {"regions": [{"name": "r", "base": 4096, "size": "1M", )"
                     R"("attr": 0, "cache": "non_cacheable"}]}, "ops": [)";
  for (std::size_t i = 1; i <= pairs; ++i) {
    const std::string handle = std::to_string(i);
    text += (i == 1 ? "\n" : ",\n");
    text += R"({"op": "alloc", "handle": )" + handle + R"(, "attr": 0, "size": 16},)" + "\n";
    text += R"({"op": "free", "handle": )" + handle + "}";
  }
  return text + "]}\n";
}

// The peak resident growth while `parse` runs, in bytes.
template <class Parse>
std::uint64_t peak_growth_bytes(Parse&& parse) {
  EXPECT_TRUE(test::reset_peak_resident()) << "the kernel offers no peak reset (/proc/self/clear_refs)";
  const std::uint64_t before = test::resident_bytes();
  parse();
  const std::uint64_t peak = test::peak_resident_bytes();
  EXPECT_GT(peak, 0u);
  return peak - std::min(peak, before);
}

class ScenarioParseMemory : public ::testing::Test {
 protected:
  void SetUp() override {
#if defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "resident memory is not ours to measure under ThreadSanitizer";
#endif
  }
};

TEST_F(ScenarioParseMemory, InlineOpsCostAboutTheirOwnSize) {
  const std::string text = scenario_with_ops(100'000);  // 200k ops, ~9 MB of text
  Scenario scenario;
  ScenarioError error;
  bool parsed = false;
  const std::uint64_t growth =
      peak_growth_bytes([&] { parsed = parse_scenario(text, "ops.json", &scenario, &error); });
  ASSERT_TRUE(parsed) << error.to_string();
  ASSERT_EQ(scenario.ops.size(), 200'000u);
  // What parsing must keep: 64 bytes an op (about 1.4 times this text).
  // Twice the text is room for that, and for no tree or index of it.
  EXPECT_LT(growth, 2 * text.size()) << "parsing " << text.size() << " bytes of text grew the process by " << growth
                                      << " bytes at its peak";
}

TEST_F(ScenarioParseMemory, NestingStopsAtTheLimitWithoutBuildingAnything) {
  const std::string text(8'000'000, '[');
  Scenario scenario;
  ScenarioError error;
  bool parsed = true;
  const std::uint64_t growth =
      peak_growth_bytes([&] { parsed = parse_scenario(text, "deep.json", &scenario, &error); });
  ASSERT_FALSE(parsed);
  EXPECT_EQ(error.to_string(), "deep.json:1:33: nesting deeper than 32 levels");
  // Nothing is built: a megabyte is the noise of a message and a page or two.
  EXPECT_LT(growth, std::uint64_t{1} << 20) << "grew by " << growth << " bytes at its peak";
}

}  // namespace
}  // namespace smh::sim
