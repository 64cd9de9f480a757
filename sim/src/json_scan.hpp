// A strict JSON scanner that works on the text in place: it validates one value
// (RFC 8259: no comments, no trailing commas, UTF-8 checked, surrogates paired),
// says what kind it is and where it lies, and walks objects and arrays member by
// member, without building a tree or allocating. It is what op parsing runs on
// (op_json.hpp), so that a scenario's inline ops and a trace's lines are read by
// the same code at the speed a million-op trace needs, with byte positions for
// every error. Private to sim/src.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace smh::sim::detail {

enum class JsonKind : std::uint8_t { null, boolean, string, integer, number, object, array };

// Where a scanned value lies: [begin, end) of the text, quotes and brackets
// included. `integer`: a number without fraction or exponent (maybe negative).
struct JsonSpan {
  JsonKind kind = JsonKind::null;
  bool escaped = false;  // a string holding backslash escapes (string_value decodes)
  std::size_t begin = 0;
  std::size_t end = 0;
};

// A problem at a byte offset of the text. `path` is relative to the value the
// caller parsed ("" for the value itself, ".size", ".prefer[1]"); the caller
// prefixes its own path ("$.ops[3]") and turns the offset into line:column.
struct TextError {
  std::size_t offset = 0;
  std::string path;
  std::string message;
};

class JsonText {
 public:
  // `end_name` says what the end of the text is in messages ("the end of the line").
  explicit JsonText(std::string_view text, std::string_view end_name = "the end of the input")
      : text_(text), end_name_(end_name) {}

  [[nodiscard]] std::string_view text() const { return text_; }
  [[nodiscard]] std::size_t skip_ws(std::size_t pos) const {
    while (pos < text_.size() && is_ws(text_[pos])) {
      ++pos;
    }
    return pos;
  }

  // Scans the value starting at `pos` (whitespace first). `depth`: the number
  // of containers around it (max_depth is the limit).
  bool scan(std::size_t pos, unsigned depth, JsonSpan* span, TextError* error) const;

  // Scans the object at `pos` (which must hold '{'), calling
  // on_member(key, value) for each member in text order (duplicates included).
  template <class OnMember>
  bool scan_object(std::size_t pos, unsigned depth, JsonSpan* span, TextError* error, OnMember&& on_member) const;
  // Scans the array at `pos` (which must hold '['), calling on_element(value).
  template <class OnElement>
  bool scan_array(std::size_t pos, unsigned depth, JsonSpan* span, TextError* error, OnElement&& on_element) const;

  // A string's contents: a view of the text when it has no escapes, else
  // decoded into *scratch (and a view of it).
  std::string_view string_value(const JsonSpan& span, std::string* scratch) const;
  [[nodiscard]] std::string_view raw(const JsonSpan& span) const {
    return text_.substr(span.begin, span.end - span.begin);
  }
  // For messages: "null", "boolean", "string \"x\"", "integer 5", "number 4.5",
  // "object", "array".
  [[nodiscard]] std::string describe(const JsonSpan& span) const;
  // For messages: "','", "byte 0xC3", or the end's name.
  [[nodiscard]] std::string what_is_at(std::size_t pos) const;

 private:
  static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  bool scan_string(std::size_t pos, JsonSpan* span, TextError* error) const;
  bool scan_number(std::size_t pos, JsonSpan* span, TextError* error) const;
  bool scan_literal(std::size_t pos, JsonSpan* span, TextError* error) const;
  bool check_depth(std::size_t pos, unsigned depth, TextError* error) const;
  bool fail(std::size_t pos, std::string message, TextError* error) const;
  bool expected(std::size_t pos, std::string_view what, TextError* error) const;

  std::string_view text_;
  std::string_view end_name_;
};

template <class OnMember>
bool JsonText::scan_object(std::size_t pos, unsigned depth, JsonSpan* span, TextError* error,
                           OnMember&& on_member) const {
  if (!check_depth(pos, depth, error)) {
    return false;
  }
  span->kind = JsonKind::object;
  span->escaped = false;
  span->begin = pos;
  pos = skip_ws(pos + 1);  // past '{'
  if (pos < text_.size() && text_[pos] == '}') {
    span->end = pos + 1;
    return true;
  }
  while (true) {
    if (pos >= text_.size() || text_[pos] != '"') {
      return expected(pos, "a string key", error);
    }
    JsonSpan key;
    if (!scan_string(pos, &key, error)) {
      return false;
    }
    pos = skip_ws(key.end);
    if (pos >= text_.size() || text_[pos] != ':') {
      return expected(pos, "':' after the key", error);
    }
    JsonSpan value;
    if (!scan(pos + 1, depth + 1, &value, error)) {
      return false;
    }
    on_member(key, value);
    pos = skip_ws(value.end);
    if (pos < text_.size() && text_[pos] == ',') {
      pos = skip_ws(pos + 1);
      continue;
    }
    if (pos < text_.size() && text_[pos] == '}') {
      span->end = pos + 1;
      return true;
    }
    return expected(pos, "',' or '}' after a member", error);
  }
}

template <class OnElement>
bool JsonText::scan_array(std::size_t pos, unsigned depth, JsonSpan* span, TextError* error,
                          OnElement&& on_element) const {
  if (!check_depth(pos, depth, error)) {
    return false;
  }
  span->kind = JsonKind::array;
  span->escaped = false;
  span->begin = pos;
  pos = skip_ws(pos + 1);  // past '['
  if (pos < text_.size() && text_[pos] == ']') {
    span->end = pos + 1;
    return true;
  }
  while (true) {
    JsonSpan value;
    if (!scan(pos, depth + 1, &value, error)) {
      return false;
    }
    on_element(value);
    pos = skip_ws(value.end);
    if (pos < text_.size() && text_[pos] == ',') {
      pos = skip_ws(pos + 1);
      continue;
    }
    if (pos < text_.size() && text_[pos] == ']') {
      span->end = pos + 1;
      return true;
    }
    return expected(pos, "',' or ']' after an element", error);
  }
}

}  // namespace smh::sim::detail
