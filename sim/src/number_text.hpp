// Numbers written as text in scenarios: sizes like "4K" or "0x2000_0000", and the
// hex form the writer emits. Private to sim/src.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "smh/sim/text_excerpt.hpp"

namespace smh::sim::detail {

// Parses "<digits>[unit]": decimal or 0x-hex digits, '_' allowed between
// digits; units (when allowed) K, KiB, M, MiB, G, GiB, all powers of 1024.
// Returns an empty string on success, else why not.
inline std::string parse_number_text(std::string_view text, bool allow_units, std::uint64_t* out) {
  std::size_t i = 0;
  unsigned base = 10;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    i = 2;
  }
  if (!text.empty() && text[0] == '-') {
    return "must not be negative";
  }
  std::uint64_t value = 0;
  bool any_digit = false;
  bool last_was_digit = false;
  bool overflow = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    unsigned digit = 16;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else if (c == '_') {
      if (!last_was_digit || i + 1 >= text.size()) {
        return "'_' must sit between digits";
      }
      last_was_digit = false;
      continue;
    } else {
      break;
    }
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / base) {
      overflow = true;
    }
    value = value * base + digit;
    any_digit = true;
    last_was_digit = true;
  }
  if (!any_digit) {
    return base == 16 ? "expected hex digits after 0x" : "expected digits";
  }
  if (!last_was_digit) {
    return "'_' must sit between digits";
  }
  const std::string_view unit = text.substr(i);
  std::uint64_t multiplier = 1;
  if (!unit.empty()) {
    if (!allow_units) {
      return "unexpected \"" + excerpt(unit) + "\" after the number";
    }
    if (unit == "K" || unit == "KiB") {
      multiplier = std::uint64_t{1} << 10;
    } else if (unit == "M" || unit == "MiB") {
      multiplier = std::uint64_t{1} << 20;
    } else if (unit == "G" || unit == "GiB") {
      multiplier = std::uint64_t{1} << 30;
    } else {
      return "unknown unit \"" + excerpt(unit) + "\" (units: K, KiB, M, MiB, G, GiB; powers of 1024)";
    }
  }
  if (overflow || value > std::numeric_limits<std::uint64_t>::max() / multiplier) {
    return "does not fit in 64 bits";
  }
  *out = value * multiplier;
  return {};
}

inline std::string hex(std::uint64_t value) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[value & 0xF]);
    value >>= 4;
  } while (value != 0);
  return "0x" + out;
}

}  // namespace smh::sim::detail
