// The scenario parser: every error class with its message and position, the
// accepted syntaxes, the canonical round trip, and the bundled scenarios.
#include "smh/sim/expectations.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "support/bundled_scenarios.hpp"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace smh::sim {
namespace {

// A valid scenario; tests splice their faults into it.
std::string with_ops(std::string_view ops) {
  return std::string(R"({
  "format_version": 1,
  "name": "t",
  "machine": {"regions": [
    {"name": "sram", "base": "0x2000_0000", "size": "64K", "attr": "cacheable", "cache": "write_back"}
  ]},
  "ops": )") + std::string(ops) + "\n}\n";
}

Scenario parse_ok(std::string_view text) {
  Scenario scenario;
  ScenarioError error;
  EXPECT_TRUE(parse_scenario(text, "t.json", &scenario, &error)) << error.to_string();
  return scenario;
}

// 1-based line and column of the first occurrence of needle (ASCII texts).
std::pair<std::size_t, std::size_t> position_of(std::string_view text, std::string_view needle) {
  const std::size_t offset = text.find(needle);
  EXPECT_NE(offset, std::string_view::npos) << needle;
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, offset - line_start + 1};
}

// Parses text expecting failure with exactly that path and message, positioned
// at the first occurrence of `at` in the text.
void expect_error(std::string_view text, std::string_view path, std::string_view message, std::string_view at) {
  Scenario scenario;
  ScenarioError error;
  ASSERT_FALSE(parse_scenario(text, "t.json", &scenario, &error)) << text;
  EXPECT_EQ(error.file, "t.json");
  EXPECT_EQ(error.json_path, path);
  EXPECT_EQ(error.message, message);
  const auto [line, column] = position_of(text, at);
  EXPECT_EQ(error.line, line) << error.to_string();
  EXPECT_EQ(error.column, column) << error.to_string();
}

TEST(ScenarioParser, ParsesEverySection) {
  const Scenario s = parse_ok(R"({
    "format_version": 1,
    "name": "all",
    "description": "every section",
    "seed": "0xdead_beef",
    "machine": {"regions": [
      {"name": "a", "base": 536870912, "size": 4096, "attr": ["cacheable", "dma"], "cache": "write_through",
       "line_bytes": 64, "dma": true, "reserved": true},
      {"name": "b", "base": "0x3000_0000", "size": "1M", "attr": 5, "cache": "non_cacheable"}
    ]},
    "pool": {"mode": "capability", "policy": "size_threshold", "size_threshold": "1K"},
    "faults": {"alloc_failure": 100, "region_offline": 5},
    "ops": [
      {"op": "alloc", "handle": 7, "attr": ["dma"], "size": "64KiB", "align": "4K"},
      {"op": "realloc", "handle": 7, "attr": 3, "size": 100},
      {"op": "dma_to_device", "handle": 7, "offset": 16, "length": "1K"},
      {"op": "evict", "handle": 7, "offset": 32},
      {"op": "free", "handle": 7}
    ],
    "expect": {"findings_required": ["STALE_RX"], "findings_allowed": ["FAULT_UNDETECTED", "CONTENT"],
               "max_failed_allocs": 2, "max_f_ext": 0.5, "max_footprint_overhead": 1.25,
               "golden_digest": "0x0123456789ABCDEF"}
  })");
  EXPECT_EQ(s.format_version, 1u);
  EXPECT_EQ(s.name, "all");
  EXPECT_EQ(s.description, "every section");
  EXPECT_EQ(s.seed, 0xdeadbeefu);
  ASSERT_EQ(s.machine.regions.size(), 2u);
  const RegionSpec& a = s.machine.regions[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.base, 0x2000'0000u);
  EXPECT_EQ(a.size_bytes, 4096u);
  EXPECT_EQ(a.attr, caps::cacheable | caps::dma);
  EXPECT_EQ(a.cache_policy, CachePolicy::write_through);
  EXPECT_EQ(a.line_bytes, 64u);
  EXPECT_TRUE(a.dma_capable);
  EXPECT_TRUE(a.reserved);
  const RegionSpec& b = s.machine.regions[1];
  EXPECT_EQ(b.base, 0x3000'0000u);
  EXPECT_EQ(b.size_bytes, 1u << 20);
  EXPECT_EQ(b.attr, 5u);
  EXPECT_EQ(b.cache_policy, CachePolicy::non_cacheable);
  EXPECT_EQ(b.line_bytes, 32u);
  EXPECT_FALSE(b.dma_capable);
  EXPECT_EQ(s.machine.pool.mode, MatchMode::capability);
  EXPECT_EQ(s.machine.pool.policy, Policy::size_threshold);
  EXPECT_EQ(s.machine.pool.size_threshold_bytes, 1024u);
  EXPECT_FALSE(s.swarm);
  EXPECT_EQ(s.faults.rate_ppm[static_cast<unsigned>(FaultKind::alloc_failure)], 100u);
  EXPECT_EQ(s.faults.rate_ppm[static_cast<unsigned>(FaultKind::region_offline)], 5u);
  EXPECT_EQ(s.faults.rate_ppm[static_cast<unsigned>(FaultKind::metadata_flip)], 0u);
  ASSERT_EQ(s.ops.size(), 5u);
  EXPECT_EQ(s.ops[0].kind, OpKind::alloc);
  EXPECT_EQ(s.ops[0].handle, 7u);
  EXPECT_EQ(s.ops[0].attr, caps::dma);
  EXPECT_EQ(s.ops[0].size_bytes, 65536u);
  EXPECT_EQ(s.ops[0].align_bytes, 4096u);
  EXPECT_EQ(s.ops[1].kind, OpKind::realloc);
  EXPECT_EQ(s.ops[1].attr, 3u);
  EXPECT_EQ(s.ops[2].kind, OpKind::dma_to_device);
  EXPECT_EQ(s.ops[2].offset_bytes, 16u);
  EXPECT_EQ(s.ops[2].length_bytes, 1024u);
  EXPECT_EQ(s.ops[3].kind, OpKind::evict);
  EXPECT_EQ(s.ops[3].offset_bytes, 32u);
  EXPECT_EQ(s.ops[4].kind, OpKind::free);
  EXPECT_FALSE(s.trace.has_value());
  EXPECT_EQ(s.expect.findings_required, std::vector<Check>{Check::stale_rx});
  EXPECT_EQ(s.expect.findings_allowed, (std::vector<Check>{Check::fault_undetected, Check::content}));
  EXPECT_EQ(s.expect.max_failed_allocs, 2u);
  EXPECT_EQ(s.expect.max_f_ext, 0.5);
  EXPECT_EQ(s.expect.max_footprint_overhead, 1.25);
  EXPECT_EQ(s.expect.golden_digest, 0x0123456789abcdefu);
}

TEST(ScenarioParser, EveryOpKindByItsName) {
  for (unsigned kind = 0; kind < op_kind_count; ++kind) {
    const std::string name = to_string(static_cast<OpKind>(kind));
    const bool block = kind == static_cast<unsigned>(OpKind::alloc) || kind == static_cast<unsigned>(OpKind::realloc);
    const std::string extra = block ? R"(, "attr": 0, "size": 8)" : "";
    const Scenario s = parse_ok(with_ops(R"([{"op": ")" + name + R"(", "handle": 1)" + extra + "}]"));
    ASSERT_EQ(s.ops.size(), 1u) << name;
    EXPECT_EQ(s.ops[0].kind, static_cast<OpKind>(kind)) << name;
  }
}

TEST(ScenarioParser, SizeSyntaxes) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"4096", 4096},          {R"("4K")", 4096},       {R"("64KiB")", 65536},   {R"("1M")", 1u << 20},
      {R"("2MiB")", 2u << 20}, {R"("1G")", 1u << 30},   {R"("0x1000")", 4096},   {R"("1_000")", 1000},
      {R"("0x1_0")", 16},      {R"("0")", 0},           {"18446744073709551615", 18446744073709551615u},
  };
  for (const auto& [text, value] : cases) {
    const Scenario s = parse_ok(with_ops(std::string(R"([{"op": "alloc", "handle": 1, "attr": 0, "size": )") +
                                         text + "}]"));
    ASSERT_EQ(s.ops.size(), 1u) << text;
    EXPECT_EQ(s.ops[0].size_bytes, value) << text;
  }
}

TEST(ScenarioParser, MalformedJsonGivesLineAndColumnOfTheSyntaxError) {
  const std::string text = "{\n  \"format_version\": 1,\n  \"machine\": {,\n}\n";
  Scenario s;
  ScenarioError error;
  ASSERT_FALSE(parse_scenario(text, "bad.json", &s, &error));
  EXPECT_EQ(error.line, 3u);
  EXPECT_EQ(error.column, 15u);  // the ','
  EXPECT_EQ(error.json_path, "");
  EXPECT_EQ(error.message, "syntax error: expected a string key, got ','");
  EXPECT_EQ(error.to_string(), "bad.json:3:15: syntax error: expected a string key, got ','");
}

TEST(ScenarioParser, TruncatedJsonPointsAtTheEnd) {
  const std::string text = "{\n  \"format_version\": 1,\n  \"ops\": [";
  Scenario s;
  ScenarioError error;
  ASSERT_FALSE(parse_scenario(text, "t.json", &s, &error));
  EXPECT_EQ(error.line, 3u);
  EXPECT_EQ(error.column, 11u);  // one past the '['
  EXPECT_EQ(error.message, "syntax error: expected a value, got the end of the input");
}

TEST(ScenarioParser, ColumnsCountCharactersNotBytes) {
  // "é" is two bytes; the error value starts at character 22 (byte 23) of line 2.
  const std::string text =
      "{\"format_version\": 1, \"machine\": {\"regions\": []}, \"ops\": [],\n\"name\": \"é\", \"seed\": true}";
  Scenario s;
  ScenarioError error;
  ASSERT_FALSE(parse_scenario(text, "t.json", &s, &error));
  EXPECT_EQ(error.json_path, "$.seed");
  EXPECT_EQ(error.line, 2u);
  EXPECT_EQ(error.column, 22u);
}

TEST(ScenarioParser, WrongTypeNamesThePathAndPointsAtTheValue) {
  const std::string text = with_ops(R"([
    {"op": "alloc", "handle": 1, "attr": 0, "size": 8},
    {"op": "alloc", "handle": 2, "attr": 0, "size": 8},
    {"op": "alloc", "handle": 3, "attr": 0, "size": 8},
    {"op": "alloc", "handle": 4, "attr": 0, "size": true}
  ])");
  expect_error(text, "$.ops[3].size", R"(expected a size (an integer or a string such as "4K"), got boolean)",
               "true");
  expect_error(with_ops(R"([{"op": "free", "handle": "one"}])"), "$.ops[0].handle",
               R"(expected a handle (an integer), got string "one")", R"("one")");
  expect_error(R"({"format_version": 1, "machine": {"regions": {}}, "ops": []})", "$.machine.regions",
               "expected an array, got object", "{}");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "name": 3})", "$.name",
               "expected a string, got integer 3", "3}");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "expect": {"max_f_ext": "x"}})",
               "$.expect.max_f_ext", R"(expected a number, got string "x")", R"("x")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [5]})", "$.ops[0]",
               "expected an object, got integer 5", "5]");
  expect_error("[]", "$", "expected an object, got array", "[]");
}

TEST(ScenarioParser, UnknownKeysAreErrorsAtTheKey) {
  const std::string region = R"({"format_version": 1, "machine": {"regions": [
    {"name": "a", "base": 4096, "size": "4K", "attr": 0, "cache": "write_back", "colour": "red"}]}, "ops": []})";
  expect_error(region, "$.machine.regions[0].colour",
               R"(unknown key "colour" (expected one of: name, base, size, attr, cache, line_bytes, dma, reserved, role))",
               R"("colour")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "zeta": 1, "alpha": 2})", "$.zeta",
               R"(unknown key "zeta" (expected one of: format_version, name, description, seed, machine, pool, )"
               R"(faults, cache_noise_ppm, ops, trace, expect))",
               R"("zeta")");
  expect_error(with_ops(R"([{"op": "free", "handle": 1, "size": 8}])"), "$.ops[0].size",
               R"(unknown key "size" for op "free" (expected one of: op, handle))", R"("size": 8})");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "expect": {"max_faults": 1}})",
               "$.expect.max_faults",
               R"(unknown key "max_faults" (expected one of: findings_required, findings_allowed, )"
               R"(max_failed_allocs, max_f_ext, max_footprint_overhead, golden_digest))",
               R"("max_faults")");
  expect_error(R"({"format_version": 1, "machine": {"regions": [], "bad key": 1}, "ops": []})",
               R"($.machine["bad key"])", R"(unknown key "bad key" (expected one of: regions))", R"("bad key")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "faults": {"bit_rot": 5}})",
               "$.faults.bit_rot",
               R"(unknown key "bit_rot" (expected one of: alloc_failure, metadata_flip, dma_overrun, double_free, )"
               R"(foreign_free, region_offline))",
               R"("bit_rot")");
}

TEST(ScenarioParser, BadSizes) {
  const auto alloc = [](std::string_view size) {
    return with_ops(std::string(R"([{"op": "alloc", "handle": 1, "attr": 0, "size": )") + std::string(size) + "}]");
  };
  expect_error(alloc(R"("4Q")"), "$.ops[0].size",
               R"(bad size "4Q": unknown unit "Q" (units: K, KiB, M, MiB, G, GiB; powers of 1024))", R"("4Q")");
  expect_error(alloc("-4"), "$.ops[0].size", "size must not be negative, got -4", "-4");
  expect_error(alloc(R"("-4K")"), "$.ops[0].size", R"(bad size "-4K": must not be negative)", R"("-4K")");
  expect_error(alloc(R"("99999999999999999999")"), "$.ops[0].size",
               R"(bad size "99999999999999999999": does not fit in 64 bits)", R"("9999)");
  expect_error(alloc("99999999999999999999"), "$.ops[0].size", "size 99999999999999999999 does not fit in 64 bits",
               "9999");
  expect_error(alloc(R"("17179869184G")"), "$.ops[0].size", R"(bad size "17179869184G": does not fit in 64 bits)",
               R"("1717)");
  expect_error(alloc("4.5"), "$.ops[0].size", "size must be an integer, got 4.5", "4.5");
  expect_error(alloc(R"("K")"), "$.ops[0].size", R"(bad size "K": expected digits)", R"("K")");
  expect_error(alloc(R"("4__0")"), "$.ops[0].size", R"(bad size "4__0": '_' must sit between digits)",
               R"("4__0")");
  expect_error(alloc(R"("")"), "$.ops[0].size", R"(bad size "": expected digits)", R"("")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "seed": "12K"})", "$.seed",
               R"(bad seed "12K": unexpected "K" after the number)", R"("12K")");
}

// An op's offset and length: sizes, named as themselves, at their op's path
// (the op index), never wrapped or truncated.
TEST(ScenarioParser, BadOffsetsAndLengths) {
  const auto access = [](std::string_view key, std::string_view value) {
    return with_ops(std::string(R"([{"op": "alloc", "handle": 1, "attr": 0, "size": 64}, )") +
                    R"({"op": "dma_from_device_complete", "handle": 1, ")" + std::string(key) + R"(": )" +
                    std::string(value) + "}]");
  };
  expect_error(access("offset", "-8"), "$.ops[1].offset", "offset must not be negative, got -8", "-8");
  expect_error(access("length", R"("-1K")"), "$.ops[1].length", R"(bad length "-1K": must not be negative)",
               R"("-1K")");
  expect_error(access("length", "18446744073709551616"), "$.ops[1].length",
               "length 18446744073709551616 does not fit in 64 bits", "1844");
  expect_error(access("offset", R"("17179869184G")"), "$.ops[1].offset",
               R"(bad offset "17179869184G": does not fit in 64 bits)", R"("1717)");
  expect_error(access("offset", "8.5"), "$.ops[1].offset", "offset must be an integer, got 8.5", "8.5");
}

TEST(ScenarioParser, UnknownNames) {
  expect_error(with_ops(R"([{"op": "allocate", "handle": 1}])"), "$.ops[0].op",
               R"(unknown op "allocate" (expected one of: alloc, realloc, free, cpu_write, cpu_read, cache_clean, )"
               R"(cache_invalidate, cache_clean_invalidate, dma_to_device, dma_from_device_start, )"
               R"(dma_from_device_complete, evict, speculative_fill, dma_to_device_start, dma_to_device_complete, )"
               R"(dma_abort))",
               R"("allocate")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "pool": {"policy": "fastest"}})",
               "$.pool.policy",
               R"(unknown policy "fastest" (expected one of: first_fit, best_fit, worst_fit, )"
               R"(smallest_region_first, round_robin, size_threshold))",
               R"("fastest")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "pool": {"mode": "fuzzy"}})",
               "$.pool.mode", R"(unknown mode "fuzzy" (expected one of: exact, capability))", R"("fuzzy")");
  expect_error(R"({"format_version": 1, "machine": {"regions": [
      {"name": "a", "base": 4096, "size": "4K", "attr": 0, "cache": "write_around"}]}, "ops": []})",
               "$.machine.regions[0].cache",
               R"(unknown cache policy "write_around" (expected one of: write_back, write_through, non_cacheable))",
               R"("write_around")");
  expect_error(with_ops(R"([{"op": "alloc", "handle": 1, "attr": "uncached", "size": 8}])"), "$.ops[0].attr",
               R"(unknown attribute "uncached" (expected one of: cacheable, non_cacheable, external, or an integer))",
               R"("uncached")");
  expect_error(with_ops(R"([{"op": "alloc", "handle": 1, "attr": ["dma"], "size": 8}])"), "$.ops[0].attr",
               R"(a capability list needs pool.mode "capability"; in exact mode attr is an integer or one of: )"
               R"(cacheable, non_cacheable, external)",
               R"(["dma"])");
  expect_error(R"({"format_version": 1, "pool": {"mode": "capability"}, "machine": {"regions": [
      {"name": "a", "base": 4096, "size": "4K", "attr": ["dma", "psram"], "cache": "write_back"}]}, "ops": []})",
               "$.machine.regions[0].attr[1]",
               R"(unknown capability "psram" (expected one of: cacheable, dma, external, internal, exec, tcm))",
               R"("psram")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "faults": "chaos"})", "$.faults",
               R"(expected "swarm" or an object of fault rates, got string "chaos")", R"("chaos")");
  // Only the checks the Executor has (checks.hpp), spelled exactly: a name that
  // is none of them would make an expectation that can never be met, or allow
  // nothing.
  const std::string valid_checks =
      "ACCOUNTING, ALIGNMENT, ASSERTION_FAILED, ATTRIBUTE, ATTR_MISMATCH, COALESCING, COLLATERAL_INVALIDATE, "
      "CONTAINMENT, CONTENT, CPU_TOUCH_ACTIVE_DMA, DISCARDED_WRITE, DMA_LINE_SHARED, DMA_OVERRUN, "
      "FAULT_UNDETECTED, FREE_DURING_DMA, FREE_REFUSED, HEAP_VALIDATE, NON_OVERLAP, NO_FALSE_OOM, "
      "REGION_OFFLINE_VIOLATED, SHORT_RX_READ, STALE_RX, STALE_TX, UNALIGNED_INVALIDATE, USABLE_SIZE, WRITEBACK_CLOBBER";
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [],
      "expect": {"findings_required": ["stale_rx"]}})",
               "$.expect.findings_required[0]", R"(unknown check "stale_rx" (one of )" + valid_checks + ")",
               R"("stale_rx")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [],
      "expect": {"findings_required": ["STALE_TX"], "findings_allowed": ["CONTENT", "STALE_READ"]}})",
               "$.expect.findings_allowed[1]", R"(unknown check "STALE_READ" (one of )" + valid_checks + ")",
               R"("STALE_READ")");
}

TEST(ScenarioParser, MissingRequiredKeysPointAtTheObject) {
  expect_error(R"({"machine": {"regions": []}, "ops": []})", "$", R"(missing required key "format_version")", "{");
  expect_error(R"({"format_version": 1, "ops": []})", "$", R"(missing required key "machine")", "{");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}})", "$",
               R"(missing required key "ops" (or "trace"))", "{");
  expect_error(R"({"format_version": 1, "machine": {"regions": [
      {"name": "a", "base": 4096, "attr": 0, "cache": "write_back"}]}, "ops": []})",
               "$.machine.regions[0]", R"(missing required key "size")", R"({"name")");
  expect_error(with_ops(R"([{"handle": 1}])"), "$.ops[0]", R"(missing required key "op")", R"({"handle")");
  expect_error(with_ops(R"([{"op": "alloc", "handle": 1, "size": 8}])"), "$.ops[0]",
               R"(missing required key "attr")", R"({"op")");
}

TEST(ScenarioParser, FormatVersionMustBeOne) {
  expect_error(R"({"format_version": 2, "machine": {"regions": []}, "ops": [], "new_key": 1})", "$.format_version",
               "unsupported format version 2 (this build reads version 1)", "2,");
  expect_error(R"({"format_version": "1", "machine": {"regions": []}, "ops": []})", "$.format_version",
               R"(expected an integer, got string "1")", R"("1")");
}

TEST(ScenarioParser, AlignmentMustBeAPowerOfTwo) {
  expect_error(with_ops(R"([{"op": "alloc", "handle": 1, "attr": 0, "size": 64, "align": 48}])"), "$.ops[0].align",
               "alignment 48 is not a power of two", "48");
  const Scenario s = parse_ok(with_ops(R"([{"op": "alloc", "handle": 1, "attr": 0, "size": 64, "align": 0}])"));
  EXPECT_EQ(s.ops[0].align_bytes, 0u);
}

TEST(ScenarioParser, RangesAreChecked) {
  expect_error(with_ops(R"([{"op": "free", "handle": 4294967296}])"), "$.ops[0].handle",
               "handle 4294967296 is out of range (at most 4294967294)", "4294967296");
  // Issue 13: 2^32 - 1 was accepted here and refused by the run as reserved.
  expect_error(with_ops(R"([{"op": "free", "handle": 4294967295}])"), "$.ops[0].handle",
               "handle 4294967295 is out of range (at most 4294967294)", "4294967295");
  EXPECT_EQ(parse_ok(with_ops(R"([{"op": "free", "handle": 4294967294}])")).ops[0].handle, max_handle);
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "faults": {"double_free": 1000001}})",
               "$.faults.double_free", "rate 1000001 is out of range (at most 1000000)", "1000001");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "expect": {"max_f_ext": 1.5}})",
               "$.expect.max_f_ext", "max_f_ext 1.5 is out of range (0..1.0)", "1.5");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "expect": {"golden_digest": "12"}})",
               "$.expect.golden_digest",
               R"(bad digest "12": expected a digest as a hex string such as "0x0123456789abcdef")", R"("12")");
  expect_error(R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "trace": "t.jsonl"})", "$.trace",
               R"("trace" and "ops" are mutually exclusive)", R"("trace")");
}

TEST(ScenarioParser, FaultsSwarmDrawsFromTheSeed) {
  const Scenario s =
      parse_ok(R"({"format_version": 1, "seed": 42, "faults": "swarm", "machine": {"regions": []}, "ops": []})");
  EXPECT_TRUE(s.swarm);
  EXPECT_EQ(s.faults.rate_ppm, FaultPlan::swarm(42).rate_ppm);
}

TEST(ScenarioParser, TraceInsteadOfOps) {
  const Scenario s = parse_ok(R"({"format_version": 1, "machine": {"regions": []}, "trace": "ops.jsonl.zst"})");
  ASSERT_TRUE(s.trace.has_value());
  EXPECT_EQ(*s.trace, "ops.jsonl.zst");
  EXPECT_TRUE(s.ops.empty());
}

TEST(ScenarioParser, HostileInputNeverThrowsOrCrashes) {
  const std::string deep(100000, '[');
  const std::string deep_valid = std::string(1000, '[') + std::string(1000, ']');
  const std::string inputs[] = {"",   "null", "{}",  "\xEF\xBB\xBF{}", "{\"a\":\"\xff\"}", deep,
                                deep_valid, "{\"format_version\": 1e400}", "1 2", "{\"format_version\":1}//"};
  for (const std::string& input : inputs) {
    Scenario s;
    ScenarioError error;
    EXPECT_FALSE(parse_scenario(input, "h.json", &s, &error)) << input.substr(0, 40);
    EXPECT_FALSE(error.message.empty());
    EXPECT_GE(error.line, 1u) << input.substr(0, 40) << ": " << error.to_string();
  }
  Scenario s;
  ScenarioError error;
  ASSERT_FALSE(parse_scenario(deep_valid, "h.json", &s, &error));
  EXPECT_EQ(error.message, "nesting deeper than 32 levels");
  EXPECT_EQ(error.column, 33u);
  ASSERT_FALSE(parse_scenario("{\"format_version\":\n  1e400}", "h.json", &s, &error));
  // A number past double's range is valid JSON (RFC 8259 sets no range); where
  // the format reads it, it is refused as what it is.
  EXPECT_EQ(error.to_string(), "h.json:2:3: $.format_version: value must be an integer, got 1e400");
  ASSERT_FALSE(parse_scenario(
      R"({"format_version": 1, "machine": {"regions": []}, "ops": [], "expect": {"max_footprint_overhead": 1e400}})",
      "h.json", &s, &error));
  EXPECT_EQ(error.to_string(),
            "h.json:1:99: $.expect.max_footprint_overhead: max_footprint_overhead 1e400 is out of range (0..)");
  EXPECT_FALSE(parse_scenario("{}", "h.json", &s, nullptr));
}

TEST(ScenarioParser, ErrorToString) {
  const ScenarioError error{"s.json", 3, 7, "$.ops[3].size", "bad size"};
  EXPECT_EQ(error.to_string(), "s.json:3:7: $.ops[3].size: bad size");
}

TEST(ScenarioParser, MissingFileIsAnError) {
  Scenario s;
  ScenarioError error;
  ASSERT_FALSE(load_scenario_file("/nonexistent/x.json", &s, &error));
  EXPECT_EQ(error.file, "/nonexistent/x.json");
  EXPECT_EQ(error.line, 0u);
  EXPECT_EQ(error.to_string().rfind("/nonexistent/x.json: cannot read the file", 0), 0u) << error.to_string();
}

void expect_equal(const Scenario& a, const Scenario& b) {
  EXPECT_EQ(a.format_version, b.format_version);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.seed, b.seed);
  ASSERT_EQ(a.machine.regions.size(), b.machine.regions.size());
  for (std::size_t i = 0; i < a.machine.regions.size(); ++i) {
    const RegionSpec& x = a.machine.regions[i];
    const RegionSpec& y = b.machine.regions[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.base, y.base);
    EXPECT_EQ(x.size_bytes, y.size_bytes);
    EXPECT_EQ(x.attr, y.attr);
    EXPECT_EQ(x.cache_policy, y.cache_policy);
    EXPECT_EQ(x.line_bytes, y.line_bytes);
    EXPECT_EQ(x.dma_capable, y.dma_capable);
    EXPECT_EQ(x.reserved, y.reserved);
    EXPECT_EQ(x.role, y.role);
  }
  EXPECT_EQ(a.machine.pool.mode, b.machine.pool.mode);
  EXPECT_EQ(a.machine.pool.policy, b.machine.pool.policy);
  EXPECT_EQ(a.machine.pool.size_threshold_bytes, b.machine.pool.size_threshold_bytes);
  EXPECT_EQ(a.machine.attribute_policies, b.machine.attribute_policies);
  EXPECT_EQ(a.swarm, b.swarm);
  EXPECT_EQ(a.faults.rate_ppm, b.faults.rate_ppm);
  ASSERT_EQ(a.ops.size(), b.ops.size());
  for (std::size_t i = 0; i < a.ops.size(); ++i) {
    EXPECT_EQ(a.ops[i].kind, b.ops[i].kind) << i;
    EXPECT_EQ(a.ops[i].handle, b.ops[i].handle) << i;
    EXPECT_EQ(a.ops[i].attr, b.ops[i].attr) << i;
    EXPECT_EQ(a.ops[i].size_bytes, b.ops[i].size_bytes) << i;
    EXPECT_EQ(a.ops[i].align_bytes, b.ops[i].align_bytes) << i;
    EXPECT_EQ(a.ops[i].offset_bytes, b.ops[i].offset_bytes) << i;
    EXPECT_EQ(a.ops[i].length_bytes, b.ops[i].length_bytes) << i;
  }
  EXPECT_EQ(a.trace, b.trace);
  EXPECT_EQ(a.expect.findings_required, b.expect.findings_required);
  EXPECT_EQ(a.expect.findings_allowed, b.expect.findings_allowed);
  EXPECT_EQ(a.expect.max_failed_allocs, b.expect.max_failed_allocs);
  EXPECT_EQ(a.expect.max_f_ext, b.expect.max_f_ext);
  EXPECT_EQ(a.expect.max_footprint_overhead, b.expect.max_footprint_overhead);
  EXPECT_EQ(a.expect.golden_digest, b.expect.golden_digest);
}

TEST(ScenarioParser, CanonicalJsonRoundTrips) {
  const std::string texts[] = {
      R"({"format_version": 1, "name": "rt", "description": "d", "seed": "0xffff_ffff_ffff_ffff",
        "pool": {"mode": "capability", "policy": "round_robin", "size_threshold": 64},
        "machine": {"regions": [{"name": "a", "base": "0x2000_0000", "size": "8K", "attr": ["dma", "tcm"],
                                 "cache": "write_back", "line_bytes": 64, "dma": true, "reserved": true}]},
        "faults": {"metadata_flip": 7},
        "ops": [{"op": "alloc", "handle": 1, "attr": ["dma"], "size": "1K", "align": 64},
                {"op": "cpu_write", "handle": 1, "offset": 8, "length": 16},
                {"op": "speculative_fill", "handle": 1, "offset": 4},
                {"op": "free", "handle": 1}],
        "expect": {"findings_required": ["STALE_TX"], "findings_allowed": ["DMA_LINE_SHARED", "CONTENT"], "max_failed_allocs": 0,
                   "max_f_ext": 0.1, "max_footprint_overhead": 0.3333333333333333,
                   "golden_digest": "0xfedcba9876543210"}})",
      R"({"format_version": 1, "faults": "swarm", "seed": 9, "machine": {"regions": []}, "trace": "x.jsonl"})",
  };
  for (const std::string& text : texts) {
    const Scenario first = parse_ok(text);
    const std::string canonical = to_json(first);
    const Scenario second = parse_ok(canonical);
    expect_equal(first, second);
    EXPECT_EQ(to_json(second), canonical);
  }
}

// Every scenario under scenarios/ (subdirectories included) loads, runs and meets
// its expectations; which findings may occur is the expectations' business (a bug
// scenario requires its finding, any finding not listed fails).
TEST(ScenarioParser, BundledScenariosMeetTheirExpectations) {
  const std::vector<std::filesystem::path> files = testing::bundled_scenario_files();
  ASSERT_GE(files.size(), 18u);  // the 18 of this writing, subdirectories included
  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.string());
    Scenario scenario;
    ScenarioError error;
    ASSERT_TRUE(load_scenario_file(file.string(), &scenario, &error)) << error.to_string();
    EXPECT_EQ(scenario.name, file.stem().string());
    ExecutorOptions options;
    options.faults = scenario.faults;
    const RunResult result = run_ops(scenario.machine, scenario.ops, scenario.seed, options);
    ASSERT_TRUE(result.ok) << result.error;
    for (const std::string& line : unmet_expectations(scenario.expect, result)) {
      ADD_FAILURE() << "unmet expectation: " << line;
    }
    // The canonical form of a bundled scenario parses back to the same scenario.
    Scenario again;
    ASSERT_TRUE(parse_scenario(to_json(scenario), "canonical", &again, &error)) << error.to_string();
    expect_equal(scenario, again);
  }
}

Scenario load_bundled(const std::string& relative_path) {
  Scenario scenario;
  ScenarioError error;
  EXPECT_TRUE(load_scenario_file(std::string(SMH_SCENARIOS_DIR) + "/" + relative_path, &scenario, &error))
      << error.to_string();
  return scenario;
}

// A bug scenario demonstrates its bug: it requires at least one finding, so it
// cannot pass by the bug going unnoticed.
TEST(ScenarioParser, EveryBundledBugScenarioRequiresItsFinding) {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SMH_SCENARIOS_DIR) + "/coherency_bugs")) {
    SCOPED_TRACE(entry.path().string());
    const Scenario scenario = load_bundled("coherency_bugs/" + entry.path().filename().string());
    EXPECT_FALSE(scenario.expect.findings_required.empty());
    EXPECT_TRUE(scenario.expect.findings_allowed.empty());
    ++count;
  }
  EXPECT_GE(count, 6u);
}

// The bundled swarm scenario is not vacuous: every fault kind its seed turns on
// strikes at least once, and every injection is detected.
TEST(ScenarioParser, BundledFaultSwarmInjectsEveryEnabledKindAndDetectsAll) {
  const Scenario scenario = load_bundled("fault_swarm.json");
  ASSERT_TRUE(scenario.swarm);
  ExecutorOptions options;
  options.faults = scenario.faults;
  const RunResult result = run_ops(scenario.machine, scenario.ops, scenario.seed, options);
  ASSERT_TRUE(result.ok) << result.error;
  std::array<unsigned, fault_kind_count> injected{};
  for (const Injection& injection : result.injections) {
    ++injected[static_cast<unsigned>(injection.kind)];
    EXPECT_TRUE(injection.detected) << to_string(injection.kind) << ": " << injection.what;
  }
  unsigned enabled = 0;
  for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
    if (scenario.faults.rate_ppm[kind] != 0) {
      ++enabled;
      EXPECT_GT(injected[kind], 0u) << to_string(static_cast<FaultKind>(kind)) << " is on but never struck";
    }
  }
  EXPECT_GE(enabled, 5u);
}

// The bundled preference chain really falls back: [cacheable, external] frames
// fill SRAM (region 0), spill to PSRAM (region 1), return to SRAM once it has
// room, and a request neither holds fails.
TEST(ScenarioParser, BundledPreferenceChainFallsBackAndReturns) {
  const Scenario scenario = load_bundled("preference_chain_fallback.json");
  const RunResult result = run_ops(scenario.machine, scenario.ops, scenario.seed);
  ASSERT_TRUE(result.ok) << result.error;
  std::vector<std::pair<Handle, std::uint32_t>> placed;  // handle, region
  std::vector<Handle> failed;
  for (const Event& event : result.events) {
    if (event.kind == EventKind::allocated) {
      placed.emplace_back(event.handle, event.region);
    } else if (event.kind == EventKind::alloc_failed) {
      failed.push_back(event.handle);
    }
  }
  const std::vector<std::pair<Handle, std::uint32_t>> expected = {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0},
                                                                  {6, 1}, {7, 1}, {8, 0}};
  EXPECT_EQ(placed, expected);
  EXPECT_EQ(failed, std::vector<Handle>{9});
}

// ---- Region roles (the size_threshold policy) ----

std::string with_region_keys(std::string_view keys) {
  return std::string(R"({"format_version": 1, "machine": {"regions": [
    {"name": "a", "base": 4096, "size": "4K", "attr": 0, "cache": "non_cacheable")") +
         std::string(keys) + "}]}, \"ops\": []}";
}

TEST(ScenarioParser, RegionRolesByName) {
  const Scenario s = parse_ok(R"({"format_version": 1,
    "pool": {"policy": "size_threshold", "size_threshold": 256},
    "machine": {"regions": [
      {"name": "s", "base": "0x1000", "size": "4K", "attr": 0, "cache": "non_cacheable", "role": "small"},
      {"name": "l", "base": "0x3000", "size": "4K", "attr": 0, "cache": "non_cacheable", "role": "large"},
      {"name": "a", "base": "0x5000", "size": "4K", "attr": 0, "cache": "non_cacheable", "role": "any"},
      {"name": "d", "base": "0x7000", "size": "4K", "attr": 0, "cache": "non_cacheable"}
    ]}, "ops": []})");
  ASSERT_EQ(s.machine.regions.size(), 4u);
  EXPECT_EQ(s.machine.regions[0].role, RegionRole::small_requests);
  EXPECT_EQ(s.machine.regions[1].role, RegionRole::large_requests);
  EXPECT_EQ(s.machine.regions[2].role, RegionRole::any);
  EXPECT_EQ(s.machine.regions[3].role, RegionRole::any);  // the default
}

TEST(ScenarioParser, BadRegionRolesPointAtTheValue) {
  expect_error(with_region_keys(R"(, "role": "tiny")"), "$.machine.regions[0].role",
               R"(unknown role "tiny" (expected one of: any, small, large))", R"("tiny")");
  // The pool's enumerator names are not the format's names.
  expect_error(with_region_keys(R"(, "role": "small_requests")"), "$.machine.regions[0].role",
               R"(unknown role "small_requests" (expected one of: any, small, large))", R"("small_requests")");
  expect_error(with_region_keys(R"(, "role": "")"), "$.machine.regions[0].role",
               R"(unknown role "" (expected one of: any, small, large))", R"("")");
  expect_error(with_region_keys(R"(, "role": 1)"), "$.machine.regions[0].role", "expected a string, got integer 1",
               "1}");
  expect_error(with_region_keys(R"(, "role": ["small"])"), "$.machine.regions[0].role",
               "expected a string, got array", R"(["small"])");
  expect_error(with_region_keys(R"(, "reserved": "yes")"), "$.machine.regions[0].reserved",
               R"(expected true or false, got string "yes")", R"("yes")");
}

TEST(ScenarioParser, RegionRolesAndReservedRoundTrip) {
  const Scenario first = parse_ok(R"({"format_version": 1, "pool": {"policy": "size_threshold",
    "size_threshold": "1K"}, "machine": {"regions": [
      {"name": "s", "base": "0x1000", "size": "4K", "attr": 0, "cache": "non_cacheable", "role": "small"},
      {"name": "l", "base": "0x3000", "size": "4K", "attr": 0, "cache": "non_cacheable", "role": "large",
       "reserved": true},
      {"name": "a", "base": "0x5000", "size": "4K", "attr": 0, "cache": "non_cacheable"}
    ]}, "ops": []})");
  const std::string canonical = to_json(first);
  EXPECT_NE(canonical.find(R"("role": "small")"), std::string::npos) << canonical;
  EXPECT_NE(canonical.find(R"("role": "large")"), std::string::npos) << canonical;
  EXPECT_NE(canonical.find(R"("role": "any")"), std::string::npos) << canonical;
  const Scenario second = parse_ok(canonical);
  expect_equal(first, second);
  EXPECT_TRUE(second.machine.regions[1].reserved);
  EXPECT_EQ(to_json(second), canonical);
}

// Roles reach the pool: under size_threshold a small request goes to the
// small-role region and a large one to the large-role region, and a small request
// that the full small region refuses fails without a NO_FALSE_OOM finding, although
// the large region has room (it does not serve small requests).
TEST(ScenarioParser, SizeThresholdRoutesByRegionRole) {
  const Scenario s = parse_ok(R"({"format_version": 1, "seed": 3,
    "pool": {"policy": "size_threshold", "size_threshold": 256},
    "machine": {"regions": [
      {"name": "large", "base": "0x1000_0000", "size": "16K", "attr": 0, "cache": "non_cacheable", "role": "large"},
      {"name": "small", "base": "0x2000_0000", "size": "1K", "attr": 0, "cache": "non_cacheable", "role": "small"}
    ]}, "ops": [
      {"op": "alloc", "handle": 1, "attr": 0, "size": 64},
      {"op": "alloc", "handle": 2, "attr": 0, "size": 256},
      {"op": "alloc", "handle": 3, "attr": 0, "size": 240},
      {"op": "alloc", "handle": 4, "attr": 0, "size": 240},
      {"op": "alloc", "handle": 5, "attr": 0, "size": 240},
      {"op": "alloc", "handle": 6, "attr": 0, "size": 240}
    ]})");
  const RunResult result = run_ops(s.machine, s.ops, s.seed);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.findings.empty()) << to_string(result.findings.front().check) << ": " << result.findings.front().message;
  ASSERT_EQ(result.events.size(), 6u);
  EXPECT_EQ(result.events[0].kind, EventKind::allocated);
  EXPECT_EQ(result.events[0].region, 1u);  // 64 < 256: the small region
  EXPECT_EQ(result.events[1].kind, EventKind::allocated);
  EXPECT_EQ(result.events[1].region, 0u);  // 256 is not below the threshold: the large region
  // 64 + 3 x 240 bytes (plus headers) fill the 1 KiB small region; the fourth
  // 240-byte request fails there and is not placed in the large region.
  EXPECT_EQ(result.events[2].region, 1u);
  EXPECT_EQ(result.events[3].region, 1u);
  EXPECT_EQ(result.events[4].region, 1u);
  EXPECT_EQ(result.events[5].kind, EventKind::alloc_failed);
  EXPECT_EQ(result.summary.failed_allocs, 1u);
}

}  // namespace
}  // namespace smh::sim

namespace smh::sim {
namespace {

// Background cache activity is part of a scenario, so that a run found with it
// (a property counterexample) replays with it.
TEST(ScenarioParser, CacheNoiseIsReadCheckedAndWritten) {
  const std::string machine =
      R"("machine": {"regions": [{"name": "a", "base": 4096, "size": 4096, "attr": 0, "cache": "write_back"}]})";
  const Scenario noisy =
      parse_ok(R"({"format_version": 1, )" + machine + R"(, "cache_noise_ppm": 300000, "ops": []})");
  EXPECT_EQ(noisy.cache_noise_ppm, 300'000u);
  Scenario again;
  ScenarioError error;
  ASSERT_TRUE(parse_scenario(to_json(noisy), "canonical", &again, &error)) << error.to_string();
  EXPECT_EQ(again.cache_noise_ppm, 300'000u);
  EXPECT_EQ(to_json(parse_ok(R"({"format_version": 1, )" + machine + R"(, "ops": []})")).find("cache_noise_ppm"),
            std::string::npos);
  const std::string too_much = R"({"format_version": 1, )" + machine + R"(, "cache_noise_ppm": 1000001, "ops": []})";
  expect_error(too_much, "$.cache_noise_ppm", "cache_noise_ppm 1000001 is out of range (at most 1000000)", "1000001");
}

// The machine's rules (MemoryMap's) are checked as it is read, each broken one
// shown at the field it is about, with its position (issue 13, defect 6: the
// run said only "$.machine: region 'x': ...").
TEST(ScenarioParser, MachineRulesPointAtTheFieldTheyAreAbout) {
  const auto machine = [](const std::string& regions) {
    return R"({"format_version": 1, "machine": {"regions": [
  {"name": "sram0", "base": "0x2000_0000", "size": "64K", "attr": 0, "cache": "write_back"},
)" + regions + "]}, \"ops\": []}";
  };
  expect_error(machine(R"(  {"name": "sram1", "base": "0x3000_0000", "size": "4K", "attr": 0, "cache": "write_back", "line_bytes": 48})"),
               "$.machine.regions[1].line_bytes",
               "region 'sram1' (write_back): cache line size 48 bytes is not a power of two", "48");
  expect_error(machine(R"(  {"name": "sram1", "base": "0x3000_0000", "size": "4K", "attr": 0, "cache": "write_through", "line_bytes": 512})"),
               "$.machine.regions[1].line_bytes",
               "region 'sram1' (write_through): cache line size 512 bytes is outside 16..256", "512");
  expect_error(machine(R"(  {"name": "low", "base": 0, "size": "4K", "attr": 0, "cache": "non_cacheable"})"),
               "$.machine.regions[1].base",
               "region 'low': base address 0x0 is not allowed (0 is the null device address)",
               R"(0, "size": "4K")");
  expect_error(machine(R"(  {"name": "odd", "base": "0x3000_0004", "size": "4K", "attr": 0, "cache": "non_cacheable"})"),
               "$.machine.regions[1].base", "region 'odd': base address 0x30000004 is not 8-byte aligned",
               R"("0x3000_0004")");
  expect_error(machine(R"(  {"name": "tiny", "base": "0x3000_0000", "size": 16, "attr": 0, "cache": "non_cacheable"})"),
               "$.machine.regions[1].size",
               "region 'tiny': size 16 bytes (0x10) is below the minimum of 24 bytes (0x18)", "16,");
  expect_error(machine(R"(  {"name": "sram0", "base": "0x3000_0000", "size": "4K", "attr": 0, "cache": "non_cacheable"})"),
               "$.machine.regions[1].name", "region 'sram0' is defined twice (regions #0 and #1)",
               R"("sram0", "base": "0x3000)");
  // An overlap is shown at the later region's base, whichever lies lower.
  expect_error(machine(R"(  {"name": "under", "base": "0x1FFF_F000", "size": "8K", "attr": 0, "cache": "non_cacheable"})"),
               "$.machine.regions[1].base",
               "region 'under' [0x1ffff000, 0x20001000) overlaps region 'sram0' [0x20000000, 0x20010000)",
               R"("0x1FFF_F000")");
  std::string many;
  for (unsigned i = 1; i <= Executor::max_regions; ++i) {
    many += (i == 1 ? "" : ",\n") + std::string(R"(  {"name": "r)") + std::to_string(i) + R"(", "base": )" +
            std::to_string(i * 0x10000) + R"(, "size": "4K", "attr": 0, "cache": "non_cacheable"})";
  }
  expect_error(machine(many), "$.machine.regions[64]", "the machine has 65 regions; the simulator holds at most 64",
               R"({"name": "r64")");
}

}  // namespace
}  // namespace smh::sim
