#include "outcome_wire.hpp"

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace smh::cli {

namespace {

using sim::ScenarioOutcome;

// A field added to one of these structs must be added to transfer() below too;
// these catch the addition (sizes as on the LP64 hosts the simulator builds on).
constexpr std::size_t text = sizeof(std::string);
constexpr std::size_t list = sizeof(std::vector<int>);
static_assert(sizeof(sim::Finding) == 8 + 8 + text, "transfer the new field of Finding");
static_assert(sizeof(sim::Injection) == 8 + 8 + text + 8 + text, "transfer the new field of Injection");
static_assert(sizeof(sim::RegionSummary) == text + 8 + sizeof(HeapStats) + sizeof(sim::RegionRequests) + 8,
              "transfer the new field of RegionSummary");
static_assert(sizeof(sim::RunSummary) == 6 * 8 + list + sizeof(sim::RequestSearches) + sizeof(sim::FindingTally),
              "transfer the new field of RunSummary");
static_assert(sizeof(sim::RequestSearches) == 3 * 8, "transfer the new field of RequestSearches");
static_assert(sizeof(sim::AttributeStats) == 8 + list + sizeof(PoolStats) + 4 * 8,
              "transfer the new field of AttributeStats");
static_assert(sizeof(sim::FragmentationSeries::RegionSeries) == 3 * list, "transfer the new field of RegionSeries");
static_assert(sizeof(sim::FragmentationSeries) == 8 + 2 * list, "transfer the new field of FragmentationSeries");
static_assert(sizeof(sim::RegionPeakMap) == 8 * 8 + list && sizeof(sim::MapSegment) == 4 * 8, "transfer the new field of RegionPeakMap");
static_assert(sizeof(ScenarioOutcome) == 8 + text + sizeof(sim::RunInputs) + sizeof(sim::RunSummary) + 5 * list +
                                             sizeof(sim::FragmentationSeries) + 8,
              "transfer the new field of ScenarioOutcome");

constexpr std::uint64_t magic = 0x3174'756f'2d68'6d73;  // "smh-out1" in memory order

// The one description of the layout, for both directions: Io is a Writer with a
// const outcome, or a Reader with one to fill.
template <class Io, class Outcome>
void transfer(Io& io, Outcome& outcome) {
  io.raw(outcome.verdict);
  io.str(outcome.error);
  io.raw(outcome.wall_seconds);
  auto& summary = outcome.summary;
  io.raw(summary.ops);
  io.raw(summary.failed_allocs);
  io.raw(summary.peak_live_bytes);
  io.raw(summary.peak_demand_bytes);
  io.raw(summary.digest);
  io.raw(summary.skipped_null_ops);
  io.raw(summary.finding_tally);
  io.seq(summary.regions, [&](auto& region) {
    io.str(region.name);
    io.raw(region.base);
    io.raw(region.stats);
    io.raw(region.requests);
    io.raw(region.external_fragmentation);
  });
  io.raw(summary.searches);
  io.seq(outcome.findings, [&](auto& finding) {
    io.raw(finding.op_index);
    io.raw(finding.check);
    io.str(finding.message);
  });
  io.seq(outcome.injections, [&](auto& injection) {
    io.raw(injection.op_index);
    io.raw(injection.kind);
    io.str(injection.what);
    io.raw(injection.detected);
    io.raw(injection.detection);
    io.str(injection.detected_by);
  });
  io.seq(outcome.unmet, [&](auto& line) { io.str(line); });
  io.seq(outcome.attributes, [&](auto& attribute) {
    io.raw(attribute.attr);
    io.seq(attribute.regions, [&](auto& region) { io.raw(region); });
    io.raw(attribute.stats);
    io.raw(attribute.external_fragmentation);
    io.raw(attribute.alloc_requests);
    io.raw(attribute.requested_bytes);
    io.raw(attribute.peak_demand_bytes);
  });
  auto& series = outcome.fragmentation;
  io.raw(series.interval_ops);
  io.seq(series.at_ops, [&](auto& ops) { io.raw(ops); });
  io.seq(series.regions, [&](auto& region) {
    io.seq(region.f_ext, [&](auto& value) { io.raw(value); });
    io.seq(region.live_bytes, [&](auto& value) { io.raw(value); });
    io.seq(region.largest_free_bytes, [&](auto& value) { io.raw(value); });
  });
  io.seq(outcome.peak_maps, [&](auto& map) {
    io.raw(map.at_ops);
    io.raw(map.live_bytes);
    io.raw(map.blocks);
    io.raw(map.used_blocks);
    io.raw(map.end_bytes);
    io.raw(map.coalesced);
    io.raw(map.largest_free_offset_bytes);
    io.raw(map.largest_free_bytes);
    io.seq(map.segments, [&](auto& segment) { io.raw(segment); });
  });
}

class Writer {
 public:
  template <class T>
  void raw(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void str(const std::string& value) {
    raw(std::uint64_t{value.size()});
    bytes_ += value;
  }
  template <class T, class Each>
  void seq(const std::vector<T>& values, Each each) {
    raw(std::uint64_t{values.size()});
    for (const T& value : values) {
      each(value);
    }
  }
  [[nodiscard]] const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  template <class T>
  void raw(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (take(sizeof value)) {
      std::memcpy(&value, bytes_.data() + at_ - sizeof value, sizeof value);
    }
  }
  void str(std::string& value) {
    std::uint64_t size = 0;
    raw(size);
    if (take(size)) {
      value.assign(bytes_.data() + at_ - size, size);
    }
  }
  template <class T, class Each>
  void seq(std::vector<T>& values, Each each) {
    std::uint64_t count = 0;
    raw(count);
    // Every element takes a byte at least: a count beyond what is left is not ours.
    if (!ok_ || count > bytes_.size() - at_) {
      ok_ = false;
      return;
    }
    values.resize(static_cast<std::size_t>(count));
    for (T& value : values) {
      each(value);
    }
  }
  [[nodiscard]] bool done() const { return ok_ && at_ == bytes_.size(); }

 private:
  bool take(std::uint64_t size) {
    if (!ok_ || size > bytes_.size() - at_) {
      ok_ = false;
      return false;
    }
    at_ += static_cast<std::size_t>(size);
    return true;
  }
  std::string_view bytes_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string encode_outcome(const ScenarioOutcome& outcome) {
  Writer body;
  transfer(body, outcome);
  Writer whole;
  whole.raw(magic);
  whole.str(body.bytes());
  return whole.bytes();
}

bool decode_outcome(std::string_view bytes, ScenarioOutcome* out) {
  Reader whole(bytes);
  std::uint64_t found_magic = 0;
  std::string body;
  whole.raw(found_magic);
  whole.str(body);
  if (!whole.done() || found_magic != magic) {
    return false;
  }
  Reader reader(body);
  ScenarioOutcome decoded;
  transfer(reader, decoded);
  if (!reader.done() || decoded.verdict > sim::Verdict::bad_input || decoded.verdict == sim::Verdict::crashed) {
    return false;
  }
  decoded.inputs = std::move(out->inputs);
  *out = std::move(decoded);
  return true;
}

}  // namespace smh::cli
