#include "swarm_shard.hpp"

#include <charconv>
#include <cstdint>
#include <cstdlib>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {
namespace {

// What parse_count() gives for anything but a number: no index is below it and
// no count that large is meant. (A sentinel rather than std::optional: GCC's
// -Wmaybe-uninitialized misfires on optionals passed by value at -O1/-O2.)
constexpr std::uint64_t not_a_count = UINT64_MAX;

// A whole decimal number, nothing else around it, else not_a_count.
std::uint64_t parse_count(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || status != std::errc() || end != text.data() + text.size()) {
    return not_a_count;
  }
  return value;
}

bool shard_from_index(std::uint64_t index, std::uint64_t count, const std::string& what, Shard* out,
                      std::string* error) {
  const bool numbers = index != not_a_count && count != not_a_count && count != 0;
  if (!numbers || index >= count) {
    *error = what + ": expected index I of N shards with 0 <= I < N";
    if (numbers) {
      *error += " (index " + std::to_string(index) + " is not below " + std::to_string(count) + ")";
    }
    return false;
  }
  *out = Shard{index, count, what};
  return true;
}

}  // namespace

bool parse_seed_range(std::string_view text, SeedRange* out, std::string* error) {
  const std::size_t dots = text.find("..");
  const std::optional<std::uint64_t> first =
      dots == std::string_view::npos ? std::nullopt : sim::parse_seed(text.substr(0, dots));
  const std::optional<std::uint64_t> last =
      dots == std::string_view::npos ? std::nullopt : sim::parse_seed(text.substr(dots + 2));
  if (!first || !last || *first > *last) {
    *error = "--seeds '" + std::string(text) + "': expected A..B, two seeds with A <= B (e.g. 0..9999)";
    return false;
  }
  *out = SeedRange{*first, *last};
  return true;
}

bool parse_duration(std::string_view text, std::uint64_t* seconds, std::string* error) {
  std::uint64_t unit_seconds = 1;
  std::string_view number = text;
  if (!text.empty() && (text.back() == 's' || text.back() == 'm' || text.back() == 'h')) {
    unit_seconds = text.back() == 'h' ? 3600 : text.back() == 'm' ? 60 : 1;
    number.remove_suffix(1);
  }
  const std::optional<std::uint64_t> value = parse_count(number);
  constexpr std::uint64_t max_seconds = 30 * 24 * 3600;
  if (!value || *value == 0 || *value > max_seconds / unit_seconds) {
    *error = "--duration '" + std::string(text) + "': expected a whole number of seconds, minutes or hours "
             "(90s, 15m, 2h), more than 0 and at most 30 days";
    return false;
  }
  *seconds = *value * unit_seconds;
  return true;
}

bool parse_shard(std::string_view text, const std::string& what, Shard* out, std::string* error) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return shard_from_index(not_a_count, not_a_count, what + " '" + std::string(text) + "'", out, error);
  }
  return shard_from_index(parse_count(text.substr(0, slash)), parse_count(text.substr(slash + 1)),
                          what + " '" + std::string(text) + "'", out, error);
}

EnvironmentLookup process_environment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    return value == nullptr ? std::nullopt : std::optional<std::string>(value);
  };
}

bool resolve_shard(const std::optional<std::string>& shard_flag, std::optional<std::uint64_t> shard_count_flag,
                   const EnvironmentLookup& environment, Shard* out, std::string* error) {
  if (shard_flag) {
    if (shard_count_flag) {
      *error = "--shard-count goes with JOB_COMPLETION_INDEX; --shard I/N already gives the count";
      return false;
    }
    return parse_shard(*shard_flag, "--shard", out, error);
  }
  if (const std::optional<std::string> spec = environment("SMH_SHARD")) {
    return parse_shard(*spec, "SMH_SHARD", out, error);
  }
  if (const std::optional<std::string> index = environment("JOB_COMPLETION_INDEX")) {
    std::uint64_t count = shard_count_flag.value_or(not_a_count);
    std::string what = "JOB_COMPLETION_INDEX=" + *index + " with --shard-count";
    if (!shard_count_flag) {
      const std::optional<std::string> count_text = environment("SMH_SHARD_COUNT");
      what = "JOB_COMPLETION_INDEX=" + *index + " with SMH_SHARD_COUNT=" + count_text.value_or("(unset)");
      count = parse_count(count_text.value_or(""));
    }
    return shard_from_index(parse_count(*index), count, what, out, error);
  }
  if (shard_count_flag) {
    *error = "--shard-count needs JOB_COMPLETION_INDEX in the environment (a Kubernetes Indexed Job); "
             "elsewhere use --shard I/N";
    return false;
  }
  const std::optional<std::string> node = environment("CI_NODE_INDEX");
  const std::optional<std::string> total = environment("CI_NODE_TOTAL");
  if (node || total) {
    const std::string what = "CI_NODE_INDEX=" + node.value_or("(unset)") + " of CI_NODE_TOTAL=" +
                             total.value_or("(unset)") + " (1-based)";
    const std::uint64_t one_based = parse_count(node.value_or(""));
    if (one_based == 0 || one_based == not_a_count) {
      *error = what + ": expected CI_NODE_INDEX from 1 to CI_NODE_TOTAL";
      return false;
    }
    return shard_from_index(one_based - 1, parse_count(total.value_or("")), what, out, error);
  }
  *out = Shard{};
  return true;
}

}  // namespace smh::cli
