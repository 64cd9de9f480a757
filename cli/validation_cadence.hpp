// --validate-every, shared by run, replay and check: the cadence of the deep
// check (the pool's full validate(), HEAP_VALIDATE).
//   auto  every 1024 ops, the interval growing to 8 ops per live block, so the
//         sweep stays a small share of the run (the default)
//   K     exactly every K ops (K >= 1)
//   off   only at the end of the run
#pragma once

#include <string>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

inline constexpr const char* validate_every_help =
    "Full heap validation: 'auto' (every 1024 ops, 8 per live block beyond), every K ops, or 'off' (at the end only)";

// Sets runner->validate_every_ops and validate_scales_with_blocks from `text`;
// false with *error set when it is none of the forms above.
bool apply_validate_every(const std::string& text, sim::RunnerOptions* runner, std::string* error);

}  // namespace smh::cli
