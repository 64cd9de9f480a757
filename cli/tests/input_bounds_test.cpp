// The inputs of compare, size, tune, swarm and merge are bounded (input_files.hpp): a
// machine file or report past --max-input-bytes, and a FIFO named as a
// machine, trace or report, are bad input (exit 2) naming the file, never a
// hang or a read of everything; a machine file needs no "ops".
#include <sys/stat.h>

#include <string>
#include <vector>

#include "cli_test_support.hpp"

namespace smh::cli::test {
namespace {

// A machine file without ops (as `smh replay --machine` takes it): 300-odd bytes.
constexpr const char* machine_only = R"({"format_version": 1, "name": "m", "seed": 1,
 "machine": {"regions": [
   {"name": "a", "base": "0x2000_0000", "size": "16K", "attr": "cacheable", "cache": "write_back"},
   {"name": "b", "base": "0x6000_0000", "size": "16K", "attr": "cacheable", "cache": "write_back"}]}}
)";

class InputBounds : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    write("m.json", machine_only);
    write("t.jsonl", alloc_free_trace(20));
    ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  }

  // Runs smh and expects bad input whose message names `file` and says `why`.
  void expect_refused(const std::vector<std::string>& args, const std::string& file, const std::string& why) {
    const Completed done = smh(args);
    EXPECT_EQ(done.exit_code, 2) << done.out << done.err;
    EXPECT_NE(done.err.find(file + ": "), std::string::npos) << done.err;
    EXPECT_NE(done.err.find(why), std::string::npos) << done.err;
    EXPECT_EQ(done.out, "") << "nothing is printed before the input is refused";
  }
};

constexpr const char* is_fifo = "cannot read the file: it is a FIFO, not a regular file";
constexpr const char* too_large = "more than the limit of 100 (raise it with --max-input-bytes)";

TEST_F(InputBounds, CompareRefusesAFifoAndAnOversizeMachineAndAFifoTrace) {
  const Completed fine = smh({"compare", "m.json", "t.jsonl", "--policies", "first_fit"});
  ASSERT_EQ(fine.exit_code, 0) << fine.err;
  expect_refused({"compare", "fifo", "t.jsonl"}, "fifo", is_fifo);
  expect_refused({"compare", "m.json", "t.jsonl", "--max-input-bytes", "100"}, "m.json", too_large);
  expect_refused({"compare", "m.json", "fifo"}, "fifo", is_fifo);
  const Completed raised = smh({"compare", "m.json", "t.jsonl", "--policies", "first_fit", "--max-input-bytes",
                                std::to_string(std::string(machine_only).size())});
  EXPECT_EQ(raised.exit_code, 0) << raised.err;
}

TEST_F(InputBounds, SizeRefusesAFifoAndAnOversizeMachineAndAFifoOrStdinTrace) {
  const Completed fine = smh({"size", "m.json", "t.jsonl"});
  ASSERT_EQ(fine.exit_code, 0) << fine.err;
  expect_refused({"size", "fifo", "t.jsonl"}, "fifo", is_fifo);
  expect_refused({"size", "m.json", "t.jsonl", "--max-input-bytes", "100"}, "m.json", too_large);
  expect_refused({"size", "m.json", "t.jsonl", "fifo"}, "fifo", is_fifo);
  expect_refused({"size", "m.json", "-"}, "-", "a trace read more than once must be a file, not stdin");
}

TEST_F(InputBounds, TuneRefusesAFifoAndAnOversizeReportAndMachine) {
  ASSERT_EQ(smh({"compare", "m.json", "t.jsonl", "--report", "c.json"}).exit_code, 0);
  const Completed fine = smh({"tune", "c.json", "-o", "tuned.json"});
  ASSERT_EQ(fine.exit_code, 0) << fine.err;
  expect_refused({"tune", "fifo"}, "fifo", is_fifo);
  expect_refused({"tune", "/dev/zero"}, "/dev/zero", "cannot read the file: it is a character device");
  expect_refused({"tune", "c.json", "--max-input-bytes", "100"}, "c.json", too_large);
  // The machine a report names (read for -o) is bounded alike: padded here
  // past the report's size, so that the report passes the bound and it does not.
  write("padded.json", std::string(machine_only) + std::string(1 << 20, ' '));
  ASSERT_EQ(smh({"compare", "padded.json", "t.jsonl", "--report", "p.json"}).exit_code, 0);
  const std::string report_bytes = std::to_string(read("p.json").size());
  ASSERT_LT(read("p.json").size(), std::size_t{1} << 20);
  const Completed tuned = smh({"tune", "p.json", "-o", "x.json", "--max-input-bytes", report_bytes});
  EXPECT_EQ(tuned.exit_code, 2);
  EXPECT_NE(tuned.err.find("padded.json: the file is "), std::string::npos) << tuned.err;
  EXPECT_NE(tuned.err.find("more than the limit of " + report_bytes), std::string::npos) << tuned.err;
  EXPECT_FALSE(fs::exists(path("x.json")));
}

TEST_F(InputBounds, SwarmAndMergeRefuseAFifoAndAnOversizeMachineOrReport) {
  const Completed fine = smh({"swarm", "m.json", "--seeds", "0..1", "--ops", "50", "--report", "r.json"});
  ASSERT_EQ(fine.exit_code, 0) << fine.err;
  expect_refused({"swarm", "fifo"}, "fifo", is_fifo);
  expect_refused({"swarm", "m.json", "--max-input-bytes", "100"}, "m.json", too_large);
  const Completed merged = smh({"merge", "r.json", "-o", "merged.json"});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  expect_refused({"merge", "fifo", "-o", "x.json"}, "fifo", is_fifo);
  expect_refused({"merge", "r.json", "-o", "x.json", "--max-input-bytes", "100"}, "r.json", too_large);
  EXPECT_FALSE(fs::exists(path("x.json")));
}

}  // namespace
}  // namespace smh::cli::test
