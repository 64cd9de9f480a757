// Pool replay: the allocation ops of every bundled scenario (replay_data.hpp)
// through smh::BasicPool alone, without the simulator, printing every returned
// offset (region and offset in it, usable size) and each region's final
// statistics. Built for the host and for the Cortex-M4 target (QEMU) from this
// one source; the test on_target_pool_replay_equals_host requires both outputs
// to be byte-identical: the pool places blocks by offsets, never by the host.
//
// An op on a handle that is not live (its alloc failed) is skipped and says so,
// as firmware checks for NULL. Exit status 1 when a region fails validate() or
// the live-block table overflows.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <new>

#include "replay_data.hpp"
#include "smh/pool.hpp"
#include "support/print_heap_stats.hpp"

namespace {

namespace replay = smh::test::replay;
using smh::test::ull;
using Pool = smh::BasicPool<replay::max_regions, replay::max_regions, 32, smh::NoLock>;

alignas(replay::page_bytes) unsigned char arena[replay::arena_bytes];
alignas(Pool) unsigned char pool_storage[sizeof(Pool)];  // one pool at a time, built per scenario

struct LiveBlock {
  std::uint32_t handle;
  void* ptr;
};
LiveBlock live[replay::max_live_blocks];
unsigned live_count = 0;

LiveBlock* find_live(std::uint32_t handle) {
  for (unsigned i = 0; i < live_count; ++i) {
    if (live[i].handle == handle) {
      return &live[i];
    }
  }
  return nullptr;
}

void forget(LiveBlock* block) { *block = live[--live_count]; }

unsigned char* region_start[replay::max_regions];

// " -> r<region>+<offset> usable <bytes>" or " -> null".
void print_placement(const Pool& pool, const void* ptr) {
  if (ptr == nullptr) {
    std::printf(" -> null\n");
    return;
  }
  const smh::Owner owner = pool.owner(ptr);
  const auto offset = static_cast<std::size_t>(static_cast<const unsigned char*>(ptr) - region_start[owner.region]);
  std::printf(" -> r%u+%llu usable %llu\n", owner.region, ull(offset), ull(pool.usable_size(ptr)));
}

// Applies one op; false when the live-block table is full.
bool apply(Pool& pool, unsigned index, const replay::Op& op) {
  std::printf("  %u ", index);
  LiveBlock* block = find_live(op.handle);
  switch (op.kind) {
    case replay::OpKind::alloc: {
      std::printf("alloc h%lu %lu align %lu", static_cast<unsigned long>(op.handle),
                  static_cast<unsigned long>(op.size_bytes), static_cast<unsigned long>(op.align_bytes));
      if (block != nullptr) {
        std::printf(" -> skipped: the handle is live\n");
        return true;
      }
      void* ptr = op.attr_count == 1 ? pool.aligned_alloc(op.attrs[0], op.align_bytes, op.size_bytes)
                                     : pool.alloc_prefer(op.attrs, op.attr_count, op.size_bytes, op.align_bytes);
      print_placement(pool, ptr);
      if (ptr != nullptr) {
        if (live_count == replay::max_live_blocks) {
          std::printf("more than %u live blocks\n", replay::max_live_blocks);
          return false;
        }
        live[live_count++] = LiveBlock{op.handle, ptr};
      }
      return true;
    }
    case replay::OpKind::realloc: {
      std::printf("realloc h%lu %lu align %lu", static_cast<unsigned long>(op.handle),
                  static_cast<unsigned long>(op.size_bytes), static_cast<unsigned long>(op.align_bytes));
      if (block == nullptr) {
        std::printf(" -> skipped: the handle is not live\n");
        return true;
      }
      void* ptr = pool.aligned_realloc(op.attrs[0], block->ptr, op.align_bytes, op.size_bytes);
      if (op.size_bytes == 0) {
        std::printf(" -> freed\n");
        forget(block);
        return true;
      }
      print_placement(pool, ptr);
      block->ptr = ptr != nullptr ? ptr : block->ptr;  // a failed realloc keeps the old block
      return true;
    }
    case replay::OpKind::free:
      std::printf("free h%lu", static_cast<unsigned long>(op.handle));
      if (block == nullptr) {
        std::printf(" -> skipped: the handle is not live\n");
        return true;
      }
      std::printf(" -> %s\n", smh::to_string(pool.free(block->ptr)));
      forget(block);
      return true;
  }
  return true;
}

// Replays one scenario; false when a region fails validation.
bool replay_scenario(const replay::Scenario& scenario) {
  std::printf("scenario %s\n", scenario.name);
  if (scenario.skipped_because != nullptr) {
    std::printf("  not replayed: %s\n", scenario.skipped_because);
    return true;
  }
  Pool* pool = new (pool_storage) Pool();
  smh::PoolConfig config;
  config.mode = static_cast<smh::MatchMode>(scenario.mode);
  config.policy = static_cast<smh::Policy>(scenario.policy);
  config.size_threshold_bytes = scenario.size_threshold_bytes;
  std::printf("  pool %s, %s\n", smh::to_string(config.policy), smh::to_string(pool->init(config)));
  std::size_t cursor = 0;
  for (unsigned i = 0; i < scenario.region_count; ++i) {
    const replay::Region& spec = scenario.regions[i];
    cursor = (cursor + replay::page_bytes - 1) / replay::page_bytes * replay::page_bytes + spec.page_offset_bytes;
    region_start[i] = arena + cursor;
    cursor += spec.size_bytes;
    smh::RegionConfig region;
    region.address = reinterpret_cast<std::uintptr_t>(region_start[i]);
    region.size_bytes = spec.size_bytes;
    region.attr = spec.attr;
    region.reserved = spec.reserved;
    region.role = static_cast<smh::RegionRole>(spec.role);
    std::printf("  region %u: %lu bytes, page offset %lu, attr %lu -> %s\n", i,
                static_cast<unsigned long>(spec.size_bytes), static_cast<unsigned long>(spec.page_offset_bytes),
                static_cast<unsigned long>(spec.attr), smh::to_string(pool->add(region)));
  }
  live_count = 0;
  bool ok = true;
  for (unsigned i = 0; i < scenario.op_count && ok; ++i) {
    ok = apply(*pool, i, scenario.ops[i]);
  }
  char title[32];
  for (unsigned i = 0; i < scenario.region_count; ++i) {
    std::snprintf(title, sizeof title, "region %u", i);
    smh::test::print_heap_stats("  ", title, pool->region_stats(i));
  }
  const smh::PoolValidationReport report = pool->validate();
  std::printf("  validate: %s\n", report.ok() ? "ok" : "FAILED");
  pool->~Pool();
  return ok && report.ok();
}

}  // namespace

int main() {
  bool ok = true;
  for (unsigned i = 0; i < replay::scenario_count; ++i) {
    ok = replay_scenario(replay::scenarios[i]) && ok;
  }
  std::printf("%u scenarios: %s\n", replay::scenario_count, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
