// Reading a whole input file (a scenario, a machine description, a baseline
// report) with a bound: every input smh reads whole is capped, so that
// `smh run /dev/zero` or a 10 GiB file is refused with exit 2 instead of
// filling memory, and only regular files are read, so that a FIFO with no
// writer is refused instead of hanging forever.
#pragma once

#include <cstdint>
#include <string>

namespace smh::sim {

// The default bound on a file read whole (the --max-input-bytes flag).
inline constexpr std::uint64_t default_max_input_bytes = std::uint64_t{64} << 20;

// Reads `path` into *text: false with *error ("cannot read the file: it is a
// FIFO, not a regular file", "the file is 70000000 bytes, more than the limit of
// 67108864 (raise it with --max-input-bytes)"; the caller prefixes the path)
// when it is not a regular
// file, cannot be opened or read, or holds more than max_bytes. Never blocks on
// a FIFO or a device (the open does not wait for a writer).
bool read_bounded_file(const std::string& path, std::uint64_t max_bytes, std::string* text, std::string* error);

// Asked of the name, without opening it (which could wait for ever on a FIFO):
// "" when `path` is a regular file or cannot be looked up (opening it will then
// say why), else "it is a FIFO, not a regular file" and the like. For files
// that are streamed rather than read whole (traces).
std::string not_a_regular_file(const std::string& path);

}  // namespace smh::sim
