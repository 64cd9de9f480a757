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
// the temporary directory.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "smh/sim/trace.hpp"

namespace {

std::string input_path;
std::string rewritten_path;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "trace_lines_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void remove_files() {
  std::error_code ignored;
  std::filesystem::remove(input_path, ignored);
  std::filesystem::remove(rewritten_path, ignored);
}

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
  const std::vector<smh::sim::Op> ops = read_all(input_path, mode, &error);
  std::string why;
  auto writer = smh::sim::TraceWriter::create(rewritten_path, false, &why);
  if (!writer) {
    fail("cannot create the rewritten trace", why);
  }
  for (const smh::sim::Op& op : ops) {
    if (!writer->write(op, &why)) {
      fail("TraceWriter refused an op TraceReader returned", why);
    }
  }
  if (!writer->close(&why)) {
    fail("cannot close the rewritten trace", why);
  }
  smh::sim::TraceError reread_error;
  const std::vector<smh::sim::Op> reread = read_all(rewritten_path, mode, &reread_error);
  if (!reread_error.message.empty() || reread != ops) {
    fail("the written trace does not read back to the same ops", reread_error.to_string());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string stem =
      (std::filesystem::temp_directory_path() / ("smh_trace_fuzz_" + std::to_string(getpid()))).string();
  input_path = stem + ".in";
  rewritten_path = stem + ".out.jsonl";
  std::atexit(remove_files);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(input_path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) {
      fail("cannot write the input file", input_path);
    }
  }
  check(smh::MatchMode::exact);
  check(smh::MatchMode::capability);
  return 0;
}
