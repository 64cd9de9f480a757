// The strict JSON scanner (json_scan.hpp): strings, numbers, literals, nesting,
// string decoding and the descriptions messages use.
#include "json_scan.hpp"

#include <cstdio>

#include "json_positions.hpp"

namespace smh::sim::detail {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// The four hex digits of a \u escape at text[pos..pos+4), or -1.
long hex4(std::string_view text, std::size_t pos) {
  if (pos + 4 > text.size()) {
    return -1;
  }
  long value = 0;
  for (std::size_t i = pos; i < pos + 4; ++i) {
    const int digit = hex_value(text[i]);
    if (digit < 0) {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

// The length of the well-formed UTF-8 sequence starting at text[pos] (a byte
// >= 0x80), or 0: no overlong forms, no surrogates, nothing above U+10FFFF.
std::size_t utf8_sequence(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : 0u;
  };
  const unsigned lead = byte(pos);
  const auto continuation = [&](std::size_t i, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(i) >= low && byte(i) <= high;
  };
  if (lead >= 0xC2 && lead <= 0xDF) {
    return continuation(pos + 1) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned high = lead == 0xED ? 0x9F : 0xBF;
    return continuation(pos + 1, low, high) && continuation(pos + 2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(pos + 1, low, high) && continuation(pos + 2) && continuation(pos + 3) ? 4 : 0;
  }
  return 0;
}

void append_utf8(std::uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    *out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    *out += static_cast<char>(0xC0 | (code_point >> 6));
    *out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    *out += static_cast<char>(0xE0 | (code_point >> 12));
    *out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (code_point >> 18));
    *out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

}  // namespace

bool JsonText::fail(std::size_t pos, std::string message, TextError* error) const {
  error->offset = pos;
  error->path.clear();
  error->message = std::move(message);
  return false;
}

bool JsonText::expected(std::size_t pos, std::string_view what, TextError* error) const {
  return fail(pos, "syntax error: expected " + std::string(what) + ", got " + what_is_at(pos), error);
}

bool JsonText::check_depth(std::size_t pos, unsigned depth, TextError* error) const {
  if (depth >= max_depth) {
    return fail(pos, "nesting deeper than " + std::to_string(max_depth) + " levels", error);
  }
  return true;
}

std::string JsonText::what_is_at(std::size_t pos) const {
  if (pos >= text_.size()) {
    return std::string(end_name_);
  }
  const auto c = static_cast<unsigned char>(text_[pos]);
  if (c > 0x20 && c < 0x7F) {
    return std::string("'") + static_cast<char>(c) + "'";
  }
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "byte 0x%02X", c);
  return buffer;
}

bool JsonText::scan(std::size_t pos, unsigned depth, JsonSpan* span, TextError* error) const {
  pos = skip_ws(pos);
  if (pos >= text_.size()) {
    return expected(pos, "a value", error);
  }
  switch (text_[pos]) {
    case '{': return scan_object(pos, depth, span, error, [](const JsonSpan&, const JsonSpan&) {});
    case '[': return scan_array(pos, depth, span, error, [](const JsonSpan&) {});
    case '"': return scan_string(pos, span, error);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': return scan_number(pos, span, error);
    default: return scan_literal(pos, span, error);
  }
}

bool JsonText::scan_string(std::size_t pos, JsonSpan* span, TextError* error) const {
  span->kind = JsonKind::string;
  span->escaped = false;
  span->begin = pos;
  ++pos;  // the opening quote
  while (true) {
    if (pos >= text_.size()) {
      return fail(span->begin, "syntax error: unterminated string", error);
    }
    const auto c = static_cast<unsigned char>(text_[pos]);
    if (c == '"') {
      span->end = pos + 1;
      return true;
    }
    if (c < 0x20) {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "syntax error: control character U+%04X in a string (escape it)", c);
      return fail(pos, buffer, error);
    }
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence(text_, pos);
      if (length == 0) {
        return fail(pos, "syntax error: invalid UTF-8 in a string", error);
      }
      pos += length;
      continue;
    }
    if (c != '\\') {
      ++pos;
      continue;
    }
    span->escaped = true;
    const char escape = pos + 1 < text_.size() ? text_[pos + 1] : '\0';
    if (escape != 'u') {
      if (escape == '\0' || std::string_view("\"\\/bfnrt").find(escape) == std::string_view::npos) {
        return fail(pos, "syntax error: invalid escape in a string (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                         "\\uXXXX)",
                    error);
      }
      pos += 2;
      continue;
    }
    const long unit = hex4(text_, pos + 2);
    if (unit < 0) {
      return fail(pos, "syntax error: \\u must be followed by four hex digits", error);
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return fail(pos, "syntax error: a low surrogate \\u escape without a high one before it", error);
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const bool paired = pos + 7 < text_.size() && text_[pos + 6] == '\\' && text_[pos + 7] == 'u';
      const long low = paired ? hex4(text_, pos + 8) : -1;
      if (low < 0xDC00 || low > 0xDFFF) {
        return fail(pos, "syntax error: a high surrogate \\u escape must be followed by a low one", error);
      }
      pos += 12;
      continue;
    }
    pos += 6;
  }
}

bool JsonText::scan_number(std::size_t pos, JsonSpan* span, TextError* error) const {
  span->kind = JsonKind::integer;
  span->escaped = false;
  span->begin = pos;
  if (text_[pos] == '-') {
    ++pos;
  }
  const auto digits = [&](const char* after) __attribute__((always_inline)) {
    if (pos >= text_.size() || !is_digit(text_[pos])) {
      return expected(pos, std::string("a digit ") + after, error);
    }
    while (pos < text_.size() && is_digit(text_[pos])) {
      ++pos;
    }
    return true;
  };
  if (pos < text_.size() && text_[pos] == '0') {
    ++pos;  // no leading zeros: a digit after it ends the number here
  } else if (!digits("in a number")) {
    return false;
  }
  if (pos < text_.size() && text_[pos] == '.') {
    span->kind = JsonKind::number;
    ++pos;
    if (!digits("after '.'")) {
      return false;
    }
  }
  if (pos < text_.size() && (text_[pos] == 'e' || text_[pos] == 'E')) {
    span->kind = JsonKind::number;
    ++pos;
    if (pos < text_.size() && (text_[pos] == '+' || text_[pos] == '-')) {
      ++pos;
    }
    if (!digits("in the exponent")) {
      return false;
    }
  }
  span->end = pos;
  return true;
}

bool JsonText::scan_literal(std::size_t pos, JsonSpan* span, TextError* error) const {
  span->escaped = false;
  span->begin = pos;
  for (const auto& [word, kind] : {std::pair<std::string_view, JsonKind>{"true", JsonKind::boolean},
                                   {"false", JsonKind::boolean},
                                   {"null", JsonKind::null}}) {
    if (text_.substr(pos, word.size()) == word) {
      span->kind = kind;
      span->end = pos + word.size();
      return true;
    }
  }
  const char c = text_[pos];
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    std::size_t end = pos;
    while (end < text_.size() && end - pos < 32 &&
           ((text_[end] >= 'a' && text_[end] <= 'z') || (text_[end] >= 'A' && text_[end] <= 'Z'))) {
      ++end;
    }
    return fail(pos, "syntax error: invalid literal '" + std::string(text_.substr(pos, end - pos)) +
                         "' (expected a value: true, false, null, a number, a string, an object or an array)",
                error);
  }
  return expected(pos, "a value", error);
}

std::string_view JsonText::string_value(const JsonSpan& span, std::string* scratch) const {
  const std::string_view inner = text_.substr(span.begin + 1, span.end - span.begin - 2);
  if (!span.escaped) {
    return inner;
  }
  // The scan validated every escape, so decoding cannot fail.
  scratch->clear();
  for (std::size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] != '\\') {
      *scratch += inner[i];
      continue;
    }
    const char escape = inner[++i];
    switch (escape) {
      case 'b': *scratch += '\b'; break;
      case 'f': *scratch += '\f'; break;
      case 'n': *scratch += '\n'; break;
      case 'r': *scratch += '\r'; break;
      case 't': *scratch += '\t'; break;
      case 'u': {
        auto code_point = static_cast<std::uint32_t>(hex4(inner, i + 1));
        i += 4;
        if (code_point >= 0xD800 && code_point <= 0xDBFF) {
          const auto low = static_cast<std::uint32_t>(hex4(inner, i + 3));
          code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        append_utf8(code_point, scratch);
        break;
      }
      default: *scratch += escape; break;  // " \ /
    }
  }
  return *scratch;
}

std::string JsonText::describe(const JsonSpan& span) const {
  switch (span.kind) {
    case JsonKind::null: return "null";
    case JsonKind::boolean: return "boolean";
    case JsonKind::string: {
      std::string scratch;
      return "string " + json_quoted(string_value(span, &scratch));
    }
    case JsonKind::integer: return "integer " + excerpt(raw(span));
    case JsonKind::number: return "number " + excerpt(raw(span));
    case JsonKind::object: return "object";
    case JsonKind::array: return "array";
  }
  return "value";
}

}  // namespace smh::sim::detail
