// The round trip a device capture makes: ops applied to the shipped pool with
// the capture (core/capture) on its hooks, the device log imported back
// (smh::sim::Importer, format device), and both replayed by the Executor.
//  - Ops the hooks can tell apart (allocations, aligned ones, frees, reallocs
//    that stay in place, exact mode) come back as the same ops, with the same
//    replay digest.
//  - Anything else (reallocs that move, capability mode, several regions per
//    attribute) comes back as documented — a moving realloc as an allocation in
//    the new place and a free of the old block, attributes as the serving
//    region's — and the replay places every block at the same device address
//    and ends with the same regions.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "smh/capture_hooks.hpp"
#include "smh/pool.hpp"
#include "smh/sim/executor.hpp"
#include "smh/sim/import.hpp"
#include "smh/sim/memory_map.hpp"
#include "smh/sim/prng.hpp"
#include "smh/sim/workload.hpp"
#include "support/import_files.hpp"

namespace smh::sim {
namespace {

using CapturePool = BasicPool<Executor::max_regions, Executor::max_regions, Executor::attribute_count, NoLock>;

void append_text(void* context, const char* text, std::size_t length) {
  static_cast<std::string*>(context)->append(text, length);
}

// Applies `ops` to the pool the Executor would build for `machine` (same region
// order, sizes and host/device congruence, from a MemoryMap of its own), with
// the capture attached at the regions' device addresses; returns the log.
std::string capture_ops(const MachineConfig& machine, const std::vector<Op>& ops) {
  MemoryMap map;
  std::string error;
  EXPECT_TRUE(MemoryMap::build(machine.regions, &map, &error)) << error;
  auto pool = std::make_unique<CapturePool>();
  EXPECT_EQ(pool->init(machine.pool), Status::ok);
  std::vector<std::uintptr_t> bases;
  for (unsigned region = 0; region < map.region_count(); ++region) {
    RegionConfig config;
    config.address = reinterpret_cast<std::uintptr_t>(map.cpu_view(region));
    config.size_bytes = static_cast<std::size_t>(map.spec(region).size_bytes);
    config.attr = map.spec(region).attr;
    config.reserved = map.spec(region).reserved;
    config.role = map.spec(region).role;
    EXPECT_EQ(pool->add(config), Status::ok);
    bases.push_back(static_cast<std::uintptr_t>(map.spec(region).base));
  }
  std::string log = "uart: boot\n";  // console text around the capture is ignored
  smh_capture capture;
  smh_capture_init_write(&capture, append_text, &log);
  smh_capture_begin(&capture, 0);
  std::vector<smh_capture_region> regions(Executor::max_regions);
  EXPECT_EQ(capture::attach(*pool, &capture, regions.data(), static_cast<unsigned>(regions.size()), bases.data()),
            Status::ok);
  std::map<Handle, void*> blocks;
  for (const Op& op : ops) {
    switch (op.kind) {
      case OpKind::alloc:
        EXPECT_EQ(op.fallback_count, 0u);
        blocks[op.handle] = pool->aligned_alloc(op.attr, op.align_bytes, op.size_bytes);
        break;
      case OpKind::realloc:
        blocks[op.handle] = pool->aligned_realloc(op.attr, blocks[op.handle], op.align_bytes, op.size_bytes);
        break;
      case OpKind::free:
        EXPECT_EQ(pool->free(blocks[op.handle]), Status::ok);
        blocks.erase(op.handle);
        break;
      default: ADD_FAILURE() << "not a block op";
    }
  }
  return log;
}

test::Imported import_log(const std::string& log) {
  return test::import_text(log, test::options_for(ImportFormat::device), "device.log");
}

RunResult replay(const MachineConfig& machine, const std::vector<Op>& ops) {
  RunResult result = run_ops(machine, ops, 7);
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.findings.empty()) << to_string(result.findings.front().check) << ": " << result.findings.front().message;
  return result;
}

RegionSpec region(const char* name, std::uint64_t base, std::uint64_t size_bytes, std::uint32_t attr) {
  RegionSpec spec;
  spec.name = name;
  spec.base = base;
  spec.size_bytes = size_bytes;
  spec.attr = attr;
  return spec;
}

// Allocations of three attributes, aligned ones among them, frees, and
// reallocs that shrink with the block's own attribute: all stay in place.
std::vector<Op> in_place_workload(std::uint64_t seed, unsigned op_count) {
  Rng rng = Rng::stream(seed, "test.capture_round_trip");
  struct Live {
    Handle handle;
    std::uint32_t attr;
    std::uint64_t size_bytes;
  };
  std::vector<Live> live;
  std::vector<Op> ops;
  Handle next = 1;
  constexpr std::uint64_t aligns[] = {0, 0, 0, 16, 64, 256};
  while (ops.size() < op_count) {
    // About 100 blocks live: allocations win below, frees above.
    const std::uint64_t roll = rng.below(10);
    if (live.empty() || roll < (live.size() < 100 ? 6u : 3u)) {
      const Live block{next++, static_cast<std::uint32_t>(rng.below(3)), rng.log_uniform(1, 4096)};
      ops.push_back(test::alloc_op(block.handle, block.attr, block.size_bytes, aligns[rng.below(6)]));
      live.push_back(block);
    } else if (roll < (live.size() < 100 ? 8u : 5u)) {
      Live& block = live[rng.below(live.size())];
      block.size_bytes = block.size_bytes / 2 + 1;
      ops.push_back(test::realloc_op(block.handle, block.attr, block.size_bytes));
    } else {
      const std::size_t index = rng.below(live.size());
      ops.push_back(test::free_op(live[index].handle));
      live[index] = live.back();
      live.pop_back();
    }
  }
  for (const Live& block : live) {
    ops.push_back(test::free_op(block.handle));
  }
  return ops;
}

TEST(CaptureRoundTrip, SameOpsAndSameDigest) {
  MachineConfig machine;
  machine.regions = {region("sram", 0x2000'0000, 256 << 10, attr::cacheable),
                     region("dma", 0x2004'0008, 256 << 10, attr::non_cacheable),
                     region("psram", 0x6000'0000, 1 << 20, attr::external)};
  const std::vector<Op> ops = in_place_workload(11, 4000);
  const RunResult original = replay(machine, ops);
  for (const Event& event : original.events) {
    ASSERT_NE(event.kind, EventKind::moved) << "the workload keeps reallocs in place";
    ASSERT_NE(event.kind, EventKind::alloc_failed);
  }

  const std::string log = capture_ops(machine, ops);
  const test::Imported imported = import_log(log);
  ASSERT_EQ(imported.error.message, "") << imported.error.to_string();
  EXPECT_EQ(test::describe(imported.ops), test::describe(ops));
  EXPECT_EQ(imported.stats.unmatched_frees + imported.stats.implied_frees + imported.stats.lost_events, 0u);
  EXPECT_EQ(imported.stats.ignored_lines, 1u + 1 + 3);  // the console line, B, one H per region

  const RunResult again = replay(machine, imported.ops);
  EXPECT_EQ(again.summary.digest, original.summary.digest);
}

// Where every block went, in order: allocations and moves by device address,
// a move as an allocation in the new place and a free of the old one, which is
// exactly how the capture sees a pool realloc that moves.
std::vector<std::string> placements(const RunResult& run) {
  std::vector<std::string> out;
  std::map<Handle, std::uint64_t> address;
  for (const Event& event : run.events) {
    switch (event.kind) {
      case EventKind::allocated:
        out.push_back("alloc " + std::to_string(event.device_address) + " " + std::to_string(event.size_bytes));
        address[event.handle] = event.device_address;
        break;
      case EventKind::resized:
        out.push_back("resize " + std::to_string(event.device_address) + " " + std::to_string(event.size_bytes));
        break;
      case EventKind::moved:
        out.push_back("alloc " + std::to_string(event.device_address) + " " + std::to_string(event.size_bytes));
        out.push_back("free " + std::to_string(address[event.handle]));
        address[event.handle] = event.device_address;
        break;
      case EventKind::freed:
        out.push_back("free " + std::to_string(address[event.handle]));
        break;
      default: ADD_FAILURE() << "unexpected event " << to_string(event.kind);
    }
  }
  return out;
}

// The ops the capture must give back for `ops`: the original's outcome events
// say which reallocs moved and which region served each request.
std::vector<Op> expected_import(const MachineConfig& machine, const std::vector<Op>& ops, const RunResult& run) {
  std::vector<Op> out;
  std::map<Handle, Handle> renamed;
  Handle next = 1;
  std::size_t event = 0;
  for (const Op& op : ops) {
    const Event& outcome = run.events[event++];
    const std::uint32_t region_attr = machine.regions[outcome.region].attr;
    if (op.kind == OpKind::alloc) {
      renamed[op.handle] = next++;
      out.push_back(test::alloc_op(renamed[op.handle], region_attr, op.size_bytes, op.align_bytes));
    } else if (op.kind == OpKind::free) {
      out.push_back(test::free_op(renamed[op.handle]));
    } else if (outcome.kind == EventKind::resized) {
      out.push_back(test::realloc_op(renamed[op.handle], region_attr, op.size_bytes, op.align_bytes));
    } else {
      const Handle old = renamed[op.handle];
      renamed[op.handle] = next++;
      out.push_back(test::alloc_op(renamed[op.handle], region_attr, op.size_bytes, op.align_bytes));
      out.push_back(test::free_op(old));
    }
  }
  return out;
}

void expect_same_placements(MachineConfig machine, const WorkloadConfig& workload, std::uint64_t seed) {
  const std::vector<Op> ops = generate_workload(workload, seed);
  const RunResult original = replay(machine, ops);
  ASSERT_EQ(original.summary.failed_allocs, 0u) << "the machine holds the workload";
  std::size_t moves = 0;
  for (const Event& event : original.events) {
    moves += event.kind == EventKind::moved ? 1 : 0;
  }
  EXPECT_GT(moves, 10u) << "the workload moves blocks";

  const test::Imported imported = import_log(capture_ops(machine, ops));
  ASSERT_EQ(imported.error.message, "") << imported.error.to_string();
  EXPECT_EQ(test::describe(imported.ops), test::describe(expected_import(machine, ops, original)));
  const RunResult again = replay(machine, imported.ops);
  EXPECT_EQ(placements(again), placements(original));
  ASSERT_EQ(again.summary.regions.size(), original.summary.regions.size());
  for (std::size_t i = 0; i < original.summary.regions.size(); ++i) {
    EXPECT_EQ(again.summary.regions[i].stats.high_water_bytes, original.summary.regions[i].stats.high_water_bytes);
    EXPECT_EQ(again.summary.regions[i].stats.alloc_count, original.summary.regions[i].stats.alloc_count);
  }
}

TEST(CaptureRoundTrip, MovesAndCapabilitiesReplayAtTheSameAddresses) {
  WorkloadConfig workload;
  workload.op_count = 3000;
  workload.target_live_bytes = 48 << 10;
  workload.realloc_per_mille = 100;
  workload.attrs = {caps::dma, caps::internal, caps::external, caps::dma | caps::internal};
  MachineConfig machine;
  machine.pool.mode = MatchMode::capability;
  machine.regions = {region("dtcm", 0x2000'0000, 32 << 10, caps::dma | caps::internal | caps::tcm),
                     region("sram1", 0x2400'0000, 64 << 10, caps::dma | caps::internal),
                     region("sram2", 0x3000'0000, 64 << 10, caps::internal),
                     region("psram", 0x6000'0000, 256 << 10, caps::external | caps::dma)};
  for (const Policy policy : {Policy::first_fit, Policy::best_fit, Policy::worst_fit, Policy::round_robin}) {
    SCOPED_TRACE(to_string(policy));
    machine.pool.policy = policy;
    expect_same_placements(machine, workload, 3);
  }
}

TEST(CaptureRoundTrip, ExactModeWithRegionsSharingAnAttribute) {
  WorkloadConfig workload;
  workload.op_count = 3000;
  workload.target_live_bytes = 40 << 10;
  workload.realloc_per_mille = 100;
  workload.attrs = {attr::cacheable, attr::non_cacheable};
  MachineConfig machine;
  machine.pool.policy = Policy::smallest_region_first;
  machine.regions = {region("a", 0x2000'0000, 64 << 10, attr::cacheable),
                     region("b", 0x2100'0000, 32 << 10, attr::cacheable),
                     region("c", 0x2200'0000, 64 << 10, attr::non_cacheable),
                     region("d", 0x2300'0000, 48 << 10, attr::non_cacheable)};
  expect_same_placements(machine, workload, 5);
}

}  // namespace
}  // namespace smh::sim
