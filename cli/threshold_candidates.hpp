// The thresholds `smh compare` tries for the size_threshold policy, chosen from
// the traces' request sizes.
//
// A threshold T sends requests of fewer than T bytes to the regions of role
// small and the rest to those of role large. A split the traces never see (all
// requests on one side) cannot help, so the candidates are the power-of-two
// sizes at which the share of requests below first reaches 50, 75, 90 and 99 %
// (sim::size_bucket's histogram: its bucket k counts sizes in [2^(k-1), 2^k)),
// without those that leave one side empty, and the machine's own threshold when
// it has one. Each candidate is then replayed: the winner is chosen by what it
// does, not by a rule about sizes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "smh/pool_types.hpp"
#include "smh/sim/import.hpp"

namespace smh::cli {

// Requests (allocs and reallocs) counted by sim::size_bucket.
struct RequestSizes {
  std::array<std::uint64_t, sim::size_histogram_buckets> buckets{};
  std::uint64_t requests = 0;
};

// Adds every alloc and realloc of the trace at `path` to *sizes; false with
// *error (the trace reader's positioned message) on an unreadable or bad trace.
bool add_request_sizes(const std::string& path, MatchMode mode, RequestSizes* sizes, std::string* error);

// The candidate thresholds in bytes, ascending, without repeats (rule above);
// `machine_threshold_bytes` 0 adds none.
std::vector<std::uint64_t> threshold_candidates(const RequestSizes& sizes, std::uint64_t machine_threshold_bytes);

// "auto" (empty *out), or byte counts joined by ',' (each 1 .. 2^63), in any
// order: *out ascending without repeats; false with *error.
bool parse_thresholds(const std::string& text, std::vector<std::uint64_t>* out, std::string* error);

}  // namespace smh::cli
