// ESP-IDF's heap trace, as heap_trace_dump() prints it in HEAP_TRACE_ALL mode
// (components/heap/heap_trace_standalone.c), usually inside a console log:
//
//   ====== Heap Trace: 3 records (100 capacity) ======
//       40 bytes (@ 0x3ffb8e1c, Internal) allocated CPU 0 ccount 0x1a2b3c4c caller 0x400d5f3a:0x400d5f9e:
//   freed by 0x400d5fe2:0x400d6010:
//      512 bytes (@ 0x3f800124,    PSRAM) allocated CPU 1 ccount 0x1a2b4000 caller 0x400d6100:
//   ====== Heap Trace Summary ======
//   Mode: Heap Trace All
//   ...
//   ================================
//
// Records come in allocation order; a freed one is followed by its "freed by"
// line. The location ("Internal", "PSRAM", older versions "SPIRAM") maps to an
// attribute: in capability mode caps::internal / caps::external, in exact mode
// attr::cacheable / attr::external. Text around the dump is ignored, and so is
// a prefix before each of its lines (a console's timestamps).
//
// The dump does not say when a block was freed, only that it was. Each free is
// therefore placed as late as the dump allows: just before the first later
// record whose block overlaps it (the allocator must have had the memory back
// by then), else at the end of the dump. Live-byte figures are upper bounds of
// what the device had live at once: the safe side for sizing regions.
#include <algorithm>
#include <map>
#include <vector>

#include "import_format.hpp"

namespace smh::sim::detail {

namespace {

constexpr std::string_view dump_start = "====== Heap Trace: ";
constexpr std::string_view summary_start = "====== Heap Trace Summary ======";
constexpr std::string_view record_middle = " bytes (@ ";
constexpr std::string_view freed_by = "freed by ";

struct Record {
  std::uint64_t index = 0;  // position in the dump
  std::uint64_t line = 0;
  BlockRequest request;
  bool freed = false;
};

// A block the dump has shown and not yet released: [start, end).
struct Extent {
  std::uint64_t end = 0;
  bool freed = false;  // freed on the device, its free not yet written
  std::uint64_t record = 0;
};

// "0xADDR:0xADDR:..." (a trailing ':' and an empty list allowed); the first
// address in *first (0 for an empty list).
bool read_callers(std::string_view text, std::size_t* pos, std::uint64_t* first, LineProblem* where) {
  *first = 0;
  bool any = false;
  while (*pos < text.size() && !is_space(text[*pos])) {
    std::uint64_t address = 0;
    if (!read_hex(text, pos, HexPrefix::required, "a caller's address", &address, where)) {
      return false;
    }
    if (!any) {
      *first = address;
      any = true;
    }
    if (*pos < text.size() && text[*pos] == ':') {
      ++*pos;
    } else {
      break;
    }
  }
  return true;
}

class EspIdfParser final : public FormatParser {
 public:
  explicit EspIdfParser(MatchMode mode) : mode_(mode) {}

  bool line(std::string_view text, ImportLedger* ledger, ImportProblem* problem) override {
    switch (state_) {
      case State::before_dump: return before_dump(text, ledger, problem);
      case State::in_dump: return in_dump(text, ledger, problem);
      case State::in_summary: return in_summary(text, ledger);
      case State::after_dump:
        if (text.find(dump_start) != std::string_view::npos && text.find(summary_start) == std::string_view::npos) {
          ledger->note("another dump starts at line " + std::to_string(ledger->line()) +
                       ": only the first one is imported");
        }
        ledger->ignored_line();
        return true;
    }
    return true;
  }

  bool finish(ImportLedger* ledger, ImportProblem* problem) override {
    if (state_ == State::before_dump) {
      problem->whole_input = true;
      problem->where = LineProblem{0, "no heap_trace_dump() output found (a line \"====== Heap Trace: N records "
                                      "(M capacity) ======\")"};
      return false;
    }
    if (state_ == State::in_dump) {
      ledger->note("the dump has no summary: it may be cut short");
      end_of_dump(ledger);
    }
    return true;
  }

 private:
  enum class State : std::uint8_t { before_dump, in_dump, in_summary, after_dump };

  bool before_dump(std::string_view text, ImportLedger* ledger, ImportProblem* problem) {
    const std::size_t at = text.find(dump_start);
    if (at == std::string_view::npos || text.find(summary_start) != std::string_view::npos) {
      ledger->ignored_line();
      return true;
    }
    std::size_t pos = at + dump_start.size();
    std::uint64_t records = 0;
    std::uint64_t capacity = 0;
    LineProblem where;
    if (!read_decimal(text, &pos, "the record count", &records, &where) ||
        !read_literal(text, &pos, " records (", &where) ||
        !read_decimal(text, &pos, "the capacity", &capacity, &where) ||
        !read_literal(text, &pos, " capacity) ======", &where) || !read_line_end(text, pos, "the header", &where)) {
      return malformed(where, problem);
    }
    state_ = State::in_dump;
    dump_line_ = ledger->line();
    ledger->ignored_line();
    return true;
  }

  bool in_dump(std::string_view text, ImportLedger* ledger, ImportProblem* problem) {
    if (text.find(summary_start) != std::string_view::npos) {
      state_ = State::in_summary;
      ledger->ignored_line();
      end_of_dump(ledger);
      return true;
    }
    const std::size_t first = skip_spaces(text, 0);
    if (text.substr(first, freed_by.size()) == freed_by) {
      return freed_line(text, first, problem);
    }
    const std::size_t middle = text.find(record_middle);
    if (middle == std::string_view::npos) {
      return malformed(LineProblem{first, "expected a record (\"N bytes (@ 0x...\") or a \"freed by\" line in the "
                                          "dump that starts on line " +
                                              std::to_string(dump_line_) + ", got " + found_at(text, first)},
                       problem);
    }
    Record record;
    LineProblem where;
    if (!read_record(text, middle, &record, &where)) {
      return malformed(where, problem);
    }
    if (held_) {
      apply(ledger);
    }
    record.index = next_record_++;
    record.line = ledger->line();
    held_record_ = record;
    held_ = true;
    return true;
  }

  bool freed_line(std::string_view text, std::size_t first, ImportProblem* problem) {
    if (!held_ || held_record_.freed) {
      return malformed(LineProblem{first, held_ ? "a second \"freed by\" line for one record"
                                                : "a \"freed by\" line without a record before it"},
                       problem);
    }
    std::size_t pos = first + freed_by.size();
    std::uint64_t site = 0;
    LineProblem where;
    if (!read_callers(text, &pos, &site, &where) || !read_line_end(text, pos, "the callers", &where)) {
      return malformed(where, problem);
    }
    held_record_.freed = true;
    return true;
  }

  bool in_summary(std::string_view text, ImportLedger* ledger) {
    if (text.find("Mode: Heap Trace Leaks") != std::string_view::npos) {
      ledger->note("HEAP_TRACE_LEAKS mode: the dump holds only the blocks that were not freed");
    } else if (text.find("Internal Buffer has overflowed") != std::string_view::npos) {
      ledger->note("the trace buffer overflowed on the device: the oldest records are missing");
    } else if (text.find("New entries were traced while dumping") != std::string_view::npos) {
      ledger->note("tracing went on during the dump: records may be duplicated");
    } else {
      const std::size_t first = skip_spaces(text, 0);
      const std::size_t rule = text.find_first_not_of('=', first);
      if (first < text.size() && rule == std::string_view::npos && text.size() - first >= 8) {
        state_ = State::after_dump;  // the closing "====...="
      }
    }
    ledger->ignored_line();
    return true;
  }

  // "%6d bytes (@ %p%s) allocated CPU %d ccount 0x%08x caller CALLERS".
  bool read_record(std::string_view text, std::size_t middle, Record* record, LineProblem* where) const {
    std::size_t digits = middle;
    while (digits > 0 && text[digits - 1] >= '0' && text[digits - 1] <= '9') {
      --digits;
    }
    std::size_t pos = digits;
    BlockRequest& request = record->request;
    if (!read_decimal(text, &pos, "the size in bytes", &request.size_bytes, where)) {
      return false;
    }
    pos = middle + record_middle.size();
    if (!read_hex(text, &pos, HexPrefix::optional, "the address", &request.key, where)) {
      return false;
    }
    if (pos < text.size() && text[pos] == ',') {
      pos = skip_spaces(text, pos + 1);
      const std::size_t close = text.find(')', pos);
      const std::string_view label = text.substr(pos, close == std::string_view::npos ? 0 : close - pos);
      if (label == "Internal") {
        request.has_attr = true;
        request.attr = mode_ == MatchMode::capability ? caps::internal : attr::cacheable;
      } else if (label == "PSRAM" || label == "SPIRAM") {
        request.has_attr = true;
        request.attr = mode_ == MatchMode::capability ? caps::external : attr::external;
      } else {
        return fail_at(pos, "expected the location Internal, PSRAM or SPIRAM, got " + found_at(text, pos), where);
      }
      pos = close;
    }
    std::uint64_t cpu = 0;
    std::uint64_t ccount = 0;
    if (!read_literal(text, &pos, ") allocated CPU ", where) || !read_decimal(text, &pos, "the CPU", &cpu, where) ||
        !read_literal(text, &pos, " ccount ", where) ||
        !read_hex(text, &pos, HexPrefix::required, "the cycle count", &ccount, where) ||
        !read_literal(text, &pos, " caller", where)) {
      return false;
    }
    pos = skip_spaces(text, pos);
    std::uint64_t site = 0;
    if (!read_callers(text, &pos, &site, where) || !read_line_end(text, pos, "the callers", where)) {
      return false;
    }
    if (site != 0) {
      request.facts.has_site = true;
      request.facts.site = site;
    }
    if (request.key + std::max<std::uint64_t>(request.size_bytes, 1) < request.key) {
      return fail_at(middle + record_middle.size(), "the block runs past the end of the address space", where);
    }
    return true;
  }

  // Writes the held record, as of its own line: first the frees it proves
  // (blocks it overlaps), then its allocation.
  void apply(ImportLedger* ledger) {
    held_ = false;
    const Record& record = held_record_;
    const std::uint64_t current_line = ledger->line();
    ledger->set_line(record.line);
    const std::uint64_t start = record.request.key;
    const std::uint64_t end = start + std::max<std::uint64_t>(record.request.size_bytes, 1);
    overlapping_.clear();
    auto it = extents_.upper_bound(start);
    if (it != extents_.begin() && std::prev(it)->second.end > start) {
      --it;
    }
    for (; it != extents_.end() && it->first < end; ++it) {
      overlapping_.push_back(Overlap{it->second.record, it->first, it->second.freed});
    }
    std::sort(overlapping_.begin(), overlapping_.end(),
              [](const Overlap& a, const Overlap& b) { return a.record < b.record; });
    for (const Overlap& overlap : overlapping_) {
      extents_.erase(overlap.start);
      if (overlap.freed) {
        ledger->free(overlap.start);
      } else {
        ledger->implied_free(overlap.start);
      }
    }
    ledger->alloc(record.request);
    extents_.emplace(start, Extent{end, record.freed, record.index});
    ledger->set_line(current_line);
  }

  // The held record, then every free not yet placed, in record order.
  void end_of_dump(ImportLedger* ledger) {
    if (held_) {
      apply(ledger);
    }
    overlapping_.clear();
    for (const auto& [start, extent] : extents_) {
      if (extent.freed) {
        overlapping_.push_back(Overlap{extent.record, start, true});
      }
    }
    std::sort(overlapping_.begin(), overlapping_.end(),
              [](const Overlap& a, const Overlap& b) { return a.record < b.record; });
    for (const Overlap& overlap : overlapping_) {
      ledger->free(overlap.start);
    }
    extents_.clear();
  }

  struct Overlap {
    std::uint64_t record;
    std::uint64_t start;
    bool freed;
  };

  MatchMode mode_;
  State state_ = State::before_dump;
  std::uint64_t dump_line_ = 0;
  bool held_ = false;  // held_record_ waits for a possible "freed by" line
  Record held_record_;
  std::uint64_t next_record_ = 0;
  std::map<std::uint64_t, Extent> extents_;  // by start address; disjoint
  std::vector<Overlap> overlapping_;         // scratch
};

}  // namespace

std::unique_ptr<FormatParser> make_esp_idf_parser(MatchMode mode) { return std::make_unique<EspIdfParser>(mode); }

}  // namespace smh::sim::detail
