// The real traces the benchmarks replay, named at run time (traces of real
// programs never enter the repository): SMH_BENCH_TRACES is a ':'-separated
// list of smh trace files (JSON Lines, plain or zstd: docs/scenario-format.md),
// for example the heaptrack captures `smh import` turns into traces. A trace's
// name is its file name up to the first '.'. Each trace is decoded once, on
// first use, for every benchmark that replays it (real_trace_events.hpp).
// SMH_BENCH_TRACE_MAX_EVENTS bounds each trace (default 50,000,000 events).
// Without SMH_BENCH_TRACES the list is empty, except under ctest's bench_smoke
// (SMH_BENCH_SMOKE set), where it holds one small generated trace, written to
// the temp folder and removed at exit, so that decoding and every row keep
// running in CI.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "real_trace_events.hpp"
#include "smh/sim/trace.hpp"
#include "smh/sim/workload.hpp"

namespace smh::bench {

struct BenchTrace {
  std::string name;  // trace_name(path)
  std::string path;
};

struct BenchTraceList {
  std::vector<BenchTrace> traces;
  std::uint64_t max_events = default_trace_event_limit;
  std::string error;  // SMH_BENCH_TRACE_MAX_EVENTS or the smoke trace could not be used
};

// A small generated trace of plain requests (bench_smoke's), removed at exit.
class SmokeTrace {
 public:
  SmokeTrace() {
    sim::WorkloadConfig workload;
    workload.op_count = 20'000;
    workload.aligned_per_mille = 0;  // the benchmarks replay plain requests
    const std::vector<sim::Op> ops = sim::generate_workload(workload, 0x5EED'0012);
    path_ = (std::filesystem::temp_directory_path() /
             ("smh_real_trace_smoke_" + std::to_string(::getpid()) + ".jsonl"))
                .string();
    auto writer = sim::TraceWriter::create(path_, false, &error_);
    for (std::size_t index = 0; writer && index < ops.size() && error_.empty(); ++index) {
      writer->write(ops[index], &error_);
    }
    if (writer && error_.empty()) {
      writer->close(&error_);
    }
  }
  ~SmokeTrace() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  SmokeTrace(const SmokeTrace&) = delete;
  SmokeTrace& operator=(const SmokeTrace&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& error() const { return error_; }  // empty: written

 private:
  std::string path_;
  std::string error_;
};

inline BenchTraceList read_bench_traces() {
  BenchTraceList list;
  const char* paths = std::getenv("SMH_BENCH_TRACES");
  if (paths == nullptr) {
    if (std::getenv("SMH_BENCH_SMOKE") != nullptr) {
      static const SmokeTrace smoke;
      list.error = smoke.error();
      list.traces.push_back(BenchTrace{"smoke", smoke.path()});
    }
    return list;
  }
  list.max_events = trace_event_limit(std::getenv("SMH_BENCH_TRACE_MAX_EVENTS"), &list.error);
  if (list.max_events == 0) {
    return list;
  }
  const std::string text = paths;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(':', begin);
    end = end == std::string::npos ? text.size() : end;
    if (end > begin) {
      const std::string path = text.substr(begin, end - begin);
      list.traces.push_back(BenchTrace{trace_name(path), path});
    }
    begin = end + 1;
  }
  return list;
}

// The list, read once for every benchmark source.
inline const BenchTraceList& bench_traces() {
  static const BenchTraceList list = read_bench_traces();
  return list;
}

// A decoded trace, shared by every benchmark that replays it; `error` is set
// (file:line:col and op index) when the trace cannot be replayed.
struct DecodedTrace {
  TraceEvents events;
  std::string error;
};

inline std::shared_ptr<const DecodedTrace> decoded_trace(const BenchTrace& trace) {
  static std::map<std::string, std::shared_ptr<const DecodedTrace>> decoded;  // by path
  std::shared_ptr<const DecodedTrace>& slot = decoded[trace.path];
  if (!slot) {
    auto made = std::make_shared<DecodedTrace>();
    made->events = decode_trace(trace.path, bench_traces().max_events, &made->error);
    slot = std::move(made);
  }
  return slot;
}

}  // namespace smh::bench
