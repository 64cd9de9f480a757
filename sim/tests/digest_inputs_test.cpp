// The digest covers what was asked as well as what happened (issue 16): two op
// sequences of the same length whose outcomes agree, and two machines on which
// the same ops place alike, give two digests. Before, the digest was taken over
// outcome events only, and each pair below shared one.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "smh/sim/executor.hpp"

namespace smh::sim {
namespace {

MachineConfig sram_of(std::uint64_t size_bytes) {
  MachineConfig config;
  config.regions = {{"sram", 0x2000'0000, size_bytes, 0, CachePolicy::write_back, 32, true, false}};
  return config;
}

std::uint64_t digest_of(const MachineConfig& machine, const std::vector<Op>& ops, bool checks) {
  ExecutorOptions options;
  options.check_invariants = checks;
  const RunResult result = run_ops(machine, ops, 1, options);
  EXPECT_TRUE(result.ok) << result.error;
  EXPECT_TRUE(result.findings.empty());
  return result.summary.digest;
}

std::vector<Op> write_then_free(OpKind access) {
  return {Op{OpKind::alloc, 1, 0, 64, 0, 0, 0}, Op{access, 1, 0, 0, 0, 0, 16}, Op{OpKind::free, 1, 0, 0, 0, 0, 0}};
}

TEST(DigestInputs, AnAccessOfAnotherKindOnTheSameRangeMovesTheDigest) {
  // Both record one "coherency" event over the same 16 bytes.
  for (const bool checks : {false, true}) {
    EXPECT_NE(digest_of(sram_of(64 << 10), write_then_free(OpKind::cpu_write), checks),
              digest_of(sram_of(64 << 10), write_then_free(OpKind::cpu_read), checks))
        << "checks " << checks;
  }
}

TEST(DigestInputs, AnAlignmentThatPlacesAlikeMovesTheDigest) {
  // The first payload sits at offset 8 of a region based on a 16-byte multiple
  // plus 8 either way: alignments 8 and default place the block alike.
  const std::vector<Op> plain = {Op{OpKind::alloc, 1, 0, 64, 0, 0, 0}};
  const std::vector<Op> aligned = {Op{OpKind::alloc, 1, 0, 64, 8, 0, 0}};
  EXPECT_NE(digest_of(sram_of(64 << 10), plain, false), digest_of(sram_of(64 << 10), aligned, false));
}

TEST(DigestInputs, ARegionOfAnotherCapacityMovesTheDigest) {
  // Nothing comes near either capacity: every outcome is the same.
  const std::vector<Op> ops = write_then_free(OpKind::cpu_write);
  EXPECT_NE(digest_of(sram_of(64 << 10), ops, true), digest_of(sram_of(128 << 10), ops, true));
}

TEST(DigestInputs, TheSameOpsOnTheSameMachineKeepTheirDigest) {
  const std::vector<Op> ops = write_then_free(OpKind::cpu_write);
  EXPECT_EQ(digest_of(sram_of(64 << 10), ops, true), digest_of(sram_of(64 << 10), ops, true));
  // A fast replay's digest is a checked one's when nothing fires.
  EXPECT_EQ(digest_of(sram_of(64 << 10), ops, true), digest_of(sram_of(64 << 10), ops, false));
}

}  // namespace
}  // namespace smh::sim
