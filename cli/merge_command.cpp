#include "merge_command.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "input_files.hpp"
#include "report_json.hpp"
#include "report_reading.hpp"
#include "swarm_campaign.hpp"

namespace smh::cli {
namespace {

// What a shard's report must share with the first one's to be of the same campaign.
std::string campaign_mismatch(const SwarmReport& first, const SwarmReport& other) {
  if (other.machine_hash != first.machine_hash) {
    return "ran another machine (" + other.machine_name + ", not " + first.machine_name + ")";
  }
  if (other.ops_per_seed != first.ops_per_seed) {
    return "ran " + std::to_string(other.ops_per_seed) + " ops per seed, not " + std::to_string(first.ops_per_seed);
  }
  if (other.first_seed != first.first_seed || other.last_seed != first.last_seed) {
    return "covers another seed range than the first report";
  }
  if (other.shard_count != first.shard_count) {
    return "is shard " + std::to_string(other.shard_index) + "/" + std::to_string(other.shard_count) +
           ", of another shard count than " + std::to_string(first.shard_count);
  }
  return "";
}

// Each seed of a report must be one of its shard's, and, for a seed range,
// all of them must be there.
std::string shard_content_error(const SwarmReport& report) {
  const SeedRange range{report.first_seed, report.last_seed};
  const Shard shard{report.shard_index, report.shard_count, ""};
  for (std::size_t k = 0; k < report.results.size(); ++k) {
    if (shard_seed(range, shard, k) != report.results[k].seed) {
      return "$.results[" + std::to_string(k) + "]: seed " + std::to_string(report.results[k].seed) +
             " is not the next seed of shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count);
    }
  }
  const std::optional<std::uint64_t> expected = shard_seed_count(range, shard);
  if (expected && *expected != report.results.size()) {
    return "$.results: " + std::to_string(report.results.size()) + " seeds where shard " +
           std::to_string(shard.index) + "/" + std::to_string(shard.count) + " has " + std::to_string(*expected);
  }
  return "";
}

}  // namespace

bool merge_swarm_reports(const std::vector<SwarmReport>& reports, const std::vector<std::string>& names,
                         SwarmReport* merged, std::string* error) {
  const SwarmReport& first = reports.front();
  std::vector<std::string> shard_owner(first.shard_count > reports.size() ? 0 : first.shard_count);
  if (shard_owner.empty()) {
    *error = names.front() + ": shard count " + std::to_string(first.shard_count) + ", but " +
             std::to_string(reports.size()) + " reports given: a shard is missing";
    return false;
  }
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const SwarmReport& report = reports[i];
    std::string why = campaign_mismatch(first, report);
    why = why.empty() ? shard_content_error(report) : why;
    if (why.empty() && !shard_owner[report.shard_index].empty()) {
      why = "is shard " + std::to_string(report.shard_index) + "/" + std::to_string(report.shard_count) +
            " again: its seeds overlap those of " + shard_owner[report.shard_index];
    }
    if (!why.empty()) {
      *error = names[i] + ": " + why;
      return false;
    }
    shard_owner[report.shard_index] = names[i];
  }
  *merged = first;
  merged->shard_index = 0;
  merged->shard_count = 1;
  merged->results.clear();
  merged->timings = SwarmTimings{};
  for (const SwarmReport& report : reports) {
    merged->results.insert(merged->results.end(), report.results.begin(), report.results.end());
    merged->timings.wall_seconds = std::max(merged->timings.wall_seconds, report.timings.wall_seconds);
    merged->timings.cpu_seconds += report.timings.cpu_seconds;
    merged->timings.jobs += report.timings.jobs;
  }
  std::sort(merged->results.begin(), merged->results.end(),
            [](const SeedResult& a, const SeedResult& b) { return a.seed < b.seed; });
  return true;
}

int merge_command(const MergeCommandOptions& options) {
  std::vector<SwarmReport> reports;
  for (const std::string& path : options.report_paths) {
    std::string text;
    std::string error;
    nlohmann::ordered_json json;
    if (!read_report_file(path, options.max_input_bytes, &text, &error) ||
        !parse_report_text(text, path, &json, &error)) {
      std::fprintf(stderr, "smh merge: %s\n", error.c_str());
      return 2;
    }
    try {
      reports.push_back(swarm_report_from_json(json));
    } catch (const ReportShapeError& shape) {
      std::fprintf(stderr, "smh merge: %s: %s: %s\n", path.c_str(), shape.path.c_str(), shape.message.c_str());
      return 2;
    }
  }
  SwarmReport merged;
  std::string error;
  if (!merge_swarm_reports(reports, options.report_paths, &merged, &error) ||
      !write_text_file(options.output_path, to_json(merged).dump(2) + "\n", &error)) {
    std::fprintf(stderr, "smh merge: %s\n", error.c_str());
    return 2;
  }
  std::printf("smh merge: %zu reports, %zu seeds, %" PRIu64 " failures -> %s\n", reports.size(),
              merged.results.size(), failure_count(merged), options.output_path.c_str());
  return failure_count(merged) == 0 ? 0 : 1;
}

}  // namespace smh::cli
