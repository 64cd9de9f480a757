// Fast replay (check_invariants off) skips the invariant checks, not the
// coherency oracles: its owner tables are built only when the first cache or DMA
// op needs them, and must then name the right owners.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smh/sim/executor.hpp"

namespace smh::sim {
namespace {

MachineConfig write_back_sram() {
  MachineConfig config;
  config.regions = {{"sram", 0x2000'0000, 64 << 10, 0, CachePolicy::write_back, 32, true, false}};
  return config;
}

Op block_op(OpKind kind, Handle handle) {
  Op op;
  op.kind = kind;
  op.handle = handle;
  return op;
}

std::vector<std::string> findings_of(const RunResult& result) {
  std::vector<std::string> lines;
  for (const Finding& finding : result.findings) {
    lines.push_back(std::string(to_string(finding.check)) + ": " + finding.message);
  }
  return lines;
}

TEST(FastReplay, BuildsOwnerTablesLateFromWhatIsLive) {
  // Blocks come and go before the first cache op, so the late build has to start
  // from what is live then, not from a history.
  std::vector<Op> ops;
  for (Handle handle = 10; handle < 20; ++handle) {
    ops.push_back(Op{OpKind::alloc, handle, 0, 40 + handle, 0, 0, 0});
  }
  ops.push_back(Op{OpKind::alloc, 1, 0, 100, 0, 0, 0});  // an unaligned receive buffer
  ops.push_back(Op{OpKind::alloc, 2, 0, 64, 0, 0, 0});   // its neighbour, sharing its last line
  for (Handle handle = 10; handle < 20; handle += 2) {
    ops.push_back(block_op(OpKind::free, handle));
  }
  ops.push_back(block_op(OpKind::cpu_write, 2));
  ops.push_back(block_op(OpKind::cache_invalidate, 1));

  ExecutorOptions fast;
  fast.check_invariants = false;
  const RunResult replayed = run_ops(write_back_sram(), ops, 3, fast);
  ASSERT_TRUE(replayed.ok) << replayed.error;
  const std::vector<std::string> lines = findings_of(replayed);
  bool names_the_neighbour = false;
  for (const std::string& line : lines) {
    names_the_neighbour |= line.starts_with("COLLATERAL_INVALIDATE") && line.find("handle 2") != std::string::npos;
  }
  EXPECT_TRUE(names_the_neighbour) << ::testing::PrintToString(lines);
}

// apply_all() prefetches ahead; it must apply exactly what apply() one by one
// applies, and stop at the same invalid op with the same message.
TEST(FastReplay, ApplyAllMatchesApplyOneByOne) {
  std::vector<Op> ops;
  for (Handle handle = 1; handle <= 64; ++handle) {
    ops.push_back(Op{OpKind::alloc, handle, 0, 16 * handle, 0, 0, 0});
  }
  for (int handle = 64; handle >= 1; handle -= 3) {
    ops.push_back(block_op(OpKind::free, static_cast<Handle>(handle)));
  }
  ops.push_back(block_op(OpKind::free, 64));  // already freed: invalid

  std::string error_all;
  std::string error_one;
  auto all = Executor::create(write_back_sram(), {}, 5, &error_all);
  auto one = Executor::create(write_back_sram(), {}, 5, &error_one);
  ASSERT_TRUE(all && one);
  EXPECT_FALSE(all->apply_all(ops, &error_all));
  std::size_t applied = 0;
  while (applied < ops.size() && one->apply(ops[applied], &error_one)) {
    ++applied;
  }
  EXPECT_EQ(applied, ops.size() - 1);
  EXPECT_EQ(error_all, error_one);
  EXPECT_NE(error_all.find("op " + std::to_string(ops.size() - 1)), std::string::npos) << error_all;
  EXPECT_EQ(all->digest(), one->digest());
  EXPECT_EQ(all->events().size(), one->events().size());
}

}  // namespace
}  // namespace smh::sim
