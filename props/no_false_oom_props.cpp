// Suite 3 — no false out-of-memory. Whenever an allocation fails
// (an alloc, a preference chain, a realloc), no region that could serve it has a
// free block with room for it wherever it lies: computed here from a walk of
// every region and the guarantee of support/free_block_fit.hpp (the block, plus
// for an aligned request the worst alignment gap), not from the heap's search
// nor the simulator's NO_FALSE_OOM check. A failed realloc must also have been
// unable to resize in place. Machines are small and requests come from a few
// sizes and alignments, so memory fills up, holes of one size pile up, and
// failures happen with plenty of free bytes left — the cases worth checking.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/call_commands.hpp"
#include "support/free_block_fit.hpp"
#include "support/hole_punching_calls.hpp"
#include "support/pool_machine.hpp"
#include "support/pool_model.hpp"
#include "support/suite_budget.hpp"

namespace smh::props {
namespace {

class NoFalseOomSut {
 public:
  explicit NoFalseOomSut(const sim::MachineConfig& machine) : sut_(machine) {}

  void apply(const Call& call) {
    // A failed realloc leaves the block where it was: remember where that is.
    const auto live = sut_.live().find(call.handle);
    const bool resizing = call.kind == CallKind::realloc && live != sut_.live().end();
    const PoolUnderTest::LiveBlock old = resizing ? live->second : PoolUnderTest::LiveBlock{};
    const PoolUnderTest::Outcome outcome = sut_.apply(call);
    if (!outcome.failed) {
      return;
    }
    ++failures_;
    const auto blocks = walk_regions(sut_.pool());
    const unsigned attr_count = call.kind == CallKind::alloc ? call.attr_count() : 1;
    for (unsigned i = 0; i < attr_count; ++i) {
      check_no_region_could_serve(blocks, call.attr_at(i), call);
    }
    if (resizing) {
      check_could_not_resize(blocks, old, call);
    }
  }

  void finish() { sut_.free_everything(); }

  [[nodiscard]] sim::MachineConfig machine_config() const { return sut_.machine(); }
  [[nodiscard]] const std::vector<sim::Op>& ops() const { return sut_.ops(); }
  [[nodiscard]] unsigned failures() const { return failures_; }
  [[nodiscard]] unsigned failures_with_room() const { return failures_with_room_; }

 private:
  void check_no_region_could_serve(const std::vector<std::vector<BlockInfo>>& blocks, std::uint32_t attr,
                                   const Call& call) {
    const sim::MachineConfig& machine = sut_.machine();
    std::uint64_t free_bytes = 0;
    for (unsigned r = 0; r < machine.regions.size(); ++r) {
      // An alignment larger than the region is outside the heap's contract.
      if (!region_serves(machine.pool, machine.regions[r], attr, call.size_bytes) ||
          call.align_bytes > machine.regions[r].size_bytes) {
        continue;
      }
      for (const BlockInfo& block : blocks[r]) {
        if (block.used) {
          continue;
        }
        free_bytes += block.block_size_bytes;
        if (free_block_guarantees_fit(block.block_size_bytes, call.size_bytes, call.align_bytes)) {
          RC_FAIL("false out-of-memory: " + describe(call) + " failed, but the free block at offset " +
                  std::to_string(block.block_offset_bytes) + " (" + std::to_string(block.block_size_bytes) +
                  " bytes) of region " + machine.regions[r].name + " holds it wherever it lies");
        }
      }
    }
    // Evidence that failures happened despite free memory (fragmentation, alignment).
    failures_with_room_ += free_bytes >= call.size_bytes + Heap::header_bytes ? 1 : 0;
  }

  void check_could_not_resize(const std::vector<std::vector<BlockInfo>>& blocks, const PoolUnderTest::LiveBlock& old,
                              const Call& call) const {
    const sim::RegionSpec& region = sut_.machine().regions[old.region];
    if (!region_matches(sut_.machine().pool.mode, region.attr, call.attr) || call.align_bytes > region.size_bytes) {
      return;
    }
    const std::uint64_t payload_offset = old.payload - sut_.map().cpu_view(old.region);
    const std::vector<BlockInfo>& walk = blocks[old.region];
    for (std::size_t i = 0; i < walk.size(); ++i) {
      if (walk[i].payload_offset_bytes != payload_offset) {
        continue;
      }
      const bool right_free = i + 1 < walk.size() && !walk[i + 1].used;
      RC_ASSERT(!live_block_can_resize(test::address_of(old.payload), walk[i].block_size_bytes,
                                       right_free ? walk[i + 1].block_size_bytes : 0, call.size_bytes,
                                       call.align_bytes));
      return;
    }
    RC_FAIL("the block of a failed realloc is missing from its region");
  }

  static std::string describe(const Call& call) {
    std::ostringstream os;
    os << call;
    return os.str();
  }

  PoolUnderTest sut_;
  unsigned failures_ = 0;
  unsigned failures_with_room_ = 0;
};

// Few small regions, few attributes: most requests match a region that is full.
PoolMachineShape small_machines(unsigned max_regions) {
  PoolMachineShape shape;
  shape.max_regions = max_regions;
  shape.max_region_bytes = 2048;
  shape.exact_attr_count = 2;
  shape.capability_bits = 2;
  return shape;
}

// RapidCheck's distribution report: how many cases failed with memory to spare.
void tag_failures(const NoFalseOomSut& sut) {
  RC_TAG(sut.failures_with_room() > 0 ? "failures with free bytes left"
         : sut.failures() > 0        ? "failures, memory exhausted"
                                     : "no failure");
}

void failures_are_never_false() {
  const PoolMachine machine = *gen_pool_machine(small_machines(4));
  auto shape = std::make_shared<CallShape>();
  shape->attrs = request_attrs(machine.config);
  shape->prefer_chains = true;
  shape->max_size_bytes = 1024;
  shape->size_palette = *rc::gen::container<std::vector<std::uint64_t>>(
      *rc::gen::inRange<std::size_t>(1, 4), rc::gen::inRange<std::uint64_t>(1, 129));
  shape->align_palette = {16, 32, 64, 128, 256};
  shape->max_align_log2 = 11;
  shape->fill = {4, 4, 1, 1};
  shape->churn = {2, 4, 2, 5};
  shape->target_live_handles = *rc::gen::inRange<std::size_t>(8, 48);
  CallModel model;
  model.shape = shape;
  NoFalseOomSut sut(machine.config);
  run_calls("props_no_false_oom", model, sut);
  tag_failures(sut);
}

// Small machines filled, holed and searched (support/hole_punching_calls.hpp):
// the fitting hole often sits deep in a size-class list.
void holes_that_fit_are_found() {
  const PoolMachine machine = *gen_pool_machine(small_machines(3));
  std::uint64_t total_bytes = 0;
  for (const sim::RegionSpec& region : machine.config.regions) {
    total_bytes += region.size_bytes;
  }
  const std::vector<Call> calls = *gen_hole_punching_calls(total_bytes, request_attrs(machine.config));
  NoFalseOomSut sut(machine.config);
  run_call_list("props_no_false_oom_holes", calls, sut);
  tag_failures(sut);
}

TEST(NoFalseOomProps, NoFailedAllocationHadAFreeBlockThatCouldHoldIt) {
  check_within_budget(&failures_are_never_false, SuiteBudget{300, 200, 0x5EED'0003});
}

TEST(NoFalseOomProps, HolesThatFitAreFoundDeepInTheirLists) {
  check_within_budget(&holes_that_fit_are_found, SuiteBudget{300, 200, 0x5EED'0013});
}

}  // namespace
}  // namespace smh::props
