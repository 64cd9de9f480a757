#include "swarm_report.hpp"

#include <cinttypes>
#include <cstdio>
#include <string>

#include "report_reading.hpp"
#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {
namespace {

std::string hex(std::uint64_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%016" PRIx64, value);
  return text;
}

std::uint64_t hex_member(const nlohmann::ordered_json& object, const std::string& path, const char* key) {
  const std::string text = string_member(object, path, key);
  const std::optional<std::uint64_t> value = sim::parse_seed(text);
  if (!value) {
    throw ReportShapeError{path + "." + key, "expected a 64-bit value written \"0x...\", got \"" + text + "\""};
  }
  return *value;
}

nlohmann::ordered_json result_json(const SeedResult& result) {
  nlohmann::ordered_json json;
  json["seed"] = result.seed;
  json["ops"] = result.ops;
  json["digest"] = hex(result.digest);
  json["failed_allocs"] = result.failed_allocs;
  json["injections"] = result.injections;
  json["failure"] = result.failure;
  if (!result.check.empty()) {
    json["check"] = result.check;
    json["at_op"] = result.at_op;
  }
  if (!result.detail.empty()) {
    json["detail"] = result.detail;
  }
  return json;
}

SeedResult result_from_json(const nlohmann::ordered_json& json, const std::string& path) {
  SeedResult result;
  result.seed = count_member(json, path, "seed");
  result.ops = count_member(json, path, "ops");
  result.digest = hex_member(json, path, "digest");
  result.failed_allocs = count_member(json, path, "failed_allocs");
  result.injections = count_member(json, path, "injections");
  result.failure = string_member(json, path, "failure");
  if (json.contains("check")) {
    result.check = string_member(json, path, "check");
    result.at_op = count_member(json, path, "at_op");
  }
  if (json.contains("detail")) {
    result.detail = string_member(json, path, "detail");
  }
  return result;
}

}  // namespace

std::uint64_t failure_count(const SwarmReport& report) {
  std::uint64_t failures = 0;
  for (const SeedResult& result : report.results) {
    failures += result.failure.empty() ? 0 : 1;
  }
  return failures;
}

nlohmann::ordered_json to_json(const SwarmReport& report) {
  nlohmann::ordered_json json;
  json["format"] = "smh-swarm-report";
  json["format_version"] = 1;
  json["machine"] = {{"name", report.machine_name}, {"hash", hex(report.machine_hash)}};
  json["ops_per_seed"] = report.ops_per_seed;
  json["seeds"] = {{"first", report.first_seed}};
  json["seeds"]["last"] = report.last_seed ? nlohmann::ordered_json(*report.last_seed) : nlohmann::ordered_json();
  json["shard"] = {{"index", report.shard_index}, {"count", report.shard_count}};
  std::uint64_t ops = 0;
  std::uint64_t injections = 0;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const SeedResult& result : report.results) {
    ops += result.ops;
    injections += result.injections;
    results.push_back(result_json(result));
  }
  json["totals"] = {{"seeds", report.results.size()},
                    {"failures", failure_count(report)},
                    {"ops", ops},
                    {"injections", injections}};
  json["results"] = std::move(results);
  json["timings"] = {{"wall_seconds", report.timings.wall_seconds},
                     {"cpu_seconds", report.timings.cpu_seconds},
                     {"jobs", report.timings.jobs}};
  return json;
}

SwarmReport swarm_report_from_json(const nlohmann::ordered_json& json) {
  if (!json.is_object() || string_member(json, "$", "format") != "smh-swarm-report") {
    throw ReportShapeError{"$.format", "not an smh swarm report (expected \"smh-swarm-report\")"};
  }
  if (count_member(json, "$", "format_version") != 1) {
    throw ReportShapeError{"$.format_version", "unknown version (this smh reads 1)"};
  }
  SwarmReport report;
  const nlohmann::ordered_json& machine = member(json, "$", "machine");
  report.machine_name = string_member(machine, "$.machine", "name");
  report.machine_hash = hex_member(machine, "$.machine", "hash");
  report.ops_per_seed = count_member(json, "$", "ops_per_seed");
  const nlohmann::ordered_json& seeds = member(json, "$", "seeds");
  report.first_seed = count_member(seeds, "$.seeds", "first");
  if (!member(seeds, "$.seeds", "last").is_null()) {
    report.last_seed = count_member(seeds, "$.seeds", "last");
  }
  const nlohmann::ordered_json& shard = member(json, "$", "shard");
  report.shard_index = count_member(shard, "$.shard", "index");
  report.shard_count = count_member(shard, "$.shard", "count");
  if (report.shard_count == 0 || report.shard_index >= report.shard_count) {
    throw ReportShapeError{"$.shard", "expected index I of N shards with 0 <= I < N, got " +
                                          std::to_string(report.shard_index) + "/" +
                                          std::to_string(report.shard_count)};
  }
  const nlohmann::ordered_json& results = array_member(json, "$", "results");
  for (std::size_t i = 0; i < results.size(); ++i) {
    report.results.push_back(result_from_json(results[i], "$.results[" + std::to_string(i) + "]"));
  }
  const nlohmann::ordered_json& timings = member(json, "$", "timings");
  report.timings.wall_seconds = number_member(timings, "$.timings", "wall_seconds");
  report.timings.cpu_seconds = number_member(timings, "$.timings", "cpu_seconds");
  report.timings.jobs = count_member(timings, "$.timings", "jobs");
  return report;
}

}  // namespace smh::cli
