// Typed values of the scenario format (docs/scenario-format.md) read from
// scanned JSON text (json_scan.hpp), with the format's messages: non-negative
// integers, sizes and attributes. The one implementation of each: ops
// (op_json.cpp) and the rest of a scenario (scenario_parser.cpp) both read
// through these. Errors point at the value (or at an element of an attribute
// list, with its relative path "[1]"). Private to sim/src.
#pragma once

#include <cstdint>
#include <string_view>

#include "json_scan.hpp"
#include "smh/pool_types.hpp"

namespace smh::sim::detail {

// "expected <expected>, got <what the span holds>", at the span.
bool type_error(const JsonText& text, const JsonSpan& span, std::string_view expected, TextError* error);

// A JSON number (the caller checked the kind) that must be a non-negative
// integer <= max; `what` names it in messages ("size", "handle").
bool read_integer(const JsonText& text, const JsonSpan& span, std::string_view what, std::uint64_t max,
                  std::uint64_t* out, TextError* error);

// A size: an integer, or a string such as "4K", "64KiB", "0x1000", "1_000".
// `what` names it in messages ("size", or an op's "offset", "length").
bool read_size(const JsonText& text, const JsonSpan& span, std::uint64_t max, std::uint64_t* out, TextError* error,
               std::string_view what = "size");

// An attribute: exact mode, an integer or cacheable|non_cacheable|external;
// capability mode, an integer or an array of capability names (OR-ed).
bool read_attribute(const JsonText& text, const JsonSpan& span, MatchMode mode, std::uint32_t* out,
                    TextError* error);

}  // namespace smh::sim::detail
