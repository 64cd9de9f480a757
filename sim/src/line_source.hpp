// Lines of a text input (trace_input.hpp: a file, stdin, zstd or not) read
// through one buffer, so that the memory a file costs is its longest line, not
// its length. The trace reader and every importer take their lines from here.
// Private to sim/src.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "trace_input.hpp"

namespace smh::sim::detail {

// Where the text could not be read: the 1-based line being assembled and the
// column (in characters) where its text stopped.
struct LineSourceError {
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::string message;
};

class LineSource {
 public:
  // `max_line_bytes`: the longest line accepted, its ending ('\n' or "\r\n")
  // not counted. The buffer starts small and grows up to max_line_bytes + 2 only as long lines
  // need it. `too_long_hint` is appended to the message for a longer line
  // ("(an op takes about 60: is this a trace?)").
  LineSource(std::unique_ptr<TraceInput> input, std::size_t max_line_bytes, std::string too_long_hint);

  enum class Status : std::uint8_t { line, end, error };

  // The next line without its '\n' (a view into the buffer, valid until the
  // next call); a last line without '\n' is a line too. `end` after the last
  // line; `error` (see error()) when the input failed or a line is too long.
  // After `end` or `error`, every call returns the same.
  Status next(std::string_view* line);

  // Lines returned so far: the 1-based number of the last one.
  [[nodiscard]] std::uint64_t line_number() const { return line_number_; }
  [[nodiscard]] const LineSourceError& error() const { return error_; }
  // TraceInput::check_frame(): whether the compressed frame the lines came
  // from is sound, once they led to an error.
  std::string check_frame() { return input_->check_frame(); }
  [[nodiscard]] std::uint64_t file_bytes_read() const { return input_->file_bytes_read(); }
  [[nodiscard]] std::uint64_t file_bytes_total() const { return input_->file_bytes_total(); }
  // How far through the input the lines handed out so far reach, in [0, 1]: in
  // the text when its size is known (a zstd trace's content size, when its
  // frame declares it), else in the compressed file as the decoder consumed it;
  // 0 when neither total is known (stdin).
  [[nodiscard]] double fraction_done() const;

 private:
  bool fail_at_partial_line(std::string message);
  Status fail_too_long();
  bool grow();

  std::unique_ptr<TraceInput> input_;
  std::size_t max_line_bytes_;
  std::string too_long_hint_;
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_bytes_ = 0;
  std::size_t begin_ = 0;  // the unread text is buffer_[begin_, end_)
  std::size_t end_ = 0;
  bool input_done_ = false;
  Status finished_ = Status::line;  // end or error once reached: sticky
  std::uint64_t line_number_ = 0;
  std::uint64_t text_bytes_read_ = 0;  // everything input_ produced, handed out or still buffered
  LineSourceError error_;
};

}  // namespace smh::sim::detail
