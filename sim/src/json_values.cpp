// Typed values of the scenario format read from scanned JSON text
// (json_values.hpp).
#include "json_values.hpp"

#include <limits>
#include <string>
#include <utility>

#include "json_positions.hpp"
#include "number_text.hpp"
#include "smh/sim/attribute_names.hpp"

namespace smh::sim::detail {

namespace {


bool fail(std::size_t offset, std::string message, TextError* error) {
  error->offset = offset;
  error->path.clear();
  error->message = std::move(message);
  return false;
}

}  // namespace

bool type_error(const JsonText& text, const JsonSpan& span, std::string_view expected, TextError* error) {
  return fail(span.begin, "expected " + std::string(expected) + ", got " + text.describe(span), error);
}

bool read_integer(const JsonText& text, const JsonSpan& span, std::string_view what, std::uint64_t max,
                  std::uint64_t* out, TextError* error) {
  const std::string_view raw = text.raw(span);
  if (span.kind == JsonKind::integer && raw[0] != '-') {
    // Up to 19 digits cannot overflow: the per-digit check (a division) is
    // only paid for longer numbers.
    constexpr std::size_t safe_digits = std::numeric_limits<std::uint64_t>::digits10;
    std::uint64_t value = 0;
    bool overflow = false;
    for (const char c : raw) {
      const auto digit = static_cast<std::uint64_t>(c - '0');
      overflow = overflow ||
                 (raw.size() > safe_digits && value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10);
      value = value * 10 + digit;
    }
    if (overflow) {
      return fail(span.begin, std::string(what) + " " + excerpt(raw) + " does not fit in 64 bits", error);
    }
    if (value > max) {
      return fail(span.begin, std::string(what) + " " + std::to_string(value) + " is out of range (at most " +
                                  std::to_string(max) + ")",
                  error);
    }
    *out = value;
    return true;
  }
  if (span.kind == JsonKind::integer) {
    return fail(span.begin, std::string(what) + " must not be negative, got " + excerpt(raw), error);
  }
  return fail(span.begin, std::string(what) + " must be an integer, got " + excerpt(raw), error);
}

bool read_size(const JsonText& text, const JsonSpan& span, std::uint64_t max, std::uint64_t* out, TextError* error,
               std::string_view what) {
  std::uint64_t result = 0;
  if (span.kind == JsonKind::integer || span.kind == JsonKind::number) {
    if (!read_integer(text, span, what, std::numeric_limits<std::uint64_t>::max(), &result, error)) {
      return false;
    }
  } else if (span.kind == JsonKind::string) {
    std::string scratch;
    const std::string_view number = text.string_value(span, &scratch);
    const std::string why = parse_number_text(number, true, &result);
    if (!why.empty()) {
      return fail(span.begin, "bad " + std::string(what) + " " + json_quoted(number) + ": " + why, error);
    }
  } else {
    return type_error(text, span, "a size (an integer or a string such as \"4K\")", error);
  }
  if (result > max) {
    return fail(span.begin,
                std::string(what) + " " + std::to_string(result) + " is out of range (at most " + std::to_string(max) + ")",
                error);
  }
  *out = result;
  return true;
}

bool read_attribute(const JsonText& text, const JsonSpan& span, MatchMode mode, std::uint32_t* out,
                    TextError* error) {
  if (span.kind == JsonKind::integer || span.kind == JsonKind::number) {
    std::uint64_t number = 0;
    if (!read_integer(text, span, "attr", std::numeric_limits<std::uint32_t>::max(), &number, error)) {
      return false;
    }
    *out = static_cast<std::uint32_t>(number);
    return true;
  }
  std::string scratch;
  if (mode == MatchMode::exact) {
    if (span.kind == JsonKind::array) {
      return fail(span.begin,
                  "a capability list needs pool.mode \"capability\"; in exact mode attr is an integer or one of: " +
                      attribute_names_list(exact_attribute_names),
                  error);
    }
    if (span.kind != JsonKind::string) {
      return type_error(text, span,
                        "an attribute (an integer or one of: " + attribute_names_list(exact_attribute_names) + ")",
                        error);
    }
    const std::string_view name = text.string_value(span, &scratch);
    for (const auto& [known, id] : exact_attribute_names) {
      if (name == known) {
        *out = id;
        return true;
      }
    }
    return fail(span.begin,
                "unknown attribute " + json_quoted(name) +
                    " (expected one of: " + attribute_names_list(exact_attribute_names) + ", or an integer)",
                error);
  }
  if (span.kind != JsonKind::array) {
    return type_error(text, span, "capabilities (an array of capability names, or an integer) in capability mode",
                      error);
  }
  // The array was scanned already: this second walk cannot meet a syntax error,
  // only elements that are not capability names (the first one is reported).
  std::uint32_t bits = 0;
  std::size_t index = 0;
  bool ok = true;
  JsonSpan array;
  TextError syntax;
  const bool scanned = text.scan_array(span.begin, 0, &array, &syntax, [&](const JsonSpan& element) {
    if (ok) {
      bool found = false;
      if (element.kind == JsonKind::string) {
        const std::string_view name = text.string_value(element, &scratch);
        for (const auto& [known, bit] : capability_names) {
          if (name == known) {
            bits |= bit;
            found = true;
          }
        }
        if (!found) {
          ok = fail(element.begin, "unknown capability " + json_quoted(name) +
                                       " (expected one of: " + attribute_names_list(capability_names) + ")",
                    error);
        }
      } else {
        ok = type_error(text, element, "a capability name", error);
      }
      if (!ok) {
        error->path = child_path("", index);
      }
    }
    ++index;
  });
  if (!scanned) {
    *error = syntax;
    return false;
  }
  if (!ok) {
    return false;
  }
  *out = bits;
  return true;
}

}  // namespace smh::sim::detail
