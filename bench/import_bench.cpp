// Google Benchmark: `smh import heaptrack` end to end, file to file.
//
//   BM_ImportHeaptrack/zstd_in:1/out:1   heaptrack raw data (zstd) ->
//       Importer -> TraceWriter (zstd): what `smh import heaptrack X.raw.zst
//       -o T.jsonl.zst` costs; the target is >= 5 M events/s
//   BM_ImportHeaptrack/zstd_in:0/out:0   the same, uncompressed both ways
//   BM_ImportHeaptrack/zstd_in:1/out:2   no output (--stats): reading and the
//                                        ledger alone
//
// The input imitates a heaptrack -r recording: 2M allocation events ("+ SIZE
// TRACE POINTER" and "- POINTER", sizes log-uniform 16..4096, ~10k blocks live,
// addresses reused after frees as a malloc reuses them), with stack-node lines
// ("t IP PARENT") every ~30 events and a clock line every 4096, written once per
// process to the temp folder, plain and zstd (level 3, as heaptrack's own
// compression), and removed at exit. events_per_s counts the "+" and "-" lines
// per second of wall-clock time: the output is compressed on a worker thread
// (fast_trace_compression, as `smh import` writes), so CPU time would flatter it.
// Under ctest's bench_smoke (SMH_BENCH_SMOKE set) it has 50k events.
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <zstd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "smh/sim/import.hpp"
#include "smh/sim/prng.hpp"
#include "smh/sim/trace.hpp"

namespace {

constexpr std::uint64_t live_blocks = 10'000;

std::string hex(std::uint64_t value) {
  char text[20];
  const int length = std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
  return std::string(text, static_cast<std::size_t>(length));
}

class HeaptrackFiles {
 public:
  HeaptrackFiles() {
    const std::uint64_t events = std::getenv("SMH_BENCH_SMOKE") != nullptr ? 50'000 : 2'000'000;
    const std::string text = generate(events);
    const std::filesystem::path folder = std::filesystem::temp_directory_path();
    const std::string stem = "smh_import_bench_" + std::to_string(::getpid());
    plain_ = (folder / (stem + ".raw")).string();
    zstd_ = (folder / (stem + ".raw.zst")).string();
    out_plain_ = (folder / (stem + ".jsonl")).string();
    out_zstd_ = (folder / (stem + ".jsonl.zst")).string();
    std::vector<char> packed(ZSTD_compressBound(text.size()));
    const std::size_t packed_bytes = ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 3);
    if (ZSTD_isError(packed_bytes) != 0) {
      error_ = ZSTD_getErrorName(packed_bytes);
      return;
    }
    std::ofstream(plain_, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
    std::ofstream(zstd_, std::ios::binary).write(packed.data(), static_cast<std::streamsize>(packed_bytes));
  }
  ~HeaptrackFiles() {
    std::error_code ignored;
    for (const std::string& path : {plain_, zstd_, out_plain_, out_zstd_}) {
      std::filesystem::remove(path, ignored);
    }
  }
  HeaptrackFiles(const HeaptrackFiles&) = delete;
  HeaptrackFiles& operator=(const HeaptrackFiles&) = delete;

  [[nodiscard]] const std::string& input(bool zstd) const { return zstd ? zstd_ : plain_; }
  [[nodiscard]] const std::string& output(bool zstd) const { return zstd ? out_zstd_ : out_plain_; }
  [[nodiscard]] std::uint64_t events() const { return events_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::string generate(std::uint64_t events) {
    smh::sim::Rng rng = smh::sim::Rng::stream(0x5EED'0010, "bench.heaptrack");
    std::string text = "v 10400 3\nx 13 /usr/bin/bench\nX /usr/bin/bench --run\nI 1000 5e290c\n";
    std::vector<std::uint64_t> live;
    std::vector<std::uint64_t> free_addresses;  // reused first, as malloc does
    std::uint64_t next_address = 0x55d0'c2a4'a000;
    std::uint64_t traces = 0;
    for (std::uint64_t event = 0; event < events; ++event) {
      if (rng.below(30) == 0) {
        ++traces;
        text += "t " + hex(0x7f00'0000'0000 + rng.below(1 << 20)) + " " + hex(rng.below(traces)) + "\n";
      }
      if (event % 4096 == 0) {
        text += "c " + hex(event / 4096) + "\n";
      }
      const bool alloc = live.empty() || (live.size() < live_blocks ? rng.below(5) < 3 : rng.below(5) < 2);
      if (alloc) {
        std::uint64_t address = 0;
        if (!free_addresses.empty() && rng.below(4) != 0) {
          address = free_addresses.back();
          free_addresses.pop_back();
        } else {
          address = next_address;
          next_address += 4112;
        }
        live.push_back(address);
        text += "+ " + hex(rng.log_uniform(16, 4096)) + " " + hex(1 + rng.below(traces + 1)) + " " + hex(address) +
                "\n";
      } else {
        const std::size_t index = rng.below(live.size());
        free_addresses.push_back(live[index]);
        text += "- " + hex(live[index]) + "\n";
        live[index] = live.back();
        live.pop_back();
      }
    }
    events_ = events;
    return text;
  }

  std::string plain_;
  std::string zstd_;
  std::string out_plain_;
  std::string out_zstd_;
  std::uint64_t events_ = 0;
  std::string error_;
};

const HeaptrackFiles& heaptrack_files() {
  static const HeaptrackFiles files;
  return files;
}

// range(0): zstd in; range(1): 0 plain out, 1 zstd out, 2 no output (--stats).
void BM_ImportHeaptrack(benchmark::State& state) {
  const bool zstd_in = state.range(0) != 0;
  const auto out = state.range(1);
  const HeaptrackFiles& files = heaptrack_files();
  if (!files.error().empty()) {
    state.SkipWithError(files.error().c_str());
    return;
  }
  smh::sim::ImportOptions options;
  options.format = smh::sim::ImportFormat::heaptrack;
  for (auto _ : state) {
    smh::sim::ImportError error;
    auto importer = smh::sim::Importer::open(files.input(zstd_in), options, &error);
    std::string why;
    std::unique_ptr<smh::sim::TraceWriter> writer;
    if (out != 2) {
      writer = smh::sim::TraceWriter::create(files.output(out == 1), out == 1, &why,
                                             smh::sim::fast_trace_compression);  // as smh import writes
    }
    if (!importer || (out != 2 && !writer)) {
      state.SkipWithError(importer ? why.c_str() : error.to_string().c_str());
      return;
    }
    smh::sim::Op op;
    while (importer->next(&op, &error)) {
      if (writer && !writer->write(op, &why)) {
        state.SkipWithError(why.c_str());
        return;
      }
    }
    if (!error.message.empty() || (writer && !writer->close(&why))) {
      state.SkipWithError(error.message.empty() ? why.c_str() : error.to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(importer->stats().peak_live_bytes);
  }
  const auto events = static_cast<double>(files.events());
  state.counters["events_per_s"] = benchmark::Counter(events, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["ns_per_event"] = smh::bench::time_per_event(events);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(std::filesystem::file_size(files.input(zstd_in))));
}

BENCHMARK(BM_ImportHeaptrack)
    ->ArgNames({"zstd_in", "out"})
    ->Args({1, 1})
    ->Args({0, 0})
    ->Args({1, 2})
    ->UseRealTime()  // end to end, wall clock: compression runs on a worker thread
    ->Unit(benchmark::kMillisecond);

}  // namespace
