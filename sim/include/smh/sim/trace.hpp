// Traces: op sequences stored as JSON Lines, one op per line, in the same op
// syntax as a scenario's inline `ops` (docs/scenario-format.md, "Traces"),
// optionally zstd-compressed. Traces are streamed, never loaded whole: a replay
// of millions of ops runs in constant memory.
//
// Lines: one op object each; blank (whitespace-only) lines are skipped and do
// not count as ops; "\r\n" endings and a UTF-8 BOM at the start are accepted;
// the last line may lack its newline. A line may not exceed
// TraceReader::max_line_bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "smh/pool_types.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim {

// A bad trace, positioned: "file:line:col: op N: $.size: message" (the path is
// within the line's op and absent for syntax, I/O and decompression errors);
// "file: message" when the problem is not in the text (line 0: the file cannot
// be opened or read).
struct TraceError {
  std::string file;
  std::uint64_t line = 0;      // 1-based; 0 when the error is not in the text (I/O)
  std::uint64_t column = 0;    // 1-based, in characters (UTF-8 code points)
  std::uint64_t op_index = 0;  // the index of the op on that line (blank lines do not count)
  std::string json_path;       // "$.size"; empty when the error is not about one value
  std::string message;
  [[nodiscard]] std::string to_string() const;
};

class TraceReader {
 public:
  // The longest line accepted: the reader's whole text buffer (an op takes
  // about 60 bytes; a longer line is not a trace).
  static constexpr std::size_t max_line_bytes = std::size_t{256} << 10;

  // Opens `path` ("-": stdin); zstd input is recognised by its magic number,
  // not its name.
  // `mode` is the pool's matching mode: it decides what attribute names mean
  // (exact ids or capability bits), as for inline ops.
  // nullptr and *error set when the file cannot be opened or read.
  static std::unique_ptr<TraceReader> open(const std::string& path, MatchMode mode, TraceError* error);
  virtual ~TraceReader() = default;

  // The next op. True with *op set; false at the end of the trace (error->message
  // empty) or on a bad line, a decompression or I/O error (*error set). After
  // an error every further call returns the same error.
  virtual bool next(Op* op, TraceError* error) = 0;
  // next() up to ops.size() times in one call (a replay reads millions of ops:
  // one virtual call per batch, not per op), with each op's line in lines[i]
  // (lines.size() >= ops.size()). Returns how many ops it set; fewer than
  // ops.size() only at the end of the trace or on an error, *error then set as
  // next() sets it.
  virtual std::size_t next_batch(std::span<Op> ops, std::span<std::uint64_t> lines, TraceError* error) = 0;

  // Progress, for drivers that show it: ops returned so far, and bytes of the
  // file consumed against its size on disk (compressed bytes for zstd; the
  // total is 0 when the file is not a regular file).
  // After next() failed on a bad line, or an op it returned was refused: reads
  // the rest of the compressed frame the ops came from (its checksum is at its
  // end) and returns what is wrong with it ("corrupt zstd data: ..."): the
  // error was then the damage's doing, not the trace's. "" when the frame is
  // sound, the trace is not compressed, or next() reported a decompression or
  // I/O error itself. The reader is not read further after this.
  virtual std::string frame_corruption() = 0;

  [[nodiscard]] virtual std::uint64_t ops_read() const = 0;
  // The 1-based line of the op next() returned last (0 before the first): a
  // driver that finds the op invalid (an unknown handle) names its line.
  [[nodiscard]] virtual std::uint64_t last_op_line() const = 0;
  [[nodiscard]] virtual std::uint64_t file_bytes_read() const = 0;
  [[nodiscard]] virtual std::uint64_t file_bytes_total() const = 0;
  // How far the ops returned so far reach, in [0, 1], for a progress line: in
  // the text, when its size is known (a plain file; a zstd frame that declares
  // its content size), else in the compressed bytes the decoder consumed,
  // scaled by the share of their text returned as ops (not what was read
  // ahead); 0 when no total is known (stdin).
  [[nodiscard]] virtual double fraction_done() const = 0;
};

// How a zstd trace is compressed. The defaults are zstd's. `smh import` writes
// at level 1, which on op traces compresses about twice as fast and as small
// (an imported heaptrack trace: 14.2x at level 1, 13.3x at 3), on one worker
// thread, as the zstd command does by default. The same ops and settings give
// the same bytes with the same libzstd (a libzstd without threads compresses in
// the caller's thread instead).
struct TraceCompression {
  int level = 3;
  int workers = 0;  // 0: compress in the caller's thread
};
inline constexpr TraceCompression fast_trace_compression{1, 1};

class TraceWriter {
 public:
  // Creates `path` (truncating it; "-": stdout); zstd-compressed when `zstd`
  // is set. Ops are written in canonical form (integers, attributes as
  // numbers), one per line.
  static std::unique_ptr<TraceWriter> create(const std::string& path, bool zstd, std::string* error,
                                             TraceCompression compression = {});
  // Closes the file if close() was not called (errors then go unreported).
  virtual ~TraceWriter() = default;
  virtual bool write(const Op& op, std::string* error) = 0;
  // Flushes and closes; the file is complete only once this returned true.
  virtual bool close(std::string* error) = 0;
};

// Where a scenario's `trace` is: relative paths are relative to the folder of
// the scenario file; absolute paths are kept.
std::string resolve_trace_path(const std::string& scenario_file, const std::string& trace);

}  // namespace smh::sim
