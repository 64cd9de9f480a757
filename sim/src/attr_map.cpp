// Attribute maps (attr_map.hpp), read with the strict in-place JSON scanner
// (json_scan.hpp) and the scenario format's value readers (json_values.hpp),
// so sizes and attributes are written, and fail, exactly as in a scenario:
//
//   {"format_version": 1,
//    "default": "cacheable",
//    "rules": [
//      {"size": {"min": "4K"}, "attr": "external"},
//      {"trace": [17, [20, 25]], "attr": "non_cacheable"},
//      {"caller": ["0x400d5f3a"], "size": {"max": 64}, "attr": ["dma", "internal"]},
//      {"heap": ["0x20001000", 2], "attr": 1}]}
#include "smh/sim/attr_map.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "json_positions.hpp"
#include "json_scan.hpp"
#include "json_values.hpp"
#include "number_text.hpp"
#include "positioned_message.hpp"

namespace smh::sim {

bool AttrRule::matches(const AllocFacts& facts) const {
  if (has_size && (facts.size_bytes < min_size_bytes || facts.size_bytes > max_size_bytes)) {
    return false;
  }
  if (!sites.empty() && (!facts.has_site || !std::binary_search(sites.begin(), sites.end(), facts.site))) {
    return false;
  }
  if (!heaps.empty() && (!facts.has_heap || !std::binary_search(heaps.begin(), heaps.end(), facts.heap))) {
    return false;
  }
  if (!traces.empty()) {
    if (!facts.has_trace) {
      return false;
    }
    // The last range starting at or below the trace index.
    auto after = std::upper_bound(traces.begin(), traces.end(), facts.trace,
                                  [](std::uint64_t value, const auto& range) { return value < range.first; });
    return after != traces.begin() && facts.trace <= std::prev(after)->second;
  }
  return true;
}

std::size_t AttrMap::first_match(const AllocFacts& facts) const {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].matches(facts)) {
      return i;
    }
  }
  return rules.size();
}

std::string AttrMapError::to_string() const {
  return detail::positioned_message(file, line, column, std::nullopt, json_path, message);
}

namespace {

using detail::JsonKind;
using detail::JsonSpan;
using detail::JsonText;
using detail::TextError;

struct Member {
  JsonSpan key;
  JsonSpan value;
};

class MapParser {
 public:
  MapParser(std::string_view text, MatchMode mode) : text_(text), mode_(mode) {}

  bool parse(AttrMap* out, TextError* error) {
    error_ = error;
    std::size_t begin = 0;
    if (text_.text().substr(0, 3) == "\xEF\xBB\xBF") {
      begin = 3;
    }
    begin = text_.skip_ws(begin);
    JsonSpan root;
    std::vector<Member> members;
    if (!object(begin, "$", 0, &root, &members)) {
      return false;
    }
    const std::size_t end = text_.skip_ws(root.end);
    if (end != text_.text().size()) {
      return fail(end, "", "syntax error: expected the end of the file after the map, got " + text_.what_is_at(end));
    }
    const Member* version = nullptr;
    const Member* default_attr = nullptr;
    const Member* rules = nullptr;
    for (const Member& member : members) {
      const std::string_view key = text_.string_value(member.key, &scratch_);
      if (key == "format_version") {
        version = &member;
      } else if (key == "default") {
        default_attr = &member;
      } else if (key == "rules") {
        rules = &member;
      } else {
        return fail(member.key.begin, detail::child_path("$", key),
                    "unknown key " + detail::json_quoted(key) + " (expected one of: format_version, default, rules)");
      }
    }
    if (version == nullptr) {
      return fail(root.begin, "$", "missing required key \"format_version\"");
    }
    std::uint64_t number = 0;
    if (!integer(version->value, "$.format_version", "format_version", std::numeric_limits<std::uint32_t>::max(),
                 &number)) {
      return false;
    }
    if (number != 1) {
      return fail(version->value.begin, "$.format_version", "unsupported format_version " +
                                                                std::to_string(number) + " (this smh reads 1)");
    }
    if (default_attr != nullptr) {
      out->has_default = true;
      if (!attribute(default_attr->value, "$.default", &out->default_attr)) {
        return false;
      }
    }
    if (rules == nullptr) {
      return fail(root.begin, "$", "missing required key \"rules\"");
    }
    return rule_list(rules->value, out);
  }

 private:
  bool fail(std::size_t offset, std::string path, std::string message) {
    error_->offset = offset;
    error_->path = std::move(path);
    error_->message = std::move(message);
    return false;
  }
  // A value reader's failure, under `path`.
  bool at_path(bool ok, const std::string& path) {
    if (!ok) {
      error_->path = path + error_->path;
    }
    return ok;
  }

  bool object(std::size_t pos, const std::string& path, unsigned depth, JsonSpan* span, std::vector<Member>* members) {
    if (pos >= text_.text().size() || text_.text()[pos] != '{') {
      JsonSpan value;
      if (!text_.scan(pos, depth, &value, error_)) {
        return false;
      }
      return at_path(detail::type_error(text_, value, "an object", error_), path);
    }
    return text_.scan_object(pos, depth, span, error_,
                             [&](const JsonSpan& key, const JsonSpan& value) { members->push_back({key, value}); });
  }

  bool integer(const JsonSpan& span, const std::string& path, std::string_view what, std::uint64_t max,
               std::uint64_t* out) {
    if (span.kind != JsonKind::integer && span.kind != JsonKind::number) {
      return at_path(detail::type_error(text_, span, "an integer", error_), path);
    }
    return at_path(detail::read_integer(text_, span, what, max, out, error_), path);
  }

  bool attribute(const JsonSpan& span, const std::string& path, std::uint32_t* out) {
    return at_path(detail::read_attribute(text_, span, mode_, out, error_), path);
  }

  // An address or id: an integer, or a string such as "0x400d5f3a".
  bool address(const JsonSpan& span, const std::string& path, std::uint64_t* out) {
    if (span.kind == JsonKind::string) {
      const std::string why = detail::parse_number_text(text_.string_value(span, &scratch_), false, out);
      return why.empty() || fail(span.begin, path, "expected an address (an integer or a string such as "
                                                   "\"0x400d5f3a\"): " + why);
    }
    return integer(span, path, "address", std::numeric_limits<std::uint64_t>::max(), out);
  }

  template <class OnElement>
  bool array(const JsonSpan& span, const std::string& path, std::string_view expected, OnElement&& on_element) {
    if (span.kind != JsonKind::array) {
      return at_path(detail::type_error(text_, span, expected, error_), path);
    }
    std::vector<JsonSpan> elements;
    JsonSpan scanned;
    if (!text_.scan_array(span.begin, 1, &scanned, error_,
                          [&](const JsonSpan& element) { elements.push_back(element); })) {
      return false;
    }
    if (elements.empty()) {
      return fail(span.begin, path, "expected " + std::string(expected) + ", got an empty array");
    }
    for (std::size_t i = 0; i < elements.size(); ++i) {
      if (!on_element(elements[i], detail::child_path(path, i))) {
        return false;
      }
    }
    return true;
  }

  bool rule_list(const JsonSpan& span, AttrMap* out) {
    return array(span, "$.rules", "a list of rules", [&](const JsonSpan& element, const std::string& path) {
      std::vector<Member> members;
      JsonSpan rule_span;
      AttrRule rule;
      if (!object(element.begin, path, 2, &rule_span, &members) || !read_rule(rule_span, path, members, &rule)) {
        return false;
      }
      std::size_t line = 0;
      std::size_t column = 0;
      detail::line_column(text_.text(), rule_span.begin, &line, &column);
      rule.line = line;
      out->rules.push_back(std::move(rule));
      return true;
    });
  }

  bool read_rule(const JsonSpan& span, const std::string& path, const std::vector<Member>& members, AttrRule* rule) {
    bool has_attr = false;
    bool has_condition = false;
    for (const Member& member : members) {
      const std::string key(text_.string_value(member.key, &scratch_));
      const std::string member_path = detail::child_path(path, key);
      bool ok = true;
      if (key == "attr") {
        has_attr = true;
        ok = attribute(member.value, member_path, &rule->attr);
      } else if (key == "size") {
        has_condition = true;
        ok = size_range(member.value, member_path, rule);
      } else if (key == "trace") {
        has_condition = true;
        ok = trace_ranges(member.value, member_path, rule);
      } else if (key == "caller" || key == "heap") {
        has_condition = true;
        std::vector<std::uint64_t>& list = key == "caller" ? rule->sites : rule->heaps;
        list.clear();
        ok = array(member.value, member_path, "a list of addresses", [&](const JsonSpan& value, const std::string& at) {
          std::uint64_t id = 0;
          if (!address(value, at, &id)) {
            return false;
          }
          list.push_back(id);
          return true;
        });
        std::sort(list.begin(), list.end());
        list.erase(std::unique(list.begin(), list.end()), list.end());
      } else {
        return fail(member.key.begin, member_path,
                    "unknown key " + detail::json_quoted(key) + " (expected one of: size, trace, caller, heap, attr)");
      }
      if (!ok) {
        return false;
      }
    }
    if (!has_attr) {
      return fail(span.begin, path, "missing required key \"attr\"");
    }
    if (!has_condition) {
      return fail(span.begin, path,
                  "a rule needs at least one of size, trace, caller, heap (\"default\" gives the rest an attribute)");
    }
    return true;
  }

  bool size_range(const JsonSpan& span, const std::string& path, AttrRule* rule) {
    std::vector<Member> members;
    JsonSpan object_span;
    if (!object(span.begin, path, 3, &object_span, &members)) {
      return false;
    }
    rule->has_size = true;
    rule->min_size_bytes = 0;
    rule->max_size_bytes = std::numeric_limits<std::uint64_t>::max();
    if (members.empty()) {
      return fail(span.begin, path, "expected \"min\", \"max\" or both");
    }
    for (const Member& member : members) {
      const std::string key(text_.string_value(member.key, &scratch_));
      const std::string member_path = detail::child_path(path, key);
      std::uint64_t* bound = key == "min" ? &rule->min_size_bytes : key == "max" ? &rule->max_size_bytes : nullptr;
      if (bound == nullptr) {
        return fail(member.key.begin, member_path,
                    "unknown key " + detail::json_quoted(key) + " (expected one of: min, max)");
      }
      if (!at_path(detail::read_size(text_, member.value, std::numeric_limits<std::uint64_t>::max(), bound, error_),
                   member_path)) {
        return false;
      }
    }
    if (rule->min_size_bytes > rule->max_size_bytes) {
      return fail(span.begin, path, "min (" + std::to_string(rule->min_size_bytes) + ") is above max (" +
                                        std::to_string(rule->max_size_bytes) + ")");
    }
    return true;
  }

  // [17, [20, 25]]: single trace indices and inclusive ranges.
  bool trace_ranges(const JsonSpan& span, const std::string& path, AttrRule* rule) {
    rule->traces.clear();
    const bool ok = array(span, path, "a list of trace indices or [first, last] ranges",
                          [&](const JsonSpan& value, const std::string& at) {
      constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
      if (value.kind != JsonKind::array) {
        std::uint64_t index = 0;
        if (!integer(value, at, "trace index", max, &index)) {
          return false;
        }
        rule->traces.emplace_back(index, index);
        return true;
      }
      std::vector<std::uint64_t> bounds;
      const bool read = array(value, at, "[first, last]", [&](const JsonSpan& bound, const std::string& bound_at) {
        std::uint64_t index = 0;
        if (!integer(bound, bound_at, "trace index", max, &index)) {
          return false;
        }
        bounds.push_back(index);
        return true;
      });
      if (!read) {
        return false;
      }
      if (bounds.size() != 2 || bounds[0] > bounds[1]) {
        return fail(value.begin, at, "expected a range [first, last] with first <= last");
      }
      rule->traces.emplace_back(bounds[0], bounds[1]);
      return true;
    });
    if (!ok) {
      return false;
    }
    // Sorted and merged, so one binary search answers.
    std::sort(rule->traces.begin(), rule->traces.end());
    std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
    for (const auto& range : rule->traces) {
      if (!merged.empty() && (merged.back().second == std::numeric_limits<std::uint64_t>::max() ||
                              range.first <= merged.back().second + 1)) {
        merged.back().second = std::max(merged.back().second, range.second);
      } else {
        merged.push_back(range);
      }
    }
    rule->traces = std::move(merged);
    return true;
  }

  JsonText text_;
  MatchMode mode_;
  TextError* error_ = nullptr;
  std::string scratch_;
};

}  // namespace

bool parse_attr_map(std::string_view text, const std::string& file, MatchMode mode, AttrMap* out,
                    AttrMapError* error) {
  AttrMap map;
  map.file = file;
  TextError problem;
  if (!MapParser(text, mode).parse(&map, &problem)) {
    std::size_t line = 0;
    std::size_t column = 0;
    detail::line_column(text, problem.offset, &line, &column);
    *error = AttrMapError{file, line, column, problem.path, problem.message};
    return false;
  }
  *out = std::move(map);
  return true;
}

bool load_attr_map(const std::string& path, MatchMode mode, std::uint64_t max_bytes, AttrMap* out,
                   AttrMapError* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = AttrMapError{path, 0, 0, "", std::string("cannot open the file: ") + std::strerror(errno)};
    return false;
  }
  std::string text;
  char chunk[64 << 10];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      *error = AttrMapError{path, 0, 0, "", "the file is larger than " + std::to_string(max_bytes) +
                                                " bytes (raise the limit with --max-attr-map-bytes)"};
      return false;
    }
  }
  if (in.bad()) {
    *error = AttrMapError{path, 0, 0, "", "cannot read the file"};
    return false;
  }
  return parse_attr_map(text, path, mode, out, error);
}

}  // namespace smh::sim
