// The smh command. Today it has one subcommand, `demo`; the scenario runner
// (run, check, replay, ...) arrives with the simulator.
#include <CLI/CLI.hpp>

#include "demo.hpp"

int main(int argc, char** argv) {
  CLI::App app{"smh: shared multi-heap allocator and its simulation harness"};
  app.require_subcommand(1);

  CLI::App* demo = app.add_subcommand(
      "demo", "Run a fixed sequence of heap operations over a 64 KiB region and print what happened");

  CLI11_PARSE(app, argc, argv);

  if (demo->parsed()) {
    return smh::cli::run_demo();
  }
  return 0;
}
