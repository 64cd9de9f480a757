// The command lines of `smh swarm` and `smh merge` (CLI11), apart from main.cpp
// so that main stays a list of commands.
#pragma once

#include <CLI/CLI.hpp>

#include "merge_command.hpp"
#include "swarm_command.hpp"

namespace smh::cli {

CLI::App* add_swarm_command(CLI::App& app, SwarmCommandOptions* options);
CLI::App* add_merge_command(CLI::App& app, MergeCommandOptions* options);

}  // namespace smh::cli
