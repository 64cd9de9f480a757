// Small text helpers shared by the summaries and reports: numbers, attribute
// names, shell quoting. Every output they produce is a pure function of the
// value (no locale, no host state), so reports stay byte-identical.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "smh/pool_types.hpp"

namespace smh::cli {

// "0x" and lower-case hex digits, no padding: 0x0, 0x1f.
std::string hex(std::uint64_t value);
// A fixed number of decimals, "C" locale: fixed(0.25, 3) == "0.250".
std::string fixed(double value, int decimals);
// An attribute as a scenario writes it: exact mode "cacheable", "non_cacheable",
// "external" or the id; capability mode the bit names joined by '|' (unnamed
// bits as hex), "none" for 0.
std::string attribute_name(MatchMode mode, std::uint32_t attr);
// `text` as one POSIX shell word: unchanged when it is made of safe characters,
// else single-quoted; with a control character in it, bash's $'...' form with
// that character as \xNN, so that the word can be printed and pasted.
std::string shell_quote(std::string_view text);
// `text` safe to print on a terminal: every control character (C0, DEL and, in
// UTF-8, C1) written as \xNN or \u00NN, so that a name holding NUL, ESC, CR or
// LF can neither cut a line short, clear or retitle the terminal, nor forge an
// output line. Everything else (UTF-8 text included) is unchanged. Every
// human-readable output applies it to what comes from the input (names, paths,
// messages that quote them).
std::string printable(std::string_view text);

}  // namespace smh::cli
