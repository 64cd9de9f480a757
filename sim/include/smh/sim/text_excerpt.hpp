// What a message repeats of its input, bounded: a 2 MB number or an 8 MB name
// is shown by its first bytes and its length, never whole, so that a message
// (and a summary that names a scenario or a region) stays a line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smh::sim {

// The most of one piece of input a message repeats, in bytes.
inline constexpr std::size_t max_excerpt_bytes = 64;

// The first bytes of `text` shown when it is longer than max_excerpt_bytes:
// at most that many, without cutting a UTF-8 character in two.
inline std::string_view excerpt_head(std::string_view text) {
  std::size_t length = max_excerpt_bytes;
  while (length > 0 && length < text.size() && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80) {
    --length;  // text[length] continues a character: cut before that character
  }
  return text.substr(0, length);
}

// The tail that says `text` was cut: "… (2000001 bytes)".
inline std::string excerpt_tail(std::string_view text) {
  return "\u2026 (" + std::to_string(text.size()) + " bytes)";
}

// `text` itself when it has at most max_excerpt_bytes bytes, else its head
// and tail: "1000000000…0 (2000001 bytes)".
inline std::string excerpt(std::string_view text) {
  if (text.size() <= max_excerpt_bytes) {
    return std::string(text);
  }
  return std::string(excerpt_head(text)) + excerpt_tail(text);
}

}  // namespace smh::sim
