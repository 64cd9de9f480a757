// Where a trace's text comes from: the file as it is, or the file decompressed
// with zstd (recognised by the frame's magic number); the path "-" is stdin.
// Both read through fixed buffers, so the memory a trace costs does not
// depend on its length. Private to sim/src (the trace reader, the importers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace smh::sim::detail {

class TraceInput {
 public:
  // nullptr and *error (a message without the file name) when the file cannot
  // be opened or its first bytes read.
  static std::unique_ptr<TraceInput> open(const std::string& path, std::string* error);
  virtual ~TraceInput() = default;

  // Writes the next text into out[0, capacity): *produced bytes, 0 only at the
  // end. False with *error (a message) on an I/O or decompression error,
  // including a zstd stream that ends inside a frame.
  virtual bool read(char* out, std::size_t capacity, std::size_t* produced, std::string* error) = 0;

  // After the text read so far led to an error (a line that does not parse, an
  // op the run refuses): decodes the rest of the compressed frame that text
  // came from, dropping it, up to the frame's end, where its checksum is
  // checked. What is wrong with that frame ("corrupt zstd data: ..."), or ""
  // when it is sound, when the text is not compressed, or when read() has
  // reported an error of its own. The input is read no further after this.
  virtual std::string check_frame() { return ""; }

  [[nodiscard]] virtual std::uint64_t file_bytes_read() const = 0;
  [[nodiscard]] virtual std::uint64_t file_bytes_total() const = 0;
  // For progress: the text's size, when known before it is read (a plain
  // file's size; a zstd frame's content size, as long as the text read has not
  // gone past it, i.e. while no second frame shows up), else 0.
  [[nodiscard]] virtual std::uint64_t text_bytes_total() const = 0;
  // The file's bytes the text handed out so far came from: for zstd, what the
  // decoder consumed, not the read-ahead in the input buffer.
  [[nodiscard]] virtual std::uint64_t file_bytes_consumed() const = 0;
};

}  // namespace smh::sim::detail
