// FaultInjector (fault_injector.hpp): before each op, every enabled fault kind strikes with its
// rate (one draw per kind per op from the run's "sim.faults" stream, so the same
// seed injects the same faults at the same ops). Each injection is checked for
// detection on the spot and repaired where the machine would otherwise stay
// broken (a flipped bit, overrun bytes), so that one run can study many faults.
//
//   alloc_failure   the next alloc is refused by every region (the pool's fault
//                   hook, PoolHooks::refuse_alloc); detected when the pool
//                   returns null (and NO_FALSE_OOM is not raised for it)
//   metadata_flip   one bit of a live block's header; detected by validate()
//   dma_overrun     a device tries to write 1..16 bytes past a DMA buffer; the bus
//                   check (device writes against the buffer they were given) stops
//                   and reports it, naming whose bytes it would have hit
//   double_free     a freed pointer freed again; detected by the pool's status
//   foreign_free    a pointer from outside every region; detected by the status
//   region_offline  no new allocation from the region; honoured if none lands
//                   there for the rest of the run (REGION_OFFLINE_VIOLATED if one does)
#include <algorithm>

#include "fault_injector.hpp"
#include "number_text.hpp"

namespace smh::sim {

const char* to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::alloc_failure: return "alloc_failure";
    case FaultKind::metadata_flip: return "metadata_flip";
    case FaultKind::dma_overrun: return "dma_overrun";
    case FaultKind::double_free: return "double_free";
    case FaultKind::foreign_free: return "foreign_free";
    case FaultKind::region_offline: return "region_offline";
  }
  return "unknown_fault";
}

FaultPlan FaultPlan::swarm(std::uint64_t seed) {
  Rng rng = Rng::stream(seed, "sim.faults.swarm");
  FaultPlan plan;
  for (std::uint32_t& rate : plan.rate_ppm) {
    rate = rng.chance(1, 2) ? static_cast<std::uint32_t>(rng.log_uniform(100, 20'000)) : 0;
  }
  return plan;
}

namespace {

// A host object outside every region: what a foreign free hands the pool.
unsigned char foreign_object[64];

using detail::hex;

}  // namespace

FaultInjector::FaultInjector(const Machine& machine, const FaultPlan& plan, std::uint64_t seed)
    : machine_(machine), plan_(plan), rng_(Rng::stream(seed, "sim.faults")),
      region_offline_(machine.map.region_count(), false),
      remembers_freed_(plan.rate_ppm[static_cast<unsigned>(FaultKind::double_free)] != 0) {
  static_assert(SMH_FAULT_HOOKS, "allocation failures are injected through the pool's fault hook");
  PoolHooks hooks;
  hooks.context = this;
  hooks.refuse_alloc = &FaultInjector::refuse_alloc;
  machine_.pool.set_hooks(hooks);
}

bool FaultInjector::refuse_alloc(void* context, std::uint32_t /*attr*/, std::size_t /*size_bytes*/) {
  return static_cast<const FaultInjector*>(context)->refusing_;
}

void FaultInjector::strike(const Op& op) {
  for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
    const std::uint32_t rate = plan_.rate_ppm[kind];
    if (rate != 0 && rng_.below(1'000'000) < rate) {
      inject(static_cast<FaultKind>(kind), op);
    }
  }
}

void FaultInjector::open(FaultKind kind, std::string what) {
  injections_.push_back(
      Injection{machine_.sink.op_index(), kind, std::move(what), false, Detection::pending, ""});
}

void FaultInjector::resolve(std::size_t injection, Detection by, std::string detected_by) {
  SMH_SIM_ASSERT(by != Detection::pending && by != Detection::violated);
  Injection& record_of = injections_[injection];
  const bool detected = by != Detection::undetected;
  record_of.detected = detected;
  record_of.detection = by;
  record_of.detected_by = std::move(detected_by);
  // As for findings, the digest takes the injection's identity and outcome, not
  // the prose describing them.
  machine_.sink.digest_u64(record_of.op_index);
  machine_.sink.digest_u64(static_cast<std::uint64_t>(record_of.kind));
  machine_.sink.digest_u64(detected ? 1 : 0);
  if (!detected) {
    machine_.sink.report(Check::fault_undetected, std::string(to_string(record_of.kind)) + " injected before op " +
                                                      std::to_string(record_of.op_index) + " (" + record_of.what +
                                                      ") went unnoticed");
  }
}

void FaultInjector::inject(FaultKind kind, const Op& op) {
  const std::size_t index = injections_.size();  // the one a kind opens, if it opens one
  switch (kind) {
    case FaultKind::alloc_failure: fail_alloc(op, index); return;
    case FaultKind::metadata_flip: flip_metadata(index); return;
    case FaultKind::dma_overrun: overrun_dma(index); return;
    case FaultKind::double_free: free_twice(index); return;
    case FaultKind::foreign_free: free_foreign(index); return;
    case FaultKind::region_offline: take_offline(index); return;
  }
  SMH_SIM_ASSERT(false);  // every kind is handled above
}

void FaultInjector::fail_alloc(const Op& op, std::size_t index) {
  if (op.kind != OpKind::alloc || refusal_ || machine_.shadow.find(op.handle) != nullptr) {
    return;  // only a (valid) allocation can fail
  }
  open(FaultKind::alloc_failure, "alloc of handle " + std::to_string(op.handle) + " refused by every region");
  refusal_ = index;  // resolved by allocate_refused()
}

void FaultInjector::flip_metadata(std::size_t index) {
  const std::vector<Handle> handles = machine_.shadow.handles_in_order();
  if (handles.empty()) {
    return;
  }
  const Handle victim = handles[rng_.below(handles.size())];
  const LiveBlock& block = machine_.shadow.at(victim);
  const unsigned bit = static_cast<unsigned>(rng_.below(64));
  if (block.device_address - machine_.map.spec(block.region).base < Heap::header_bytes) {
    return;  // no header in front of the payload inside the region: nothing to flip
  }
  unsigned char* header = host_of(machine_.map, block) - Heap::header_bytes;
  open(FaultKind::metadata_flip, "bit " + std::to_string(bit) + " of the header at " +
                                     hex(block.device_address - Heap::header_bytes) + " (handle " +
                                     std::to_string(victim) + ")");
  header[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
  const PoolValidationReport report_of_pool = machine_.pool.validate();
  header[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));  // repair
  resolve(index, report_of_pool.ok() ? Detection::undetected : Detection::validate,
          report_of_pool.ok() ? "" : std::string("validate: ") + to_string(report_of_pool.report.check) + " at " +
                                           hex(machine_.map.spec(report_of_pool.region).base +
                                               report_of_pool.report.offset_bytes));
}

void FaultInjector::overrun_dma(std::size_t index) {
  std::vector<Handle> buffers;
  for (const Handle handle : machine_.shadow.handles_in_order()) {
    if (machine_.map.spec(machine_.shadow.at(handle).region).dma_capable) {
      buffers.push_back(handle);
    }
  }
  if (buffers.empty()) {
    return;
  }
  const Handle victim = buffers[rng_.below(buffers.size())];
  const LiveBlock& block = machine_.shadow.at(victim);
  const RegionSpec& spec = machine_.map.spec(block.region);
  const std::uint64_t end = block.device_address + block.size_bytes;
  const std::uint64_t overrun = std::min<std::uint64_t>(1 + rng_.below(16), spec.base + spec.size_bytes - end);
  if (overrun == 0) {
    return;
  }
  open(FaultKind::dma_overrun, std::to_string(overrun) + " bytes written by a device past handle " +
                                   std::to_string(victim) + "'s buffer, at [" + hex(end) + ", " +
                                   hex(end + overrun) + ")");
  // The bus monitor checks the device's write against the buffer the transfer
  // was given and stops it, as a bus firewall or MPU would: the run goes on
  // from an intact machine (a corrupted header would otherwise cascade), and
  // the monitor can name what the write would have hit by walking intact
  // metadata.
  const std::string outside = machine_.owners.device_write_outside(victim, block, block.device_address, end + overrun);
  resolve(index, outside.empty() ? Detection::undetected : Detection::bus_monitor,
          outside.empty() ? "" : "bus monitor: " + outside);
}

// A freed pointer whose address no live block starts at now (freeing a live
// block again would be a use-after-free, not a double free).
void FaultInjector::free_twice(std::size_t index) {
  for (auto it = recently_freed_.rbegin(); it != recently_freed_.rend(); ++it) {
    const auto [ptr, device_address] = *it;
    const auto live = machine_.shadow.overlapping(device_address, device_address + 1, std::nullopt);
    if (live && machine_.shadow.at(*live).device_address == device_address) {
      continue;
    }
    open(FaultKind::double_free, "free of " + hex(device_address) + " again");
    const Status status = machine_.pool.free(ptr);
    resolve(index, status != Status::ok ? Detection::pool_status : Detection::undetected,
            std::string("pool.free: ") + to_string(status));
    return;
  }
}

void FaultInjector::free_foreign(std::size_t index) {
  open(FaultKind::foreign_free, "free of a host pointer outside every region");
  const Status status = machine_.pool.free(foreign_object + 16);
  resolve(index, status != Status::ok ? Detection::pool_status : Detection::undetected,
          std::string("pool.free: ") + to_string(status));
}

void FaultInjector::take_offline(std::size_t index) {
  std::vector<unsigned> online;
  for (unsigned region = 0; region < region_offline_.size(); ++region) {
    if (!region_offline_[region]) {
      online.push_back(region);
    }
  }
  if (online.empty()) {
    return;
  }
  const unsigned region = online[rng_.below(online.size())];
  open(FaultKind::region_offline, "region '" + machine_.map.spec(region).name + "' offline");
  region_offline_[region] = true;
  (void)machine_.pool.set_region_offline(region, true);
  offline_injections_.emplace_back(index, region);  // resolved at the end of the run
}

void FaultInjector::check_not_offline(Handle handle, const LiveBlock& block) {
  if (!region_offline_[block.region]) {
    return;
  }
  machine_.sink.report(Check::region_offline_violated,
                       machine_.owners.describe(handle, block) + ": allocated from a region taken offline", handle);
  for (const auto& [injection, region] : offline_injections_) {
    if (region == block.region) {
      injections_[injection].detection = Detection::violated;
    }
  }
}

void FaultInjector::keep_freed(void* ptr, std::uint64_t device_address) {
  SMH_SIM_ASSERT(remembers_freed_);
  constexpr std::size_t kept = 16;
  if (recently_freed_.size() == kept) {
    recently_freed_.erase(recently_freed_.begin());
  }
  recently_freed_.emplace_back(ptr, device_address);
}

void FaultInjector::finish() {
  for (const auto& [injection, region] : offline_injections_) {
    const bool violated = injections_[injection].detection == Detection::violated;
    resolve(injection, violated ? Detection::undetected : Detection::honoured,
            violated ? "" : "honoured: no allocation landed in it afterwards");
  }
  offline_injections_.clear();
}

}  // namespace smh::sim
