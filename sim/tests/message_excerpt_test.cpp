// A message repeats at most max_excerpt_bytes of any one piece of its input:
// a 2 MB number, a 4 MB key or a 100 KB op name is shown by its head and its
// length (issue 13: a bad-input message quoted a 2 MB number whole).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/text_excerpt.hpp"
#include "smh/sim/trace.hpp"
#include "support/trace_files.hpp"

namespace smh::sim {
namespace {

TEST(MessageExcerpts, ShortTextIsWholeLongTextItsHeadAndLength) {
  EXPECT_EQ(excerpt("4K"), "4K");
  EXPECT_EQ(excerpt(std::string(64, 'x')), std::string(64, 'x'));
  EXPECT_EQ(excerpt(std::string(65, 'x')), std::string(64, 'x') + "\u2026 (65 bytes)");
  // A character is never cut in two: "é" (2 bytes) at bytes 63..64 is left out.
  std::string accents(63, 'a');
  for (int i = 0; i < 10; ++i) {
    accents += "\u00e9";
  }
  EXPECT_EQ(excerpt(accents), std::string(63, 'a') + "\u2026 (83 bytes)");
}

ScenarioError parse_error(const std::string& text) {
  Scenario scenario;
  ScenarioError error;
  EXPECT_FALSE(parse_scenario(text, "s.json", &scenario, &error));
  return error;
}

TEST(MessageExcerpts, ALongNumberIsQuotedByItsHead) {
  const ScenarioError error = parse_error(R"({"format_version": )" + std::string(2'000'000, '9') + "}");
  EXPECT_EQ(error.to_string(), "s.json:1:20: $.format_version: value " + std::string(64, '9') +
                                   "\u2026 (2000000 bytes) does not fit in 64 bits");
  const ScenarioError fraction = parse_error(R"({"format_version": 1.)" + std::string(1'000'000, '5') + "}");
  EXPECT_EQ(fraction.message, "value must be an integer, got 1." + std::string(62, '5') + "\u2026 (1000002 bytes)");
}

TEST(MessageExcerpts, ALongKeyIsQuotedByItsHeadInThePathAndTheMessage) {
  const ScenarioError error = parse_error(R"({"format_version": 1, ")" + std::string(4'000'000, 'k') + R"(": 1})");
  const std::string quoted = "\"" + std::string(64, 'k') + "\u2026\" (4000000 bytes)";
  EXPECT_EQ(error.json_path, "$[" + quoted + "]");
  EXPECT_EQ(error.message.rfind("unknown key " + quoted + " (expected one of: format_version, ", 0), 0u)
      << error.message.substr(0, 200);
}

TEST(MessageExcerpts, ALongStringIsQuotedByItsHead) {
  const ScenarioError error = parse_error(R"({"format_version": ")" + std::string(3'000'000, 's') + R"("})");
  EXPECT_EQ(error.message, "expected an integer, got string \"" + std::string(64, 's') + "\u2026\" (3000000 bytes)");
}

TEST(MessageExcerpts, ALongOpNameInATraceIsQuotedByItsHead) {
  const test::ScratchDir dir("message_excerpts");
  const std::string path = dir.file("t.jsonl");
  test::write_file(path, R"({"op": ")" + std::string(100'000, 'o') + R"(", "handle": 1})" + "\n");
  TraceError error;
  std::unique_ptr<TraceReader> reader = TraceReader::open(path, MatchMode::exact, &error);
  ASSERT_NE(reader, nullptr) << error.to_string();
  Op op;
  ASSERT_FALSE(reader->next(&op, &error));
  EXPECT_EQ(error.message.rfind("unknown op \"" + std::string(64, 'o') + "\u2026\" (100000 bytes) (expected one of: ", 0),
            0u)
      << error.message.substr(0, 200);
}

}  // namespace
}  // namespace smh::sim
