// A trace decoded ahead of time for real_trace_bench.cpp: its allocation events
// on dense slots (a handle's slot is reused once the handle is freed), so that
// the timed loop indexes a vector and parses nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "smh/pool_types.hpp"
#include "smh/sim/ops.hpp"
#include "smh/sim/trace.hpp"

namespace smh::bench {

struct TraceEvent {
  enum class Kind : std::uint8_t { alloc, realloc, free };
  Kind kind = Kind::alloc;
  std::uint32_t slot = 0;
  std::uint64_t size_bytes = 0;  // alloc, realloc
};

struct TraceEvents {
  std::vector<TraceEvent> events;
  std::uint32_t slot_count = 0;       // the most blocks live at once
  std::uint64_t peak_live_bytes = 0;  // the highest sum of live requested sizes
};

// Replays the events through `Allocator` (alloc, realloc and free on slots:
// smh::Heap, a pool, glibc behind one small adapter). Returns the failed
// allocations and reallocs.
template <class Allocator>
std::uint64_t replay_events(Allocator& allocator, const TraceEvents& trace, std::vector<void*>& slots) {
  std::uint64_t failed = 0;
  for (const TraceEvent& event : trace.events) {
    void*& slot = slots[event.slot];
    switch (event.kind) {
      case TraceEvent::Kind::alloc:
        slot = allocator.alloc(event.size_bytes);
        failed += slot == nullptr ? 1u : 0u;
        break;
      case TraceEvent::Kind::realloc: {
        void* moved = allocator.realloc(slot, event.size_bytes);
        if (moved != nullptr) {
          slot = moved;
        } else {
          ++failed;
        }
        break;
      }
      case TraceEvent::Kind::free:
        allocator.free(slot);
        slot = nullptr;
        break;
    }
  }
  return failed;
}

inline constexpr std::uint64_t default_trace_event_limit = 50'000'000;

// SMH_BENCH_TRACE_MAX_EVENTS: unset gives the default; anything but a positive
// decimal number gives 0 and *error says why.
inline std::uint64_t trace_event_limit(const char* text, std::string* error) {
  if (text == nullptr) {
    return default_trace_event_limit;
  }
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (*text < '0' || *text > '9' || end == text || *end != '\0' || value == 0) {
    *error = std::string("SMH_BENCH_TRACE_MAX_EVENTS: '") + text + "' is not a positive number of events";
    return 0;
  }
  return value;
}

// The benchmark's name for a trace: its file name up to the first '.'.
inline std::string trace_name(const std::string& path) {
  const std::string file = std::filesystem::path(path).filename().string();
  const std::string stem = file.substr(0, file.find('.'));
  return stem.empty() ? file : stem;
}

// 4x the peak of live requested bytes, rounded up to 64 KiB (the comparison
// harness's arena): a region in which no trace request should fail.
inline std::size_t roomy_region_bytes(const TraceEvents& trace) {
  constexpr std::uint64_t step = 64 * 1024;
  const std::uint64_t bytes = (trace.peak_live_bytes * 4 + step - 1) / step * step;
  return static_cast<std::size_t>(bytes < step ? step : bytes);
}

// Reads the whole trace. On bad input, returns what was read so far and sets
// *error (the reader's file:line:col and op index, or the op the benchmark
// cannot replay and why).
inline TraceEvents decode_trace(const std::string& path, std::uint64_t max_events, std::string* error) {
  TraceEvents trace;
  sim::TraceError read_error;
  auto reader = sim::TraceReader::open(path, MatchMode::exact, &read_error);
  if (!reader) {
    *error = read_error.to_string();
    return trace;
  }
  struct Live {
    std::uint32_t slot;
    std::uint64_t size_bytes;
  };
  std::unordered_map<sim::Handle, Live> live;  // looked up by handle, never iterated
  std::vector<std::uint32_t> free_slots;
  std::uint64_t live_bytes = 0;
  const auto refuse = [&](const std::string& why) {
    *error = path + ":" + std::to_string(reader->last_op_line()) + ": op " + std::to_string(reader->ops_read() - 1) +
             ": " + why;
  };
  sim::Op op;
  while (reader->next(&op, &read_error)) {
    if (trace.events.size() == max_events) {
      refuse("more than " + std::to_string(max_events) +
             " events (raise the limit with SMH_BENCH_TRACE_MAX_EVENTS)");
      return trace;
    }
    if (op.kind != sim::OpKind::alloc && op.kind != sim::OpKind::realloc && op.kind != sim::OpKind::free) {
      refuse(std::string("a ") + sim::to_string(op.kind) + " op: only alloc, realloc and free replay here");
      return trace;
    }
    if (op.kind != sim::OpKind::free && (op.align_bytes != 0 || op.size_bytes == 0 || op.fallback_count != 0)) {
      refuse("an aligned, zero-size or preference-chain request: the benchmark replays plain ones");
      return trace;
    }
    const auto found = live.find(op.handle);
    if ((op.kind == sim::OpKind::alloc) != (found == live.end())) {
      refuse("handle " + std::to_string(op.handle) +
             (op.kind == sim::OpKind::alloc ? " is allocated while live" : " is not live"));
      return trace;
    }
    TraceEvent event;
    event.size_bytes = op.size_bytes;
    switch (op.kind) {
      case sim::OpKind::alloc: {
        std::uint32_t slot = trace.slot_count;
        if (free_slots.empty()) {
          ++trace.slot_count;
        } else {
          slot = free_slots.back();
          free_slots.pop_back();
        }
        live.emplace(op.handle, Live{slot, op.size_bytes});
        live_bytes += op.size_bytes;
        event = TraceEvent{TraceEvent::Kind::alloc, slot, op.size_bytes};
        break;
      }
      case sim::OpKind::realloc:
        live_bytes = live_bytes - found->second.size_bytes + op.size_bytes;
        found->second.size_bytes = op.size_bytes;
        event = TraceEvent{TraceEvent::Kind::realloc, found->second.slot, op.size_bytes};
        break;
      default:  // free
        live_bytes -= found->second.size_bytes;
        free_slots.push_back(found->second.slot);
        event = TraceEvent{TraceEvent::Kind::free, found->second.slot, 0};
        live.erase(found);
        break;
    }
    trace.peak_live_bytes = live_bytes > trace.peak_live_bytes ? live_bytes : trace.peak_live_bytes;
    trace.events.push_back(event);
  }
  if (!read_error.message.empty()) {
    *error = read_error.to_string();
  }
  return trace;
}

}  // namespace smh::bench
