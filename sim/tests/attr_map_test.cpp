// Attribute maps: what each rule matches, first rule wins, and every mistake in
// the file with its line, column, JSON path and message.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "smh/sim/attr_map.hpp"
#include "support/trace_files.hpp"

namespace smh::sim {
namespace {

AttrMap parse(std::string_view text, MatchMode mode = MatchMode::exact) {
  AttrMap map;
  AttrMapError error;
  EXPECT_TRUE(parse_attr_map(text, "map.json", mode, &map, &error)) << error.to_string();
  return map;
}

// `text` fails at the first `at` (line and column computed from it), with that
// path and message.
void expect_error(std::string_view text, std::string_view at, std::string_view path, std::string_view message,
                  MatchMode mode = MatchMode::exact) {
  AttrMap map;
  AttrMapError error;
  ASSERT_FALSE(parse_attr_map(text, "map.json", mode, &map, &error));
  const std::size_t offset = text.find(at);
  ASSERT_NE(offset, std::string_view::npos) << at;
  std::uint64_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  EXPECT_EQ(error.line, line) << error.to_string();
  EXPECT_EQ(error.column, offset - line_start + 1) << error.to_string();
  EXPECT_EQ(error.json_path, path) << error.to_string();
  EXPECT_EQ(error.message, message) << error.to_string();
}

AllocFacts sized(std::uint64_t size_bytes) {
  AllocFacts facts;
  facts.size_bytes = size_bytes;
  return facts;
}

TEST(AttrMap, EachConditionAndFirstMatchWins) {
  const AttrMap map = parse(R"({"format_version": 1, "default": "external", "rules": [
    {"size": {"min": "1K", "max": "4K"}, "attr": 1},
    {"trace": [7, [20, 25], [24, 30]], "attr": 2},
    {"caller": ["0x400d5f3a", 17], "size": {"max": 64}, "attr": 3},
    {"heap": ["0x20001000"], "attr": 4},
    {"size": {"min": 0}, "attr": 5}]})");
  ASSERT_EQ(map.rules.size(), 5u);
  EXPECT_TRUE(map.has_default);
  EXPECT_EQ(map.default_attr, attr::external);
  EXPECT_EQ(map.rules[0].line, 2u);
  EXPECT_EQ(map.rules[1].traces, (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{7, 7}, {20, 30}}));

  EXPECT_EQ(map.first_match(sized(1024)), 0u);
  EXPECT_EQ(map.first_match(sized(4096)), 0u);
  EXPECT_EQ(map.first_match(sized(4097)), 4u);
  AllocFacts traced = sized(8);
  traced.has_trace = true;
  for (const std::uint64_t trace : {7u, 20u, 27u, 30u}) {
    traced.trace = trace;
    EXPECT_EQ(map.first_match(traced), 1u) << trace;
  }
  for (const std::uint64_t trace : {6u, 8u, 19u, 31u}) {
    traced.trace = trace;
    EXPECT_EQ(map.first_match(traced), 4u) << trace;
  }
  AllocFacts called = sized(64);
  called.has_site = true;
  called.site = 0x400d5f3a;
  EXPECT_EQ(map.first_match(called), 2u);
  called.size_bytes = 65;  // both conditions must hold
  EXPECT_EQ(map.first_match(called), 4u);
  called.site = 17;
  called.size_bytes = 1;
  EXPECT_EQ(map.first_match(called), 2u);
  AllocFacts heap = sized(10'000);
  heap.has_heap = true;
  heap.heap = 0x20001000;
  EXPECT_EQ(map.first_match(heap), 3u);
  // A fact the input does not have matches no rule that asks for it.
  EXPECT_EQ(map.first_match(sized(8)), 4u);
}

TEST(AttrMap, NoRuleMatches) {
  const AttrMap map = parse(R"({"format_version": 1, "rules": [{"size": {"min": 100}, "attr": 1}]})");
  EXPECT_FALSE(map.has_default);
  EXPECT_EQ(map.first_match(sized(99)), 1u);
}

TEST(AttrMap, CapabilityNames) {
  const AttrMap map = parse(R"({"format_version": 1, "default": ["internal"],
    "rules": [{"size": {"min": 1}, "attr": ["dma", "internal"]}]})",
                            MatchMode::capability);
  EXPECT_EQ(map.default_attr, caps::internal);
  EXPECT_EQ(map.rules[0].attr, caps::dma | caps::internal);
}

TEST(AttrMap, Errors) {
  expect_error(R"({"format_version": 1, "rules": [{"size": {"min": 1}, "attr": 1, "colour": 2}]})", "\"colour\"",
               "$.rules[0].colour", "unknown key \"colour\" (expected one of: size, trace, caller, heap, attr)");
  expect_error(R"({"format_version": 1, "rules": [{"size": {"min": 1}}]})", "{\"size", "$.rules[0]",
               "missing required key \"attr\"");
  expect_error(R"({"format_version": 1, "rules": [{"attr": 1}]})", "{\"attr", "$.rules[0]",
               "a rule needs at least one of size, trace, caller, heap (\"default\" gives the rest an attribute)");
  expect_error("{\"format_version\": 1,\n \"rules\": [{\"size\": {\"min\": \"4Q\"}, \"attr\": 1}]}", "\"4Q\"",
               "$.rules[0].size.min",
               "bad size \"4Q\": unknown unit \"Q\" (units: K, KiB, M, MiB, G, GiB; powers of 1024)");
  expect_error(R"({"format_version": 1, "rules": [{"size": {"min": 9, "max": 8}, "attr": 1}]})", "{\"min",
               "$.rules[0].size", "min (9) is above max (8)");
  expect_error(R"({"format_version": 1, "rules": [{"trace": [[5, 2]], "attr": 1}]})", "[5", "$.rules[0].trace[0]",
               "expected a range [first, last] with first <= last");
  expect_error(R"({"format_version": 1, "rules": [{"caller": ["main+4"], "attr": 1}]})", "\"main", "$.rules[0].caller[0]",
               "expected an address (an integer or a string such as \"0x400d5f3a\"): expected digits");
  expect_error(R"({"format_version": 1, "rules": [{"heap": [], "attr": 1}]})", "[]", "$.rules[0].heap",
               "expected a list of addresses, got an empty array");
  expect_error(R"({"format_version": 1, "rules": [{"heap": [1], "attr": "dma"}]})", "\"dma", "$.rules[0].attr",
               "unknown attribute \"dma\" (expected one of: cacheable, non_cacheable, external, or an integer)");
  expect_error(R"({"rules": []})", "{", "$", "missing required key \"format_version\"");
  expect_error(R"({"format_version": 2, "rules": []})", "2", "$.format_version",
               "unsupported format_version 2 (this smh reads 1)");
  expect_error(R"({"format_version": 1})", "{", "$", "missing required key \"rules\"");
  expect_error(R"({"format_version": 1, "rules": {}})", "{}", "$.rules", "expected a list of rules, got object");
  expect_error("{\"format_version\": 1,\n  \"rules\": [,]}", ",]", "",
               "syntax error: expected a value, got ','");
  expect_error(R"({"format_version": 1, "rules": [{"size": {"min": 1}, "attr": 1}]} x)", "x", "",
               "syntax error: expected the end of the file after the map, got 'x'");
}

TEST(AttrMap, LoadRefusesLargeFilesAndMissingOnes) {
  const test::ScratchDir dir("attr_map");
  const std::string path = dir.file("map.json");
  test::write_file(path, R"({"format_version": 1, "rules": [{"size": {"min": 1}, "attr": 1}]})");
  AttrMap map;
  AttrMapError error;
  EXPECT_TRUE(load_attr_map(path, MatchMode::exact, 1024, &map, &error)) << error.to_string();
  EXPECT_EQ(map.file, path);
  EXPECT_FALSE(load_attr_map(path, MatchMode::exact, 10, &map, &error));
  EXPECT_EQ(error.to_string(), path + ": the file is larger than 10 bytes (raise the limit with --max-attr-map-bytes)");
  EXPECT_FALSE(load_attr_map(dir.file("none.json"), MatchMode::exact, 1024, &map, &error));
  EXPECT_EQ(error.to_string(), dir.file("none.json") + ": cannot open the file: No such file or directory");
}

}  // namespace
}  // namespace smh::sim
