// to_json: a scenario as canonical JSON (the format of docs/scenario-format.md),
// which parse_scenario reads back to an equal Scenario.
#include <nlohmann/json.hpp>

#include "number_text.hpp"
#include "op_json.hpp"
#include "smh/sim/scenario_parser.hpp"

namespace smh::sim {

using detail::hex;

namespace {

// The names the parser reads for RegionSpec::role (its region_role_names).
const char* role_name(RegionRole role) {
  switch (role) {
    case RegionRole::small_requests: return "small";
    case RegionRole::large_requests: return "large";
    case RegionRole::any: break;
  }
  return "any";
}

}  // namespace

std::string to_json(const Scenario& scenario) {
  using ojson = nlohmann::ordered_json;
  ojson root;
  root["format_version"] = scenario.format_version;
  root["name"] = scenario.name;
  if (!scenario.description.empty()) {
    root["description"] = scenario.description;
  }
  root["seed"] = scenario.seed;
  ojson regions = ojson::array();
  for (const RegionSpec& spec : scenario.machine.regions) {
    ojson region;
    region["name"] = spec.name;
    region["base"] = hex(spec.base);
    region["size"] = spec.size_bytes;
    region["attr"] = spec.attr;
    region["cache"] = to_string(spec.cache_policy);
    region["line_bytes"] = spec.line_bytes;
    region["dma"] = spec.dma_capable;
    region["reserved"] = spec.reserved;
    region["role"] = role_name(spec.role);
    regions.push_back(std::move(region));
  }
  root["machine"]["regions"] = std::move(regions);
  const PoolConfig& pool = scenario.machine.pool;
  root["pool"]["mode"] = pool.mode == MatchMode::exact ? "exact" : "capability";
  root["pool"]["policy"] = to_string(pool.policy);
  root["pool"]["size_threshold"] = pool.size_threshold_bytes;
  if (scenario.swarm) {
    root["faults"] = "swarm";
  } else if (scenario.faults.any()) {
    for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
      if (scenario.faults.rate_ppm[kind] != 0) {
        root["faults"][to_string(static_cast<FaultKind>(kind))] = scenario.faults.rate_ppm[kind];
      }
    }
  }
  if (scenario.cache_noise_ppm != 0) {
    root["cache_noise_ppm"] = scenario.cache_noise_ppm;
  }
  if (scenario.trace) {
    root["trace"] = *scenario.trace;
  } else {
    // Each op as the one op writer (op_json.hpp) writes it for traces too.
    ojson ops = ojson::array();
    std::string line;
    for (const Op& op : scenario.ops) {
      line.clear();
      detail::append_op_json(op, &line);
      ops.push_back(ojson::parse(line));
    }
    root["ops"] = std::move(ops);
  }
  const Expectations& expect = scenario.expect;
  ojson expectations = ojson::object();
  const auto names = [](const std::vector<Check>& checks) {
    ojson list = ojson::array();
    for (const Check check : checks) {
      list.push_back(to_string(check));
    }
    return list;
  };
  if (!expect.findings_required.empty()) {
    expectations["findings_required"] = names(expect.findings_required);
  }
  if (!expect.findings_allowed.empty()) {
    expectations["findings_allowed"] = names(expect.findings_allowed);
  }
  if (expect.max_failed_allocs) {
    expectations["max_failed_allocs"] = *expect.max_failed_allocs;
  }
  if (expect.max_f_ext) {
    expectations["max_f_ext"] = *expect.max_f_ext;
  }
  if (expect.max_footprint_overhead) {
    expectations["max_footprint_overhead"] = *expect.max_footprint_overhead;
  }
  if (expect.golden_digest) {
    expectations["golden_digest"] = hex(*expect.golden_digest);
  }
  if (!expectations.empty()) {
    root["expect"] = std::move(expectations);
  }
  return root.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace smh::sim
