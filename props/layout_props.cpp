// Suite 7 — layout. For a generated call sequence on a generated region
// (size, base alignment), every offset and usable size the core returns, and its
// whole block layout after every call, equal what support/layout_predictor.hpp
// computes from the "Layout rules" of docs/ARCHITECTURE.md. The predictor works in
// 64-bit granules from the base address modulo the alignment, so its answer is the
// same for a 32-bit build; core/tests/layout_probe checks the core's 32-bit build
// against its 64-bit one byte for byte.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../core/tests/support/heap_test_support.hpp"
#include "smh/heap.hpp"
#include "support/call_commands.hpp"
#include "support/hole_punching_calls.hpp"
#include "support/heap_machine.hpp"
#include "support/layout_model.hpp"
#include "support/layout_predictor.hpp"
#include "support/suite_budget.hpp"

namespace smh::props {
namespace {

std::string describe(const std::vector<LayoutPredictor::Block>& blocks) {
  std::ostringstream os;
  for (const LayoutPredictor::Block& block : blocks) {
    os << (block.used ? " U@" : " F@") << block.start_granule * 8 << "+" << block.size_granules * 8;
  }
  return os.str();
}

class LayoutUnderTest {
 public:
  explicit LayoutUnderTest(const HeapMachine& machine)
      : machine_(machine),
        buffer_(machine.region_bytes, host_alignment_bytes(machine), machine.base_offset_bytes),
        predicted_(test::address_of(buffer_.data()), machine.region_bytes) {
    RC_ASSERT(heap_.init(buffer_.data(), machine.region_bytes) == Status::ok);
    compare_layouts();
  }

  void apply(const Call& call) {
    if (const auto op = to_op(call)) {
      ops_.push_back(*op);
    }
    // The handle's block, where the prediction (equal to the core so far) says.
    const auto old_offset = predicted_.offset_of(call.handle);
    void* old = old_offset ? test::at_offset(heap_, *old_offset) : nullptr;
    void* result = nullptr;
    switch (call.kind) {
      case CallKind::alloc:
        result = heap_.aligned_alloc(call.align_bytes, call.size_bytes);
        break;
      case CallKind::realloc:
        result = heap_.aligned_realloc(old, call.align_bytes, call.size_bytes);
        break;
      case CallKind::free:
        RC_ASSERT(heap_.free(old) == Status::ok);
        break;
      case CallKind::usable_size:
      case CallKind::validate:
        break;
    }
    const auto predicted = predicted_.apply(call);
    if (result == nullptr || !predicted) {
      RC_ASSERT((result == nullptr) == !predicted.has_value());
    } else {
      const std::uint64_t offset = test::offset_in(heap_, result);
      RC_ASSERT(offset == *predicted);
      RC_ASSERT(heap_.usable_size(result) == predicted_.predictor().usable_bytes(offset));
    }
    compare_layouts();
  }

  void finish() {
    for (const sim::Handle handle : predicted_.live_handles()) {
      apply(Call{CallKind::free, handle, 0, 0, 0});
    }
  }

  [[nodiscard]] sim::MachineConfig machine_config() const { return single_region_machine(machine_); }
  [[nodiscard]] const std::vector<sim::Op>& ops() const { return ops_; }

 private:
  void compare_layouts() const {
    std::vector<LayoutPredictor::Block> actual;
    for (const BlockInfo& block : test::walk_blocks(heap_).blocks) {
      actual.push_back({block.block_offset_bytes / 8, block.block_size_bytes / 8, block.used});
    }
    const std::string actual_text = describe(actual);
    const std::string predicted_text = describe(predicted_.predictor().blocks());
    if (actual_text != predicted_text) {
      RC_FAIL("layout differs from the prediction\n  core:     " + actual_text + "\n  predicted:" + predicted_text);
    }
  }

  HeapMachine machine_;
  test::AlignedBuffer buffer_;
  Heap heap_;
  PredictedHeap predicted_;
  std::vector<sim::Op> ops_;
};

// General sequences: every kind of call, sizes up to beyond the region, any
// alignment up to 4 KiB.
void offsets_follow_the_layout_rules() {
  const HeapMachine machine = *gen_heap_machine(16384);
  auto shape = std::make_shared<CallShape>();
  shape->max_size_bytes = machine.region_bytes + 64;
  shape->size_palette = *rc::gen::container<std::vector<std::uint64_t>>(
      *rc::gen::inRange<std::size_t>(1, 4),
      rc::gen::weightedOneOf<std::uint64_t>({{2, rc::gen::inRange<std::uint64_t>(1, 65)},
                                             {1, rc::gen::inRange<std::uint64_t>(1, 1025)}}));
  shape->align_palette = {16, 32, 64};
  shape->max_align_log2 = 12;
  shape->fill = {4, 4, 1, 1};
  shape->churn = {1, 4, 1, 4};
  shape->zero_sizes = true;
  // The model predicts from the base's offset: congruent to the real base
  // modulo every alignment the heap accepts (heap_machine.hpp).
  const LayoutModel model(shape, machine.base_offset_bytes, machine.region_bytes);
  LayoutUnderTest sut(machine);
  run_calls("props_layout", model, sut);
}

void holes_are_searched_as_the_rules_say() {
  const HeapMachine machine = *gen_heap_machine(2048);
  const std::vector<Call> calls = *gen_hole_punching_calls(machine.region_bytes, {0});
  LayoutUnderTest sut(machine);
  run_call_list("props_layout_holes", calls, sut);
}

TEST(LayoutProps, OffsetsEqualThePredictionFromTheLayoutRules) {
  check_within_budget(&offsets_follow_the_layout_rules, SuiteBudget{300, 200, 0x5EED'0007});
}

TEST(LayoutProps, HolesAreSearchedAsTheLayoutRulesSay) {
  check_within_budget(&holes_are_searched_as_the_rules_say, SuiteBudget{300, 200, 0x5EED'0017});
}

}  // namespace
}  // namespace smh::props
