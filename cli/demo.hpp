#pragma once

namespace smh::cli {

// `smh demo`: one smh::Heap over a static 64 KiB region, a fixed sequence of
// calls, each printed with the offsets it produced, then stats, a region map and
// validate(). Returns the process exit code: 0 when every step behaved and the
// heap validates, 1 otherwise.
int run_demo();

}  // namespace smh::cli
