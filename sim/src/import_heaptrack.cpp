// heaptrack's raw data, as `heaptrack -r` records it (heaptrack.PROG.PID.raw.zst,
// or the same text uncompressed): one event per line, a kind letter, then
// space-separated lowercase hex fields.
//   + SIZE TRACE POINTER   an allocation (malloc, calloc, new, the new block of
//                          a realloc); TRACE indexes the call stack ("t" lines)
//   - POINTER              a free (and the old block of a realloc)
//   c MILLISECONDS         time since the start
//   v VERSION FORMAT       heaptrack's version and the file format's
// Every other kind (x, X, I, m, t, R, A, ...) describes the process, its
// modules and its stacks, and is skipped.
#include "import_format.hpp"

namespace smh::sim::detail {

namespace {

// The raw format this reader was written against (heaptrack 1.2 to 1.5 write 3).
constexpr std::uint64_t known_file_format = 3;

class HeaptrackParser final : public FormatParser {
 public:
  bool line(std::string_view text, ImportLedger* ledger, ImportProblem* problem) override {
    if (!started_) {
      started_ = true;
      ledger->set_ticks_per_second(1000);  // "c" lines count milliseconds
    }
    if (text.size() < 2 || text[1] != ' ') {
      ledger->ignored_line();  // not a "K fields" line: nothing heaptrack writes that we import
      return true;
    }
    std::size_t pos = 2;
    LineProblem where;
    switch (text[0]) {
      case '+': {
        BlockRequest request;
        std::uint64_t trace = 0;
        if (!read_hex(text, &pos, HexPrefix::none, "the size", &request.size_bytes, &where)) {
          return malformed(where, problem);
        }
        if (pos == text.size()) {
          // Interpreted heaptrack data has "+ INDEX" lines: say what to import instead.
          return malformed(LineProblem{pos, "expected '+ SIZE TRACE POINTER', got one field: this looks like "
                                            "heaptrack's interpreted output; import the raw data that "
                                            "`heaptrack -r` records (heaptrack.*.raw.zst)"},
                           problem);
        }
        if (!read_separator(text, &pos, "the trace index", &where) ||
            !read_hex(text, &pos, HexPrefix::none, "the trace index", &trace, &where) ||
            !read_separator(text, &pos, "the pointer", &where) ||
            !read_hex(text, &pos, HexPrefix::none, "the pointer", &request.key, &where) ||
            !read_line_end(text, pos, "the pointer", &where)) {
          return malformed(where, problem);
        }
        request.facts.has_trace = true;
        request.facts.trace = trace;
        ledger->alloc(request);
        return true;
      }
      case '-': {
        std::uint64_t pointer = 0;
        if (!read_hex(text, &pos, HexPrefix::none, "the pointer", &pointer, &where) ||
            !read_line_end(text, pos, "the pointer", &where)) {
          return malformed(where, problem);
        }
        ledger->free(pointer);
        return true;
      }
      case 'c': {
        std::uint64_t milliseconds = 0;
        if (!read_hex(text, &pos, HexPrefix::none, "the time in milliseconds", &milliseconds, &where) ||
            !read_line_end(text, pos, "the time", &where)) {
          return malformed(where, problem);
        }
        ledger->set_time(milliseconds);
        ledger->ignored_line();
        return true;
      }
      case 'v': {
        std::uint64_t version = 0;
        std::uint64_t file_format = 0;
        if (!read_hex(text, &pos, HexPrefix::none, "heaptrack's version", &version, &where) ||
            !read_separator(text, &pos, "the file format version", &where) ||
            !read_hex(text, &pos, HexPrefix::none, "the file format version", &file_format, &where)) {
          return malformed(where, problem);
        }
        if (file_format != known_file_format) {
          ledger->note("heaptrack file format " + std::to_string(file_format) + " (this reader knows format " +
                       std::to_string(known_file_format) + "): check the result");
        }
        ledger->ignored_line();
        return true;
      }
      default:
        ledger->ignored_line();
        return true;
    }
  }

  bool finish(ImportLedger* /*ledger*/, ImportProblem* /*problem*/) override { return true; }

 private:
  bool started_ = false;
};

}  // namespace

std::unique_ptr<FormatParser> make_heaptrack_parser() { return std::make_unique<HeaptrackParser>(); }

}  // namespace smh::sim::detail
