// The Importer (import.hpp): lines from a LineSource, one format parser
// (import_format.hpp), the ledger that turns events into ops, and a queue of
// the ops a line produced (an allocation may first write an implied free; the
// end of an ESP-IDF dump writes every free held back).
#include <vector>

#include "import_format.hpp"
#include "import_ledger.hpp"
#include "json_positions.hpp"
#include "line_source.hpp"
#include "positioned_message.hpp"
#include "smh/sim/import.hpp"
#include "trace_input.hpp"

namespace smh::sim {

namespace {

constexpr const char* format_names[import_format_count] = {"heaptrack", "mtrace", "esp-idf", "device", "csv"};

// Malformed lines kept for the summary under --skip-bad.
constexpr std::size_t kept_bad_lines = 5;

std::unique_ptr<detail::FormatParser> make_parser(const ImportOptions& options) {
  switch (options.format) {
    case ImportFormat::heaptrack: return detail::make_heaptrack_parser();
    case ImportFormat::mtrace: return detail::make_mtrace_parser();
    case ImportFormat::esp_idf: return detail::make_esp_idf_parser(options.mode);
    case ImportFormat::device: return detail::make_device_parser();
    case ImportFormat::csv: return detail::make_csv_parser(options.mode);
  }
  return nullptr;
}

class LineImporter final : public Importer {
 public:
  LineImporter(std::string path, const ImportOptions& options, std::unique_ptr<detail::TraceInput> input)
      : path_(std::move(path)),
        options_(options),
        lines_(std::move(input), options.limits.max_line_bytes, "(raise the limit with --max-line-bytes)"),
        parser_(make_parser(options_)),
        ledger_(options_, &stats_, &queue_) {
    SMH_ASSERT(parser_ != nullptr);
  }

  bool next(Op* op, ImportError* error) override {
    while (cursor_ == queue_.size()) {
      if (failed_) {
        *error = failure_;
        return false;
      }
      queue_.clear();
      cursor_ = 0;
      if (done_) {
        *error = ImportError{path_, 0, 0, ""};
        return false;
      }
      if (!read_line(error) && cursor_ == queue_.size()) {
        return false;
      }
    }
    *op = queue_[cursor_++];
    return true;
  }

  [[nodiscard]] const ImportStats& stats() const override { return stats_; }
  [[nodiscard]] std::uint64_t file_bytes_read() const override { return lines_.file_bytes_read(); }
  [[nodiscard]] std::uint64_t file_bytes_total() const override { return lines_.file_bytes_total(); }

 private:
  // Reads one line into the queue (maybe no ops), or reaches the end. False on
  // an error that ends the import.
  bool read_line(ImportError* error) {
    std::string_view line;
    detail::ImportProblem problem;
    switch (lines_.next(&line)) {
      case detail::LineSource::Status::error: {
        const detail::LineSourceError& why = lines_.error();
        return flushed(error) && fail(ImportError{path_, why.line, why.column, why.message}, error);
      }
      case detail::LineSource::Status::end: {
        done_ = true;
        ledger_.set_line(lines_.line_number());
        const bool finished = parser_->finish(&ledger_, &problem);
        if (!flushed(error)) {
          return false;
        }
        if (!finished && !failed_line(problem, std::string_view(), error)) {
          return false;
        }
        ledger_.finish();
        return true;
      }
      case detail::LineSource::Status::line: break;
    }
    const std::uint64_t number = lines_.line_number();
    ++stats_.lines;
    if (number == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") {
      line.remove_prefix(3);  // a UTF-8 byte order mark (columns then count from after it)
    }
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);  // CRLF: serial consoles and Windows tools
    }
    ledger_.set_line(number);
    const bool parsed = parser_->line(line, &ledger_, &problem);
    if (ledger_.failed()) {
      return ledger_failed(error);  // an earlier event reached a limit: that comes first
    }
    if (parsed) {
      return true;
    }
    // The events before this line come first, and may reach a limit.
    return flushed(error) && failed_line(problem, line, error);
  }

  // Applies the ledger's queued events; false (the failure reported) when one
  // reached a limit.
  bool flushed(ImportError* error) { return ledger_.flush() || ledger_failed(error); }

  bool ledger_failed(ImportError* error) {
    const detail::LedgerFailure& why = ledger_.failure();
    return fail(ImportError{path_, why.line, 1, why.message}, error);
  }

  // A problem a parser reported about `line` (the current one) or an earlier
  // line, or about the input as a whole. True when skipped (--skip-bad).
  bool failed_line(const detail::ImportProblem& problem, std::string_view line, ImportError* error) {
    ImportError at{path_, 0, 0, problem.where.message};
    if (!problem.whole_input) {
      if (problem.line != 0 && problem.line != lines_.line_number()) {
        at.line = problem.line;  // an earlier line: its text is gone, so column 1
        at.column = 1;
      } else {
        std::size_t line_in_text = 0;
        std::size_t column = 0;
        detail::line_column(line, problem.where.offset, &line_in_text, &column);
        at.line = lines_.line_number();
        at.column = column;
      }
    }
    if (options_.skip_bad && !problem.fatal && !problem.whole_input) {
      ++stats_.bad_lines;
      if (stats_.first_bad_lines.size() < kept_bad_lines) {
        stats_.first_bad_lines.push_back(at);
      }
      return true;
    }
    return fail(std::move(at), error);
  }

  // The ops queued before the failure are still handed out, then the error.
  bool fail(ImportError why, ImportError* error) {
    failed_ = true;
    failure_ = std::move(why);
    *error = failure_;
    return false;
  }

  std::string path_;
  ImportOptions options_;
  detail::LineSource lines_;
  std::unique_ptr<detail::FormatParser> parser_;
  ImportStats stats_;
  std::vector<Op> queue_;
  std::size_t cursor_ = 0;
  detail::ImportLedger ledger_;
  bool done_ = false;
  bool failed_ = false;
  ImportError failure_;
};

}  // namespace

const char* to_string(ImportFormat format) {
  const auto index = static_cast<unsigned>(format);
  return index < import_format_count ? format_names[index] : "?";
}

bool parse_import_format(std::string_view name, ImportFormat* out) {
  for (unsigned i = 0; i < import_format_count; ++i) {
    if (name == format_names[i]) {
      *out = static_cast<ImportFormat>(i);
      return true;
    }
  }
  return false;
}

std::string ImportError::to_string() const {
  return detail::positioned_message(file, line, column, std::nullopt, {}, message);
}

std::unique_ptr<Importer> Importer::open(const std::string& path, const ImportOptions& options, ImportError* error) {
  std::string why;
  std::unique_ptr<detail::TraceInput> input = detail::TraceInput::open(path, &why);
  if (!input) {
    *error = ImportError{path, 0, 0, why};
    return nullptr;
  }
  return std::make_unique<LineImporter>(path, options, std::move(input));
}

}  // namespace smh::sim
