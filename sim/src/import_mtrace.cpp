// glibc's mtrace log (MALLOC_TRACE=FILE, the program calls mtrace(); since
// glibc 2.34 with LD_PRELOAD=libc_malloc_debug.so.0): one event per line,
// optionally after "@ CALLER " where CALLER ends in "[0xADDRESS]"
// ("./prog:[0x11b0]", "/lib/libc.so.6:(fn+0x1f)[0x7f...]", "[0x4011b0]").
//   + POINTER SIZE   malloc, calloc, memalign (POINTER "(nil)": it failed)
//   - POINTER        free (and realloc(p, 0))
//   < POINTER        realloc: the old block ...
//   > POINTER SIZE   ... and the new one, on the next line: one realloc op
//   ! POINTER SIZE   a realloc that failed (the old block stays)
//   = Start, = End   where tracing started and stopped
// Pointers are %p ("0x55d0c2a4a2a0"), sizes %#lx ("0x10", or "0").
#include "import_format.hpp"

namespace smh::sim::detail {

namespace {

// A pointer as %p prints it; *null for "(nil)".
bool read_pointer(std::string_view text, std::size_t* pos, std::uint64_t* out, bool* null, LineProblem* where) {
  constexpr std::string_view nil = "(nil)";
  if (text.substr(*pos, nil.size()) == nil) {
    *pos += nil.size();
    *null = true;
    *out = 0;
    return true;
  }
  *null = false;
  return read_hex(text, pos, HexPrefix::required, "a pointer", out, where);
}

class MtraceParser final : public FormatParser {
 public:
  bool line(std::string_view text, ImportLedger* ledger, ImportProblem* problem) override {
    if (text.empty()) {
      ledger->ignored_line();
      return true;
    }
    if (text[0] == '=') {
      if (pending_realloc_) {
        return expected_second_half(0, problem);
      }
      ledger->ignored_line();  // "= Start", "= End"
      return true;
    }
    std::size_t pos = 0;
    AllocFacts facts;
    LineProblem where;
    if (text[0] == '@' && !caller(text, &pos, &facts, &where)) {
      return malformed(where, problem);
    }
    if (pos >= text.size() || pos + 1 >= text.size() || text[pos + 1] != ' ') {
      return malformed(LineProblem{pos, "expected an event ('+', '-', '<', '>' or '!' and a space), got " +
                                            found_at(text, pos)},
                       problem);
    }
    const char kind = text[pos];
    if (pending_realloc_ && kind != '>') {
      return expected_second_half(pos, problem);
    }
    const std::size_t kind_at = pos;
    pos += 2;
    std::uint64_t pointer = 0;
    bool null = false;
    if (!read_pointer(text, &pos, &pointer, &null, &where)) {
      return malformed(where, problem);
    }
    std::uint64_t size_bytes = 0;
    const bool sized = kind == '+' || kind == '>' || kind == '!';
    if (sized && (!read_separator(text, &pos, "the size", &where) ||
                  !read_hex(text, &pos, HexPrefix::optional, "the size", &size_bytes, &where))) {
      return malformed(where, problem);
    }
    if (!read_line_end(text, pos, sized ? "the size" : "the pointer", &where)) {
      return malformed(where, problem);
    }
    switch (kind) {
      case '+':
        if (null) {
          ledger->failed_alloc();
          return true;
        }
        ledger->alloc(request(pointer, size_bytes, facts));
        return true;
      case '-':
        if (null) {
          ledger->ignored_line();  // free(NULL) does nothing
          return true;
        }
        ledger->free(pointer);
        return true;
      case '<':
        if (null) {
          return malformed(LineProblem{kind_at + 2, "a realloc's old block cannot be (nil)"}, problem);
        }
        pending_realloc_ = true;
        pending_old_ = pointer;
        pending_line_ = ledger->line();
        ledger->ignored_line();  // the event is counted with its '>' line
        return true;
      case '>':
        if (!pending_realloc_) {
          return malformed(LineProblem{kind_at, "a realloc's '>' line without the '<' line before it"}, problem);
        }
        if (null) {
          return malformed(LineProblem{kind_at + 2, "a realloc's new block cannot be (nil) (a failed realloc is '!')"},
                           problem);
        }
        pending_realloc_ = false;
        ledger->realloc(pending_old_, request(pointer, size_bytes, facts));
        return true;
      case '!':
        ledger->failed_alloc();
        return true;
      default:
        return malformed(LineProblem{kind_at, "unknown event " + found_at(text, kind_at) +
                                                  " (expected '+', '-', '<', '>' or '!')"},
                         problem);
    }
  }

  bool finish(ImportLedger* /*ledger*/, ImportProblem* problem) override {
    if (!pending_realloc_) {
      return true;
    }
    pending_realloc_ = false;
    problem->line = pending_line_;
    problem->where = LineProblem{0, "this realloc has no '>' line (the log ends after its '<' line)"};
    return false;
  }

 private:
  static BlockRequest request(std::uint64_t pointer, std::uint64_t size_bytes, const AllocFacts& facts) {
    BlockRequest out;
    out.key = pointer;
    out.size_bytes = size_bytes;
    out.facts = facts;
    return out;
  }

  bool expected_second_half(std::size_t at, ImportProblem* problem) {
    pending_realloc_ = false;  // that realloc is broken; do not pair a later '>' with it
    return malformed(LineProblem{at, "expected the '>' line of the realloc whose '<' line is line " +
                                         std::to_string(pending_line_)},
                     problem);
  }

  // "@ CALLER " up to the event: the caller ends with "[0xADDRESS]" followed by
  // a space and the event, so search for "] " before an event letter.
  static bool caller(std::string_view text, std::size_t* pos, AllocFacts* facts, LineProblem* where) {
    if (text.substr(0, 2) != "@ ") {
      return fail_at(0, "expected \"@ \" and the caller, got " + found_at(text, 1), where);
    }
    std::size_t close = 2;
    while (true) {
      close = text.find("] ", close);
      if (close == std::string_view::npos) {
        return fail_at(2, "expected the caller to end with \"[0xADDRESS] \" before the event", where);
      }
      const std::size_t event = close + 2;
      if (event + 1 < text.size() && text[event + 1] == ' ' &&
          std::string_view("+-<>!").find(text[event]) != std::string_view::npos) {
        break;
      }
      ++close;
    }
    const std::size_t open = text.rfind('[', close);
    if (open == std::string_view::npos || open < 2) {
      return fail_at(close, "expected the caller to end with \"[0xADDRESS]\"", where);
    }
    std::size_t at = open + 1;
    std::uint64_t site = 0;
    if (!read_hex(text, &at, HexPrefix::required, "the caller's address", &site, where)) {
      return false;
    }
    if (at != close) {
      return fail_at(at, "expected ']' after the caller's address, got " + found_at(text, at), where);
    }
    facts->has_site = true;
    facts->site = site;
    *pos = close + 2;
    return true;
  }

  bool pending_realloc_ = false;
  std::uint64_t pending_old_ = 0;
  std::uint64_t pending_line_ = 0;
};

}  // namespace

std::unique_ptr<FormatParser> make_mtrace_parser() { return std::make_unique<MtraceParser>(); }

}  // namespace smh::sim::detail
