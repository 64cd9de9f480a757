// The checks the Executor runs, by name: one enum and one name table, used by
// findings, expectations, the cache model's hazards, reports and the digest.
// A scenario names checks in `findings_required`/`findings_allowed`; the parser
// refuses a name that is not here (and lists those that are).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace smh::sim {

enum class Check : std::uint8_t {
  // Invariants after every op (invariant_checks.cpp, executor_block_ops.cpp).
  non_overlap,
  containment,  // halts the run
  attribute,
  alignment,
  usable_size,
  content,
  accounting,
  coalescing,
  no_false_oom,
  heap_validate,
  free_refused,
  assertion_failed,  // an SMH_ASSERT failed inside the allocator; halts the run
  // Coherency oracles (executor_coherency_ops.cpp); the first six are the cache
  // model's hazards (HazardKind).
  stale_tx,
  stale_rx,
  writeback_clobber,
  cpu_touch_active_dma,
  collateral_invalidate,
  unaligned_invalidate,
  dma_line_shared,
  attr_mismatch,
  dma_overrun,
  // Fault injection (fault_injector.cpp).
  fault_undetected,
  region_offline_violated,
  // A block freed or reallocated while a DMA transfer of it is in flight
  // (executor_coherency_ops.cpp): the device goes on reading or writing memory
  // the program has handed back. Appended: the names above keep their numbers.
  free_during_dma,
  // The CPU read bytes it wrote whose only copy, a dirty line, an invalidate
  // threw away (executor_coherency_ops.cpp, payload_freshness.hpp). Appended.
  discarded_write,
  // The CPU read bytes of a receive's range that the device did not write: the
  // receive completed short (fewer bytes than programmed), and those bytes hold
  // what they held before it (executor_coherency_ops.cpp). Appended.
  short_rx_read,
};
inline constexpr unsigned check_count = 26;

// The stable name: "NON_OVERLAP", "STALE_RX", ... (what scenarios, reports and
// the digest use; never changes once shipped). "?" for an invalid value.
const char* to_string(Check check);
// The check with that exact name, or nullopt.
std::optional<Check> check_named(std::string_view name);
// Every name in alphabetical order, separated by ", ": for error messages.
std::string check_names_list();

// How many findings of each check a run had, and the op index of the first of
// each: counted for every finding, also for those past the bound on the
// findings kept in full (ExecutorOptions::max_findings_kept), so that verdicts,
// expectations and reports see them all.
struct FindingTally {
  std::array<std::uint64_t, check_count> count{};
  std::array<std::uint64_t, check_count> first_op{};

  void add(Check check, std::uint64_t op_index) {
    const auto index = static_cast<unsigned>(check);
    if (count[index]++ == 0) {
      first_op[index] = op_index;
    }
  }
  [[nodiscard]] std::uint64_t of(Check check) const { return count[static_cast<unsigned>(check)]; }
  [[nodiscard]] std::uint64_t first_op_of(Check check) const { return first_op[static_cast<unsigned>(check)]; }
  [[nodiscard]] std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (const std::uint64_t each : count) {
      sum += each;
    }
    return sum;
  }
};

}  // namespace smh::sim
