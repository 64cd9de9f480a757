// Warnings for a pool configuration that is silently ineffective on its
// machine: a size_threshold policy without a threshold or without regions of
// either role, and a policy that cannot place differently from first_fit
// because no attribute has two regions to choose between. smh run, replay and
// compare print them; none changes what runs.
#pragma once

#include <string>
#include <vector>

#include "smh/sim/executor.hpp"

namespace smh::cli {

std::vector<std::string> configuration_warnings(const sim::MachineConfig& machine);

// Whether some request could be served by two regions of the machine: in exact
// mode two non-reserved regions share an attribute; in capability mode two
// non-reserved regions exist (a request for no capability, or for their
// common ones, matches both).
bool regions_compete(const sim::MachineConfig& machine);

}  // namespace smh::cli
