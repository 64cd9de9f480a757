#include "reproduce.hpp"

#include "text_format.hpp"

namespace smh::cli {

std::string reproduce_command(const sim::RunInputs& inputs) {
  std::string command = inputs.replay ? "smh replay --machine " + shell_quote(inputs.scenario_path) + " " +
                                            shell_quote(inputs.trace_path)
                                      : "smh run " + shell_quote(inputs.scenario_path);
  if (inputs.loaded) {
    command += " --seed " + std::to_string(inputs.seed);
    command += " --policy ";
    command += to_string(inputs.machine.pool.policy);
  }
  if (!inputs.checks) {
    command += " --no-checks";
  }
  return command;
}

}  // namespace smh::cli
