#include "size_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "input_files.hpp"
#include "region_sizing.hpp"
#include "report_json.hpp"
#include "smh/heap.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/scenario_parser.hpp"
#include "smh/sim/trace.hpp"
#include "text_format.hpp"
#include "text_table.hpp"

namespace smh::cli {

namespace {

using Align = TextTable::Align;

int bad_input(const std::string& message) {
  std::fprintf(stderr, "smh size: %s\n", message.c_str());
  return 2;
}

// "sram0 262144, psram 8388608": the sizes a trial tried, for its errors.
std::string sizes_text(const sim::MachineConfig& machine) {
  std::string out;
  for (const sim::RegionSpec& region : machine.regions) {
    out += (out.empty() ? "" : ", ") + region.name + " " + std::to_string(region.size_bytes);
  }
  return out;
}

// Replays every trace on `machine` with the regions at `sizes_bytes`, each on
// a fresh machine, as a fast replay (no checks, no faults: the question is
// capacity), and stops at the first failed allocation.
class TraceTrials {
 public:
  TraceTrials(const sim::MachineConfig& machine, std::uint64_t seed, const std::vector<std::string>& traces)
      : machine_(machine), seed_(seed), traces_(traces) {}

  SizingTrial operator()(const std::vector<std::uint64_t>& sizes_bytes) const {
    SizingTrial out;
    out.passed = true;
    sim::MachineConfig machine = machine_;
    for (std::size_t region = 0; region < sizes_bytes.size(); ++region) {
      machine.regions[region].size_bytes = sizes_bytes[region];
    }
    for (const std::string& path : traces_) {
      if (!replay(machine, path, &out) || !out.passed) {
        return out;
      }
    }
    return out;
  }

 private:
  static constexpr std::size_t chunk_ops = 1024;

  bool replay(const sim::MachineConfig& machine, const std::string& path, SizingTrial* out) const {
    sim::ExecutorOptions options;
    options.check_invariants = false;
    options.keep_events = false;
    std::string error;
    std::unique_ptr<sim::Executor> executor = sim::Executor::create(machine, options, seed_, &error);
    if (!executor) {
      out->error = "the machine at sizes " + sizes_text(machine) + ": " + error;
      return false;
    }
    sim::TraceError trace_error;
    std::unique_ptr<sim::TraceReader> reader = sim::TraceReader::open(path, machine.pool.mode, &trace_error);
    if (!reader) {
      out->error = trace_error.to_string();
      return false;
    }
    std::vector<sim::Op> chunk;
    chunk.reserve(chunk_ops);
    bool more = true;
    while (more) {
      chunk.clear();
      sim::Op op;
      while (chunk.size() < chunk_ops && (more = reader->next(&op, &trace_error))) {
        chunk.push_back(op);
      }
      if (!trace_error.message.empty()) {
        out->error = trace_error.to_string();
        return false;
      }
      if (!executor->apply_all(chunk, &error)) {
        out->error = path + ": " + error;
        return false;
      }
      const sim::RunSummary summary = executor->summary();
      if (summary.failed_allocs != 0) {
        out->passed = false;
        for (const sim::RegionSummary& region : summary.regions) {
          out->region_failed.push_back(region.requests.failed_allocs != 0);
        }
        return true;
      }
    }
    return true;
  }

  const sim::MachineConfig& machine_;
  std::uint64_t seed_;
  const std::vector<std::string>& traces_;
};

std::uint64_t with_headroom(std::uint64_t bytes, double percent) {
  const double grown = std::ceil(static_cast<double>(bytes) * (1.0 + percent / 100.0));
  const auto whole = static_cast<std::uint64_t>(grown);
  return (whole + sizing_granule_bytes - 1) / sizing_granule_bytes * sizing_granule_bytes;
}

std::string signed_bytes(std::uint64_t from, std::uint64_t to) {
  return to >= from ? "+" + std::to_string(to - from) : "-" + std::to_string(from - to);
}

}  // namespace

int size_command(const SizeCommandOptions& options) {
  sim::Scenario scenario;
  std::string error;
  if (!load_machine_file(options.machine_path, options.max_input_bytes, &scenario, &error)) {
    return bad_input(error);
  }
  // Every trial replays every trace: each must be a file that can be read again.
  for (const std::string& path : options.trace_paths) {
    if (const std::string refusal = trace_file_refusal(path); !refusal.empty()) {
      return bad_input(refusal);
    }
  }
  if (options.policy) {
    Policy policy{};
    if (!parse_policy(options.policy->c_str(), &policy)) {
      return bad_input("--policy: unknown policy '" + *options.policy + "'");
    }
    scenario.machine.pool.policy = policy;
  }
  if (!(options.headroom_percent >= 0 && options.headroom_percent <= 1000)) {
    return bad_input("--headroom: expected a percentage from 0 to 1000");
  }
  std::vector<std::uint64_t> start;
  for (const sim::RegionSpec& region : scenario.machine.regions) {
    start.push_back(region.size_bytes);
  }
  SizingLimits limits;
  limits.min_region_bytes = Heap::min_region_bytes;
  limits.max_region_bytes = std::min<std::uint64_t>(options.max_region_bytes, Heap::max_region_bytes);
  const TraceTrials trials(scenario.machine, scenario.seed, options.trace_paths);
  const SizingResult result = size_regions(start, limits, std::cref(trials));
  if (!result.ok) {
    return bad_input(options.machine_path + ": " + result.error);
  }

  std::vector<std::uint64_t> sized;
  for (const std::uint64_t bytes : result.sizes_bytes) {
    sized.push_back(with_headroom(bytes, options.headroom_percent));
  }
  // The sized machine must still be a machine (regions grown into their
  // neighbours are not) and still hold the traces: one last replay says both.
  const SizingTrial check = trials(sized);
  if (!check.error.empty() || !check.passed) {
    return bad_input(options.machine_path + ": the sized machine (needed plus " +
                     fixed(options.headroom_percent, 1) + " % headroom) " +
                     (check.error.empty() ? std::string("fails the traces")
                                          : "cannot run: " + check.error + " (move the bases apart, or ask for "
                                                                           "less headroom)"));
  }

  std::string text = "smh size " + options.machine_path + ": " + std::to_string(options.trace_paths.size()) +
                     (options.trace_paths.size() == 1 ? " trace" : " traces") + ", policy " +
                     to_string(scenario.machine.pool.policy) + ", " + std::to_string(result.trials) +
                     " replays\n";
  TextTable table({"region", "attr", "current", "needed", "sized", "change"},
                  {Align::left, Align::left, Align::right, Align::right, Align::right, Align::right});
  for (std::size_t region = 0; region < sized.size(); ++region) {
    const sim::RegionSpec& spec = scenario.machine.regions[region];
    table.add_row({spec.name, attribute_name(scenario.machine.pool.mode, spec.attr), std::to_string(start[region]),
                   std::to_string(result.sizes_bytes[region]), std::to_string(sized[region]),
                   signed_bytes(start[region], sized[region])});
  }
  text += table.render("  ");
  text += "needed: the smallest size at which every trace replays without a failed allocation, the other regions "
          "as needed (one granule less fails); sized: needed plus " +
          fixed(options.headroom_percent, 1) + " % headroom\n";
  std::fputs(text.c_str(), stdout);

  if (!options.output_path.empty()) {
    for (std::size_t region = 0; region < sized.size(); ++region) {
      scenario.machine.regions[region].size_bytes = sized[region];
    }
    if (!write_text_file(options.output_path, sim::to_json(scenario), &error)) {
      return bad_input("-o: " + error);
    }
  }
  return 0;
}

}  // namespace smh::cli
