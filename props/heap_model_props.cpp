// Suite 1 — the heap against a simple model. Random sequences of
// alloc, aligned alloc, realloc (aligned or not, to size 0 as well), free,
// usable_size and validate on one smh::Heap whose size and base alignment are
// generated too; support/heap_model.hpp lists what is checked after every call.
// A failure shrinks to a minimal call list, printed as a scenario for `smh run`.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <memory>

#include "support/call_commands.hpp"
#include "support/heap_model.hpp"
#include "support/suite_budget.hpp"

namespace smh::props {
namespace {

void heap_matches_model() {
  const HeapMachine machine = *gen_heap_machine(65536);
  auto shape = std::make_shared<CallShape>();
  // Up to a little beyond the region: some requests can never fit.
  shape->max_size_bytes = machine.region_bytes + 64;
  shape->max_align_log2 = 12;
  shape->zero_sizes = true;
  shape->queries = true;
  CallModel model;
  model.shape = shape;
  HeapUnderTest sut(machine);
  run_calls("props_heap_model", model, sut);
  const HeapUnderTest::Coverage& seen = sut.coverage();
  RC_TAG(seen.failed_allocs > 0 ? "with failed allocs" : "no failed alloc");
  RC_TAG(seen.moved_reallocs > 0 ? "with moved reallocs" : "no moved realloc");
  RC_TAG(seen.in_place_reallocs > 0 ? "with in-place reallocs" : "no in-place realloc");
  RC_TAG(seen.max_live_blocks >= 32 ? ">= 32 live blocks" : "< 32 live blocks");
}

TEST(HeapModelProps, CallSequencesKeepEveryInvariant) {
  check_within_budget(&heap_matches_model, SuiteBudget{300, 200, 0x5EED'0001});
}

}  // namespace
}  // namespace smh::props
