// Value types of the shared multi-heap pool: how regions are described and
// matched, the region-selection policies, and what the pool reports.
#pragma once

#include <cstddef>
#include <cstdint>

#include "smh/heap_types.hpp"
#include "smh/status.hpp"

namespace smh {

// How a request's attribute selects regions.
enum class MatchMode : std::uint8_t {
  exact,       // Zephyr: an opaque attribute id; a region matches the same id
  capability,  // ESP-IDF style: bitmasks; a region matches if it has every requested bit
};

// Exact-mode attribute ids with Zephyr's values (the C API's enum uses them).
namespace attr {
inline constexpr std::uint32_t cacheable = 0;
inline constexpr std::uint32_t non_cacheable = 1;
inline constexpr std::uint32_t external = 2;
}  // namespace attr

// Capability-mode bits. Projects may define more; any 32-bit mask works.
namespace caps {
inline constexpr std::uint32_t cacheable = 1u << 0;
inline constexpr std::uint32_t dma = 1u << 1;  // reachable by DMA masters
inline constexpr std::uint32_t external = 1u << 2;
inline constexpr std::uint32_t internal = 1u << 3;
inline constexpr std::uint32_t exec = 1u << 4;
inline constexpr std::uint32_t tcm = 1u << 5;
}  // namespace caps

// Whether a region with attribute `have` may serve a request for `want`: the same
// id in exact mode, every requested capability bit in capability mode. The one
// statement of the rule; the simulator's checks and reports use it too.
constexpr bool attribute_matches(MatchMode mode, std::uint32_t have, std::uint32_t want) {
  return mode == MatchMode::exact ? have == want : (have & want) == want;
}

// Which matching region serves a request. Every policy only considers regions
// whose heap found a block for the request (Heap::find), and the block found in
// the chosen region is the one allocated (Heap::alloc_at): the chosen region never
// fails the allocation, and no search runs twice.
enum class Policy : std::uint8_t {
  first_fit,              // insertion order (Zephyr's behaviour; the default)
  best_fit,               // the region whose largest free block is the smallest that fits
  worst_fit,              // the region with the most free bytes
  smallest_region_first,  // ascending capacity, then insertion order
  round_robin,            // the next fitting region after the last one chosen
  size_threshold,         // requests below PoolConfig::size_threshold_bytes go to
                          // RegionRole::small_requests regions, the rest to
                          // large_requests regions; `any` regions serve both
};
inline constexpr std::size_t policy_count = 6;

// Which policies a pool can run, one bit per Policy (bit n: the policy whose
// value is n), fixed at compile time by BasicPool's Policies parameter. A pool
// links only the region selection its set needs (PoolEngine::placer_for): the
// Zephyr C API, always first_fit, leaves out best_fit's and worst_fit's keyed
// pass and the heap queries behind it. init() and set_policy() refuse a policy
// outside the set with Status::invalid_argument.
using PolicySet = std::uint8_t;
constexpr PolicySet policy_bit(Policy policy) {
  return static_cast<std::size_t>(policy) < policy_count ? static_cast<PolicySet>(1u << static_cast<unsigned>(policy))
                                                         : PolicySet{0};
}
constexpr bool policy_in(PolicySet set, Policy policy) { return (set & policy_bit(policy)) != 0; }
inline constexpr PolicySet all_policies = static_cast<PolicySet>((1u << policy_count) - 1);
inline constexpr PolicySet first_fit_only = policy_bit(Policy::first_fit);
// The policies that rank every candidate by a heap query before searching.
inline constexpr PolicySet keyed_policies =
    static_cast<PolicySet>(policy_bit(Policy::best_fit) | policy_bit(Policy::worst_fit));

const char* to_string(Policy policy);
// Parses a policy's to_string() name; false (and *out unchanged) if unknown.
bool parse_policy(const char* name, Policy* out);

enum class RegionRole : std::uint8_t { any, small_requests, large_requests };

struct RegionConfig {
  std::uintptr_t address = 0;
  std::size_t size_bytes = 0;
  std::uint32_t attr = 0;  // exact: attribute id; capability: capability bits
  // A reserved region never serves attribute requests, only alloc_in() calls that
  // name it: scarce memory (DMA, TCM) that ordinary allocations must not exhaust.
  bool reserved = false;
  RegionRole role = RegionRole::any;  // used by Policy::size_threshold
};

struct PoolConfig {
  MatchMode mode = MatchMode::exact;
  Policy policy = Policy::first_fit;
  std::size_t size_threshold_bytes = 0;  // Policy::size_threshold only
};

// owner(): the region holding a pointer, if any.
struct Owner {
  bool found = false;
  unsigned region = 0;  // index in insertion order
  void* user_data = nullptr;
};

// Per-attribute statistics aggregate the matching regions: byte figures and counts
// are sums; largest_free_block_bytes is the maximum. Peak, minimum-free and high
// water are sums of the per-region extremes (bounds on the aggregate's extremes).
using PoolStats = HeapStats;

// validate(): the first region that failed, and how.
struct PoolValidationReport {
  unsigned region = 0;
  ValidationReport report{};
  [[nodiscard]] bool ok() const { return report.ok(); }
};

struct PoolErrorEvent {
  Status status;
  std::uintptr_t address;  // the offending pointer (or region address for add())
};

// SMH_FAULT_HOOKS: the fault-injection hook below. The host builds of the core
// (the tests and the simulator link them) define it to 1 (core/CMakeLists.txt);
// the shipped builds (Cortex-M, Zephyr) leave it 0, and the hook is then absent:
// no member, no branch, no bytes.
#ifndef SMH_FAULT_HOOKS
#define SMH_FAULT_HOOKS 0
#endif

struct PoolHooks {
  void* context = nullptr;
  void (*on_error)(void* context, const PoolErrorEvent& event) = nullptr;
#if SMH_FAULT_HOOKS
  // Fault injection: asked before each region selection (an alloc, each
  // attribute of a preference chain, the move of a realloc) with the attribute
  // and the requested size; true refuses it as if no region had room: nothing is
  // searched or taken, and the request counts as failed like any other. It must
  // not call back into the pool.
  bool (*refuse_alloc)(void* context, std::uint32_t attr, std::size_t size_bytes) = nullptr;
#endif
};

}  // namespace smh
