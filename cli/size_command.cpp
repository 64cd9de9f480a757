#include "size_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "html_report.hpp"
#include "input_files.hpp"
#include "output_paths.hpp"
#include "region_sizing.hpp"
#include "report_json.hpp"
#include "smh/assert.hpp"
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
    const sim::RunSummary summary = executor->summary();
    out->region_high_water_bytes.resize(summary.regions.size(), 0);
    for (std::size_t region = 0; region < summary.regions.size(); ++region) {
      out->region_high_water_bytes[region] =
          std::max(out->region_high_water_bytes[region], summary.regions[region].stats.high_water_bytes);
    }
    return true;
  }

  const sim::MachineConfig& machine_;
  std::uint64_t seed_;
  const std::vector<std::string>& traces_;
};

// The regions of each attribute, ascending by attribute value, as groups whose
// proportions are the machine's own sizes.
std::vector<SizingGroup> attribute_groups(const sim::MachineConfig& machine) {
  std::map<std::uint32_t, SizingGroup> by_attr;
  for (std::size_t region = 0; region < machine.regions.size(); ++region) {
    SizingGroup& group = by_attr[machine.regions[region].attr];
    group.regions.push_back(region);
    group.weight_bytes.push_back(machine.regions[region].size_bytes);
  }
  std::vector<SizingGroup> groups;
  for (auto& [attr, group] : by_attr) {
    groups.push_back(std::move(group));
  }
  return groups;
}

// Sums `bytes` (machine order) over each group's regions.
std::vector<std::uint64_t> group_sums(const std::vector<SizingGroup>& groups, const std::vector<std::uint64_t>& bytes) {
  std::vector<std::uint64_t> sums;
  for (const SizingGroup& group : groups) {
    std::uint64_t sum = 0;
    for (const std::size_t region : group.regions) {
      sum += region < bytes.size() ? bytes[region] : 0;
    }
    sums.push_back(sum);
  }
  return sums;
}

// The trial of one budget per group: the regions at their shares of it, and a
// group failed when any of its regions did.
SizingTrial group_trial(const TraceTrials& trials, const std::vector<SizingGroup>& groups, std::size_t region_count,
                        const std::vector<std::uint64_t>& budget_bytes) {
  SizingTrial trial = trials(group_region_sizes(groups, budget_bytes, region_count, Heap::min_region_bytes));
  if (!trial.region_failed.empty()) {
    std::vector<bool> failed;
    for (const SizingGroup& group : groups) {
      bool any = false;
      for (const std::size_t region : group.regions) {
        any = any || (region < trial.region_failed.size() && trial.region_failed[region]);
      }
      failed.push_back(any);
    }
    trial.region_failed = std::move(failed);
  }
  return trial;
}

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
  std::vector<std::string> inputs = {options.machine_path};
  inputs.insert(inputs.end(), options.trace_paths.begin(), options.trace_paths.end());
  const std::string clash = output_clash(
      {{"-o", options.output_path}, {"--report", options.report_path}, {"--html", options.html_path}}, inputs);
  if (!clash.empty()) {
    return bad_input(clash);
  }
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
  const bool per_attribute = options.scale == "attribute";
  if (!per_attribute && options.scale != "region") {
    return bad_input("--scale: '" + options.scale + "' is not region or attribute");
  }
  const sim::MachineConfig& machine = scenario.machine;
  const std::size_t region_count = machine.regions.size();
  std::vector<std::uint64_t> start;
  for (const sim::RegionSpec& region : machine.regions) {
    start.push_back(region.size_bytes);
  }
  SizingLimits limits;
  limits.min_region_bytes = Heap::min_region_bytes;
  limits.max_region_bytes = std::min<std::uint64_t>(options.max_region_bytes, Heap::max_region_bytes);
  const TraceTrials trials(machine, scenario.seed, options.trace_paths);
  const std::vector<SizingGroup> groups = attribute_groups(machine);
  SizingResult result;
  std::vector<std::uint64_t> needed;
  if (per_attribute) {
    // The variables are the attributes' budgets; --max-region-bytes bounds each.
    const SizingTrialFn by_budget = [&](const std::vector<std::uint64_t>& budget_bytes) {
      return group_trial(trials, groups, region_count, budget_bytes);
    };
    result = size_regions(group_sums(groups, start), limits, by_budget);
    if (result.ok) {
      needed = group_region_sizes(groups, result.sizes_bytes, region_count, Heap::min_region_bytes);
    }
  } else {
    result = size_regions(start, limits, std::cref(trials));
    needed = result.sizes_bytes;
  }
  if (!result.ok) {
    return bad_input(options.machine_path + ": " + result.error);
  }

  std::vector<std::uint64_t> sized;
  for (const std::uint64_t bytes : needed) {
    sized.push_back(with_headroom(bytes, options.headroom_percent));
  }
  // The sized machine must still be a machine (regions grown into their
  // neighbours are not) and still hold the traces: one last replay says both,
  // and measures the high water marks the report gives.
  const SizingTrial check = trials(sized);
  if (!check.error.empty() || !check.passed) {
    return bad_input(options.machine_path + ": the sized machine (needed plus " +
                     fixed(options.headroom_percent, 1) + " % headroom) " +
                     (check.error.empty() ? std::string("fails the traces")
                                          : "cannot run: " + check.error + " (move the bases apart, or ask for "
                                                                           "less headroom)"));
  }
  SMH_ASSERT(check.region_high_water_bytes.size() == region_count);

  std::string text = "smh size " + options.machine_path + ": " + std::to_string(options.trace_paths.size()) +
                     (options.trace_paths.size() == 1 ? " trace" : " traces") + ", policy " +
                     to_string(machine.pool.policy) + ", " + std::to_string(result.trials) + " replays" +
                     (per_attribute ? ", each attribute's regions scaled together" : "") + "\n";
  TextTable table({"region", "attr", "current", "needed", "sized", "change"},
                  {Align::left, Align::left, Align::right, Align::right, Align::right, Align::right});
  Json regions = Json::array();
  for (std::size_t region = 0; region < region_count; ++region) {
    const sim::RegionSpec& spec = machine.regions[region];
    table.add_row({spec.name, attribute_name(machine.pool.mode, spec.attr), std::to_string(start[region]),
                   std::to_string(needed[region]), std::to_string(sized[region]),
                   signed_bytes(start[region], sized[region])});
    Json row = Json::object();
    row["name"] = spec.name;
    row["attr"] = attribute_name(machine.pool.mode, spec.attr);
    row["current_bytes"] = start[region];
    row["needed_bytes"] = needed[region];
    row["sized_bytes"] = sized[region];
    row["high_water_bytes"] = check.region_high_water_bytes[region];
    regions.push_back(std::move(row));
  }
  text += table.render("  ");
  // Per attribute: the sums over its regions (the answer to "how much
  // non-cacheable RAM do I need?").
  const std::vector<std::uint64_t> current_sums = group_sums(groups, start);
  const std::vector<std::uint64_t> needed_sums = group_sums(groups, needed);
  const std::vector<std::uint64_t> sized_sums = group_sums(groups, sized);
  const std::vector<std::uint64_t> high_water_sums = group_sums(groups, check.region_high_water_bytes);
  TextTable attributes_table({"attr", "regions", "current", "needed", "sized", "change"},
                             {Align::left, Align::right, Align::right, Align::right, Align::right, Align::right});
  Json attributes = Json::array();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string name = attribute_name(machine.pool.mode, machine.regions[groups[g].regions.front()].attr);
    attributes_table.add_row({name, std::to_string(groups[g].regions.size()), std::to_string(current_sums[g]),
                              std::to_string(needed_sums[g]), std::to_string(sized_sums[g]),
                              signed_bytes(current_sums[g], sized_sums[g])});
    Json row = Json::object();
    row["attr"] = name;
    Json names = Json::array();
    for (const std::size_t region : groups[g].regions) {
      names.push_back(machine.regions[region].name);
    }
    row["regions"] = std::move(names);
    row["current_bytes"] = current_sums[g];
    row["needed_bytes"] = needed_sums[g];
    row["sized_bytes"] = sized_sums[g];
    row["high_water_bytes"] = high_water_sums[g];
    attributes.push_back(std::move(row));
  }
  if (per_attribute) {
    text += "per attribute\n" + attributes_table.render("  ");
    text += "needed: each attribute's smallest budget, shared by its regions in the proportions of their current "
            "sizes, at which every trace replays without a failed allocation (one granule less of any attribute's "
            "budget fails); sized: needed plus " +
            fixed(options.headroom_percent, 1) + " % headroom\n";
  } else {
    text += "needed: the smallest size at which every trace replays without a failed allocation, the other regions "
            "as needed (one granule less fails); sized: needed plus " +
            fixed(options.headroom_percent, 1) + " % headroom\n";
  }
  std::fputs(text.c_str(), stdout);

  if (!options.report_path.empty() || !options.html_path.empty()) {
    Json report = Json::object();
    report["report"] = "smh-size";
    report["report_version"] = 1;
    report["machine"] = options.machine_path;
    Json traces = Json::array();
    for (const std::string& path : options.trace_paths) {
      traces.push_back(path);
    }
    report["traces"] = std::move(traces);
    report["policy"] = to_string(machine.pool.policy);
    report["scale"] = per_attribute ? "attribute" : "region";
    report["headroom_percent"] = options.headroom_percent;
    report["replays"] = result.trials;
    report["regions"] = std::move(regions);
    report["attributes"] = std::move(attributes);
    if (!options.report_path.empty() &&
        !write_text_file(options.report_path, report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n",
                         &error)) {
      return bad_input("--report: " + error);
    }
    if (!options.html_path.empty() && !write_text_file(options.html_path, render_size_html(report), &error)) {
      return bad_input("--html: " + error);
    }
  }
  if (!options.output_path.empty()) {
    for (std::size_t region = 0; region < region_count; ++region) {
      scenario.machine.regions[region].size_bytes = sized[region];
    }
    if (!write_text_file(options.output_path, sim::to_json(scenario), &error)) {
      return bad_input("-o: " + error);
    }
  }
  return 0;
}

}  // namespace smh::cli
