// Event hooks: each operation fires its hook once with the payload offsets and
// sizes the caller can check (alloc, free, realloc in place and moved, allocation
// failure, pointer errors), the context pointer is passed through, and with hooks
// unset (all or some) nothing fires and nothing breaks.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "smh/heap.hpp"
#include "support/heap_test_support.hpp"

namespace smh::test {
namespace {

constexpr std::size_t kRegion = 64 * 1024;

struct Recorder {
  std::vector<AllocEvent> allocs;
  std::vector<FreeEvent> frees;
  std::vector<ReallocEvent> reallocs;
  std::vector<AllocFailedEvent> failures;
  std::vector<ErrorEvent> errors;
  std::size_t total() const {
    return allocs.size() + frees.size() + reallocs.size() + failures.size() + errors.size();
  }
  void clear() { *this = Recorder{}; }
};

HeapHooks all_hooks(Recorder* recorder) {
  HeapHooks hooks;
  hooks.context = recorder;
  hooks.on_alloc = [](void* c, const AllocEvent& e) { static_cast<Recorder*>(c)->allocs.push_back(e); };
  hooks.on_free = [](void* c, const FreeEvent& e) { static_cast<Recorder*>(c)->frees.push_back(e); };
  hooks.on_realloc = [](void* c, const ReallocEvent& e) { static_cast<Recorder*>(c)->reallocs.push_back(e); };
  hooks.on_alloc_failed = [](void* c, const AllocFailedEvent& e) {
    static_cast<Recorder*>(c)->failures.push_back(e);
  };
  hooks.on_error = [](void* c, const ErrorEvent& e) { static_cast<Recorder*>(c)->errors.push_back(e); };
  return hooks;
}

class HeapHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(heap_.init(buffer_.data() + 256, kRegion), Status::ok);
    heap_.set_hooks(all_hooks(&rec_));
  }
  std::size_t off(const void* p) const { return offset_in(heap_, p); }

  AlignedBuffer buffer_{kRegion + 512};
  Heap heap_;
  Recorder rec_;
};

TEST_F(HeapHooksTest, SetHooksIsReadBack) {
  EXPECT_EQ(heap_.hooks().context, &rec_);
  EXPECT_NE(heap_.hooks().on_alloc, nullptr);
  EXPECT_NE(heap_.hooks().on_error, nullptr);
}

TEST_F(HeapHooksTest, AllocFiresOnceWithPayloadOffsetAndSizes) {
  void* p = heap_.alloc(100);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(rec_.allocs.size(), 1u);
  EXPECT_EQ(rec_.total(), 1u);
  const AllocEvent& e = rec_.allocs[0];
  EXPECT_EQ(e.offset_bytes, off(p));
  EXPECT_EQ(e.requested_bytes, 100u);
  EXPECT_EQ(e.usable_bytes, heap_.usable_size(p));
  // Plain alloc asks for the default alignment, spelled 0 or 8.
  EXPECT_TRUE(e.align_bytes == 0 || e.align_bytes == Heap::default_align_bytes) << e.align_bytes;
}

TEST_F(HeapHooksTest, AlignedAllocReportsTheAlignment) {
  void* p = heap_.aligned_alloc(256, 30);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(rec_.allocs.size(), 1u);
  EXPECT_EQ(rec_.total(), 1u);
  EXPECT_EQ(rec_.allocs[0].offset_bytes, off(p));
  EXPECT_EQ(rec_.allocs[0].requested_bytes, 30u);
  EXPECT_EQ(rec_.allocs[0].usable_bytes, heap_.usable_size(p));
  EXPECT_EQ(rec_.allocs[0].align_bytes, 256u);
}

TEST_F(HeapHooksTest, FreeFiresOnceWithTheBlocksOffsetAndSizes) {
  void* p = heap_.alloc(61);
  ASSERT_NE(p, nullptr);
  const std::size_t usable = heap_.usable_size(p);
  const std::size_t offset = off(p);
  rec_.clear();
  ASSERT_EQ(heap_.free(p), Status::ok);
  ASSERT_EQ(rec_.frees.size(), 1u);
  EXPECT_EQ(rec_.total(), 1u);
  EXPECT_EQ(rec_.frees[0].offset_bytes, offset);
  EXPECT_EQ(rec_.frees[0].requested_bytes, 61u);
  EXPECT_EQ(rec_.frees[0].usable_bytes, usable);
  rec_.clear();
  EXPECT_EQ(heap_.free(nullptr), Status::ok);
  EXPECT_EQ(rec_.total(), 0u) << "free(nullptr) fires nothing";
}

TEST_F(HeapHooksTest, ReallocInPlaceFiresOneUnmovedEvent) {
  void* p = heap_.alloc(40);
  ASSERT_NE(p, nullptr);
  rec_.clear();
  void* q = heap_.realloc(p, 400);  // grows into the trailing free space
  ASSERT_EQ(q, p);
  ASSERT_EQ(rec_.reallocs.size(), 1u);
  EXPECT_EQ(rec_.total(), 1u) << "a realloc is one event, not an alloc and a free";
  const ReallocEvent& e = rec_.reallocs[0];
  EXPECT_FALSE(e.moved);
  EXPECT_EQ(e.old_offset_bytes, off(p));
  EXPECT_EQ(e.new_offset_bytes, off(p));
  EXPECT_EQ(e.old_requested_bytes, 40u);
  EXPECT_EQ(e.new_requested_bytes, 400u);
  EXPECT_EQ(e.new_usable_bytes, heap_.usable_size(q));
  EXPECT_TRUE(e.align_bytes == 0 || e.align_bytes == Heap::default_align_bytes)
      << "plain realloc reports the default alignment, got " << e.align_bytes;
}

TEST_F(HeapHooksTest, ReallocMoveFiresOneMovedEvent) {
  void* p = heap_.alloc(40);
  void* blocker = heap_.alloc(8);
  ASSERT_TRUE(p && blocker);
  const std::size_t old_offset = off(p);
  rec_.clear();
  void* q = heap_.aligned_realloc(p, 128, 400);
  ASSERT_NE(q, nullptr);
  ASSERT_NE(q, p);
  ASSERT_EQ(rec_.reallocs.size(), 1u);
  EXPECT_EQ(rec_.total(), 1u) << "a realloc is one event, not an alloc and a free";
  const ReallocEvent& e = rec_.reallocs[0];
  EXPECT_TRUE(e.moved);
  EXPECT_EQ(e.old_offset_bytes, old_offset);
  EXPECT_EQ(e.new_offset_bytes, off(q));
  EXPECT_EQ(e.old_requested_bytes, 40u);
  EXPECT_EQ(e.new_requested_bytes, 400u);
  EXPECT_EQ(e.new_usable_bytes, heap_.usable_size(q));
  EXPECT_EQ(e.align_bytes, 128u);
}

TEST_F(HeapHooksTest, ReallocOfNullFiresAnAllocationAndReallocToZeroAFree) {
  void* p = heap_.realloc(nullptr, 24);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(rec_.allocs.size() + rec_.reallocs.size(), 1u);
  EXPECT_EQ(rec_.total(), 1u);
  rec_.clear();
  EXPECT_EQ(heap_.realloc(p, 0), nullptr);
  EXPECT_EQ(rec_.frees.size() + rec_.reallocs.size(), 1u);
  EXPECT_EQ(rec_.total(), 1u);
}

TEST_F(HeapHooksTest, AllocationFailureFiresWithRequestAndAlignment) {
  EXPECT_EQ(heap_.alloc(kRegion), nullptr);
  ASSERT_EQ(rec_.failures.size(), 1u);
  EXPECT_EQ(rec_.failures[0].requested_bytes, kRegion);
  EXPECT_TRUE(rec_.failures[0].align_bytes == 0 || rec_.failures[0].align_bytes == Heap::default_align_bytes);
  EXPECT_EQ(rec_.allocs.size(), 0u);
  rec_.clear();
  EXPECT_EQ(heap_.aligned_alloc(1024, kRegion - 100), nullptr);
  ASSERT_EQ(rec_.failures.size(), 1u);
  EXPECT_EQ(rec_.failures[0].requested_bytes, kRegion - 100);
  EXPECT_EQ(rec_.failures[0].align_bytes, 1024u);
}

TEST_F(HeapHooksTest, ReallocFailureFiresAllocFailedAndNothingElse) {
  void* p = heap_.alloc(100);
  void* blocker = heap_.alloc(8);
  ASSERT_TRUE(p && blocker);
  rec_.clear();
  EXPECT_EQ(heap_.realloc(p, kRegion), nullptr);
  ASSERT_EQ(rec_.failures.size(), 1u);
  EXPECT_EQ(rec_.failures[0].requested_bytes, kRegion);
  EXPECT_EQ(rec_.total(), 1u);
}

TEST_F(HeapHooksTest, PointerErrorsFireTheErrorHookWithStatusAndOffset) {
  void* a = heap_.alloc(64);
  void* b = heap_.alloc(64);
  void* guard = heap_.alloc(16);
  ASSERT_TRUE(a && b && guard);
  ASSERT_EQ(heap_.free(b), Status::ok);
  rec_.clear();
  EXPECT_EQ(heap_.free(b), Status::double_free);
  EXPECT_EQ(heap_.free(static_cast<unsigned char*>(a) + 16), Status::pointer_not_block);
  EXPECT_EQ(heap_.free(buffer_.data()), Status::pointer_outside_region);
  ASSERT_EQ(rec_.errors.size(), 3u);
  EXPECT_EQ(rec_.total(), 3u);
  EXPECT_EQ(rec_.errors[0].status, Status::double_free);
  EXPECT_EQ(rec_.errors[0].offset_bytes, off(b));
  EXPECT_EQ(rec_.errors[1].status, Status::pointer_not_block);
  EXPECT_EQ(rec_.errors[1].offset_bytes, off(a) + 16);
  EXPECT_EQ(rec_.errors[2].status, Status::pointer_outside_region);
  // Below the base: the offset wraps, as documented.
  EXPECT_EQ(rec_.errors[2].offset_bytes, static_cast<std::size_t>(0) - 256u);
}

TEST_F(HeapHooksTest, UsableSizeOfABadPointerFiresNothing) {
  void* a = heap_.alloc(64);
  ASSERT_NE(a, nullptr);
  rec_.clear();
  EXPECT_EQ(heap_.usable_size(static_cast<unsigned char*>(a) + 8), 0u);
  EXPECT_EQ(heap_.usable_size(buffer_.data()), 0u);
  EXPECT_FALSE(heap_.is_live_block(buffer_.data()));
  EXPECT_EQ(rec_.total(), 0u);
}

TEST_F(HeapHooksTest, NothingFiresOnceHooksAreCleared) {
  heap_.set_hooks(HeapHooks{});
  void* a = heap_.alloc(64);
  void* b = heap_.aligned_alloc(64, 64);
  ASSERT_TRUE(a && b);
  void* c = heap_.realloc(a, 1000);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(heap_.alloc(kRegion), nullptr);
  EXPECT_EQ(heap_.free(static_cast<unsigned char*>(b) + 8), Status::pointer_not_block);
  EXPECT_EQ(heap_.free(c), Status::ok);
  EXPECT_NE(heap_.free(c), Status::ok);
  EXPECT_EQ(heap_.free(b), Status::ok);
  EXPECT_EQ(rec_.total(), 0u);
  EXPECT_TRUE(HeapConsistent(heap_));
}

TEST_F(HeapHooksTest, PartiallySetHooksFireOnlyWhatIsSet) {
  HeapHooks hooks;
  hooks.context = &rec_;
  hooks.on_error = [](void* c, const ErrorEvent& e) { static_cast<Recorder*>(c)->errors.push_back(e); };
  heap_.set_hooks(hooks);
  void* a = heap_.alloc(64);
  ASSERT_NE(a, nullptr);
  void* moved_or_not = heap_.realloc(a, 128);
  ASSERT_NE(moved_or_not, nullptr);
  EXPECT_EQ(heap_.alloc(kRegion), nullptr);
  EXPECT_EQ(heap_.free(moved_or_not), Status::ok);
  EXPECT_EQ(rec_.total(), 0u);
  EXPECT_NE(heap_.free(moved_or_not), Status::ok);
  EXPECT_EQ(rec_.errors.size(), 1u);
  EXPECT_EQ(rec_.total(), 1u);
}

TEST_F(HeapHooksTest, EventsReplayToTheSameStats) {
  // Summing the events reproduces the live requested bytes and block count.
  std::size_t requested = 0;
  std::size_t blocks = 0;
  void* p[8] = {};
  for (std::size_t i = 0; i < 8; ++i) {
    p[i] = heap_.alloc(10 + i * 30);
    ASSERT_NE(p[i], nullptr);
  }
  p[2] = heap_.realloc(p[2], 500);
  p[5] = heap_.realloc(p[5], 4);
  ASSERT_TRUE(p[2] && p[5]);
  ASSERT_EQ(heap_.free(p[0]), Status::ok);
  ASSERT_EQ(heap_.free(p[7]), Status::ok);
  for (const AllocEvent& e : rec_.allocs) {
    requested += e.requested_bytes;
    ++blocks;
  }
  for (const ReallocEvent& e : rec_.reallocs) {
    requested = requested - e.old_requested_bytes + e.new_requested_bytes;
  }
  for (const FreeEvent& e : rec_.frees) {
    requested -= e.requested_bytes;
    --blocks;
  }
  EXPECT_EQ(requested, heap_.stats().allocated_requested_bytes);
  EXPECT_EQ(blocks, heap_.stats().allocated_block_count);
}

}  // namespace
}  // namespace smh::test
