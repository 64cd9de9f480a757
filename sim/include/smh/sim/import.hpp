// Importing allocation traces that other tools wrote (docs/importing.md):
// heaptrack's raw data, glibc's mtrace log, ESP-IDF's heap_trace_dump() text,
// smh's own device log (core/capture) and CSV. An Importer streams its input
// (a file, zstd or not, or "-" for stdin) line by line and hands out ops in the
// model every driver shares (ops.hpp), with handles it assigns itself: a new
// handle for every allocation, so an address reused after a free is a new block.
// Memory grows with the blocks live at once (bounded by
// ImportLimits::max_live_blocks), never with the input's length; the same input
// gives the same ops and statistics, byte for byte.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smh/pool_types.hpp"
#include "smh/sim/attr_map.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim {

enum class ImportFormat : std::uint8_t { heaptrack, mtrace, esp_idf, device, csv };
inline constexpr unsigned import_format_count = 5;

// "heaptrack", "mtrace", "esp-idf", "device", "csv".
const char* to_string(ImportFormat format);
// Accepts exactly the names to_string() gives; false (and *out unchanged) else.
bool parse_import_format(std::string_view name, ImportFormat* out);

struct ImportLimits {
  // The longest input line (heaptrack's module lines and ESP-IDF's call stacks
  // are the long ones; a few hundred bytes in practice).
  std::size_t max_line_bytes = std::size_t{256} << 10;
  // Blocks tracked at once: live ones, and ESP-IDF frees not yet placed. About
  // 50 bytes each at the limit.
  std::uint64_t max_live_blocks = std::uint64_t{1} << 22;
  // Distinct attributes in the per-attribute statistics.
  std::uint32_t max_attributes = 256;
};

struct ImportOptions {
  ImportFormat format = ImportFormat::heaptrack;
  // What attribute names mean (CSV, the attribute map) and which attributes
  // ESP-IDF's Internal/PSRAM locations map to.
  MatchMode mode = MatchMode::exact;
  const AttrMap* attr_map = nullptr;  // not owned; null: no rules
  // A malformed line is counted and skipped instead of ending the import.
  bool skip_bad = false;
  ImportLimits limits{};
};

// "file:line:col: message"; "file: message" when the problem is not in one
// line (line 0: the file cannot be opened or read, or the input as a whole is
// wrong, such as an ESP-IDF log without a dump).
struct ImportError {
  std::string file;
  std::uint64_t line = 0;    // 1-based
  std::uint64_t column = 0;  // 1-based, in characters
  std::string message;
  [[nodiscard]] std::string to_string() const;
};

struct ImportAttributeStats {
  std::uint32_t attr = 0;
  std::uint64_t allocs = 0;            // allocations and reallocs given this attribute
  std::uint64_t live_bytes = 0;        // at the end
  std::uint64_t peak_live_bytes = 0;   // requested bytes live at once
  std::uint64_t peak_op_index = 0;     // the op that reached the peak
};

// A power-of-two histogram of request sizes: bucket 0 counts size 0, bucket k
// (1..64) counts sizes in [2^(k-1), 2^k).
inline constexpr unsigned size_histogram_buckets = 65;
unsigned size_bucket(std::uint64_t size_bytes);

struct ImportStats {
  std::uint64_t lines = 0;            // input lines read
  std::uint64_t ignored_lines = 0;    // lines the format does not import (other kinds, console text)
  std::uint64_t bad_lines = 0;        // malformed lines skipped (--skip-bad)
  std::vector<ImportError> first_bad_lines;  // the first few of them

  // Allocation events read, and what became of them.
  std::uint64_t events = 0;
  std::uint64_t allocs = 0;              // alloc ops written
  std::uint64_t frees = 0;               // free ops written (implied ones included)
  std::uint64_t reallocs = 0;            // realloc ops written
  std::uint64_t unmatched_frees = 0;     // frees of blocks never seen allocated: no op
  std::uint64_t unmatched_reallocs = 0;  // reallocs of blocks never seen: written as allocs
  std::uint64_t implied_frees = 0;       // an allocation over a live block, whose free the input lacks
  std::uint64_t failed_allocs = 0;       // requests the input says failed: no op
  std::uint64_t device_errors = 0;       // calls the device's allocator refused (device log)
  std::uint64_t lost_events = 0;         // events the device dropped (gaps in its sequence numbers)
  std::uint64_t ops = 0;                 // ops written in all

  std::uint64_t live_blocks = 0;         // at the end
  std::uint64_t live_bytes = 0;
  std::uint64_t peak_live_bytes = 0;     // requested bytes live at once, all attributes
  std::uint64_t peak_op_index = 0;       // the op that reached it (0-based, as `smh replay` counts)
  std::uint64_t peak_line = 0;           // its input line
  bool peak_time_known = false;
  std::uint64_t peak_time_ticks = 0;     // the input's clock at the peak
  std::uint64_t ticks_per_second = 0;    // 0: unknown
  std::uint64_t largest_block_bytes = 0;
  std::uint64_t largest_block_line = 0;
  std::array<std::uint64_t, size_histogram_buckets> size_histogram{};
  std::vector<ImportAttributeStats> attributes;  // sorted by attr
  std::vector<std::uint64_t> rule_hits;    // per attribute-map rule: the allocations it decided
  std::uint64_t default_attr_hits = 0;     // allocations no rule and no format decided
  std::vector<std::string> notes;          // what the reader should know about this input
};

class Importer {
 public:
  // Opens `path` ("-": stdin; zstd recognised by its magic number). nullptr
  // and *error when the input cannot be opened.
  static std::unique_ptr<Importer> open(const std::string& path, const ImportOptions& options,
                                        ImportError* error);
  virtual ~Importer() = default;

  // The next op. False at the end (error->message empty: the statistics are
  // complete) or on an error (*error set; every later call repeats it).
  virtual bool next(Op* op, ImportError* error) = 0;

  [[nodiscard]] virtual const ImportStats& stats() const = 0;
  [[nodiscard]] virtual std::uint64_t file_bytes_read() const = 0;
  [[nodiscard]] virtual std::uint64_t file_bytes_total() const = 0;
};

}  // namespace smh::sim
