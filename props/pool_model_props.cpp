// Suite 2 — the pool against a model. Random memory maps (1 to 16
// regions, exact ids or capability masks, reserved regions, size-threshold
// roles, adjacent or apart, added in random order) under a random policy, and
// random call sequences (allocs with preference chains, aligned allocs,
// reallocs, frees, usable_size, validate). Besides what support/pool_model.hpp
// checks after every call: each request lands in the region its policy must
// choose (support/policy_oracle.hpp) — or fails exactly when no region can take
// it —, at the offset the layout rules predict for that region's heap (one
// support/layout_predictor.hpp per region mirrors every call), owner() reports
// no region for pointers outside every region, and each attribute's stats equal
// the sum of its regions' (plus the pool's own failure tally in exact mode).
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../core/tests/support/heap_test_support.hpp"
#include "../core/tests/support/pool_test_support.hpp"
#include "support/call_commands.hpp"
#include "support/free_block_fit.hpp"
#include "support/layout_predictor.hpp"
#include "support/policy_oracle.hpp"
#include "support/pool_machine.hpp"
#include "support/pool_model.hpp"
#include "support/suite_budget.hpp"

namespace smh::props {
namespace {

class PoolModelSut {
 public:
  explicit PoolModelSut(const sim::MachineConfig& machine)
      : sut_(machine), oracle_(machine), attrs_(request_attrs(machine)) {
    for (unsigned r = 0; r < sut_.map().region_count(); ++r) {
      const auto base = reinterpret_cast<std::uintptr_t>(sut_.map().cpu_view(r));
      predicted_.emplace_back(base, sut_.map().spec(r).size_bytes);
      const std::uintptr_t end = base + sut_.map().spec(r).size_bytes;
      for (const std::uintptr_t probe : {base - 1, base, end - 1, end, end + 7}) {
        probes_.push_back(probe);
      }
    }
    probes_.push_back(reinterpret_cast<std::uintptr_t>(&probes_));  // the heap of the test itself
    check_owners_of_probes();
  }

  void apply(const Call& call) {
    const Expected expected = predict(call);
    const auto live = sut_.live().find(call.handle);
    const bool held = live != sut_.live().end();
    const PoolUnderTest::LiveBlock old = held ? live->second : PoolUnderTest::LiveBlock{};
    const PoolUnderTest::Outcome outcome = sut_.apply(call);
    if (outcome.asked_for_block) {
      if (expected.in_place) {
        RC_ASSERT(outcome.in_place);
      } else {
        RC_ASSERT(!outcome.in_place);
        RC_ASSERT(outcome.region == expected.region);
      }
    }
    mirror(call, held ? &old : nullptr, outcome);
    check_attribute_stats();
    check_owners_of_probes();
  }

  void finish() { sut_.free_everything(); }

  [[nodiscard]] sim::MachineConfig machine_config() const { return sut_.machine(); }
  [[nodiscard]] const std::vector<sim::Op>& ops() const { return sut_.ops(); }

 private:
  struct Expected {
    bool in_place = false;
    int region = -1;  // where a new or moved block goes; -1: the call fails
  };

  // What the call must do, from the state before it.
  Expected predict(const Call& call) {
    Expected expected;
    const bool asks = (call.kind == CallKind::alloc || call.kind == CallKind::realloc) && call.size_bytes > 0;
    if (!asks) {
      return expected;
    }
    const auto blocks = walk_regions(sut_.pool());
    std::vector<bool> places;
    for (const LayoutPredictor& heap : predicted_) {
      places.push_back(heap.places(call.size_bytes, call.align_bytes));
    }
    const auto live = sut_.live().find(call.handle);
    if (call.kind == CallKind::realloc && live != sut_.live().end()) {
      expected.in_place = can_resize_in_place(blocks, live->second, call);
      if (expected.in_place) {
        return expected;
      }
      expected.region = oracle_.choose(blocks, places, call.attr, call.size_bytes, call.align_bytes);
      return expected;
    }
    for (unsigned i = 0; i < call.attr_count() && expected.region < 0; ++i) {
      expected.region = oracle_.choose(blocks, places, call.attr_at(i), call.size_bytes, call.align_bytes);
    }
    return expected;
  }

  [[nodiscard]] std::uint64_t offset_in_region(const unsigned char* payload, unsigned region) const {
    return static_cast<std::uint64_t>(payload - sut_.map().cpu_view(region));
  }

  // Applies what the call did to the predicted heap of each region it touched,
  // and checks that every new block lies where the layout rules put it. A move
  // is an allocation in its new region, then a free of the old block.
  void mirror(const Call& call, const PoolUnderTest::LiveBlock* old, const PoolUnderTest::Outcome& outcome) {
    const bool frees = call.kind == CallKind::free || (call.kind == CallKind::realloc && call.size_bytes == 0);
    if (old != nullptr && frees) {
      predicted_[old->region].free(offset_in_region(old->payload, old->region));
      return;
    }
    if (!outcome.asked_for_block || outcome.failed) {
      return;
    }
    const PoolUnderTest::LiveBlock& now = sut_.live().at(call.handle);
    const std::uint64_t offset = offset_in_region(now.payload, now.region);
    if (outcome.in_place) {
      RC_ASSERT(old != nullptr);
      const auto kept = predicted_[now.region].realloc(offset, call.size_bytes, call.align_bytes);
      RC_ASSERT(kept.has_value() && *kept == offset);
      return;
    }
    const auto placed = predicted_[now.region].alloc(call.size_bytes, call.align_bytes);
    if (!placed || *placed != offset) {
      RC_FAIL("region " + std::to_string(now.region) + " placed the block at offset " + std::to_string(offset) +
              ", the layout rules at " + (placed ? std::to_string(*placed) : std::string("none")));
    }
    if (old != nullptr) {
      predicted_[old->region].free(offset_in_region(old->payload, old->region));
    }
  }

  // docs/ARCHITECTURE.md, "realloc and the lock": in place when the block's
  // region satisfies the attribute and the heap can resize it there (which no
  // heap does for an alignment larger than its region).
  bool can_resize_in_place(const std::vector<std::vector<BlockInfo>>& blocks, const PoolUnderTest::LiveBlock& live,
                           const Call& call) const {
    const sim::RegionSpec& region = sut_.machine().regions[live.region];
    if (!region_matches(sut_.machine().pool.mode, region.attr, call.attr) || call.align_bytes > region.size_bytes) {
      return false;
    }
    const std::uint64_t payload_offset = live.payload - sut_.map().cpu_view(live.region);
    const std::vector<BlockInfo>& walk = blocks[live.region];
    for (std::size_t i = 0; i < walk.size(); ++i) {
      if (walk[i].payload_offset_bytes == payload_offset) {
        const bool right_free = i + 1 < walk.size() && !walk[i + 1].used;
        return live_block_can_resize(test::address_of(live.payload), walk[i].block_size_bytes,
                                     right_free ? walk[i + 1].block_size_bytes : 0, call.size_bytes,
                                     call.align_bytes);
      }
    }
    RC_FAIL("a live block is missing from its region's walk");
  }

  void check_attribute_stats() const {
    const MatchMode mode = sut_.machine().pool.mode;
    for (const std::uint32_t attr : attrs_) {
      HeapStats want = test::sum_of_regions(sut_.pool(), attr, mode);
      if (mode == MatchMode::exact) {
        want.failed_alloc_count += sut_.failures_for(attr);
      }
      const std::string diff = test::stats_diff(sut_.pool().stats(attr), want);
      if (!diff.empty()) {
        RC_FAIL("stats(" + std::to_string(attr) + ") != sum of its regions: " + diff);
      }
    }
  }

  // owner() of addresses around every region: the region that holds it (by a
  // linear scan of the map), or none.
  void check_owners_of_probes() const {
    for (const std::uintptr_t probe : probes_) {
      int holder = -1;
      for (unsigned r = 0; r < sut_.map().region_count(); ++r) {
        const auto base = reinterpret_cast<std::uintptr_t>(sut_.map().cpu_view(r));
        if (probe >= base && probe - base < sut_.map().spec(r).size_bytes) {
          holder = static_cast<int>(r);
        }
      }
      const Owner owner = sut_.pool().owner(reinterpret_cast<const void*>(probe));
      RC_ASSERT(owner.found == (holder >= 0));
      if (holder >= 0) {
        RC_ASSERT(owner.region == static_cast<unsigned>(holder));
      }
    }
  }

  PoolUnderTest sut_;
  PolicyOracle oracle_;
  std::vector<LayoutPredictor> predicted_;  // one per region
  std::vector<std::uint32_t> attrs_;
  std::vector<std::uintptr_t> probes_;
};

void pool_matches_model() {
  const PoolMachine machine = *gen_pool_machine(PoolMachineShape{});
  auto shape = std::make_shared<CallShape>();
  shape->attrs = request_attrs(machine.config);
  shape->prefer_chains = true;
  shape->max_size_bytes = 4096;
  shape->max_align_log2 = 12;
  shape->queries = true;
  CallModel model;
  model.shape = shape;
  PoolModelSut sut(machine.config);
  run_calls("props_pool_model", model, sut);
}

TEST(PoolModelProps, RegionsPoliciesOwnersAndStatsFollowTheModel) {
  check_within_budget(&pool_matches_model, SuiteBudget{300, 200, 0x5EED'0002});
}

}  // namespace
}  // namespace smh::props
