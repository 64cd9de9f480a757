// TraceReader: JSON Lines through a LineSource (line_source.hpp: one buffer
// of at most max_line_bytes, whatever the trace's length), one op per line
// through the one op parser (op_json.hpp).
#include <optional>

#include "json_positions.hpp"
#include "json_scan.hpp"
#include "line_source.hpp"
#include "op_json.hpp"
#include "smh/sim/sim_assert.hpp"
#include "smh/sim/trace.hpp"
#include "trace_input.hpp"

namespace smh::sim {

namespace {

using detail::JsonText;
using detail::LineSource;
using detail::TextError;

class LineReader final : public TraceReader {
 public:
  LineReader(std::string path, MatchMode mode, std::unique_ptr<detail::TraceInput> input)
      : path_(std::move(path)),
        mode_(mode),
        lines_(std::move(input), max_line_bytes, "(an op takes about 60: is this a trace?)") {}

  bool next(Op* op, TraceError* error) override { return read(op, error); }

  std::size_t next_batch(std::span<Op> ops, std::span<std::uint64_t> lines, TraceError* error) override {
    SMH_SIM_ASSERT(lines.size() >= ops.size());
    std::size_t count = 0;
    while (count < ops.size() && read(&ops[count], error)) {
      lines[count++] = last_op_line_;
    }
    return count;
  }

  std::string frame_corruption() override { return lines_.check_frame(); }
  [[nodiscard]] std::uint64_t ops_read() const override { return ops_; }
  [[nodiscard]] std::uint64_t last_op_line() const override { return last_op_line_; }
  [[nodiscard]] std::uint64_t file_bytes_read() const override { return lines_.file_bytes_read(); }
  [[nodiscard]] std::uint64_t file_bytes_total() const override { return lines_.file_bytes_total(); }
  [[nodiscard]] double fraction_done() const override { return lines_.fraction_done(); }

 private:
  // next(), inlined into next_batch's loop.
  bool read(Op* op, TraceError* error) {
    if (failed_) {
      *error = *failed_;
      return false;
    }
    std::string_view line;
    while (true) {
      const LineSource::Status status = lines_.next(&line);
      if (status == LineSource::Status::end) {
        *error = TraceError{path_, 0, 0, ops_, "", ""};
        return false;
      }
      if (status == LineSource::Status::error) {
        const detail::LineSourceError& why = lines_.error();
        failed_ = TraceError{path_, why.line, why.column, ops_, "", why.message};
        *error = *failed_;
        return false;
      }
      const std::uint64_t line_number = lines_.line_number();
      // The canonical form first: it starts with '{', so neither a blank line,
      // nor a byte order mark, nor leading whitespace can take this path.
      if (detail::parse_canonical_op(line, op)) {
        ++ops_;
        last_op_line_ = line_number;
        return true;
      }
      const JsonText text(line, "the end of the line");
      std::size_t begin = 0;
      if (line_number == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
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
      last_op_line_ = line_number;
      return true;
    }
  }

  bool fail_in_line(std::string_view line, const TextError& problem, TraceError* error) {
    std::size_t line_in_text = 0;
    std::size_t column = 0;
    detail::line_column(line, problem.offset, &line_in_text, &column);
    failed_ = TraceError{path_, lines_.line_number(), column, ops_, problem.path.empty() ? "" : "$" + problem.path,
                         problem.message};
    *error = *failed_;
    return false;
  }

  std::string path_;
  MatchMode mode_;
  LineSource lines_;
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
