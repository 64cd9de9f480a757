// smh::sim::Executor — applies ops to the real pool over the simulated memory map
// and checks, after every op, what must hold. Most checks are incremental
// (O(log live blocks) or O(size of the block touched)); two walk every heap,
// but only when they apply: COALESCING when nothing is live, HEAP_VALIDATE
// every K ops and at the end. NO_FALSE_OOM judges a failed alloc on the
// harness's own index of the free space (O(regions), free_space_index.hpp).
//
//   NON_OVERLAP      a new or moved block meets no other live block
//   CONTAINMENT      a block lies inside one region (checked by locate(), before
//                    the harness touches the block; a block outside halts the run)
//   ATTRIBUTE        the block's region satisfies the request; for a preference
//                    chain, the first attribute of it that had room
//   ALIGNMENT        the device address has the requested alignment
//   USABLE_SIZE      usable_size() >= requested
//   CONTENT          fill patterns intact before free, after realloc, at the end
//   ACCOUNTING       the touched region's block count and requested bytes equal
//                    the harness's own tally of what is live there
//   COALESCING       when nothing is live, every region is one free block
//   NO_FALSE_OOM     a failed alloc while a matching region (for a chain: of any
//                    attribute of it) had a free block with room for it
//                    wherever it lies (the harness's own free-space index)
//   HEAP_VALIDATE    the pool's full validate(), every K ops and at the end; a
//                    failure halts the run (the heap can no longer be trusted)
//   FREE_REFUSED     the pool refused to free a live block
//   ASSERTION_FAILED an SMH_ASSERT failed while the Executor drove the pool: the
//                    run stops there (executor.cpp)
//
// Findings go to the FindingSink (finding_sink.hpp).
#include <optional>
#include <utility>

#include "executor_impl.hpp"

namespace smh::sim {

bool Executor::Impl::satisfies(unsigned region, std::uint32_t attr) const {
  const std::uint32_t have = map.spec(region).attr;
  return attribute_matches(config.pool.mode, have, attr);
}

void Executor::Impl::check_new_block(const Op& op, const LiveBlock& block) {
  const Handle handle = op.handle;
  const std::uint64_t end = block.device_address + block.size_bytes;
  check_attribute(op, block);
  if (block.align_bytes() > 1 && block.device_address % block.align_bytes() != 0) {
    sink.report(Check::alignment, owners->describe(handle, block) + " is not aligned to " + std::to_string(block.align_bytes()),
           handle);
  }
  const std::size_t usable = pool->usable_size(host(block));
  if (usable < block.size_bytes) {
    sink.report(Check::usable_size, owners->describe(handle, block) + ": usable " + std::to_string(usable) + " < requested",
           handle);
  }
  if (const auto other = shadow.overlapping(block.device_address, end, handle)) {
    sink.report(Check::non_overlap, owners->describe(handle, block) + " overlaps " + owners->describe(*other, shadow.at(*other)),
           handle);
  }
}

// The block's region satisfies the request. For a preference chain: it
// satisfies some attribute of the chain, and the first one that could serve
// the request — every attribute before the first the region satisfies must
// have had no room (the pool tries them in order). Regions of those earlier
// attributes do not hold the new block, so walking them now sees them as the
// pool did.
void Executor::Impl::check_attribute(const Op& op, const LiveBlock& block) {
  unsigned served = 0;  // the first attribute of the chain the block's region satisfies
  while (served < op.attr_count() && !satisfies(block.region, op.attr_at(served))) {
    ++served;
  }
  if (served == op.attr_count()) {
    std::string request = hex(op.attr);
    if (op.attr_count() > 1) {
      request = "chain [" + request;
      for (unsigned i = 1; i < op.attr_count(); ++i) {
        request += ", " + hex(op.attr_at(i));
      }
      request += "]";
    }
    sink.report(Check::attribute, owners->describe(op.handle, block) + ": region attribute " + hex(map.spec(block.region).attr) +
                            " does not satisfy the request " + request, op.handle);
    return;
  }
  for (unsigned skipped = 0; skipped < served; ++skipped) {
    if (const auto fit = fitting_free_block(op.attr_at(skipped), op.size_bytes, op.align_bytes)) {
      sink.report(Check::attribute, owners->describe(op.handle, block) + ": served by preference " + std::to_string(served + 1) + " (" +
                              hex(op.attr_at(served)) + ") although preference " + std::to_string(skipped + 1) +
                              " (" + hex(op.attr_at(skipped)) + ") had room: the free block at " + hex(fit->second) +
                              " in '" + map.spec(fit->first).name + "' could hold it", op.handle);
      return;
    }
  }
}

void Executor::Impl::check_contents(Handle handle, const LiveBlock& block, std::uint64_t prefix_bytes, const char* when) {
  if (!block.contents_known) {
    return;
  }
  const std::uint64_t key = fill_key(seed, handle, block.generation);
  const auto bad = find_fill_mismatch(host(block),
                                      static_cast<std::size_t>(prefix_bytes), key);
  if (bad) {
    sink.report(Check::content, owners->describe(handle, block) + ": byte at " + hex(block.device_address + *bad) +
                          " changed (checked " + when + ")", handle);
  }
}

// The region's own counters against the harness's independent tally of what is
// live there (blocks and requested bytes), and usable >= requested.
void Executor::Impl::check_accounting(unsigned region) {
  const HeapStats stats = pool->region_stats(region, StatsDepth::counters_only);  // O(1): counters only
  const std::uint64_t live_bytes = shadow.live_bytes(region);
  const std::size_t live_count = shadow.live_count(region);
  if (stats.allocated_requested_bytes != live_bytes || stats.allocated_block_count != live_count ||
      stats.allocated_usable_bytes < stats.allocated_requested_bytes) {
    sink.report(Check::accounting, "region '" + map.spec(region).name + "' counts " +
                             std::to_string(stats.allocated_block_count) + " blocks, " +
                             std::to_string(stats.allocated_requested_bytes) + " bytes requested (" +
                             std::to_string(stats.allocated_usable_bytes) + " usable); the harness has " +
                             std::to_string(live_count) + " blocks, " + std::to_string(live_bytes) + " bytes");
  }
}

void Executor::Impl::check_coalesced() {
  for (unsigned region = 0; region < map.region_count(); ++region) {
    const HeapStats stats = pool->region_stats(region, StatsDepth::counters_only);
    if (stats.free_block_count != 1 || stats.allocated_block_count != 0) {
      sink.report(Check::coalescing, "region '" + map.spec(region).name + "' holds " +
                               std::to_string(stats.free_block_count) + " free and " +
                               std::to_string(stats.allocated_block_count) +
                               " allocated blocks with nothing live");
    }
  }
}

// As PoolEngine::serves decides, restated: the attribute matches, the region is
// neither reserved nor offline, and under Policy::size_threshold a region with a
// role serves only its side of the threshold (so its free blocks cannot make a
// request from the other side a false out-of-memory, nor be its home).
bool Executor::Impl::may_serve(unsigned region, std::uint32_t attr, std::uint64_t size_bytes) const {
  const RegionSpec& spec = map.spec(region);
  if (spec.reserved || faults->offline(region) || !satisfies(region, attr)) {
    return false;
  }
  if (config.pool.policy != Policy::size_threshold || spec.role == RegionRole::any) {
    return true;
  }
  const bool small = size_bytes < config.pool.size_threshold_bytes;
  return small == (spec.role == RegionRole::small_requests);
}

// The first free block, in region order then address order, of a region that
// may serve the request, that surely holds it: judged on the harness's own
// free-space index (free_space_index.hpp), O(regions) unless one is found.
std::optional<std::pair<unsigned, std::uint64_t>> Executor::Impl::fitting_free_block(
    std::uint32_t attr, std::uint64_t size_bytes, std::uint64_t align_bytes) const {
  const std::uint64_t min_block_bytes = min_fitting_block_bytes(size_bytes, align_bytes);
  if (min_block_bytes == UINT64_MAX) {
    return std::nullopt;
  }
  const std::uint64_t min_granules = min_block_bytes / Heap::granule_bytes;
  for (unsigned region = 0; region < map.region_count(); ++region) {
    const RegionSpec& spec = map.spec(region);
    // The heap refuses alignments beyond its region's size (its documented
    // contract): such a refusal is not a false OOM. The guarantee does not depend
    // on where a block lies, so neither does the verdict.
    if (!may_serve(region, attr, size_bytes) || align_bytes > spec.size_bytes ||
        free_space.largest_gap(region) < min_granules) {
      continue;
    }
    const auto gap = free_space.first_gap_at_least(region, min_granules);
    SMH_SIM_ASSERT(gap.has_value());  // the largest gap is one
    return std::make_pair(region, spec.base + gap->begin * Heap::granule_bytes);
  }
  return std::nullopt;
}

// A preference chain fails only when no attribute of it had room. A request
// for 0 bytes gets null by design (as malloc(0) may), not for want of room.
void Executor::Impl::check_no_false_oom(const Op& op) {
  if (op.size_bytes == 0) {
    return;
  }
  for (unsigned choice = 0; choice < op.attr_count(); ++choice) {
    const auto fit = fitting_free_block(op.attr_at(choice), op.size_bytes, op.align_bytes);
    if (!fit) {
      continue;
    }
    const std::string preference = op.attr_count() == 1 ? std::string()
                                                         : " for preference " + std::to_string(choice + 1) + " (" +
                                                               hex(op.attr_at(choice)) + ")";
    sink.report(Check::no_false_oom, "alloc of " + std::to_string(op.size_bytes) + " bytes (align " +
                               std::to_string(op.align_bytes) + ") failed, but the free block at " +
                               hex(fit->second) + " in '" + map.spec(fit->first).name + "' could hold it" +
                               preference,
           op.handle);
    return;
  }
}

// A heap that fails validation is corrupt: the allocator would follow its broken
// links on the next call (an assertion in a checked build, a wild read in the
// release gate), and a statistics walk would too. The run halts with the finding,
// as it does for an allocator assertion.
void Executor::Impl::self_check() const {
  shadow.verify();
  coherency->verify();
}

void Executor::Impl::validate_all() {
  const PoolValidationReport report_of_pool = pool->validate();
  if (!report_of_pool.ok()) {
    const RegionSpec& spec = map.spec(report_of_pool.region);
    halt(Check::heap_validate, "region '" + spec.name + "': " + to_string(report_of_pool.report.check) + " at " +
                                   hex(spec.base + report_of_pool.report.offset_bytes),
         0);
  }
}

}  // namespace smh::sim
