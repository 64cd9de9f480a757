// A scenario's `trace` is relative to the scenario file (resolve_trace_path),
// which is how drivers find and stream it.
#include <gtest/gtest.h>

#include <string>

#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/trace.hpp"
#include "support/trace_files.hpp"

namespace smh::sim {
namespace {

TEST(TracePath, RelativeToTheScenarioFileAbsoluteKept) {
  EXPECT_EQ(resolve_trace_path("scenarios/net/ring.json", "traces/ring.jsonl.zst"),
            "scenarios/net/traces/ring.jsonl.zst");
  EXPECT_EQ(resolve_trace_path("/abs/s.json", "../t.jsonl"), "/abs/../t.jsonl");
  EXPECT_EQ(resolve_trace_path("s.json", "t.jsonl"), "t.jsonl");
  EXPECT_EQ(resolve_trace_path("/abs/s.json", "/elsewhere/t.jsonl"), "/elsewhere/t.jsonl");
}

TEST(TracePath, AScenarioNamingATraceBesideItReplaysThatTrace) {
  const test::ScratchDir dir("trace_path");
  std::filesystem::create_directories(dir.path() / "scen" / "traces");
  const std::string scenario_file = (dir.path() / "scen" / "s.json").string();
  test::write_file(scenario_file, R"({"format_version": 1, "pool": {"mode": "capability"},
  "machine": {"regions": [{"name": "r", "base": 4096, "size": "4K", "attr": ["dma"], "cache": "non_cacheable"}]},
  "trace": "traces/x.jsonl"})");
  test::write_file((dir.path() / "scen" / "traces" / "x.jsonl").string(),
                   "{\"op\":\"alloc\",\"handle\":1,\"attr\":[\"dma\"],\"size\":8}\n");
  Scenario scenario;
  ScenarioError scenario_error;
  ASSERT_TRUE(load_scenario_file(scenario_file, &scenario, &scenario_error)) << scenario_error.to_string();
  ASSERT_TRUE(scenario.trace.has_value());
  const std::string trace = resolve_trace_path(scenario_file, *scenario.trace);
  EXPECT_EQ(trace, (dir.path() / "scen" / "traces" / "x.jsonl").string());
  TraceError error;
  auto reader = TraceReader::open(trace, scenario.machine.pool.mode, &error);
  ASSERT_NE(reader, nullptr) << error.to_string();
  Op op;
  ASSERT_TRUE(reader->next(&op, &error)) << error.to_string();
  EXPECT_EQ(op, (Op{OpKind::alloc, 1, caps::dma, 8, 0}));
}

}  // namespace
}  // namespace smh::sim
