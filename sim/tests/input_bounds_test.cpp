// Every input is bounded (issue 13): files read whole must be regular files
// within a size bound (`smh run /dev/zero` reached 8 GiB, and a FIFO hung the
// run for ever), and a machine's worst-case host memory is within a budget
// (one 4 GiB region and a 3 GiB cpu_write used 7.75 GiB and 44 s).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "smh/sim/bounded_file.hpp"
#include "smh/sim/scenario_runner.hpp"
#include "support/trace_files.hpp"

namespace smh::sim {
namespace {

using test::ScratchDir;
using test::write_file;

TEST(BoundedFile, ARegularFileWithinTheBoundIsReadWhole) {
  const ScratchDir dir("bounded_ok");
  const std::string path = dir.file("a.json");
  write_file(path, std::string(1000, 'x'));
  std::string text;
  std::string error;
  ASSERT_TRUE(read_bounded_file(path, 1000, &text, &error)) << error;
  EXPECT_EQ(text, std::string(1000, 'x'));
  write_file(path, "");
  ASSERT_TRUE(read_bounded_file(path, 1000, &text, &error)) << error;
  EXPECT_EQ(text, "");
}

TEST(BoundedFile, PastTheBoundIsRefusedWithTheFigures) {
  const ScratchDir dir("bounded_large");
  const std::string path = dir.file("a.json");
  write_file(path, std::string(1001, 'x'));
  std::string text = "untouched";
  std::string error;
  EXPECT_FALSE(read_bounded_file(path, 1000, &text, &error));
  EXPECT_EQ(error, "the file is 1001 bytes, more than the limit of 1000 (raise it with --max-input-bytes)");
  EXPECT_EQ(text, "untouched");
}

TEST(BoundedFile, OnlyRegularFilesAreRead) {
  const ScratchDir dir("bounded_kinds");
  std::string text;
  std::string error;
  EXPECT_FALSE(read_bounded_file(dir.file("missing.json"), 1000, &text, &error));
  EXPECT_EQ(error, "cannot read the file: no such file");
  EXPECT_FALSE(read_bounded_file(dir.path().string(), 1000, &text, &error));
  EXPECT_EQ(error, "cannot read the file: it is a directory, not a regular file");
  // A device that never ends: refused before a byte is read.
  EXPECT_FALSE(read_bounded_file("/dev/zero", default_max_input_bytes, &text, &error));
  EXPECT_EQ(error, "cannot read the file: it is a character device, not a regular file");
  // A FIFO nobody writes to: refused at once instead of waiting for a writer.
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(read_bounded_file(fifo, 1000, &text, &error));
  EXPECT_EQ(error, "cannot read the file: it is a FIFO, not a regular file");
}

TEST(BoundedFile, TheRunnerAppliesTheBoundToScenarios) {
  const ScratchDir dir("bounded_runner");
  const std::string path = dir.file("s.json");
  write_file(path, R"({"format_version": 1, "machine": {"regions": []}, "ops": []})");
  RunnerOptions options;
  options.max_input_bytes = 10;
  const ScenarioOutcome small = run_scenario_file(path, options);
  EXPECT_EQ(small.verdict, Verdict::bad_input);
  EXPECT_EQ(small.error, path + ": the file is 60 bytes, more than the limit of 10 (raise it with --max-input-bytes)");
  const ScenarioOutcome zero = run_scenario_file("/dev/zero", RunnerOptions{});
  EXPECT_EQ(zero.verdict, Verdict::bad_input);
  EXPECT_EQ(zero.error, "/dev/zero: cannot read the file: it is a character device, not a regular file");
  const ScenarioOutcome machine = replay_trace("/dev/zero", path, RunnerOptions{});
  EXPECT_EQ(machine.verdict, Verdict::bad_input);
}

TEST(SimulatedMemoryBudget, AMachineBeyondItIsRefusedBeforeTheFirstOp) {
  const ScratchDir dir("memory_budget");
  const std::string path = dir.file("s.json");
  write_file(path, R"({"format_version": 1, "machine": {"regions": [
      {"name": "huge0", "base": "0x1_0000_0000", "size": 1073741816, "attr": 0, "cache": "write_back"},
      {"name": "huge1", "base": "0x2_0000_0000", "size": 1073741816, "attr": 0, "cache": "write_back"},
      {"name": "huge2", "base": "0x3_0000_0000", "size": 1073741816, "attr": 0, "cache": "write_back"}]},
      "ops": [{"op": "alloc", "handle": 1, "attr": 0, "size": "512M"}, {"op": "cpu_write", "handle": 1}]})");
  const ScenarioOutcome refused = run_scenario_file(path, RunnerOptions{});
  EXPECT_EQ(refused.verdict, Verdict::bad_input);
  // Three of the largest regions (1 GiB - 8): two views and half that of owner
  // table each, and a block's copy as large as one.
  EXPECT_EQ(refused.error, path + ":1:34: $.machine: the simulated machine could use up to 9126805436 bytes of host "
                                  "memory (its regions' views, owner tables and a copy of the largest block), more "
                                  "than the budget of 8589934592 (raise it with --max-sim-memory-bytes)");
  EXPECT_EQ(refused.summary.ops, 0u);
  // A small machine is far below it.
  write_file(path, R"({"format_version": 1, "machine": {"regions": [
      {"name": "sram", "base": "0x2000_0000", "size": "64K", "attr": 0, "cache": "write_back"}]},
      "ops": [{"op": "alloc", "handle": 1, "attr": 0, "size": 64}]})");
  RunnerOptions tight;
  tight.max_sim_memory_bytes = 64 * 1024 * 2 + 32 * 1024 + 64 * 1024;  // exactly its worst case
  EXPECT_EQ(run_scenario_file(path, tight).verdict, Verdict::pass) << run_scenario_file(path, tight).error;
  tight.max_sim_memory_bytes -= 1;
  EXPECT_EQ(run_scenario_file(path, tight).verdict, Verdict::bad_input);
}

}  // namespace
}  // namespace smh::sim
