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

using ojson = nlohmann::ordered_json;

// "machine": its regions, each with every field written.
ojson machine_json(const MachineConfig& machine) {
  ojson regions = ojson::array();
  for (const RegionSpec& spec : machine.regions) {
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
  ojson result;
  result["regions"] = std::move(regions);
  return result;
}

// "pool"; "attribute_policies" only when some attribute has its own policy.
ojson pool_json(const MachineConfig& machine) {
  const PoolConfig& pool = machine.pool;
  ojson result;
  result["mode"] = pool.mode == MatchMode::exact ? "exact" : "capability";
  result["policy"] = to_string(pool.policy);
  result["size_threshold"] = pool.size_threshold_bytes;
  for (const AttributePolicy& own : machine.attribute_policies) {
    result["attribute_policies"].push_back(ojson{{"attr", own.attr}, {"policy", to_string(own.policy)}});
  }
  return result;
}

// "faults" (absent when none): "swarm", or the rate of each kind injected.
void add_faults(const Scenario& scenario, ojson* root) {
  if (scenario.swarm) {
    (*root)["faults"] = "swarm";
  } else if (scenario.faults.any()) {
    for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
      if (scenario.faults.rate_ppm[kind] != 0) {
        (*root)["faults"][to_string(static_cast<FaultKind>(kind))] = scenario.faults.rate_ppm[kind];
      }
    }
  }
}

// Each op as the one op writer (op_json.hpp) writes it for traces too.
ojson ops_json(const std::vector<Op>& ops) {
  ojson result = ojson::array();
  std::string line;
  for (const Op& op : ops) {
    line.clear();
    detail::append_op_json(op, &line);
    result.push_back(ojson::parse(line));
  }
  return result;
}

ojson check_names(const std::vector<Check>& checks) {
  ojson list = ojson::array();
  for (const Check check : checks) {
    list.push_back(to_string(check));
  }
  return list;
}

// "expect": only the expectations the scenario states (an empty object when none).
ojson expectations_json(const Expectations& expect) {
  ojson expectations = ojson::object();
  if (!expect.findings_required.empty()) {
    expectations["findings_required"] = check_names(expect.findings_required);
  }
  if (!expect.findings_allowed.empty()) {
    expectations["findings_allowed"] = check_names(expect.findings_allowed);
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
  return expectations;
}

}  // namespace

std::string to_json(const Scenario& scenario) {
  ojson root;
  root["format_version"] = scenario.format_version;
  root["name"] = scenario.name;
  if (!scenario.description.empty()) {
    root["description"] = scenario.description;
  }
  root["seed"] = scenario.seed;
  root["machine"] = machine_json(scenario.machine);
  root["pool"] = pool_json(scenario.machine);
  add_faults(scenario, &root);
  if (scenario.cache_noise_ppm != 0) {
    root["cache_noise_ppm"] = scenario.cache_noise_ppm;
  }
  if (scenario.trace) {
    root["trace"] = *scenario.trace;
  } else {
    root["ops"] = ops_json(scenario.ops);
  }
  if (ojson expectations = expectations_json(scenario.expect); !expectations.empty()) {
    root["expect"] = std::move(expectations);
  }
  return root.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

}  // namespace smh::sim
