#include "text_format.hpp"

#include <cstdio>

#include "smh/sim/attribute_names.hpp"

namespace smh::cli {

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string attribute_name(MatchMode mode, std::uint32_t attr) {
  if (mode == MatchMode::exact) {
    for (const auto& [name, value] : sim::exact_attribute_names) {
      if (attr == value) {
        return std::string(name);
      }
    }
    return std::to_string(attr);
  }
  if (attr == 0) {
    return "none";
  }
  std::string out;
  std::uint32_t named_bits = 0;
  for (const auto& [name, bit] : sim::capability_names) {
    named_bits |= bit;
    if ((attr & bit) != 0) {
      out += out.empty() ? "" : "|";
      out += name;
    }
  }
  if ((attr & ~named_bits) != 0) {
    out += out.empty() ? "" : "|";
    out += hex(attr & ~named_bits);
  }
  return out;
}

namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

// A UTF-8 C1 control (U+0080..U+009F: 0xC2 0x80..0x9F) at `at`.
bool is_c1_at(std::string_view text, std::size_t at) {
  return static_cast<unsigned char>(text[at]) == 0xC2 && at + 1 < text.size() &&
         static_cast<unsigned char>(text[at + 1]) >= 0x80 && static_cast<unsigned char>(text[at + 1]) <= 0x9F;
}

std::string hex_byte(const char* prefix, unsigned value) {
  static constexpr char digits[] = "0123456789abcdef";
  return std::string(prefix) + digits[(value >> 4) & 0xF] + digits[value & 0xF];
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (is_control(c)) {
      out += hex_byte("\\x", c);
    } else if (is_c1_at(text, i)) {
      out += hex_byte("\\u00", static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string shell_quote(std::string_view text) {
  bool controls = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    controls = controls || is_control(static_cast<unsigned char>(text[i])) || is_c1_at(text, i);
  }
  if (controls) {  // bash's ANSI-C quoting: every byte but the ordinary ones escaped
    std::string out = "$'";
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '\'' || c == '\\') {
        out += std::string("\\") + c;
      } else if (is_control(byte) || byte >= 0x80) {
        out += hex_byte("\\x", byte);
      } else {
        out += c;
      }
    }
    return out + "'";
  }
  bool safe = !text.empty();
  for (const char c : text) {
    const bool ordinary = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '/' || c == '.' || c == '_' || c == '-' || c == '+' || c == ':' || c == ',' ||
                          c == '=' || c == '@';
    safe = safe && ordinary;
  }
  if (safe) {
    return std::string(text);
  }
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";  // close, an escaped quote, reopen
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace smh::cli
