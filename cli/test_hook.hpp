// SMH_TEST_HOOK: a hook for smh's own tests, which must show that `smh check`
// survives a scenario whose run crashes, aborts or hangs. No scenario can make
// the simulator do that on purpose, so the tests ask for it from outside:
//
//   SMH_TEST_HOOK=ACTION:NAME   for every scenario whose "name" is NAME, once
//                               its machine is built and before its first op:
//     segv    write a byte on the guard page after the first region's CPU view
//             (the stray write of an allocator gone wrong; memory_map.hpp)
//     abort   std::abort()
//     hang    sleep for ever (until the time limit kills it)
//
// It is read by run, replay and check (so that the reproduce line of a run it
// crashed reproduces it). Unset, it does nothing; documented in README.md.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

using RunStartHook = std::function<void(const sim::RunInputs&, sim::Executor&)>;

// The hook SMH_TEST_HOOK asks for (empty when unset), or nullopt and *error
// for a value that is not ACTION:NAME with a known action.
std::optional<RunStartHook> test_hook_from_environment(std::string* error);

}  // namespace smh::cli
