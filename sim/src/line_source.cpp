// LineSource (line_source.hpp): the buffer holds the unread text. A line is
// handed out in place; when the buffer holds no complete line, the partial one
// moves to the front and the input refills the rest, and when the partial line
// fills the whole buffer, the buffer doubles, up to the longest line allowed.
#include "line_source.hpp"

#include <algorithm>
#include <cstring>

#include "json_positions.hpp"
#include "smh/assert.hpp"

namespace smh::sim::detail {

namespace {

// Large enough that reads are efficient, small enough that a file of short
// lines costs little.
constexpr std::size_t initial_buffer_bytes = std::size_t{64} << 10;

// What of a line counts against the limit: not its ending, '\n' or "\r\n".
std::size_t counted_bytes(std::string_view line) {
  return line.size() - (!line.empty() && line.back() == '\r' ? 1 : 0);
}

}  // namespace

LineSource::LineSource(std::unique_ptr<TraceInput> input, std::size_t max_line_bytes, std::string too_long_hint)
    : input_(std::move(input)),
      max_line_bytes_(max_line_bytes),
      too_long_hint_(std::move(too_long_hint)),
      buffer_bytes_(std::min(initial_buffer_bytes, max_line_bytes + 2)) {
  SMH_ASSERT(input_ != nullptr && max_line_bytes >= 1 && max_line_bytes < SIZE_MAX / 2);
  buffer_.reset(new char[buffer_bytes_]);
}

LineSource::Status LineSource::next(std::string_view* line) {
  if (finished_ != Status::line) {
    return finished_;
  }
  std::size_t searched = begin_;  // no '\n' in [begin_, searched)
  while (true) {
    const auto* newline = static_cast<const char*>(std::memchr(buffer_.get() + searched, '\n', end_ - searched));
    if (newline != nullptr) {
      const auto at = static_cast<std::size_t>(newline - buffer_.get());
      SMH_ASSERT(at - begin_ <= max_line_bytes_ + 1);  // the buffer holds at most a longest line and "\r\n"
      *line = std::string_view(buffer_.get() + begin_, at - begin_);
      if (counted_bytes(*line) > max_line_bytes_) {
        return fail_too_long();
      }
      begin_ = at + 1;
      ++line_number_;
      return Status::line;
    }
    if (input_done_) {
      if (begin_ == end_) {
        finished_ = Status::end;
        return finished_;
      }
      *line = std::string_view(buffer_.get() + begin_, end_ - begin_);  // the last line, without '\n'
      if (counted_bytes(*line) > max_line_bytes_) {
        return fail_too_long();
      }
      begin_ = end_;
      ++line_number_;
      return Status::line;
    }
    // Move the partial line to the front and read behind it.
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    searched = end_;
    if (end_ == buffer_bytes_ && !grow()) {
      return finished_;
    }
    std::size_t produced = 0;
    std::string why;
    if (!input_->read(buffer_.get() + end_, buffer_bytes_ - end_, &produced, &why)) {
      fail_at_partial_line(why);
      return finished_;
    }
    input_done_ = produced == 0;
    end_ += produced;
    text_bytes_read_ += produced;
  }
}

double LineSource::fraction_done() const {
  const std::uint64_t handed_out = text_bytes_read_ - (end_ - begin_);
  if (const std::uint64_t text_total = input_->text_bytes_total(); text_total != 0) {
    return std::min(1.0, static_cast<double>(handed_out) / static_cast<double>(text_total));
  }
  const std::uint64_t file_total = input_->file_bytes_total();
  if (file_total == 0 || text_bytes_read_ == 0) {
    return 0.0;
  }
  // The compressed bytes consumed, scaled by the share of the text they gave
  // that was handed out: the buffered rest is not done yet.
  const double consumed = static_cast<double>(input_->file_bytes_consumed()) / static_cast<double>(file_total);
  return std::min(1.0, consumed * static_cast<double>(handed_out) / static_cast<double>(text_bytes_read_));
}

// Doubles the buffer for a partial line that fills it; false (error set) when
// the line is already longer than allowed (the buffer holds a longest line and
// its "\r\n").
bool LineSource::grow() {
  if (buffer_bytes_ == max_line_bytes_ + 2) {
    fail_too_long();
    return false;
  }
  const std::size_t bigger = std::min(buffer_bytes_ * 2, max_line_bytes_ + 2);
  std::unique_ptr<char[]> grown(new char[bigger]);
  std::memcpy(grown.get(), buffer_.get(), end_);
  buffer_ = std::move(grown);
  buffer_bytes_ = bigger;
  return true;
}

// The line being assembled is longer than allowed, whatever ends it: the error
// is at its first byte past the limit.
LineSource::Status LineSource::fail_too_long() {
  SMH_ASSERT(end_ - begin_ > max_line_bytes_);
  std::size_t line = 0;
  std::size_t column = 0;
  line_column(std::string_view(buffer_.get() + begin_, end_ - begin_), max_line_bytes_, &line, &column);
  error_ = LineSourceError{line_number_ + 1, column,
                           "line " + std::to_string(line_number_ + 1) + " is longer than " +
                               std::to_string(max_line_bytes_) + " bytes" +
                               (too_long_hint_.empty() ? "" : " " + too_long_hint_)};
  finished_ = Status::error;
  return finished_;
}

// An error positioned where the text stopped: the start of the line being
// assembled plus what of it was read.
bool LineSource::fail_at_partial_line(std::string message) {
  std::size_t line = 0;
  std::size_t column = 0;
  line_column(std::string_view(buffer_.get() + begin_, end_ - begin_), end_ - begin_, &line, &column);
  error_ = LineSourceError{line_number_ + 1, column, std::move(message)};
  finished_ = Status::error;
  return false;
}

}  // namespace smh::sim::detail
