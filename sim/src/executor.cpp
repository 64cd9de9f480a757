// smh::sim::Executor — lifecycle, the op dispatcher, the summary. The
// coordinator and its parts are drawn in executor_impl.hpp (which lists the
// files that implement them).
#include "smh/sim/executor.hpp"

#include <exception>
#include <string_view>
#include <utility>

#include "assert_trap.hpp"
#include "executor_impl.hpp"
#include "smh/sim/digest.hpp"

namespace smh::sim {

Executor::Executor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Executor::~Executor() = default;

std::unique_ptr<Executor> Executor::create(const MachineConfig& config, const ExecutorOptions& options,
                                           std::uint64_t seed, std::string* error) {
  auto impl = std::make_unique<Impl>(options);
  if (config.regions.size() > max_regions) {
    *error = "the machine has " + std::to_string(config.regions.size()) + " regions; the simulator holds at most " +
             std::to_string(max_regions);
    return nullptr;
  }
  if (!MemoryMap::build(config.regions, &impl->map, error)) {
    return nullptr;
  }
  impl->config = config;
  try {
    // Only the checks, the coherency oracles and fault detection read the owner
    // tables; a fast replay builds them when its first cache or DMA op needs them.
    const bool owners_needed = options.check_invariants || options.faults.any() || options.cache_noise_ppm != 0;
    impl->shadow = ShadowState(impl->map, owners_needed);
  } catch (const std::exception& failure) {
    *error = failure.what();
    return nullptr;
  }
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
    region_config.role = spec.role;
    if (const Status status = impl->pool->add(region_config); status != Status::ok) {
      *error = "region '" + spec.name + "' at " + hex(spec.base) + " refused by the pool: " + to_string(status);
      return nullptr;
    }
  }
  for (const AttributePolicy& own : config.attribute_policies) {
    if (const Status status = impl->pool->set_policy(own.attr, own.policy); status != Status::ok) {
      *error = "the policy of attribute " + std::to_string(own.attr) + " refused by the pool: " + to_string(status);
      return nullptr;
    }
  }
  impl->owners = std::make_unique<OwnerNames>(impl->map, *impl->pool, impl->shadow);
  impl->coherency = std::make_unique<CoherencyMachine>(impl->map, seed);
  impl->faults = std::make_unique<FaultInjector>(
      FaultInjector::Machine{impl->map, *impl->pool, impl->shadow, *impl->owners, impl->sink}, options.faults, seed);
  impl->checks = std::make_unique<InvariantChecks>(
      InvariantChecks::Machine{impl->map, impl->config, *impl->pool, impl->shadow, *impl->owners, *impl->faults,
                               *impl->coherency, impl->sink},
      impl->options, seed);
  impl->validator = std::make_unique<OpValidator>(impl->map, *impl->coherency);
  impl->requests = RequestTally(impl->map.region_count());
  return std::unique_ptr<Executor>(new Executor(std::move(impl)));
}

void Executor::walk_region(unsigned region, const std::function<void(const BlockInfo&)>& visit) const {
  SMH_SIM_ASSERT(region < impl_->map.region_count());
  impl_->pool->walk([&](unsigned in_region, const BlockInfo& block) {
    if (in_region == region) {
      visit(block);
    }
  });
}

Policy policy_for(const MachineConfig& machine, std::uint32_t attr) {
  for (const AttributePolicy& own : machine.attribute_policies) {
    if (own.attr == attr) {
      return own.policy;
    }
  }
  return machine.pool.policy;
}

namespace {

// "core/src/heap.cpp" for "../../core/src/heap.cpp". The build maps the
// project's own directory away (-fmacro-prefix-map, SmhCompileOptions.cmake),
// but a compiler cache with a base directory hands the compiler paths relative
// to the build directory, which the report must not depend on either.
std::string_view source_path(std::string_view file) {
  while (file.starts_with("../") || file.starts_with("./")) {
    file.remove_prefix(file.starts_with("../") ? 3 : 2);
  }
  return file;
}

}  // namespace

void Executor::Impl::halt(Check check, const std::string& message, Handle handle) {
  sink.report(check, message + "; the run stops here: the allocator's state can no longer be trusted", handle);
  halted = true;
}

void Executor::Impl::halt_on_assertion(const detail::AssertionFailure& failure, const std::string& during,
                                       Handle handle) {
  halt(Check::assertion_failed,
       "SMH_ASSERT(" + std::string(failure.expression) + ") failed at " + std::string(source_path(failure.file)) +
           ":" + std::to_string(failure.line) + " during " + during,
       handle);
}

bool Executor::apply(const Op& op, std::string* error) { return apply_all(std::span<const Op>(&op, 1), error); }

void Executor::Impl::halt_on_heap_problem(const std::string& problem) {
  if (!problem.empty()) {
    halt(Check::heap_validate, problem, 0);
  }
}

std::string Executor::Impl::op_error(const Op& op, const std::string& why) const {
  return "op " + std::to_string(sink.op_index()) + " (" + to_string(op.kind) + " handle " +
         std::to_string(op.handle) + "): " + why;
}

bool Executor::Impl::apply_op(const Op& op, std::string* error) {
  const LiveBlock* live = shadow.find(op.handle);
  // Only a handle that is not live can hold null: skip the lookup otherwise.
  const bool holds_null = live == nullptr && demand.holds_null(op.handle);
  if (const auto refusal = validator->refusal(op, live, holds_null)) {
    *error = op_error(op, refusal->why);  // nothing applied, not even the machine's own activity
    return false;
  }
  sink.note_op(op);  // what was asked, fallbacks included, as applied
  if (machine_acts) {
    machine_activity(op);
    live = shadow.find(op.handle);  // neither changes which blocks are live
    SMH_SIM_ASSERT((live == nullptr) == (holds_null || op.kind == OpKind::alloc));
  }
  dispatch(op, live, holds_null);
  end_op();
  return true;
}

void Executor::Impl::machine_activity(const Op& op) {
  // The cache behind the program's back, then any fault that strikes before
  // this op.
  if (options.cache_noise_ppm != 0) {
    cache_noise();
  }
  if (options.faults.any()) {
    faults->strike(op);
  }
}

void Executor::Impl::dispatch(const Op& op, const LiveBlock* live, bool holds_null) {
  switch (op.kind) {
    case OpKind::alloc:
      apply_alloc(op);
      return;
    case OpKind::realloc:
      if (holds_null) {  // realloc(NULL, n) allocates
        apply_alloc(op);
      } else {
        apply_realloc(op, *live);
      }
      return;
    case OpKind::free:
      if (holds_null) {  // free(NULL) does nothing
        demand.cleared(op.handle);
        sink.record(Event{sink.op_index(), EventKind::freed, op.handle, 0, 0, 0, 0});
      } else {
        apply_free(op, *live, false);
      }
      return;
    default:  // CPU, cache and DMA ops
      if (holds_null) {  // the allocation failed: firmware that checks for NULL skips the access
        ++skipped_null_ops;
        sink.record(Event{sink.op_index(), EventKind::skipped, op.handle, 0, 0, 0, 0});
        return;
      }
      apply_coherency(op, *live);
      return;
  }
}

void Executor::Impl::end_op() {
  peak_live_bytes = std::max(peak_live_bytes, shadow.live_bytes());
  sink.next_op();
  if (!halted && options.check_invariants && checks->sweep_due()) {
    halt_on_heap_problem(checks->sweep());
  }
}

bool Executor::apply_all(std::span<const Op> ops, std::string* error) {
  // Two stages, so that each prefetch finds what it needs already in cache: the
  // handle-table slot of the op `slot_distance` ahead, then, once that slot has
  // arrived, the header line of the block of the op `header_distance` ahead.
  // Distances of a few ops cover a DRAM miss at ~100 ns per op.
  constexpr std::size_t slot_distance = 6;
  constexpr std::size_t header_distance = 3;
  Impl& self = *impl_;
  // An assertion failing in the allocator ends this run with a finding, not the
  // process (the harness's own, SMH_SIM_ASSERT, abort: they are bugs in smh).
  const detail::AssertTrap trap;
  std::size_t index = 0;
  try {
    for (; index < ops.size() && !self.halted; ++index) {
      if (index + slot_distance < ops.size()) {
        self.shadow.prefetch(ops[index + slot_distance].handle);
      }
      if (index + header_distance < ops.size()) {
        self.prefetch_block(ops[index + header_distance]);
      }
      if (!self.apply_op(ops[index], error)) {
        return false;
      }
    }
  } catch (const detail::AssertionFailure& failure) {
    const Op& op = ops[index];
    self.halt_on_assertion(failure, std::string(to_string(op.kind)) + " of handle " + std::to_string(op.handle),
                           op.handle);
    self.sink.next_op();  // the op was applied, if not to its end
  }
  return true;
}

void Executor::finish() {
  Impl& self = *impl_;
  if (self.halted) {
    return;  // nothing the allocator says can be checked any more
  }
  const detail::AssertTrap trap;
  try {
    self.faults->finish();
    if (self.options.check_invariants) {
      self.halt_on_heap_problem(self.checks->end_of_run());
    }
  } catch (const detail::AssertionFailure& failure) {
    self.halt_on_assertion(failure, "the end-of-run checks", 0);
  }
}

bool Executor::halted() const { return impl_->halted; }
std::uint64_t Executor::ops_applied() const { return impl_->sink.op_index(); }

const std::vector<Event>& Executor::events() const { return impl_->sink.events(); }
const std::vector<Finding>& Executor::findings() const { return impl_->sink.findings(); }
const std::vector<Injection>& Executor::injections() const { return impl_->faults->injections(); }
std::uint64_t Executor::digest() const { return impl_->digest(); }

// The sink's digest (outcomes, findings, the ops applied), then the machine
// (issue 16): two machines whose runs place alike (a larger region that was
// never filled) are still two inputs. Every field of a region that decides
// behaviour; not its name, and not the pool's policy, since `smh compare` tells
// policies that placed every block alike by their equal digests.
std::uint64_t Executor::Impl::digest() const {
  Digest all;
  all.add_u64(sink.digest());
  all.add_u64(map.region_count());
  for (unsigned region = 0; region < map.region_count(); ++region) {
    const RegionSpec& spec = map.spec(region);
    all.add_u64(spec.base);
    all.add_u64(spec.size_bytes);
    all.add_u64(spec.attr);
    all.add_u64(static_cast<std::uint64_t>(spec.cache_policy) | std::uint64_t{spec.dma_capable} << 8 |
                std::uint64_t{spec.reserved} << 9 | static_cast<std::uint64_t>(spec.role) << 16);
    all.add_u64(spec.line_bytes);
  }
  return all.value();
}
const MemoryMap& Executor::memory_map() const { return impl_->map; }
// After a halt the allocator is asked only for the counters it keeps in its own
// object: its region metadata can no longer be trusted, and following it (the
// largest free block's trie links) could itself read outside a region or trip
// another assertion. A halted run's largest free block, and so its F_ext, is 0.
StatsDepth Executor::Impl::stats_depth() const { return halted ? StatsDepth::counters_only : StatsDepth::full; }

PoolStats Executor::pool_stats(std::uint32_t attr) const { return impl_->pool->stats(attr, impl_->stats_depth()); }
std::uint64_t Executor::peak_demand_bytes(std::uint32_t attr) const { return impl_->demand.peak_bytes(attr); }

RunSummary Executor::summary() const {
  const Impl& self = *impl_;
  RunSummary summary;
  summary.ops = self.sink.op_index();
  summary.failed_allocs = self.requests.failed_allocs();
  summary.peak_live_bytes = self.peak_live_bytes;
  summary.peak_demand_bytes = self.demand.peak_bytes();
  summary.digest = self.digest();
  summary.searches = self.requests.searches();
  summary.finding_tally = self.sink.tally();
  summary.skipped_null_ops = self.skipped_null_ops;
  for (unsigned region = 0; region < self.map.region_count(); ++region) {
    RegionSummary one;
    one.name = self.map.spec(region).name;
    one.base = self.map.spec(region).base;
    one.stats = self.pool->region_stats(region, self.stats_depth());
    one.requests = self.requests.region(region);
    one.external_fragmentation = self.halted ? 0.0 : external_fragmentation(one.stats);
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
  if (!executor->apply_all(ops, &result.error)) {
    return result;
  }
  executor->finish();
  result.ok = true;
  result.events = executor->events();
  result.findings = executor->findings();
  result.injections = executor->injections();
  result.summary = executor->summary();
  return result;
}

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::alloc: return "alloc";
    case OpKind::realloc: return "realloc";
    case OpKind::free: return "free";
    case OpKind::cpu_write: return "cpu_write";
    case OpKind::cpu_read: return "cpu_read";
    case OpKind::cache_clean: return "cache_clean";
    case OpKind::cache_invalidate: return "cache_invalidate";
    case OpKind::cache_clean_invalidate: return "cache_clean_invalidate";
    case OpKind::dma_to_device: return "dma_to_device";
    case OpKind::dma_from_device_start: return "dma_from_device_start";
    case OpKind::dma_from_device_complete: return "dma_from_device_complete";
    case OpKind::evict: return "evict";
    case OpKind::speculative_fill: return "speculative_fill";
    case OpKind::dma_to_device_start: return "dma_to_device_start";
    case OpKind::dma_to_device_complete: return "dma_to_device_complete";
    case OpKind::dma_abort: return "dma_abort";
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
    case EventKind::coherency: return "coherency";
    case EventKind::finding: return "finding";
    case EventKind::skipped: return "skipped";
  }
  return "unknown_event";
}

}  // namespace smh::sim
