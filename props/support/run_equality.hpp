// Whether two runs produced the same outcome, byte for byte: events, findings,
// fault injections, digest and summary counters. Returns the first difference
// in words (empty when there is none), so a failing property says what diverged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "smh/sim/events.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/faults.hpp"

namespace smh::props {

struct RunOutcome {
  std::vector<sim::Event> events;
  std::vector<sim::Finding> findings;
  std::vector<sim::Injection> injections;
  std::uint64_t digest = 0;
  std::uint64_t failed_allocs = 0;
};

inline RunOutcome outcome_of(const sim::RunResult& result) {
  return RunOutcome{result.events, result.findings, result.injections, result.summary.digest,
                    result.summary.failed_allocs};
}

inline bool same_event(const sim::Event& a, const sim::Event& b) {
  return a.op_index == b.op_index && a.kind == b.kind && a.handle == b.handle && a.region == b.region &&
         a.device_address == b.device_address && a.size_bytes == b.size_bytes && a.usable_bytes == b.usable_bytes;
}

inline std::string describe_event(const sim::Event& event) {
  return std::string(sim::to_string(event.kind)) + " op " + std::to_string(event.op_index) + " handle " +
         std::to_string(event.handle) + " region " + std::to_string(event.region) + " at " +
         std::to_string(event.device_address) + " size " + std::to_string(event.size_bytes) + " usable " +
         std::to_string(event.usable_bytes);
}

template <class T, class Same, class Describe>
std::string first_difference_in(const char* what, const std::vector<T>& a, const std::vector<T>& b, Same same,
                                Describe describe) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (!same(a[i], b[i])) {
      return std::string(what) + "[" + std::to_string(i) + "]: " + describe(a[i]) + " vs " + describe(b[i]);
    }
  }
  if (a.size() != b.size()) {
    return std::string(what) + ": " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  }
  return "";
}

inline std::string first_difference(const RunOutcome& a, const RunOutcome& b) {
  std::string difference = first_difference_in("events", a.events, b.events, same_event, describe_event);
  if (difference.empty()) {
    difference = first_difference_in(
        "findings", a.findings, b.findings,
        [](const sim::Finding& x, const sim::Finding& y) {
          return x.op_index == y.op_index && x.check == y.check && x.message == y.message;
        },
        [](const sim::Finding& f) { return "op " + std::to_string(f.op_index) + " " + sim::to_string(f.check) + ": " + f.message; });
  }
  if (difference.empty()) {
    difference = first_difference_in(
        "injections", a.injections, b.injections,
        [](const sim::Injection& x, const sim::Injection& y) {
          return x.op_index == y.op_index && x.kind == y.kind && x.what == y.what && x.detected == y.detected &&
                 x.detection == y.detection && x.detected_by == y.detected_by;
        },
        [](const sim::Injection& i) {
          return "op " + std::to_string(i.op_index) + " " + sim::to_string(i.kind) + " " + i.what + " by " +
                 i.detected_by;
        });
  }
  if (difference.empty() && a.digest != b.digest) {
    difference = "digest " + std::to_string(a.digest) + " vs " + std::to_string(b.digest);
  }
  if (difference.empty() && a.failed_allocs != b.failed_allocs) {
    difference = "failed allocs " + std::to_string(a.failed_allocs) + " vs " + std::to_string(b.failed_allocs);
  }
  return difference;
}

}  // namespace smh::props
