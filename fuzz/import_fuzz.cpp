// libFuzzer target: smh::sim::Importer on arbitrary bytes (text, or zstd when
// they start with its magic number), in every format, both matching modes for
// the formats that read attribute names, with and without skip_bad.
//
// The sanitizers catch crashes and undefined behaviour; this target aborts on
// what they cannot see:
//  * an error without a position (only "no dump" / "no header" are about the
//    input as a whole), or one that is not sticky;
//  * under skip_bad, an error that is neither a limit nor an input error;
//  * ops the Executor would refuse: an alloc of a handle used before, a free or
//    realloc of a handle not live, an alignment that is not a power of two;
//  * statistics that disagree with the ops (counts, live blocks, live bytes,
//    peak below what is live);
//  * ops that, written by TraceWriter and read by TraceReader, are not the same
//    ops; a second import of the same bytes that differs.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "smh/sim/import.hpp"
#include "smh/sim/trace.hpp"

namespace {

using smh::fuzz::fail;

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

struct Result {
  std::vector<smh::sim::Op> ops;
  smh::sim::ImportStats stats;
  smh::sim::ImportError error;
};

Result import_once(const smh::sim::ImportOptions& options) {
  Result result;
  auto importer = smh::sim::Importer::open(smh::fuzz::files().input_path, options, &result.error);
  if (!importer) {
    fail("an existing file did not open", result.error.to_string());
  }
  smh::sim::Op op;
  while (importer->next(&op, &result.error)) {
    result.ops.push_back(op);
  }
  result.stats = importer->stats();
  if (!result.error.message.empty()) {
    smh::sim::ImportError again;
    if (importer->next(&op, &again) || again.to_string() != result.error.to_string()) {
      fail("the error is not sticky", result.error.to_string() + "\nthen: " + again.to_string());
    }
  }
  return result;
}

void check_error(const smh::sim::ImportOptions& options, const smh::sim::ImportError& error) {
  if (error.message.empty()) {
    return;
  }
  const bool whole_input = starts_with(error.message, "no heap_trace_dump() output found") ||
                           starts_with(error.message, "no header line");
  if (error.line == 0 ? !whole_input : error.column == 0) {
    fail("an error without a position", error.to_string());
  }
  if (options.skip_bad) {
    // Only what skip_bad must not skip: limits, the input itself, a restart.
    const bool allowed = whole_input || error.message.find("raise the limit") != std::string::npos ||
                         error.message.find("zstd") != std::string::npos ||
                         error.message.find("the capture restarted") != std::string::npos ||
                         error.message.find("handles are 32-bit") != std::string::npos;
    if (!allowed) {
      fail("skip_bad stopped at a malformed line", error.to_string());
    }
  }
}

// The ops as the Executor will take them, and the statistics that describe them.
void check_ops(const Result& result) {
  std::map<smh::sim::Handle, std::uint64_t> live;  // handle -> size
  std::set<smh::sim::Handle> used;
  std::uint64_t allocs = 0;
  std::uint64_t frees = 0;
  std::uint64_t reallocs = 0;
  for (const smh::sim::Op& op : result.ops) {
    switch (op.kind) {
      case smh::sim::OpKind::alloc:
        if (!used.insert(op.handle).second) {
          fail("an alloc of a handle used before", std::to_string(op.handle));
        }
        live[op.handle] = op.size_bytes;
        ++allocs;
        break;
      case smh::sim::OpKind::free:
        if (live.erase(op.handle) != 1) {
          fail("a free of a handle not live", std::to_string(op.handle));
        }
        ++frees;
        break;
      case smh::sim::OpKind::realloc:
        if (live.count(op.handle) != 1) {
          fail("a realloc of a handle not live", std::to_string(op.handle));
        }
        live[op.handle] = op.size_bytes;
        ++reallocs;
        break;
      default: fail("an op the importers never write", smh::sim::to_string(op.kind));
    }
    if ((op.kind == smh::sim::OpKind::alloc || op.kind == smh::sim::OpKind::realloc) && op.align_bytes != 0 &&
        !std::has_single_bit(op.align_bytes)) {
      fail("an alignment that is not a power of two", std::to_string(op.align_bytes));
    }
  }
  if (!result.error.message.empty()) {
    return;  // the statistics are complete only at the end
  }
  const smh::sim::ImportStats& stats = result.stats;
  std::uint64_t live_bytes = 0;
  for (const auto& [handle, size] : live) {
    live_bytes += size;
  }
  if (stats.ops != result.ops.size() || stats.allocs != allocs || stats.frees != frees || stats.reallocs != reallocs ||
      stats.live_blocks != live.size() || stats.live_bytes != live_bytes || stats.peak_live_bytes < live_bytes) {
    fail("the statistics disagree with the ops", std::to_string(stats.ops) + " ops, " +
                                                     std::to_string(stats.live_blocks) + " live blocks");
  }
}

void check(smh::sim::ImportFormat format, smh::MatchMode mode, bool skip_bad) {
  smh::sim::ImportOptions options;
  options.format = format;
  options.mode = mode;
  options.skip_bad = skip_bad;
  // Small limits, so that hostile inputs reach them quickly and cost little.
  options.limits.max_line_bytes = 4096;
  options.limits.max_live_blocks = 4096;
  options.limits.max_attributes = 16;
  const Result first = import_once(options);
  check_error(options, first.error);
  check_ops(first);
  smh::fuzz::check_trace_round_trip(first.ops, mode);
  const Result second = import_once(options);
  if (second.ops != first.ops || second.error.to_string() != first.error.to_string()) {
    fail("the same bytes imported twice differ", first.error.to_string() + "\nthen: " + second.error.to_string());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  smh::fuzz::init_files("import_fuzz");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  smh::fuzz::write_input(data, size);
  for (unsigned format = 0; format < smh::sim::import_format_count; ++format) {
    const auto kind = static_cast<smh::sim::ImportFormat>(format);
    const bool names = kind == smh::sim::ImportFormat::csv || kind == smh::sim::ImportFormat::esp_idf;
    for (const smh::MatchMode mode : {smh::MatchMode::exact, smh::MatchMode::capability}) {
      if (mode == smh::MatchMode::capability && !names) {
        continue;  // the mode only changes what names mean
      }
      check(kind, mode, false);
      check(kind, mode, true);
    }
  }
  return 0;
}
