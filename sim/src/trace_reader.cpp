// TraceReader: JSON Lines in a fixed text buffer, one op per line through the
// one op parser (op_json.hpp).
//
// The buffer holds the unread text. A line is handed to the parser in place;
// when the buffer holds no complete line, the partial one moves to the front
// and the input refills the rest. Memory is the buffer (max_line_bytes) plus
// the input's own (zstd: one input buffer and the decoder's window), however
// long the trace.
#include <cstring>
#include <optional>

#include "json_positions.hpp"
#include "json_scan.hpp"
#include "op_json.hpp"
#include "smh/sim/trace.hpp"
#include "trace_input.hpp"

namespace smh::sim {

namespace {

using detail::JsonText;
using detail::TextError;

class LineReader final : public TraceReader {
 public:
  LineReader(std::string path, MatchMode mode, std::unique_ptr<detail::TraceInput> input)
      : path_(std::move(path)), mode_(mode), input_(std::move(input)), buffer_(new char[buffer_bytes]) {}

  bool next(Op* op, TraceError* error) override {
    if (failed_) {
      *error = *failed_;
      return false;
    }
    std::string_view line;
    while (true) {
      bool at_end = false;
      if (!next_line(&line, &at_end)) {
        if (at_end) {
          *error = TraceError{path_, 0, 0, ops_, "", ""};
        } else {
          *error = *failed_;
        }
        return false;
      }
      ++line_number_;
      const JsonText text(line, "the end of the line");
      std::size_t begin = 0;
      if (line_number_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
        begin = 3;  // a UTF-8 byte order mark
      }
      begin = text.skip_ws(begin);
      if (begin == line.size()) {
        continue;  // a blank line
      }
      std::size_t end = 0;
      TextError problem;
      if (!detail::parse_op(text, begin, mode_, op, &end, &problem)) {
        return fail_in_line(line, problem, error);
      }
      end = text.skip_ws(end);
      if (end != line.size()) {
        problem = TextError{end, "",
                            "syntax error: expected the end of the line after the op, got " + text.what_is_at(end)};
        return fail_in_line(line, problem, error);
      }
      ++ops_;
      last_op_line_ = line_number_;
      return true;
    }
  }

  [[nodiscard]] std::uint64_t ops_read() const override { return ops_; }
  [[nodiscard]] std::uint64_t last_op_line() const override { return last_op_line_; }
  [[nodiscard]] std::uint64_t file_bytes_read() const override { return input_->file_bytes_read(); }
  [[nodiscard]] std::uint64_t file_bytes_total() const override { return input_->file_bytes_total(); }

 private:
  // A longest line and its '\n'.
  static constexpr std::size_t buffer_bytes = max_line_bytes + 1;

  // The next line without its '\n' (a view into the buffer, valid until the
  // next call). False at the end (*at_end) or on an input error (failed_ set).
  bool next_line(std::string_view* line, bool* at_end) {
    std::size_t searched = begin_;  // no '\n' in [begin_, searched)
    while (true) {
      const auto* newline = static_cast<const char*>(std::memchr(buffer_.get() + searched, '\n', end_ - searched));
      if (newline != nullptr) {
        const auto at = static_cast<std::size_t>(newline - buffer_.get());
        *line = std::string_view(buffer_.get() + begin_, at - begin_);
        begin_ = at + 1;
        return true;
      }
      if (input_done_) {
        if (begin_ == end_) {
          *at_end = true;
          return false;
        }
        *line = std::string_view(buffer_.get() + begin_, end_ - begin_);  // the last line, without '\n'
        begin_ = end_;
        return true;
      }
      // Move the partial line to the front and read behind it.
      std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      searched = end_;
      if (end_ == buffer_bytes) {
        return fail_at_partial_line("line " + std::to_string(line_number_ + 1) + " is longer than " +
                                    std::to_string(max_line_bytes) + " bytes (an op takes about 60: is this a trace?)");
      }
      std::size_t produced = 0;
      std::string why;
      if (!input_->read(buffer_.get() + end_, buffer_bytes - end_, &produced, &why)) {
        return fail_at_partial_line(why);
      }
      input_done_ = produced == 0;
      end_ += produced;
    }
  }

  // An input error, positioned where the text stopped: the start of the line
  // being assembled plus what of it was decoded.
  bool fail_at_partial_line(std::string message) {
    std::size_t line = 0;
    std::size_t column = 0;
    detail::line_column(std::string_view(buffer_.get() + begin_, end_ - begin_), end_ - begin_, &line, &column);
    failed_ = TraceError{path_, line_number_ + 1, column, ops_, "", std::move(message)};
    return false;
  }

  bool fail_in_line(std::string_view line, const TextError& problem, TraceError* error) {
    std::size_t line_in_text = 0;
    std::size_t column = 0;
    detail::line_column(line, problem.offset, &line_in_text, &column);
    failed_ = TraceError{path_, line_number_, column, ops_, problem.path.empty() ? "" : "$" + problem.path,
                         problem.message};
    *error = *failed_;
    return false;
  }

  std::string path_;
  MatchMode mode_;
  std::unique_ptr<detail::TraceInput> input_;
  std::unique_ptr<char[]> buffer_;
  std::size_t begin_ = 0;  // the unread text is buffer_[begin_, end_)
  std::size_t end_ = 0;
  bool input_done_ = false;
  std::uint64_t line_number_ = 0;  // lines taken so far
  std::uint64_t ops_ = 0;
  std::uint64_t last_op_line_ = 0;
  std::optional<TraceError> failed_;  // sticky: every later call repeats it
};

}  // namespace

std::unique_ptr<TraceReader> TraceReader::open(const std::string& path, MatchMode mode, TraceError* error) {
  std::string why;
  std::unique_ptr<detail::TraceInput> input = detail::TraceInput::open(path, &why);
  if (!input) {
    *error = TraceError{path, 0, 0, 0, "", why};
    return nullptr;
  }
  return std::make_unique<LineReader>(path, mode, std::move(input));
}

}  // namespace smh::sim
