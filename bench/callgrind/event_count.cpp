// smh_event_count: replays one workload once through smh::Heap or an 8-region
// pool, for callgrind's instruction counts (deterministic, unlike time on a
// loaded machine). Not a benchmark: Google Benchmark (smh_bench) gives times.
//
//   smh_event_count <heap|pool8|pool1> <mix|trace file>
//   smh_event_count_unhardened ...   (the same over the SMH_HARDENED=0 build)
//
// mix is the heap benchmark's mixed workload (bench/mixed_workload.hpp: 4 MiB,
// ~50 % fill, 16..4096 B, 5 % reallocs); a trace file is decoded ahead of time
// as BM_RealTrace does (real_trace_events.hpp) into a region 4x its peak of live
// bytes. pool8 is a first_fit BasicPool over 8 regions of one attribute that
// split the same arena in eight, so a live set beyond one eighth spreads over
// several regions; pool1 is the same pool over one region holding the whole
// arena, the heap's state with the pool's dispatch (pool1 - heap: dispatch
// alone; pool8 - pool1: what spreading over regions adds). Only the replay is counted (decoding a trace runs without
// instrumentation where valgrind's header is found, so it takes seconds):
//
//   valgrind --tool=callgrind --instr-atstart=no --collect-atstart=yes
//     build/release/bench/smh_event_count pool8 mix
//   (one command line)
//
// The replay switches instrumentation on and off itself, so everything
// instrumented is collected. (--toggle-collect on the replay's function would
// count nothing: instrumentation starts inside it, after its entry, and
// valgrind 3.19 then never sees the function entered.)
// Instructions per event = the "Collected :" total on stderr / the events printed.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../bench_support.hpp"
#include "../alloc_targets.hpp"
#include "../mixed_workload.hpp"
#include "../real_trace_events.hpp"
#include "smh/heap.hpp"
#include "smh/pool.hpp"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

namespace {

using smh::bench::TraceEvent;
using smh::bench::TraceEvents;

using smh::bench::HeapTarget;
using smh::bench::pool_regions;
using smh::bench::PoolTarget;

TraceEvents mix_events(std::size_t* arena_bytes) {
  const smh::bench::MixedWorkloadConfig config;
  const smh::bench::MixedWorkload mix = smh::bench::make_mixed_workload(config);
  TraceEvents trace;
  trace.slot_count = static_cast<std::uint32_t>(mix.slot_count);
  for (const smh::bench::WorkloadOp& op : mix.ops) {
    const auto kind = op.kind == smh::bench::WorkloadOp::Kind::alloc     ? TraceEvent::Kind::alloc
                      : op.kind == smh::bench::WorkloadOp::Kind::realloc ? TraceEvent::Kind::realloc
                                                                         : TraceEvent::Kind::free;
    trace.events.push_back(TraceEvent{kind, op.slot, op.size_bytes});
  }
  *arena_bytes = config.region_bytes;
  return trace;
}

template <class Target>
std::uint64_t replay(const Target& target, const TraceEvents& trace, std::vector<void*>& slots) {
  CALLGRIND_START_INSTRUMENTATION;
  std::uint64_t failed = 0;
  for (const TraceEvent& event : trace.events) {
    void*& slot = slots[event.slot];
    if (event.kind == TraceEvent::Kind::alloc) {
      slot = target.alloc(event.size_bytes);
      failed += slot == nullptr ? 1u : 0u;
    } else if (event.kind == TraceEvent::Kind::realloc) {
      void* moved = target.realloc(slot, event.size_bytes);
      failed += moved == nullptr ? 1u : 0u;
      slot = moved != nullptr ? moved : slot;
    } else {
      target.free(slot);
      slot = nullptr;
    }
  }
  CALLGRIND_STOP_INSTRUMENTATION;
  return failed;
}

// The replays, by name in callgrind's output (one per target).
[[gnu::noinline]] std::uint64_t count_replay_heap(const HeapTarget& target, const TraceEvents& trace,
                                                  std::vector<void*>& slots) {
  return replay(target, trace, slots);
}
[[gnu::noinline]] std::uint64_t count_replay_pool(const PoolTarget& target, const TraceEvents& trace,
                                                  std::vector<void*>& slots) {
  return replay(target, trace, slots);
}

int run_pool(unsigned region_count, unsigned char* arena, std::size_t arena_bytes, const TraceEvents& trace,
             std::vector<void*>& slots, std::uint64_t* failed) {
  const std::unique_ptr<smh::bench::Pool8> pool = smh::bench::make_first_fit_pool(region_count, arena, arena_bytes);
  if (pool == nullptr) {
    return 1;
  }
  *failed = count_replay_pool(PoolTarget{pool.get()}, trace, slots);
  unsigned used = 0;
  for (unsigned index = 0; index < region_count; ++index) {
    used += pool->region_stats(index).high_water_bytes > 0 ? 1u : 0u;
  }
  std::printf("regions used: %u of %u\n", used, region_count);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool pool1 = argc == 3 && std::strcmp(argv[1], "pool1") == 0;
  if (argc != 3 || (std::strcmp(argv[1], "heap") != 0 && std::strcmp(argv[1], "pool8") != 0 && !pool1)) {
    std::fprintf(stderr, "usage: smh_event_count <heap|pool8|pool1> <mix|trace file>\n");
    return 2;
  }
  std::size_t arena_bytes = 0;
  TraceEvents trace;
  if (std::strcmp(argv[2], "mix") == 0) {
    trace = mix_events(&arena_bytes);
  } else {
    std::string error;
    trace = smh::bench::decode_trace(argv[2], smh::bench::default_trace_event_limit, &error);
    if (!error.empty()) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    arena_bytes = smh::bench::roomy_region_bytes(trace);
  }
  smh::bench::AlignedBuffer arena(arena_bytes);
  std::vector<void*> slots(trace.slot_count, nullptr);
  std::uint64_t failed = 0;
  if (std::strcmp(argv[1], "heap") == 0) {
    smh::Heap heap;
    if (heap.init(arena.data(), arena_bytes) != smh::Status::ok) {
      return 1;
    }
    failed = count_replay_heap(HeapTarget{&heap}, trace, slots);
  } else if (run_pool(pool1 ? 1 : pool_regions, arena.data(), arena_bytes, trace, slots, &failed) != 0) {
    std::fprintf(stderr, "pool set-up failed\n");
    return 1;
  }
  std::printf("hardened: %d\nevents: %zu\nfailed: %llu\n", SMH_HARDENED, trace.events.size(),
              static_cast<unsigned long long>(failed));
  return 0;
}
