#include "text_format.hpp"

#include <cstdio>

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
    switch (attr) {
      case attr::cacheable: return "cacheable";
      case attr::non_cacheable: return "non_cacheable";
      case attr::external: return "external";
      default: return std::to_string(attr);
    }
  }
  if (attr == 0) {
    return "none";
  }
  static constexpr const char* bit_names[] = {"cacheable", "dma", "external", "internal", "exec", "tcm"};
  static constexpr std::uint32_t named_bits = (1u << std::size(bit_names)) - 1;
  std::string out;
  for (unsigned bit = 0; bit < std::size(bit_names); ++bit) {
    if ((attr & (1u << bit)) != 0) {
      out += out.empty() ? "" : "|";
      out += bit_names[bit];
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
