// InvariantChecks (invariant_checks.hpp): what must hold after every op. Most
// checks are incremental (O(log live blocks) or O(size of the block touched));
// two walk every heap, but only when they apply: COALESCING when nothing is
// live, HEAP_VALIDATE every K ops and at the end. NO_FALSE_OOM judges a failed
// alloc on the harness's own index of the free space (O(regions),
// free_space_index.hpp).
//
//   NON_OVERLAP      a new or moved block meets no other live block
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
//
// Three more the coordinator checks where it drives the pool (executor.cpp,
// executor_block_ops.cpp), since each decides what happens next:
//   CONTAINMENT      a block lies inside one region (checked by locate(), before
//                    the harness touches the block; a block outside halts the run)
//   FREE_REFUSED     the pool refused to free a live block
//   ASSERTION_FAILED an SMH_ASSERT failed while the Executor drove the pool: the
//                    run stops there
//
// Findings go to the FindingSink (finding_sink.hpp).
#include <optional>
#include <utility>

#include "invariant_checks.hpp"

#include "number_text.hpp"
#include "smh/sim/fill_pattern.hpp"
#include "smh/sim/sim_assert.hpp"

namespace smh::sim {

using detail::hex;  // device addresses in messages: "0x2000_0000" written as 0x20000000

namespace {

// The heap's no-false-OOM guarantee (docs/ARCHITECTURE.md), restated
// independently: an allocation of `size_bytes` at `align_bytes` fails only when
// no free block has room for it wherever the block lies — an 8-byte header and
// max(8, round8(size)) bytes, plus for an alignment above 8 the worst alignment
// gap, align + 8 bytes (a one-granule gap cannot stay behind as a free block, so
// the gap is up to align - 8 or align + 8). This is the smallest free block that
// surely holds the request; smaller ones may serve it too (the heap tries its
// best fit first), but they prove nothing either way. A size or alignment beyond
// 2^62 fits no block (and no sum here can wrap).
std::uint64_t min_fitting_block_bytes(std::uint64_t size_bytes, std::uint64_t align_bytes) {
  constexpr std::uint64_t beyond_any_region = std::uint64_t{1} << 62;
  if (size_bytes > beyond_any_region || align_bytes > beyond_any_region) {
    return UINT64_MAX;
  }
  // The layout's constants are the core's (Heap::); the rule is restated here.
  constexpr std::uint64_t granule = Heap::granule_bytes;
  const std::uint64_t need = std::max<std::uint64_t>(
      Heap::min_block_bytes, Heap::header_bytes + (size_bytes + granule - 1) / granule * granule);
  const std::uint64_t gap_room = align_bytes > Heap::default_align_bytes ? align_bytes + granule : 0;
  return need + gap_room;
}

// Layout rule 1 (docs/ARCHITECTURE.md), restated: of a region's G granules the
// block-start bitmap takes ceil(G / 65) at the end; blocks tile the rest.
std::uint64_t block_area_granules(std::uint64_t region_bytes) {
  const std::uint64_t granules = region_bytes / Heap::granule_bytes;
  return granules - (granules + 64) / 65;
}

}  // namespace

InvariantChecks::InvariantChecks(const Machine& machine, const ExecutorOptions& options, std::uint64_t seed)
    : map_(machine.map), config_(machine.config), pool_(machine.pool), shadow_(machine.shadow),
      owners_(machine.owners), faults_(machine.faults), coherency_(machine.coherency), sink_(machine.sink),
      options_(options), seed_(seed) {
  if (options.check_invariants) {
    for (unsigned region = 0; region < map_.region_count(); ++region) {
      free_space_.add_region(block_area_granules(map_.spec(region).size_bytes));
    }
  }
}

bool InvariantChecks::satisfies(unsigned region, std::uint32_t attr) const {
  const std::uint32_t have = map_.spec(region).attr;
  return attribute_matches(config_.pool.mode, have, attr);
}

void InvariantChecks::check_new_block(const Op& op, const LiveBlock& block, std::size_t usable_bytes) {
  const Handle handle = op.handle;
  const std::uint64_t end = block.device_address + block.size_bytes;
  check_attribute(op, block);
  if (block.align_bytes() > 1 && block.device_address % block.align_bytes() != 0) {
    sink_.report(Check::alignment, owners_.describe(handle, block) + " is not aligned to " + std::to_string(block.align_bytes()),
           handle);
  }
  if (usable_bytes < block.size_bytes) {
    sink_.report(Check::usable_size, owners_.describe(handle, block) + ": usable " + std::to_string(usable_bytes) + " < requested",
           handle);
  }
  if (const auto other = shadow_.overlapping(block.device_address, end, handle)) {
    sink_.report(Check::non_overlap, owners_.describe(handle, block) + " overlaps " + owners_.describe(*other, shadow_.at(*other)),
           handle);
  }
}

// The block's region satisfies the request. For a preference chain: it
// satisfies some attribute of the chain, and the first one that could serve
// the request — every attribute before the first the region satisfies must
// have had no room (the pool tries them in order). Regions of those earlier
// attributes do not hold the new block, so walking them now sees them as the
// pool did.
void InvariantChecks::check_attribute(const Op& op, const LiveBlock& block) {
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
    sink_.report(Check::attribute, owners_.describe(op.handle, block) + ": region attribute " + hex(map_.spec(block.region).attr) +
                            " does not satisfy the request " + request, op.handle);
    return;
  }
  for (unsigned skipped = 0; skipped < served; ++skipped) {
    if (const auto fit = fitting_free_block(op.attr_at(skipped), op.size_bytes, op.align_bytes)) {
      sink_.report(Check::attribute, owners_.describe(op.handle, block) + ": served by preference " + std::to_string(served + 1) + " (" +
                              hex(op.attr_at(served)) + ") although preference " + std::to_string(skipped + 1) +
                              " (" + hex(op.attr_at(skipped)) + ") had room: the free block at " + hex(fit->second) +
                              " in '" + map_.spec(fit->first).name + "' could hold it", op.handle);
      return;
    }
  }
}

void InvariantChecks::check_contents(Handle handle, const LiveBlock& block, std::uint64_t prefix_bytes, const char* when) {
  if (!block.contents_known) {
    return;
  }
  const std::uint64_t key = fill_key(seed_, handle, block.generation);
  const auto bad = find_fill_mismatch(host_of(map_, block),
                                      static_cast<std::size_t>(prefix_bytes), key);
  if (bad) {
    sink_.report(Check::content, owners_.describe(handle, block) + ": byte at " + hex(block.device_address + *bad) +
                          " changed (checked " + when + ")", handle);
  }
}

// The region's own counters against the harness's independent tally of what is
// live there (blocks and requested bytes), and usable >= requested.
void InvariantChecks::check_accounting(unsigned region) {
  const HeapStats stats = pool_.region_stats(region, StatsDepth::counters_only);  // O(1): counters only
  const std::uint64_t live_bytes = shadow_.live_bytes(region);
  const std::size_t live_count = shadow_.live_count(region);
  if (stats.allocated_requested_bytes != live_bytes || stats.allocated_block_count != live_count ||
      stats.allocated_usable_bytes < stats.allocated_requested_bytes) {
    sink_.report(Check::accounting, "region '" + map_.spec(region).name + "' counts " +
                             std::to_string(stats.allocated_block_count) + " blocks, " +
                             std::to_string(stats.allocated_requested_bytes) + " bytes requested (" +
                             std::to_string(stats.allocated_usable_bytes) + " usable); the harness has " +
                             std::to_string(live_count) + " blocks, " + std::to_string(live_bytes) + " bytes");
  }
}

void InvariantChecks::check_coalesced() {
  for (unsigned region = 0; region < map_.region_count(); ++region) {
    const HeapStats stats = pool_.region_stats(region, StatsDepth::counters_only);
    if (stats.free_block_count != 1 || stats.allocated_block_count != 0) {
      sink_.report(Check::coalescing, "region '" + map_.spec(region).name + "' holds " +
                               std::to_string(stats.free_block_count) + " free and " +
                               std::to_string(stats.allocated_block_count) +
                               " allocated blocks with nothing live");
    }
  }
}

// As PoolEngine::serves decides, restated: the attribute matches, the region is
// neither reserved nor offline, and under Policy::size_threshold (the request's
// attribute's own policy, or the pool's) a region with a
// role serves only its side of the threshold (so its free blocks cannot make a
// request from the other side a false out-of-memory, nor be its home).
bool InvariantChecks::may_serve(unsigned region, std::uint32_t attr, std::uint64_t size_bytes) const {
  const RegionSpec& spec = map_.spec(region);
  if (spec.reserved || faults_.offline(region) || !satisfies(region, attr)) {
    return false;
  }
  if (policy_for(config_, attr) != Policy::size_threshold || spec.role == RegionRole::any) {
    return true;
  }
  const bool small = size_bytes < config_.pool.size_threshold_bytes;
  return small == (spec.role == RegionRole::small_requests);
}

// The first free block, in region order then address order, of a region that
// may serve the request, that surely holds it: judged on the harness's own
// free-space index (free_space_index.hpp), O(regions) unless one is found.
std::optional<std::pair<unsigned, std::uint64_t>> InvariantChecks::fitting_free_block(
    std::uint32_t attr, std::uint64_t size_bytes, std::uint64_t align_bytes) const {
  const std::uint64_t min_block_bytes = min_fitting_block_bytes(size_bytes, align_bytes);
  if (min_block_bytes == UINT64_MAX) {
    return std::nullopt;
  }
  const std::uint64_t min_granules = min_block_bytes / Heap::granule_bytes;
  for (unsigned region = 0; region < map_.region_count(); ++region) {
    const RegionSpec& spec = map_.spec(region);
    // The heap refuses alignments beyond its region's size (its documented
    // contract): such a refusal is not a false OOM. The guarantee does not depend
    // on where a block lies, so neither does the verdict.
    if (!may_serve(region, attr, size_bytes) || align_bytes > spec.size_bytes ||
        free_space_.largest_gap(region) < min_granules) {
      continue;
    }
    const auto gap = free_space_.first_gap_at_least(region, min_granules);
    SMH_SIM_ASSERT(gap.has_value());  // the largest gap is one
    return std::make_pair(region, spec.base + gap->begin * Heap::granule_bytes);
  }
  return std::nullopt;
}

// A preference chain fails only when no attribute of it had room. A request
// for 0 bytes gets null by design (as malloc(0) may), not for want of room.
void InvariantChecks::check_no_false_oom(const Op& op) {
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
    sink_.report(Check::no_false_oom, "alloc of " + std::to_string(op.size_bytes) + " bytes (align " +
                               std::to_string(op.align_bytes) + ") failed, but the free block at " +
                               hex(fit->second) + " in '" + map_.spec(fit->first).name + "' could hold it" +
                               preference,
           op.handle);
    return;
  }
}

void InvariantChecks::self_check() const {
  shadow_.verify();
  coherency_.verify();
}

// A heap that fails validation is corrupt: the allocator would follow its broken
// links on the next call (an assertion in a checked build, a wild read in the
// release gate), and a statistics walk would too. The coordinator halts the run
// with the finding, as it does for an allocator assertion.
std::string InvariantChecks::heap_problem() const {
  const PoolValidationReport report_of_pool = pool_.validate();
  if (report_of_pool.ok()) {
    return "";
  }
  const RegionSpec& spec = map_.spec(report_of_pool.region);
  return "region '" + spec.name + "': " + to_string(report_of_pool.report.check) + " at " +
         hex(spec.base + report_of_pool.report.offset_bytes);
}

std::string InvariantChecks::sweep() {
  last_validation_op_ = sink_.op_index();
  std::string problem = heap_problem();
  if (self_check_due()) {
    last_self_check_op_ = sink_.op_index();
    self_check();
  }
  return problem;
}

std::string InvariantChecks::end_of_run() {
  for (const Handle handle : shadow_.handles_in_order()) {
    const LiveBlock& block = shadow_.at(handle);
    check_contents(handle, block, block.size_bytes, "at the end of the run");
  }
  std::string problem = heap_problem();
  self_check();
  return problem;
}

// The heap block under a live block, in granules of its region's block area:
// from the header granule before the payload to the end of its usable bytes
// (docs/ARCHITECTURE.md, layout rule 2: a block is its header plus its usable
// size, and blocks start at offset 0 of the region).
std::uint64_t InvariantChecks::payload_granule(const LiveBlock& block) const {
  const std::uint64_t granule = (block.device_address - map_.spec(block.region).base) / Heap::granule_bytes;
  SMH_SIM_ASSERT(granule >= 1);  // locate() put the payload inside the region, after a header
  return granule;
}

void InvariantChecks::note_live(const LiveBlock& block, std::size_t usable_bytes) {
  const std::uint64_t payload = payload_granule(block);
  // false: the block overlaps one the harness holds live, which NON_OVERLAP reports.
  (void)free_space_.allocate(block.region, payload - 1, payload + usable_bytes / Heap::granule_bytes);
}

void InvariantChecks::prefetch(const LiveBlock& block) const {
  const std::uint64_t payload = payload_granule(block);
  free_space_.prefetch(block.region, payload - 1, payload + block.size_bytes / Heap::granule_bytes);
  // The lines of its contents after the header's (which the caller fetches: the
  // line of the byte before the payload), up to a few: the hardware's own
  // stream prefetch takes over on longer blocks.
  constexpr std::uintptr_t line_bytes = 64;
  constexpr std::uintptr_t max_lines = 8;
  const auto payload_begin = reinterpret_cast<std::uintptr_t>(host_of(map_, block));
  const std::uintptr_t first = (payload_begin - 1) / line_bytes + 1;
  const std::uintptr_t past_payload = (payload_begin + block.size_bytes + line_bytes - 1) / line_bytes;
  const std::uintptr_t end = std::min(first + max_lines, past_payload);
  for (std::uintptr_t line = first; line < end; ++line) {
    __builtin_prefetch(reinterpret_cast<const void*>(line * line_bytes));
  }
}

void InvariantChecks::note_gone(const LiveBlock& block) {
  (void)free_space_.release(block.region, payload_granule(block) - 1);  // false: note_live could not record it
}

}  // namespace smh::sim
