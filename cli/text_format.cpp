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

std::string shell_quote(std::string_view text) {
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
