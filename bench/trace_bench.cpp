// Google Benchmark: replaying a trace file end to end, and reading it alone.
//
//   BM_TraceReplay/zstd:<0|1>   TraceReader -> Executor (checks off, no events
//                               kept), file to digest: the cost of `smh replay`
//   BM_TraceRead/zstd:<0|1>     TraceReader alone (read, decompress, parse)
//
// The trace is the executor benchmark's 1M-op mixed workload (generate_workload,
// sizes 16..256 B, ~10k blocks live), written once per process to the temp
// folder as JSON Lines, plain and zstd, and removed at exit. Each iteration
// opens the file afresh. Counters: ops_per_s, ns_per_op, and bytes_per_second
// of the file as stored. Under ctest's bench_smoke (SMH_BENCH_SMOKE set) the
// trace has 50k ops, so the smoke pass stays cheap in debug builds.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/trace.hpp"
#include "smh/sim/workload.hpp"

namespace {

using smh::sim::Op;

constexpr std::uint64_t live_blocks = 10'000;
constexpr std::uint64_t mean_size_bytes = 96;  // log-uniform 16..256 averages ~96 B

// The trace files, written on first use.
class TraceFiles {
 public:
  TraceFiles() {
    smh::sim::WorkloadConfig workload;
    workload.op_count = std::getenv("SMH_BENCH_SMOKE") != nullptr ? 50'000 : 1'000'000;
    workload.target_live_bytes = live_blocks * mean_size_bytes;
    workload.min_size_bytes = 16;
    workload.max_size_bytes = 256;
    const std::vector<Op> ops = smh::sim::generate_workload(workload, 0x5EED'0004);
    op_count_ = ops.size();
    const std::filesystem::path folder = std::filesystem::temp_directory_path();
    const std::string stem = "smh_trace_bench_" + std::to_string(::getpid());
    plain_ = (folder / (stem + ".jsonl")).string();
    zstd_ = (folder / (stem + ".jsonl.zst")).string();
    for (const bool compressed : {false, true}) {
      auto writer = smh::sim::TraceWriter::create(compressed ? zstd_ : plain_, compressed, &error_);
      if (!writer) {
        return;
      }
      for (const Op& op : ops) {
        if (!writer->write(op, &error_)) {
          return;
        }
      }
      if (!writer->close(&error_)) {
        return;
      }
    }
    // Two regions of one attribute, sized for twice the live bytes (as in
    // executor_bench.cpp, so BM_ExecutorReplay/0/10000 is the in-memory baseline).
    const std::uint64_t region_bytes = live_blocks * mean_size_bytes * 2;
    machine_.regions = {
        {"sram0", 0x2000'0000, region_bytes, 0, smh::sim::CachePolicy::non_cacheable, 32, true, false},
        {"sram1", 0x6000'0000, region_bytes, 0, smh::sim::CachePolicy::non_cacheable, 32, true, false},
    };
  }
  ~TraceFiles() {
    std::error_code ignored;
    std::filesystem::remove(plain_, ignored);
    std::filesystem::remove(zstd_, ignored);
  }
  TraceFiles(const TraceFiles&) = delete;
  TraceFiles& operator=(const TraceFiles&) = delete;

  [[nodiscard]] const std::string& path(bool zstd) const { return zstd ? zstd_ : plain_; }
  [[nodiscard]] std::uint64_t op_count() const { return op_count_; }
  [[nodiscard]] const smh::sim::MachineConfig& machine() const { return machine_; }
  [[nodiscard]] const std::string& error() const { return error_; }  // empty: written

 private:
  std::string plain_;
  std::string zstd_;
  std::uint64_t op_count_ = 0;
  smh::sim::MachineConfig machine_;
  std::string error_;
};

const TraceFiles& trace_files() {
  static const TraceFiles files;
  return files;
}

void report(benchmark::State& state, const TraceFiles& files, bool zstd) {
  const auto ops = static_cast<double>(files.op_count());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(std::filesystem::file_size(files.path(zstd))));
  state.counters["ops_per_s"] = benchmark::Counter(ops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["ns_per_op"] = smh::bench::time_per_event(ops);
}

void BM_TraceReplay(benchmark::State& state) {
  const bool zstd = state.range(0) != 0;
  const TraceFiles& files = trace_files();
  if (!files.error().empty()) {
    state.SkipWithError(files.error().c_str());
    return;
  }
  smh::sim::ExecutorOptions options;
  options.check_invariants = false;
  options.keep_events = false;
  for (auto _ : state) {
    smh::sim::TraceError error;
    auto reader = smh::sim::TraceReader::open(files.path(zstd), smh::MatchMode::exact, &error);
    std::string why;
    auto executor = smh::sim::Executor::create(files.machine(), options, 1, &why);
    if (!reader || !executor) {
      state.SkipWithError(reader ? why.c_str() : error.to_string().c_str());
      return;
    }
    // Ops go to the Executor in chunks, so apply_all() can prefetch ahead.
    std::array<Op, 256> chunk;
    std::size_t count = chunk.size();
    while (count == chunk.size()) {
      count = 0;
      while (count < chunk.size() && reader->next(&chunk[count], &error)) {
        ++count;
      }
      if (!executor->apply_all(std::span<const Op>(chunk.data(), count), &why)) {
        state.SkipWithError(why.c_str());
        return;
      }
    }
    if (!error.message.empty()) {
      state.SkipWithError(error.to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(executor->digest());
  }
  report(state, files, zstd);
}

void BM_TraceRead(benchmark::State& state) {
  const bool zstd = state.range(0) != 0;
  const TraceFiles& files = trace_files();
  if (!files.error().empty()) {
    state.SkipWithError(files.error().c_str());
    return;
  }
  for (auto _ : state) {
    smh::sim::TraceError error;
    auto reader = smh::sim::TraceReader::open(files.path(zstd), smh::MatchMode::exact, &error);
    if (!reader) {
      state.SkipWithError(error.to_string().c_str());
      return;
    }
    Op op;
    std::uint64_t sizes = 0;
    while (reader->next(&op, &error)) {
      sizes += op.size_bytes;
    }
    if (!error.message.empty()) {
      state.SkipWithError(error.to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(sizes);
  }
  report(state, files, zstd);
}

BENCHMARK(BM_TraceReplay)->ArgName("zstd")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TraceRead)->ArgName("zstd")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
