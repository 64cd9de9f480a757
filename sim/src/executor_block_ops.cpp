// The Executor's block operations: alloc, realloc and free against the real pool,
// each followed by the checks that apply to it (InvariantChecks, invariant_checks.hpp).
#include <algorithm>
#include <array>
#include <bit>

#include "executor_impl.hpp"

namespace smh::sim {

bool Executor::Impl::locate(void* ptr, const Op& op, LiveBlock* block) {
  const auto where = map.locate_host(ptr);
  if (!where) {
    halt(Check::containment, "handle " + std::to_string(op.handle) + ": the pool returned memory outside every region",
         op.handle);
    return false;
  }
  block->region = static_cast<std::uint16_t>(where->region);
  block->device_address = map.device_address(where->region, where->offset);
  block->size_bytes = static_cast<std::uint32_t>(op.size_bytes);
  block->attr = op.attr;
  block->align_log2 = static_cast<std::uint8_t>(op.align_bytes > 1 ? std::bit_width(op.align_bytes) - 1 : 0);
  // Checked before anything writes the block's fill, reads it or records its
  // granules: the harness never touches host memory outside a region's view on
  // the allocator's word (the view is followed by a guard page, memory_map.hpp,
  // but the bytes up to it belong to no one the harness may write).
  const RegionSpec& spec = map.spec(where->region);
  if (op.size_bytes > spec.size_bytes - where->offset) {
    halt(Check::containment, owners->describe(op.handle, *block) + " runs past the region's end " + hex(spec.base + spec.size_bytes),
         op.handle);
    return false;
  }
  return true;
}

void* Executor::Impl::allocate(const Op& op) {
  if (op.fallback_count == 0) {
    return pool->aligned_alloc(op.attr, op.align_bytes, op.size_bytes);
  }
  std::array<std::uint32_t, max_prefer_attrs> chain{};
  for (unsigned i = 0; i < op.attr_count(); ++i) {
    chain[i] = op.attr_at(i);
  }
  return pool->alloc_prefer(chain.data(), op.attr_count(), op.size_bytes, op.align_bytes);
}

int Executor::Impl::home_region(const Op& op) {
  if (op.attr_count() != 1 || options.faults.any()) {
    return search_home_region(op);
  }
  const bool small = op.size_bytes < config.pool.size_threshold_bytes;  // as may_serve() tells the sides
  if (!home_memo.valid || home_memo.attr != op.attr || home_memo.small != small) {
    home_memo = HomeMemo{true, op.attr, small, search_home_region(op)};
  }
  return home_memo.region;
}

int Executor::Impl::search_home_region(const Op& op) const {
  for (unsigned i = 0; i < op.attr_count(); ++i) {
    for (unsigned region = 0; region < map.region_count(); ++region) {
      if (checks->may_serve(region, op.attr_at(i), op.size_bytes)) {
        return static_cast<int>(region);
      }
    }
  }
  return -1;
}

void Executor::Impl::count_request(const Op& op, int region) {
  SMH_SIM_ASSERT(op.size_bytes != 0);  // a request for 0 bytes is no request (RegionRequests)
  requests.count(home_region(op), region, pool->heap_search_count());
}

void Executor::Impl::apply_alloc(const Op& op) {
  const bool refused = faults->refusal_pending();  // an injected allocation failure
  void* ptr = refused ? faults->allocate_refused([&] { return allocate(op); }) : allocate(op);
  Event event{sink.op_index(), EventKind::alloc_failed, op.handle, 0, 0, op.size_bytes, 0};
  if (ptr == nullptr) {
    // A request for 0 bytes gets null by design (as malloc(0) may): the pool does
    // not count it as a failed allocation, and neither does the harness.
    if (op.size_bytes != 0) {
      requests.count_failure();
      count_request(op, -1);
    }
    demand.failed(op.handle, op.attr, op.size_bytes);
    sink.record(event);
    if (options.check_invariants && !refused) {
      checks->check_no_false_oom(op);
    }
    return;
  }
  LiveBlock block;
  if (!locate(ptr, op, &block)) {
    return;
  }
  prefetch_new(block);
  faults->check_not_offline(op.handle, block);
  if (op.size_bytes != 0) {
    count_request(op, block.region);
  }
  const std::size_t usable_bytes = fresh_usable_size(*pool, ptr, options.check_invariants);
  check_and_fill(op, block, ptr, usable_bytes);
  demand.cleared(op.handle);
  shadow.insert(op.handle, block);
  demand.live_added(block.attr, block.size_bytes);
  if (options.check_invariants) {
    checks->note_live(block, usable_bytes);
    checks->check_accounting(block.region);
  }
  event.kind = EventKind::allocated;
  event.region = block.region;
  event.device_address = block.device_address;
  event.usable_bytes = usable_bytes;
  sink.record(event);
}

void Executor::Impl::check_and_fill(const Op& op, const LiveBlock& block, void* ptr, std::size_t usable_bytes) {
  if (options.check_invariants) {
    checks->check_new_block(op, block, usable_bytes);
    write_fill(static_cast<unsigned char*>(ptr), static_cast<std::size_t>(op.size_bytes),
               fill_key(seed, op.handle, block.generation));
  }
}

// Frees through pool.free, or through realloc(ptr, 0) when `via_realloc`.
void Executor::Impl::apply_free(const Op& op, LiveBlock block, bool via_realloc) {
  // Nothing below can make the machine hold a handle: one test for both ends.
  const bool machine_holds_handles = coherency->holds_handles();
  if (machine_holds_handles && coherency->any_in_flight()) {
    report_transfer_in_flight(op, block);
    // Reported once; the run goes on as if the driver had stopped the device
    // first, so that later ops on those lines report their own bugs, not this one.
    if (stop_transfers(op.handle, block)) {
      block.contents_known = false;  // an aborted receive leaves the buffer undefined
    }
  }
  if (options.check_invariants) {
    checks->check_contents(op.handle, block, block.size_bytes, "before free");
  }
  if (via_realloc) {
    const std::uint64_t freed_before = pool->region_stats(block.region, StatsDepth::counters_only).free_count;
    if (pool->aligned_realloc(op.attr, host(block), op.align_bytes, 0) != nullptr ||
        pool->region_stats(block.region, StatsDepth::counters_only).free_count != freed_before + 1) {
      sink.report(Check::free_refused, owners->describe(op.handle, block) + ": realloc to 0 bytes did not free it",
                  op.handle);
    }
  } else if (const Status status = pool->free(host(block)); status != Status::ok) {
    sink.report(Check::free_refused, owners->describe(op.handle, block) + ": " + to_string(status), op.handle);
  }
  const unsigned region = block.region;
  sink.record(Event{sink.op_index(), EventKind::freed, op.handle, region, block.device_address, block.size_bytes, 0});
  shadow.erase(op.handle);
  demand.live_removed(block.attr, block.size_bytes);
  if (options.check_invariants) {
    checks->note_gone(block);
  }
  faults->remember_freed(host(block), block.device_address);
  if (machine_holds_handles) {
    coherency->forget(op.handle);
  }
  freshness.forget(op.handle);
  if (options.check_invariants) {
    checks->check_accounting(region);
    if (shadow.live_count() == 0) {
      checks->check_coalesced();
    }
  }
}

void Executor::Impl::apply_realloc(const Op& op, LiveBlock old) {
  if (op.size_bytes == 0) {  // realloc to 0 frees
    apply_free(op, old, true);
    return;
  }
  report_transfer_in_flight(op, old);
  if (options.check_invariants) {
    checks->check_contents(op.handle, old, old.size_bytes, "before realloc");
  }
  void* ptr = pool->aligned_realloc(op.attr, host(old), op.align_bytes, op.size_bytes);
  if (ptr == nullptr) {
    requests.count_failure();
    count_request(op, -1);
    demand.realloc_failed(old.attr, old.size_bytes, op.attr, op.size_bytes);
    sink.record(Event{sink.op_index(), EventKind::realloc_failed, op.handle, old.region, old.device_address, op.size_bytes, 0});
    if (options.check_invariants) {
      checks->check_contents(op.handle, old, old.size_bytes, "after a failed realloc");
    }
    return;
  }
  shadow.erase(op.handle);
  demand.live_removed(old.attr, old.size_bytes);
  LiveBlock block;
  if (!locate(ptr, op, &block)) {
    return;
  }
  block.generation = old.generation + 1;
  prefetch_new(block);
  if (ptr != host(old)) {  // resizing in place is allowed in an offline region; moving into one is not
    faults->check_not_offline(op.handle, block);
    count_request(op, block.region);  // a move is a new request the policy placed
  }
  if (options.check_invariants) {
    LiveBlock kept = block;  // the new place, holding the old contents' prefix
    kept.generation = old.generation;
    kept.contents_known = old.contents_known;
    checks->check_contents(op.handle, kept, std::min<std::uint64_t>(old.size_bytes, op.size_bytes),
                   "after realloc (kept prefix)");
  }
  const std::size_t usable_bytes = fresh_usable_size(*pool, ptr, options.check_invariants);
  check_and_fill(op, block, ptr, usable_bytes);
  freshness.forget(op.handle);  // new contents, the harness's fill
  shadow.insert(op.handle, block);
  demand.live_added(block.attr, block.size_bytes);
  if (options.check_invariants) {
    checks->note_gone(old);  // in place or moved, the old extent is gone
    checks->note_live(block, usable_bytes);
    checks->check_accounting(block.region);
    if (block.region != old.region) {
      checks->check_accounting(old.region);
    }
  }
  sink.record(Event{sink.op_index(), block.device_address == old.device_address ? EventKind::resized : EventKind::moved,
                    op.handle, block.region, block.device_address, op.size_bytes, usable_bytes});
}

}  // namespace smh::sim
