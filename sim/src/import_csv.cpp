// CSV: a header line "op,handle,attr,size,align", then one op per line:
//   alloc,HANDLE,ATTR,SIZE[,ALIGN]
//   realloc,HANDLE,ATTR,SIZE[,ALIGN]
//   free,HANDLE[,,,]
// HANDLE: the caller's own block names (integers; the importer renumbers them,
// a handle allocated again after its free is a new block). ATTR: empty (the
// attribute map or its default decides), an integer, or names as the matching
// mode reads them (exact: cacheable, non_cacheable, external; capability:
// capability names joined by '|', "dma|internal"). SIZE: as in scenarios ("64",
// "4K", "0x100"); ALIGN: empty or a power of two. Spaces around fields are
// ignored; blank lines are skipped. Unlike captures, CSV is the caller's own
// data, so an alloc of a live handle or a free of an unknown one is an error.
#include <array>

#include "import_format.hpp"
#include "number_text.hpp"
#include "power_of_two.hpp"
#include "smh/sim/attribute_names.hpp"

namespace smh::sim::detail {

namespace {

constexpr std::array<std::string_view, 5> columns = {"op", "handle", "attr", "size", "align"};

struct Field {
  std::size_t offset = 0;  // of the first non-space character (or where the field is empty)
  std::string_view text;   // trimmed
};

// Splits at ',' into at most columns.size() fields; false (at the extra comma)
// for more.
bool split(std::string_view line, std::array<Field, columns.size()>* fields, std::size_t* count, LineProblem* where) {
  std::size_t start = 0;
  *count = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? line.size() : comma;
    if (*count == columns.size()) {
      return fail_at(start - 1, "more than " + std::to_string(columns.size()) + " fields (op,handle,attr,size,align)",
                     where);
    }
    std::size_t first = skip_spaces(line, start);
    std::size_t last = end;
    while (last > first && is_space(line[last - 1])) {
      --last;
    }
    first = std::min(first, last);
    (*fields)[(*count)++] = Field{first, line.substr(first, last - first)};
    if (comma == std::string_view::npos) {
      return true;
    }
    start = comma + 1;
  }
}

bool number(const Field& field, bool units, std::string_view what, std::uint64_t* out, LineProblem* where) {
  const std::string why = parse_number_text(field.text, units, out);
  if (!why.empty()) {
    return fail_at(field.offset, std::string(what) + ": " + why + " in \"" + std::string(field.text) + "\"", where);
  }
  return true;
}

// An attribute name or a '|'-joined capability list, or an integer.
bool attribute(const Field& field, MatchMode mode, std::uint32_t* out, LineProblem* where) {
  if (!field.text.empty() && field.text[0] >= '0' && field.text[0] <= '9') {
    std::uint64_t value = 0;
    if (!number(field, false, "the attribute", &value, where)) {
      return false;
    }
    if (value > 0xFFFF'FFFFu) {
      return fail_at(field.offset, "the attribute " + std::to_string(value) + " does not fit in 32 bits", where);
    }
    *out = static_cast<std::uint32_t>(value);
    return true;
  }
  const auto find = [](const auto& table, std::string_view name, std::uint32_t* value) {
    for (const AttributeName& entry : table) {
      if (entry.name == name) {
        *value = entry.value;
        return true;
      }
    }
    return false;
  };
  if (mode == MatchMode::exact) {
    if (!find(exact_attribute_names, field.text, out)) {
      return fail_at(field.offset, "unknown attribute \"" + std::string(field.text) + "\" (expected one of: " +
                                       attribute_names_list(exact_attribute_names) + ", or an integer)",
                     where);
    }
    return true;
  }
  std::uint32_t bits = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = field.text.find('|', start);
    const std::string_view name = field.text.substr(start, bar == std::string_view::npos ? bar : bar - start);
    std::uint32_t bit = 0;
    if (!find(capability_names, name, &bit)) {
      return fail_at(field.offset + start,
                     "unknown capability \"" + std::string(name) + "\" (expected one of: " +
                         attribute_names_list(capability_names) + ", joined by '|', or an integer)",
                     where);
    }
    bits |= bit;
    if (bar == std::string_view::npos) {
      break;
    }
    start = bar + 1;
  }
  *out = bits;
  return true;
}

class CsvParser final : public FormatParser {
 public:
  explicit CsvParser(MatchMode mode) : mode_(mode) {}

  bool line(std::string_view text, ImportLedger* ledger, ImportProblem* problem) override {
    if (skip_spaces(text, 0) == text.size()) {
      ledger->ignored_line();
      return true;
    }
    std::array<Field, columns.size()> fields{};
    std::size_t count = 0;
    LineProblem where;
    if (!split(text, &fields, &count, &where)) {
      return malformed(where, problem);
    }
    if (!header_seen_) {
      return header(text, fields, count, ledger, problem);
    }
    const Field& op = fields[0];
    if (count < 2) {
      return malformed(LineProblem{text.size(), "expected ',' and the handle after the op"}, problem);
    }
    std::uint64_t handle = 0;
    if (!number(fields[1], false, "the handle", &handle, &where)) {
      return malformed(where, problem);
    }
    if (op.text == "free") {
      for (std::size_t i = 2; i < count; ++i) {
        if (!fields[i].text.empty()) {
          return malformed(LineProblem{fields[i].offset, "a free takes only the handle"}, problem);
        }
      }
      if (!ledger->is_live(handle)) {
        return malformed(LineProblem{fields[1].offset, "handle " + std::to_string(handle) + " is not live"}, problem);
      }
      ledger->free(handle);
      return true;
    }
    if (op.text != "alloc" && op.text != "realloc") {
      return malformed(LineProblem{op.offset, "unknown op \"" + std::string(op.text) +
                                                  "\" (expected alloc, realloc or free)"},
                       problem);
    }
    if (count < 4) {
      return malformed(LineProblem{text.size(), "expected " + std::string(count == 2 ? "the attr and " : "") +
                                                    "the size (an " + std::string(op.text) +
                                                    " has op,handle,attr,size[,align])"},
                       problem);
    }
    BlockRequest request;
    request.key = handle;
    if (!fields[2].text.empty()) {
      request.has_attr = true;
      if (!attribute(fields[2], mode_, &request.attr, &where)) {
        return malformed(where, problem);
      }
    }
    if (!number(fields[3], true, "the size", &request.size_bytes, &where)) {
      return malformed(where, problem);
    }
    if (count == 5 && !fields[4].text.empty()) {
      if (!number(fields[4], false, "the alignment", &request.align_bytes, &where)) {
        return malformed(where, problem);
      }
      if (request.align_bytes != 0 && !is_power_of_two(request.align_bytes)) {
        return malformed(LineProblem{fields[4].offset, "the alignment " + std::to_string(request.align_bytes) +
                                                           " is not a power of two"},
                         problem);
      }
    }
    const bool live = ledger->is_live(handle);
    if (op.text == "alloc") {
      if (live) {
        return malformed(LineProblem{fields[1].offset, "handle " + std::to_string(handle) + " is live: free it first"},
                         problem);
      }
      ledger->alloc(request);
      return true;
    }
    if (!live) {
      return malformed(LineProblem{fields[1].offset, "handle " + std::to_string(handle) + " is not live"}, problem);
    }
    ledger->realloc(handle, request);
    return true;
  }

  bool finish(ImportLedger* /*ledger*/, ImportProblem* problem) override {
    if (!header_seen_) {
      problem->whole_input = true;
      problem->where = LineProblem{0, "no header line (op,handle,attr,size,align)"};
      return false;
    }
    return true;
  }

 private:
  bool header(std::string_view text, const std::array<Field, columns.size()>& fields, std::size_t count,
              ImportLedger* ledger, ImportProblem* problem) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i >= count || fields[i].text != columns[i]) {
        return malformed(LineProblem{i < count ? fields[i].offset : text.size(),
                                     "expected the header line op,handle,attr,size,align (column " +
                                         std::to_string(i + 1) + ": \"" + std::string(columns[i]) + "\")"},
                         problem);
      }
    }
    header_seen_ = true;
    ledger->ignored_line();
    return true;
  }

  MatchMode mode_;
  bool header_seen_ = false;
};

}  // namespace

std::unique_ptr<FormatParser> make_csv_parser(MatchMode mode) { return std::make_unique<CsvParser>(mode); }

}  // namespace smh::sim::detail
