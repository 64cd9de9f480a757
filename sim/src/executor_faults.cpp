// Fault injection: before each op, every enabled fault kind strikes with its
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

#include "executor_impl.hpp"

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

}  // namespace

void Executor::Impl::inject_faults(const Op& op) {
  for (unsigned kind = 0; kind < fault_kind_count; ++kind) {
    const std::uint32_t rate = options.faults.rate_ppm[kind];
    if (rate != 0 && fault_rng.below(1'000'000) < rate) {
      inject(static_cast<FaultKind>(kind), op);
    }
  }
}

void Executor::Impl::resolve(std::size_t injection, Detection by, std::string detected_by) {
  SMH_SIM_ASSERT(by != Detection::pending && by != Detection::violated);
  Injection& record_of = injections[injection];
  const bool detected = by != Detection::undetected;
  record_of.detected = detected;
  record_of.detection = by;
  record_of.detected_by = std::move(detected_by);
  // As for findings, the digest takes the injection's identity and outcome, not
  // the prose describing them.
  digest.add_u64(record_of.op_index);
  digest.add_u64(static_cast<std::uint64_t>(record_of.kind));
  digest.add_u64(detected ? 1 : 0);
  if (!detected) {
    report(Check::fault_undetected, std::string(to_string(record_of.kind)) + " injected before op " +
                                   std::to_string(record_of.op_index) + " (" + record_of.what + ") went unnoticed");
  }
}

void Executor::Impl::inject(FaultKind kind, const Op& op) {
  const std::size_t index = injections.size();
  auto open = [&](std::string what) {
    injections.push_back(Injection{op_index, kind, std::move(what), false, Detection::pending, ""});
  };
  switch (kind) {
    case FaultKind::alloc_failure:
      if (op.kind != OpKind::alloc || injected_alloc_failure || shadow.find(op.handle) != nullptr) {
        return;  // only a (valid) allocation can fail
      }
      open("alloc of handle " + std::to_string(op.handle) + " refused by every region");
      injected_alloc_failure = index;  // resolved by allocate_while_refused()
      return;
    case FaultKind::metadata_flip: {
      const std::vector<Handle> handles = shadow.handles_in_order();
      if (handles.empty()) {
        return;
      }
      const Handle victim = handles[fault_rng.below(handles.size())];
      const LiveBlock& block = shadow.at(victim);
      const unsigned bit = static_cast<unsigned>(fault_rng.below(64));
      if (block.device_address - map.spec(block.region).base < Heap::header_bytes) {
        return;  // no header in front of the payload inside the region: nothing to flip
      }
      unsigned char* header = host(block) - Heap::header_bytes;
      open("bit " + std::to_string(bit) + " of the header at " + hex(block.device_address - Heap::header_bytes) + " (handle " +
           std::to_string(victim) + ")");
      header[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
      const PoolValidationReport report_of_pool = pool->validate();
      header[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));  // repair
      resolve(index, report_of_pool.ok() ? Detection::undetected : Detection::validate,
              report_of_pool.ok() ? "" : std::string("validate: ") + to_string(report_of_pool.report.check) + " at " +
                                               hex(map.spec(report_of_pool.region).base +
                                                   report_of_pool.report.offset_bytes));
      return;
    }
    case FaultKind::dma_overrun: {
      std::vector<Handle> buffers;
      for (const Handle handle : shadow.handles_in_order()) {
        if (map.spec(shadow.at(handle).region).dma_capable) {
          buffers.push_back(handle);
        }
      }
      if (buffers.empty()) {
        return;
      }
      const Handle victim = buffers[fault_rng.below(buffers.size())];
      const LiveBlock& block = shadow.at(victim);
      const RegionSpec& spec = map.spec(block.region);
      const std::uint64_t end = block.device_address + block.size_bytes;
      const std::uint64_t overrun = std::min<std::uint64_t>(1 + fault_rng.below(16), spec.base + spec.size_bytes - end);
      if (overrun == 0) {
        return;
      }
      open(std::to_string(overrun) + " bytes written by a device past handle " + std::to_string(victim) +
           "'s buffer, at [" + hex(end) + ", " + hex(end + overrun) + ")");
      // The bus monitor checks the device's write against the buffer the transfer
      // was given and stops it, as a bus firewall or MPU would: the run goes on
      // from an intact machine (a corrupted header would otherwise cascade), and
      // the monitor can name what the write would have hit by walking intact
      // metadata.
      const std::string outside = device_write_outside(victim, block, block.device_address, end + overrun);
      resolve(index, outside.empty() ? Detection::undetected : Detection::bus_monitor,
              outside.empty() ? "" : "bus monitor: " + outside);
      return;
    }
    case FaultKind::double_free: {
      // A freed pointer whose address no live block starts at now (freeing a live
      // block again would be a use-after-free, not a double free).
      for (auto it = recently_freed.rbegin(); it != recently_freed.rend(); ++it) {
        const auto [ptr, device_address] = *it;
        const auto live = shadow.overlapping(device_address, device_address + 1, std::nullopt);
        if (live && shadow.at(*live).device_address == device_address) {
          continue;
        }
        open("free of " + hex(device_address) + " again");
        const Status status = pool->free(ptr);
        resolve(index, status != Status::ok ? Detection::pool_status : Detection::undetected,
                std::string("pool.free: ") + to_string(status));
        return;
      }
      return;
    }
    case FaultKind::foreign_free: {
      open("free of a host pointer outside every region");
      const Status status = pool->free(foreign_object + 16);
      resolve(index, status != Status::ok ? Detection::pool_status : Detection::undetected,
              std::string("pool.free: ") + to_string(status));
      return;
    }
    case FaultKind::region_offline: {
      std::vector<unsigned> online;
      for (unsigned region = 0; region < region_offline.size(); ++region) {
        if (!region_offline[region]) {
          online.push_back(region);
        }
      }
      if (online.empty()) {
        return;
      }
      const unsigned region = online[fault_rng.below(online.size())];
      open("region '" + map.spec(region).name + "' offline");
      region_offline[region] = true;
      (void)pool->set_region_offline(region, true);
      offline_injections.push_back(index);  // resolved at the end of the run
      return;
    }
  }
}

bool Executor::Impl::refuse_alloc(void* context, std::uint32_t /*attr*/, std::size_t /*size_bytes*/) {
  return static_cast<const Impl*>(context)->refusing_allocs;
}

// An injected allocation failure: the pool's fault hook (PoolHooks::refuse_alloc)
// refuses every region selection of this one call, the whole preference chain's.
void* Executor::Impl::allocate_while_refused(const Op& op) {
  SMH_SIM_ASSERT(!refusing_allocs);
  refusing_allocs = true;
  void* ptr = allocate(op);
  refusing_allocs = false;
  resolve(*injected_alloc_failure, ptr == nullptr ? Detection::pool_returned_null : Detection::undetected,
          "the pool returned null");
  return ptr;
}

void Executor::Impl::check_not_offline(Handle handle, const LiveBlock& block) {
  if (region_offline[block.region]) {
    report(Check::region_offline_violated, describe(handle, block) + ": allocated from a region taken offline", handle);
    for (const std::size_t injection : offline_injections) {
      if (injections[injection].what == "region '" + map.spec(block.region).name + "' offline") {
        injections[injection].detection = Detection::violated;
      }
    }
  }
}

void Executor::Impl::remember_freed(void* ptr, std::uint64_t device_address) {
  constexpr std::size_t kept = 16;
  if (recently_freed.size() == kept) {
    recently_freed.erase(recently_freed.begin());
  }
  recently_freed.emplace_back(ptr, device_address);
}

void Executor::Impl::finish_injections() {
  for (const std::size_t injection : offline_injections) {
    const bool violated = injections[injection].detection == Detection::violated;
    resolve(injection, violated ? Detection::undetected : Detection::honoured,
            violated ? "" : "honoured: no allocation landed in it afterwards");
  }
  offline_injections.clear();
}

}  // namespace smh::sim
