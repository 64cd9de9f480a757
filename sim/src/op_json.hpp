// One op as JSON text, in the op syntax of docs/scenario-format.md. parse_op is
// THE op parser (a scenario's inline ops and every trace line go through it) and
// append_op_json THE op writer (to_json and TraceWriter), so scenarios and traces
// cannot drift apart. Private to sim/src.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "json_scan.hpp"
#include "smh/pool_types.hpp"
#include "smh/sim/ops.hpp"

namespace smh::sim::detail {

// Parses the op object at `begin` (whitespace first); `mode` decides what
// attribute names mean. True with *out filled and *end one past the closing
// '}'. False with *error: a syntax error anywhere in the object is reported
// before any schema error, then schema errors in the order of the format (the
// op name, unknown keys, the handle, then the op's own keys). Duplicate keys:
// the last one wins, as in the rest of the format.
bool parse_op(const JsonText& text, std::size_t begin, MatchMode mode, Op* out, std::size_t* end, TextError* error);

// The trace reader's fast path: true, with *out, only when `line` is exactly
// what append_op_json writes for a plain alloc, realloc or free (no
// preference chain) with values parse_op accepts, so that *out is what
// parse_op would give. False means only "not that form": the caller then runs
// parse_op, which accepts or reports it. Nothing is scanned twice; a trace of
// such lines (every `smh import` output) costs a fraction of the full parse.
bool parse_canonical_op(std::string_view line, Op* out);

// Appends the canonical single-line form of `op`: keys in the order of the
// format, sizes and attributes as integers, optional keys only when not their
// default; a preference chain as "prefer" (alloc only). No newline.
void append_op_json(const Op& op, std::string* out);

}  // namespace smh::sim::detail
