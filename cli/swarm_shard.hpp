// How `smh swarm` partitions the seed space with no scheduler of its own: seed s
// of a campaign starting at A belongs to shard (s - A) mod N. The shard comes
// from the command line or from what the engine running it provides
// (docs/swarm.md), first match wins:
//   --shard I/N                       0-based index I of N shards
//   SMH_SHARD=I/N                     the same, from the environment
//   JOB_COMPLETION_INDEX=I            a Kubernetes Indexed Job's index, with the
//                                     count from --shard-count or SMH_SHARD_COUNT
//   CI_NODE_INDEX=K, CI_NODE_TOTAL=N  a CI matrix's node (1-based K, as GitLab's
//                                     `parallel:` sets them): shard K-1 of N
//   none                              shard 0/1: every seed
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace smh::cli {

struct SeedRange {
  std::uint64_t first = 0;
  std::optional<std::uint64_t> last;  // none: open (a --duration campaign)
};

struct Shard {
  std::uint64_t index = 0;
  std::uint64_t count = 1;
  std::string source = "default";  // where it came from, for messages
};

// "A..B" (A <= B; decimal or 0x hex, as seeds are written): false with *error.
bool parse_seed_range(std::string_view text, SeedRange* out, std::string* error);

// "90", "90s", "15m", "2h" (a whole number, at most 30 days): seconds, or false with *error.
bool parse_duration(std::string_view text, std::uint64_t* seconds, std::string* error);

// "I/N" with N >= 1 and I < N; false with *error naming `what` ("--shard").
bool parse_shard(std::string_view text, const std::string& what, Shard* out, std::string* error);

// The value of an environment variable, or nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const char* name)>;
EnvironmentLookup process_environment();

// The shard by the rules above; false with *error for a bad or incomplete spec
// (an index without a count, an index past the count, --shard-count alone).
bool resolve_shard(const std::optional<std::string>& shard_flag, std::optional<std::uint64_t> shard_count_flag,
                   const EnvironmentLookup& environment, Shard* out, std::string* error);

}  // namespace smh::cli
