// libFuzzer target: smh::sim::TraceReader on arbitrary bytes — JSON Lines, or a
// zstd stream when the bytes start with its magic number — in both matching modes.
//
// The sanitizers catch crashes and undefined behaviour; this target aborts on
// what they cannot see:
//  * a TraceError without a position (every error in a file that opened is in
//    its text, at a 1-based line and column);
//  * an error that is not sticky (the next call must repeat it);
//  * ops_read() disagreeing with the ops returned;
//  * ops that, written back by TraceWriter and read again, are not the same ops.
//
// TraceReader reads files, so each input goes through one file per process in
// the temporary directory (fuzz_support.hpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "smh/sim/trace.hpp"

namespace {

using smh::fuzz::fail;

// Every op of the trace at `path` until its end or its first error.
std::vector<smh::sim::Op> read_all(const std::string& path, smh::MatchMode mode, smh::sim::TraceError* error) {
  std::vector<smh::sim::Op> ops;
  auto reader = smh::sim::TraceReader::open(path, mode, error);
  if (!reader) {
    fail("an existing file did not open", error->to_string());
  }
  smh::sim::Op op;
  while (reader->next(&op, error)) {
    ops.push_back(op);
  }
  if (reader->ops_read() != ops.size()) {
    fail("ops_read() disagrees with the ops returned", std::to_string(reader->ops_read()));
  }
  if (!error->message.empty()) {
    if (error->line == 0 || error->column == 0) {
      fail("an error without a position", error->to_string());
    }
    smh::sim::TraceError again;
    if (reader->next(&op, &again) || again.to_string() != error->to_string()) {
      fail("the error is not sticky", error->to_string() + "\nthen: " + again.to_string());
    }
  }
  return ops;
}

void check(smh::MatchMode mode) {
  smh::sim::TraceError error;
  const std::vector<smh::sim::Op> ops = read_all(smh::fuzz::files().input_path, mode, &error);
  smh::fuzz::check_trace_round_trip(ops, mode);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  smh::fuzz::init_files("trace_lines_fuzz");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  smh::fuzz::write_input(data, size);
  check(smh::MatchMode::exact);
  check(smh::MatchMode::capability);
  return 0;
}
