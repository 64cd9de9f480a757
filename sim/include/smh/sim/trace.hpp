// Traces: op sequences stored as JSON Lines, one op per line, in the same op
// syntax as a scenario's inline `ops` (docs/scenario-format.md), optionally
// zstd-compressed. Traces are streamed, never loaded whole: a replay of millions
// of ops runs in constant memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "smh/pool_types.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim {

// A bad trace, positioned: "file:line:col: op N: message".
struct TraceError {
  std::string file;
  std::uint64_t line = 0;      // 1-based; 0 when the error is not in the text (I/O)
  std::uint64_t column = 0;    // 1-based
  std::uint64_t op_index = 0;  // the index of the op on that line
  std::string message;
  [[nodiscard]] std::string to_string() const;
};

class TraceReader {
 public:
  // Opens `path`; zstd input is recognised by its magic number, not its name.
  // `mode` is the pool's matching mode: it decides what attribute names mean
  // (exact ids or capability bits), as for inline ops.
  // nullptr and *error set when the file cannot be opened or read.
  static std::unique_ptr<TraceReader> open(const std::string& path, MatchMode mode, TraceError* error);
  virtual ~TraceReader() = default;

  // The next op. True with *op set; false at the end of the trace (error->message
  // empty) or on a bad line, a decompression or I/O error (*error set).
  virtual bool next(Op* op, TraceError* error) = 0;

  // Progress, for drivers that show it: ops returned so far, and bytes of the
  // file consumed against its size on disk (compressed bytes for zstd).
  [[nodiscard]] virtual std::uint64_t ops_read() const = 0;
  [[nodiscard]] virtual std::uint64_t file_bytes_read() const = 0;
  [[nodiscard]] virtual std::uint64_t file_bytes_total() const = 0;
};

class TraceWriter {
 public:
  // Creates `path` (truncating it); zstd-compressed when `zstd` is set. Ops are
  // written in canonical form (integers, attributes as numbers).
  static std::unique_ptr<TraceWriter> create(const std::string& path, bool zstd, std::string* error);
  virtual ~TraceWriter() = default;
  virtual bool write(const Op& op, std::string* error) = 0;
  // Flushes and closes; the file is complete only once this returned true.
  virtual bool close(std::string* error) = 0;
};

}  // namespace smh::sim
