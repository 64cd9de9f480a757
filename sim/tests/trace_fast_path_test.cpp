// The trace reader's fast path for canonical lines (op_json.hpp,
// parse_canonical_op; issue 16): a trace line must read exactly as the same op
// text does through the one full op parser, which a scenario's inline ops use.
// Each line below is read both ways: both accept it with equal ops, or both
// refuse it. The lines are canonical ones and their near misses: values at and
// past every limit, leading zeros, signs, fractions, spacing, key order,
// duplicate keys and bad alignments.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/trace.hpp"
#include "support/trace_files.hpp"

namespace smh::sim {
namespace {

struct Read {
  bool ok = false;
  Op op{};
};

Read through_trace(const test::ScratchDir& dir, const std::string& line) {
  const std::string path = dir.file("line.jsonl");
  test::write_file(path, line + "\n");
  TraceError error;
  std::unique_ptr<TraceReader> reader = TraceReader::open(path, MatchMode::exact, &error);
  EXPECT_NE(reader, nullptr) << error.to_string();
  Read read;
  read.ok = reader != nullptr && reader->next(&read.op, &error);
  return read;
}

Read through_scenario(const std::string& line) {
  const std::string text = R"({"format_version": 1, "machine": {"regions": [{"name": "r", "base": "0x1000",
    "size": "64K", "attr": 0, "cache": "write_back"}]}, "ops": [)" + line + "]}";
  Scenario scenario;
  ScenarioError error;
  Read read;
  read.ok = parse_scenario(text, "s.json", &scenario, &error) && scenario.ops.size() == 1;
  if (read.ok) {
    read.op = scenario.ops[0];
  }
  return read;
}

TEST(TraceFastPath, EveryLineReadsAsTheFullParserReadsIt) {
  const std::vector<std::string> lines = {
      // Canonical, as append_op_json writes them.
      R"({"op":"alloc","handle":1,"attr":0,"size":64})",
      R"({"op":"alloc","handle":0,"attr":0,"size":0})",
      R"({"op":"alloc","handle":4294967294,"attr":4294967295,"size":9999999999999999999})",
      R"({"op":"alloc","handle":7,"attr":2,"size":4096,"align":256})",
      R"({"op":"realloc","handle":7,"attr":1,"size":18446744073709551615,"align":9223372036854775808})",
      R"({"op":"free","handle":4294967294})",
      R"({"op":"free","handle":12})",
      // Past a limit: refused by both.
      R"({"op":"alloc","handle":4294967295,"attr":0,"size":64})",
      R"({"op":"free","handle":99999999999})",
      R"({"op":"alloc","handle":1,"attr":4294967296,"size":64})",
      R"({"op":"alloc","handle":1,"attr":0,"size":18446744073709551616})",
      R"({"op":"alloc","handle":1,"attr":0,"size":64,"align":3})",
      R"({"op":"alloc","handle":1,"attr":0,"size":64,"align":0})",
      R"({"op":"alloc","handle":1,"attr":0,"size":64,"align":00})",
      // Not canonical: leading zeros, signs, fractions, exponents, strings.
      R"({"op":"alloc","handle":01,"attr":0,"size":64})",
      R"({"op":"alloc","handle":1,"attr":00,"size":64})",
      R"({"op":"alloc","handle":-1,"attr":0,"size":64})",
      R"({"op":"alloc","handle":1,"attr":0,"size":6.0})",
      R"({"op":"alloc","handle":1,"attr":0,"size":1e3})",
      R"({"op":"alloc","handle":1,"attr":0,"size":"4K"})",
      R"({"op":"alloc","handle":1,"attr":"cacheable","size":64})",
      R"({"op":"alloc","handle":1,"attr":0,"size":})",
      R"({"op":"free","handle":})",
      // Spacing, key order, duplicates, extra or missing keys, other ops.
      R"( {"op":"free","handle":3})",
      R"({"op":"free","handle":3} )",
      R"({"op": "free", "handle": 3})",
      R"({"handle":3,"op":"free"})",
      R"({"op":"free","handle":3,"handle":4})",
      R"({"op":"alloc","handle":1,"attr":0,"size":64,"size":8})",
      R"({"op":"free","handle":3,"size":8})",
      R"({"op":"alloc","handle":1,"size":64})",
      R"({"op":"alloc","handle":1,"attr":0})",
      R"({"op":"alloc","handle":1,"attr":0,"size":64,"align":8,"x":1})",
      R"({"op":"alloc","handle":1,"prefer":[0,1],"size":64})",
      R"({"op":"freed","handle":3})",
      R"({"op":"free","handle":3}})",
      R"({"op":"free","handle":3)",
      R"({"op":"cpu_write","handle":3})",
  };
  const test::ScratchDir dir("trace_fast_path");
  for (const std::string& line : lines) {
    const Read trace = through_trace(dir, line);
    const Read scenario = through_scenario(line);
    EXPECT_EQ(trace.ok, scenario.ok) << line;
    if (trace.ok && scenario.ok) {
      EXPECT_EQ(trace.op, scenario.op) << line;
    }
  }
}

}  // namespace
}  // namespace smh::sim
