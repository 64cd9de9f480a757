// smh::sim::Executor — applies ops to the real pool over the simulated memory map
// and checks, after every op, what must hold (incrementally: each check costs
// O(log live blocks) or O(size of the block touched), never a rescan):
//
//   NON_OVERLAP      a new or moved block meets no other live block
//   CONTAINMENT      a block lies inside one region
//   ATTRIBUTE        the block's region satisfies the request
//   ALIGNMENT        the device address has the requested alignment
//   USABLE_SIZE      usable_size() >= requested
//   CONTENT          fill patterns intact before free, after realloc, at the end
//   ACCOUNTING       the touched region's usable + free + overhead == capacity
//   COALESCING       when nothing is live, every region is one free block
//   NO_FALSE_OOM     a failed alloc while a matching region had a free block
//                    that could hold it (found by an independent walk)
//   HEAP_VALIDATE    the pool's full validate(), every K ops and at the end
//   FREE_REFUSED     the pool refused to free a live block
#include "smh/sim/executor.hpp"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <set>
#include <utility>

#include "smh/pool.hpp"
#include "smh/sim/digest.hpp"
#include "smh/sim/fill_pattern.hpp"
#include "smh/sim/shadow_state.hpp"

namespace smh::sim {

namespace {

using SimPool = BasicPool<Executor::max_regions, Executor::max_regions, Executor::attribute_count, NoLock>;

std::string hex(std::uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%" PRIx64, value);
  return text;
}

double external_fragmentation(const HeapStats& stats) {
  return stats.free_bytes == 0 ? 0.0
                               : 1.0 - static_cast<double>(stats.largest_free_block_bytes) /
                                           static_cast<double>(stats.free_bytes);
}

// The heap's documented placement rule, restated independently: can a free block
// [block, block + block_bytes) (host addresses) hold `size_bytes` at `align_bytes`?
// The payload sits 8 bytes after a header; a gap in front must be 0 or >= 16 bytes
// (it stays behind as a free block); the block needs max(16, 8 + round8(size)).
bool free_block_fits(std::uintptr_t block, std::uint64_t block_bytes, std::uint64_t size_bytes,
                     std::uint64_t align_bytes) {
  const std::uint64_t need = std::max<std::uint64_t>(16, 8 + (size_bytes + 7) / 8 * 8);
  const std::uint64_t align = align_bytes > 8 ? align_bytes : 8;
  std::uint64_t payload = (block + 8 + align - 1) / align * align;
  if (payload - 8 - block == 8) {  // a one-granule gap cannot stay behind
    payload += align;
  }
  return payload - 8 - block + need <= block_bytes;
}

}  // namespace

struct Executor::Impl {
  MemoryMap map;
  std::unique_ptr<SimPool> pool;
  ShadowState shadow;
  ExecutorOptions options;
  MachineConfig config;
  std::uint64_t seed = 0;
  std::vector<Event> events;
  std::vector<Finding> findings;
  Digest digest;
  std::uint64_t op_index = 0;
  std::uint64_t failed_allocs = 0;
  std::uint64_t peak_live_bytes = 0;
  // Handles whose last alloc failed: they hold a null pointer, as in C, so a later
  // free is a no-op and a realloc allocates.
  std::set<Handle> null_handles;

  void record(const Event& event) {
    events.push_back(event);
    digest.add_u64(event.op_index);
    digest.add_u64(static_cast<std::uint64_t>(event.kind));
    digest.add_u64(event.handle);
    digest.add_u64(event.region);
    digest.add_u64(event.device_address);
    digest.add_u64(event.size_bytes);
    digest.add_u64(event.usable_bytes);
  }

  void report(const char* check, std::string message, Handle handle = 0) {
    findings.push_back(Finding{op_index, check, message});
    digest.add_text(check);
    digest.add_text(message);
    Event event;
    event.op_index = op_index;
    event.kind = EventKind::finding;
    event.handle = handle;
    events.push_back(event);
  }

  [[nodiscard]] bool satisfies(unsigned region, std::uint32_t attr) const {
    const std::uint32_t have = map.spec(region).attr;
    return config.pool.mode == MatchMode::exact ? have == attr : (have & attr) == attr;
  }

  std::string describe(Handle handle, const LiveBlock& block) const {
    return "handle " + std::to_string(handle) + " [" + hex(block.device_address) + ", " +
           hex(block.device_address + block.size_bytes) + ") in '" + map.spec(block.region).name + "'";
  }

  // Places a block the pool returned: where is it, does it hold, and record it.
  bool locate(void* ptr, const Op& op, LiveBlock* block) {
    const auto where = map.locate_host(ptr);
    if (!where) {
      report("CONTAINMENT", "handle " + std::to_string(op.handle) + ": the pool returned memory outside every region",
             op.handle);
      return false;
    }
    block->ptr = ptr;
    block->region = where->region;
    block->device_address = map.device_address(where->region, where->offset);
    block->size_bytes = op.size_bytes;
    block->attr = op.attr;
    block->align_bytes = op.align_bytes;
    return true;
  }

  void check_new_block(Handle handle, const LiveBlock& block) {
    const RegionSpec& region = map.spec(block.region);
    const std::uint64_t end = block.device_address + block.size_bytes;
    if (end > region.base + region.size_bytes) {
      report("CONTAINMENT", describe(handle, block) + " runs past the region's end " +
                                hex(region.base + region.size_bytes), handle);
    }
    if (!satisfies(block.region, block.attr)) {
      report("ATTRIBUTE", describe(handle, block) + ": region attribute " + hex(region.attr) +
                              " does not satisfy the request " + hex(block.attr), handle);
    }
    if (block.align_bytes > 1 && block.device_address % block.align_bytes != 0) {
      report("ALIGNMENT", describe(handle, block) + " is not aligned to " + std::to_string(block.align_bytes),
             handle);
    }
    const std::size_t usable = pool->usable_size(block.ptr);
    if (usable < block.size_bytes) {
      report("USABLE_SIZE", describe(handle, block) + ": usable " + std::to_string(usable) + " < requested",
             handle);
    }
    if (const auto other = shadow.overlapping(block.device_address, end, handle)) {
      report("NON_OVERLAP", describe(handle, block) + " overlaps " + describe(*other, *shadow.find(*other)),
             handle);
    }
  }

  void check_contents(Handle handle, const LiveBlock& block, std::uint64_t prefix_bytes, const char* when) {
    const std::uint64_t key = fill_key(seed, handle, block.generation);
    const auto bad = find_fill_mismatch(static_cast<const unsigned char*>(block.ptr),
                                        static_cast<std::size_t>(prefix_bytes), key);
    if (bad) {
      report("CONTENT", describe(handle, block) + ": byte at " + hex(block.device_address + *bad) +
                            " changed (checked " + when + ")", handle);
    }
  }

  void check_accounting(unsigned region) {
    const HeapStats stats = pool->region_stats(region);
    if (stats.allocated_usable_bytes + stats.free_bytes + stats.overhead_bytes != stats.capacity_bytes) {
      report("ACCOUNTING", "region '" + map.spec(region).name + "': usable " +
                               std::to_string(stats.allocated_usable_bytes) + " + free " +
                               std::to_string(stats.free_bytes) + " + overhead " +
                               std::to_string(stats.overhead_bytes) + " != capacity " +
                               std::to_string(stats.capacity_bytes));
    }
  }

  void check_coalesced() {
    for (unsigned region = 0; region < map.region_count(); ++region) {
      const HeapStats stats = pool->region_stats(region);
      if (stats.free_block_count != 1 || stats.allocated_block_count != 0) {
        report("COALESCING", "region '" + map.spec(region).name + "' holds " +
                                 std::to_string(stats.free_block_count) + " free and " +
                                 std::to_string(stats.allocated_block_count) +
                                 " allocated blocks with nothing live");
      }
    }
  }

  void check_no_false_oom(const Op& op) {
    struct Search {
      const Impl* impl;
      const Op* op;
      std::optional<std::pair<unsigned, std::uint64_t>> fit;  // region, block device address
    } search{this, &op, std::nullopt};
    pool->walk([&search](unsigned region, const BlockInfo& block) {
      const Impl& self = *search.impl;
      const RegionSpec& spec = self.map.spec(region);
      if (search.fit || block.used || spec.reserved || !self.satisfies(region, search.op->attr)) {
        return;
      }
      const auto host = reinterpret_cast<std::uintptr_t>(self.map.cpu_view(region)) + block.block_offset_bytes;
      if (free_block_fits(host, block.block_size_bytes, search.op->size_bytes, search.op->align_bytes)) {
        search.fit = std::make_pair(region, spec.base + block.block_offset_bytes);
      }
    });
    if (search.fit) {
      report("NO_FALSE_OOM", "alloc of " + std::to_string(op.size_bytes) + " bytes (align " +
                                 std::to_string(op.align_bytes) + ") failed, but the free block at " +
                                 hex(search.fit->second) + " in '" + map.spec(search.fit->first).name +
                                 "' could hold it", op.handle);
    }
  }

  void validate_all() {
    const PoolValidationReport report_of_pool = pool->validate();
    if (!report_of_pool.ok()) {
      const RegionSpec& spec = map.spec(report_of_pool.region);
      report("HEAP_VALIDATE", "region '" + spec.name + "': " + to_string(report_of_pool.report.check) + " at " +
                                  hex(spec.base + report_of_pool.report.offset_bytes));
    }
  }

  void apply_alloc(const Op& op) {
    void* ptr = pool->aligned_alloc(op.attr, op.align_bytes, op.size_bytes);
    Event event{op_index, EventKind::alloc_failed, op.handle, 0, 0, op.size_bytes, 0};
    LiveBlock block;
    if (ptr == nullptr) {
      ++failed_allocs;
      null_handles.insert(op.handle);
      record(event);
      if (options.check_invariants) {
        check_no_false_oom(op);
      }
      return;
    }
    if (!locate(ptr, op, &block)) {
      return;
    }
    if (options.check_invariants) {
      check_new_block(op.handle, block);
      write_fill(static_cast<unsigned char*>(ptr), static_cast<std::size_t>(op.size_bytes),
                 fill_key(seed, op.handle, block.generation));
      check_accounting(block.region);
    }
    null_handles.erase(op.handle);
    shadow.insert(op.handle, block);
    event.kind = EventKind::allocated;
    event.region = block.region;
    event.device_address = block.device_address;
    event.usable_bytes = pool->usable_size(ptr);
    record(event);
  }

  // Frees through pool.free, or through realloc(ptr, 0) when `via_realloc`.
  void apply_free(const Op& op, LiveBlock block, bool via_realloc) {
    if (options.check_invariants) {
      check_contents(op.handle, block, block.size_bytes, "before free");
    }
    if (via_realloc) {
      const std::uint64_t freed_before = pool->region_stats(block.region).free_count;
      if (pool->aligned_realloc(op.attr, block.ptr, op.align_bytes, 0) != nullptr ||
          pool->region_stats(block.region).free_count != freed_before + 1) {
        report("FREE_REFUSED", describe(op.handle, block) + ": realloc to 0 bytes did not free it", op.handle);
      }
    } else if (const Status status = pool->free(block.ptr); status != Status::ok) {
      report("FREE_REFUSED", describe(op.handle, block) + ": " + to_string(status), op.handle);
    }
    const unsigned region = block.region;
    record(Event{op_index, EventKind::freed, op.handle, region, block.device_address, block.size_bytes, 0});
    shadow.erase(op.handle);
    if (options.check_invariants) {
      check_accounting(region);
      if (shadow.live_count() == 0) {
        check_coalesced();
      }
    }
  }

  void apply_realloc(const Op& op, LiveBlock old) {
    if (op.size_bytes == 0) {  // realloc to 0 frees
      apply_free(op, old, true);
      return;
    }
    if (options.check_invariants) {
      check_contents(op.handle, old, old.size_bytes, "before realloc");
    }
    void* ptr = pool->aligned_realloc(op.attr, old.ptr, op.align_bytes, op.size_bytes);
    if (ptr == nullptr) {
      ++failed_allocs;
      record(Event{op_index, EventKind::realloc_failed, op.handle, old.region, old.device_address, op.size_bytes, 0});
      if (options.check_invariants) {
        check_contents(op.handle, old, old.size_bytes, "after a failed realloc");
      }
      return;
    }
    shadow.erase(op.handle);
    LiveBlock block;
    if (!locate(ptr, op, &block)) {
      return;
    }
    block.generation = old.generation + 1;
    if (options.check_invariants) {
      check_contents(op.handle, LiveBlock{ptr, block.device_address, 0, block.region, 0, 0, old.generation},
                     std::min(old.size_bytes, op.size_bytes), "after realloc (kept prefix)");
      check_new_block(op.handle, block);
      write_fill(static_cast<unsigned char*>(ptr), static_cast<std::size_t>(op.size_bytes),
                 fill_key(seed, op.handle, block.generation));
      check_accounting(block.region);
      if (block.region != old.region) {
        check_accounting(old.region);
      }
    }
    shadow.insert(op.handle, block);
    record(Event{op_index, ptr == old.ptr ? EventKind::resized : EventKind::moved, op.handle, block.region,
                 block.device_address, op.size_bytes, pool->usable_size(ptr)});
  }
};

Executor::Executor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Executor::~Executor() = default;

std::unique_ptr<Executor> Executor::create(const MachineConfig& config, const ExecutorOptions& options,
                                           std::uint64_t seed, std::string* error) {
  auto impl = std::make_unique<Impl>();
  if (config.regions.size() > max_regions) {
    *error = "the machine has " + std::to_string(config.regions.size()) + " regions; the simulator holds at most " +
             std::to_string(max_regions);
    return nullptr;
  }
  if (!MemoryMap::build(config.regions, &impl->map, error)) {
    return nullptr;
  }
  impl->config = config;
  impl->options = options;
  impl->shadow = ShadowState(options.check_invariants);
  impl->seed = seed;
  impl->pool = std::make_unique<SimPool>();
  if (const Status status = impl->pool->init(config.pool); status != Status::ok) {
    *error = std::string("pool configuration refused: ") + to_string(status);
    return nullptr;
  }
  for (unsigned region = 0; region < impl->map.region_count(); ++region) {
    const RegionSpec& spec = impl->map.spec(region);
    RegionConfig region_config;
    region_config.address = reinterpret_cast<std::uintptr_t>(impl->map.cpu_view(region));
    region_config.size_bytes = static_cast<std::size_t>(spec.size_bytes);
    region_config.attr = spec.attr;
    region_config.reserved = spec.reserved;
    if (const Status status = impl->pool->add(region_config); status != Status::ok) {
      *error = "region '" + spec.name + "' at " + hex(spec.base) + " refused by the pool: " + to_string(status);
      return nullptr;
    }
  }
  return std::unique_ptr<Executor>(new Executor(std::move(impl)));
}

bool Executor::apply(const Op& op, std::string* error) {
  Impl& self = *impl_;
  const LiveBlock* live = self.shadow.find(op.handle);
  auto invalid = [&](const std::string& why) {
    *error = "op " + std::to_string(self.op_index) + " (" + to_string(op.kind) + " handle " +
             std::to_string(op.handle) + "): " + why;
    return false;
  };
  if (op.align_bytes != 0 && !std::has_single_bit(op.align_bytes)) {
    return invalid("alignment " + std::to_string(op.align_bytes) + " is not a power of two");
  }
  // Only a handle that is not live can hold null: skip the lookup otherwise.
  const bool holds_null = live == nullptr && self.null_handles.contains(op.handle);
  switch (op.kind) {
    case OpKind::alloc:
      if (live != nullptr) {
        return invalid("the handle is still live");
      }
      self.apply_alloc(op);
      break;
    case OpKind::realloc:
      if (holds_null) {  // realloc(NULL, n) allocates
        self.apply_alloc(op);
        break;
      }
      if (live == nullptr) {
        return invalid("no live block has this handle");
      }
      self.apply_realloc(op, *live);
      break;
    case OpKind::free:
      if (holds_null) {  // free(NULL) does nothing
        self.null_handles.erase(op.handle);
        self.record(Event{self.op_index, EventKind::freed, op.handle, 0, 0, 0, 0});
        break;
      }
      if (live == nullptr) {
        return invalid("no live block has this handle");
      }
      self.apply_free(op, *live, false);
      break;
  }
  self.peak_live_bytes = std::max(self.peak_live_bytes, self.shadow.live_bytes());
  ++self.op_index;
  if (self.options.check_invariants && self.options.validate_every_ops != 0 &&
      self.op_index % self.options.validate_every_ops == 0) {
    self.validate_all();
  }
  return true;
}

void Executor::finish() {
  Impl& self = *impl_;
  if (self.options.check_invariants) {
    for (const Handle handle : self.shadow.handles_in_order()) {
      const LiveBlock& block = *self.shadow.find(handle);
      self.check_contents(handle, block, block.size_bytes, "at the end of the run");
    }
    self.validate_all();
  }
}

const std::vector<Event>& Executor::events() const { return impl_->events; }
const std::vector<Finding>& Executor::findings() const { return impl_->findings; }
std::uint64_t Executor::digest() const { return impl_->digest.value(); }
const MemoryMap& Executor::memory_map() const { return impl_->map; }

RunSummary Executor::summary() const {
  const Impl& self = *impl_;
  RunSummary summary;
  summary.ops = self.op_index;
  summary.failed_allocs = self.failed_allocs;
  summary.peak_live_bytes = self.peak_live_bytes;
  summary.digest = self.digest.value();
  for (unsigned region = 0; region < self.map.region_count(); ++region) {
    RegionSummary one;
    one.name = self.map.spec(region).name;
    one.base = self.map.spec(region).base;
    one.stats = self.pool->region_stats(region);
    one.external_fragmentation = external_fragmentation(one.stats);
    summary.regions.push_back(one);
  }
  return summary;
}

RunResult run_ops(const MachineConfig& config, std::span<const Op> ops, std::uint64_t seed,
                  const ExecutorOptions& options) {
  RunResult result;
  std::unique_ptr<Executor> executor = Executor::create(config, options, seed, &result.error);
  if (!executor) {
    return result;
  }
  for (const Op& op : ops) {
    if (!executor->apply(op, &result.error)) {
      return result;
    }
  }
  executor->finish();
  result.ok = true;
  result.events = executor->events();
  result.findings = executor->findings();
  result.summary = executor->summary();
  return result;
}

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::alloc: return "alloc";
    case OpKind::realloc: return "realloc";
    case OpKind::free: return "free";
  }
  return "unknown_op";
}

const char* to_string(EventKind kind) {
  switch (kind) {
    case EventKind::allocated: return "allocated";
    case EventKind::alloc_failed: return "alloc_failed";
    case EventKind::resized: return "resized";
    case EventKind::moved: return "moved";
    case EventKind::realloc_failed: return "realloc_failed";
    case EventKind::freed: return "freed";
    case EventKind::finding: return "finding";
  }
  return "unknown_event";
}

}  // namespace smh::sim
