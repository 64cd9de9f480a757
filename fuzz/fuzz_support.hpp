// What the fuzz targets that read files share: every input goes through one
// file per process in the temporary directory (the readers under test open
// files), a failure the sanitizers cannot see aborts with the target's name
// and the detail, and ops that a reader returned must survive being written by
// TraceWriter and read again by TraceReader unchanged.
#pragma once

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

namespace smh::fuzz {

struct FuzzFiles {
  const char* target = "fuzz";
  std::string input_path;      // the input's bytes, rewritten for every input
  std::string rewritten_path;  // the ops written back by TraceWriter
};

inline FuzzFiles& files() {
  static FuzzFiles instance;
  return instance;
}

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s: %s\n%s\n", files().target, what, detail.c_str());
  std::abort();
}

inline void remove_files() {
  std::error_code ignored;
  std::filesystem::remove(files().input_path, ignored);
  std::filesystem::remove(files().rewritten_path, ignored);
}

// Called from LLVMFuzzerInitialize: the paths are unique to this process (libFuzzer
// may run several jobs side by side) and removed when it exits.
inline void init_files(const char* target) {
  FuzzFiles& f = files();
  f.target = target;
  const std::string stem =
      (std::filesystem::temp_directory_path() / (std::string("smh_") + target + "_" + std::to_string(getpid())))
          .string();
  f.input_path = stem + ".in";
  f.rewritten_path = stem + ".out.jsonl";
  std::atexit(remove_files);
}

inline void write_input(const std::uint8_t* data, std::size_t size) {
  std::ofstream out(files().input_path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) {
    fail("cannot write the input file", files().input_path);
  }
}

// Writes `ops` with TraceWriter and reads them back with TraceReader: the same ops,
// and no error.
inline void check_trace_round_trip(const std::vector<smh::sim::Op>& ops, smh::MatchMode mode) {
  const std::string& path = files().rewritten_path;
  std::string why;
  auto writer = smh::sim::TraceWriter::create(path, false, &why);
  if (!writer) {
    fail("cannot create the rewritten trace", why);
  }
  for (const smh::sim::Op& op : ops) {
    if (!writer->write(op, &why)) {
      fail("TraceWriter refused an op a reader returned", why);
    }
  }
  if (!writer->close(&why)) {
    fail("cannot close the rewritten trace", why);
  }
  smh::sim::TraceError error;
  auto reader = smh::sim::TraceReader::open(path, mode, &error);
  if (!reader) {
    fail("the rewritten trace did not open", error.to_string());
  }
  std::vector<smh::sim::Op> reread;
  smh::sim::Op op;
  while (reader->next(&op, &error)) {
    reread.push_back(op);
  }
  if (!error.message.empty() || reread != ops) {
    fail("the written trace does not read back to the same ops", error.to_string());
  }
}

}  // namespace smh::fuzz
