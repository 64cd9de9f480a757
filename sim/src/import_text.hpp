// Reading the fields of one input line, for the importers: hex and decimal
// numbers, spaces, literals, and what a message says was found instead. Every
// reader takes the line and a byte position, and on success moves the position
// past what it read. Private to sim/src.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace smh::sim::detail {

// A problem at a byte offset of the current line.
struct LineProblem {
  std::size_t offset = 0;
  std::string message;
};

inline bool fail_at(std::size_t offset, std::string message, LineProblem* problem) {
  problem->offset = offset;
  problem->message = std::move(message);
  return false;
}

// For messages: "'x'", "byte 0xC3", or "the end of the line".
inline std::string found_at(std::string_view line, std::size_t pos) {
  if (pos >= line.size()) {
    return "the end of the line";
  }
  const auto byte = static_cast<unsigned char>(line[pos]);
  if (byte < 0x20 || byte >= 0x7F) {
    static const char digits[] = "0123456789ABCDEF";
    return std::string("byte 0x") + digits[byte >> 4] + digits[byte & 0xF];
  }
  return std::string("'") + static_cast<char>(byte) + "'";
}

inline bool is_space(char c) { return c == ' ' || c == '\t'; }

inline std::size_t skip_spaces(std::string_view line, std::size_t pos) {
  while (pos < line.size() && is_space(line[pos])) {
    ++pos;
  }
  return pos;
}

// The value of each byte as a hex digit, 16 for the others: one load per digit
// on the hot path (heaptrack's lines are all hex).
struct HexDigits {
  unsigned char value[256];
  constexpr HexDigits() : value() {
    for (unsigned c = 0; c < 256; ++c) {
      value[c] = c >= '0' && c <= '9'   ? static_cast<unsigned char>(c - '0')
                 : c >= 'a' && c <= 'f' ? static_cast<unsigned char>(c - 'a' + 10)
                 : c >= 'A' && c <= 'F' ? static_cast<unsigned char>(c - 'A' + 10)
                                        : 16;
    }
  }
};
inline constexpr HexDigits hex_digits{};

inline unsigned hex_digit(char c) { return hex_digits.value[static_cast<unsigned char>(c)]; }

// 1 to 16 hex digits, with a "0x" prefix when `prefix` allows it ("optional")
// or requires it. `what` names the field in messages ("the size").
enum class HexPrefix : std::uint8_t { none, optional, required };

// Why read_hex failed, kept out of line: the hot path is a digit loop.
[[gnu::noinline, gnu::cold]] inline bool hex_failure(std::string_view line, std::size_t start, std::size_t at,
                                                     bool too_long, HexPrefix prefix, std::string_view what,
                                                     LineProblem* problem) {
  if (too_long) {
    return fail_at(start, std::string(what) + " does not fit in 64 bits", problem);
  }
  if (prefix == HexPrefix::required && at == start) {
    return fail_at(start, "expected " + std::string(what) + " (0x and hex digits), got " + found_at(line, start),
                   problem);
  }
  return fail_at(at, "expected " + std::string(what) + " (hex digits), got " + found_at(line, at), problem);
}

inline bool read_hex(std::string_view line, std::size_t* pos, HexPrefix prefix, std::string_view what,
                     std::uint64_t* out, LineProblem* problem) {
  const std::size_t start = *pos;
  std::size_t i = start;
  if (prefix != HexPrefix::none) {
    const bool has_prefix = i + 1 < line.size() && line[i] == '0' && (line[i + 1] == 'x' || line[i + 1] == 'X');
    if (has_prefix) {
      i += 2;
    } else if (prefix == HexPrefix::required) {
      return hex_failure(line, start, start, false, prefix, what, problem);
    }
  }
  const std::size_t digits_start = i;
  const std::size_t digits_end = std::min(line.size(), digits_start + 17);  // one more than fits: too long
  std::uint64_t value = 0;
  unsigned digit = 0;
  while (i < digits_end && (digit = hex_digit(line[i])) < 16) {
    value = value << 4 | digit;
    ++i;
  }
  if (i == digits_start || i - digits_start == 17) {
    return hex_failure(line, start, i, i - digits_start == 17, prefix, what, problem);
  }
  *out = value;
  *pos = i;
  return true;
}

// 1 to 20 decimal digits that fit in 64 bits.
inline bool read_decimal(std::string_view line, std::size_t* pos, std::string_view what, std::uint64_t* out,
                         LineProblem* problem) {
  const std::size_t start = *pos;
  std::size_t i = start;
  std::uint64_t value = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') {
    const auto digit = static_cast<std::uint64_t>(line[i] - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return fail_at(start, std::string(what) + " does not fit in 64 bits", problem);
    }
    value = value * 10 + digit;
    ++i;
  }
  if (i == start) {
    return fail_at(i, "expected " + std::string(what) + " (decimal digits), got " + found_at(line, i), problem);
  }
  *out = value;
  *pos = i;
  return true;
}

// `text` at *pos exactly.
inline bool read_literal(std::string_view line, std::size_t* pos, std::string_view text, LineProblem* problem) {
  if (line.substr(*pos, text.size()) != text) {
    return fail_at(*pos, "expected \"" + std::string(text) + "\", got " + found_at(line, *pos), problem);
  }
  *pos += text.size();
  return true;
}

// One or more spaces (or tabs) between two fields.
inline bool read_separator(std::string_view line, std::size_t* pos, std::string_view next, LineProblem* problem) {
  if (*pos >= line.size() || !is_space(line[*pos])) {
    return fail_at(*pos, "expected a space before " + std::string(next) + ", got " + found_at(line, *pos), problem);
  }
  *pos = skip_spaces(line, *pos);
  return true;
}

// Nothing but spaces up to the end of the line.
inline bool read_line_end(std::string_view line, std::size_t pos, std::string_view after, LineProblem* problem) {
  pos = skip_spaces(line, pos);
  if (pos != line.size()) {
    return fail_at(pos, "expected the end of the line after " + std::string(after) + ", got " + found_at(line, pos),
                   problem);
  }
  return true;
}

}  // namespace smh::sim::detail
