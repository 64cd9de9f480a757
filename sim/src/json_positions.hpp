// Where things are in a JSON text, for error messages: 1-based line and column
// of a byte offset, JSON paths ("$.ops[3].size"), quoted names, and the nesting
// limit of the one JSON reader (json_scan.hpp). Private to sim/src.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "smh/sim/text_excerpt.hpp"

namespace smh::sim::detail {

using json = nlohmann::json;
inline constexpr std::size_t npos = std::string::npos;
inline constexpr std::size_t max_depth = 32;

inline bool is_identifier(std::string_view key) {
  if (key.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i != 0)) {
      return false;
    }
  }
  return true;
}

// `text` as a JSON string for a message; past max_excerpt_bytes, its head
// quoted and its length after: "kkkk…" (4000000 bytes).
inline std::string json_quoted(std::string_view text) {
  const auto quoted = [](std::string_view part) {
    return json(std::string(part)).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  if (text.size() <= max_excerpt_bytes) {
    return quoted(text);
  }
  const std::string tail = excerpt_tail(text);  // "… (N bytes)"
  const std::size_t ellipsis_bytes = std::string_view("\u2026").size();
  return quoted(std::string(excerpt_head(text)) + tail.substr(0, ellipsis_bytes)) + tail.substr(ellipsis_bytes);
}

// ".key", or ["key"] for a key that is not an identifier or is too long to
// repeat whole (json_quoted).
inline std::string child_path(const std::string& parent, std::string_view key) {
  if (is_identifier(key) && key.size() <= max_excerpt_bytes) {
    return parent + '.' + std::string(key);
  }
  return parent + '[' + json_quoted(key) + ']';
}

inline std::string child_path(const std::string& parent, std::size_t index) {
  return parent + '[' + std::to_string(index) + ']';
}

// 1-based line and column (in UTF-8 code points) of a byte offset.
inline void line_column(std::string_view text, std::size_t offset, std::size_t* line, std::size_t* column) {
  offset = std::min(offset, text.size());
  std::size_t l = 1;
  std::size_t c = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      ++l;
      c = 1;
    } else if ((byte & 0xC0) != 0x80) {
      ++c;
    }
  }
  *line = l;
  *column = c;
}

}  // namespace smh::sim::detail
