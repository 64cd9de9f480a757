// The tests draw from the simulator's deterministic generator (smh/sim/prng.hpp,
// the header-only smh_prng target: no simulator linked): one implementation of
// the PRNG for the whole project.
#pragma once

#include "smh/sim/prng.hpp"

namespace smh::test {

using Prng = smh::sim::Rng;

}  // namespace smh::test
