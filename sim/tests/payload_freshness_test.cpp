// PayloadFreshness (sim/src/payload_freshness.hpp): which of the CPU's writes an
// invalidate threw away, per block, and what makes them fresh again.
#include <gtest/gtest.h>

#include <vector>

#include "payload_freshness.hpp"

namespace smh::sim {
namespace {

using Discarded = PayloadFreshness::Discarded;

TEST(PayloadFreshness, OnlyBytesTheCpuWroteAreLostAndNeighbouringLinesJoin) {
  PayloadFreshness freshness;
  freshness.cpu_wrote(1, 16, 80);
  // The cache reports a discard per line: [0, 32) and [32, 64) and [64, 96).
  freshness.invalidated(1, 0, 32, 5);
  freshness.invalidated(1, 32, 64, 5);
  freshness.invalidated(1, 64, 96, 5);
  EXPECT_EQ(freshness.discarded_in(1, 0, 128), (std::vector<Discarded>{{16, 80, 5, 1}}));
  EXPECT_EQ(freshness.discarded_in(1, 40, 50), (std::vector<Discarded>{{40, 50, 5, 1}}));
  EXPECT_TRUE(freshness.discarded_in(1, 80, 128).empty());
  EXPECT_TRUE(freshness.discarded_in(2, 0, 128).empty());  // another block
}

TEST(PayloadFreshness, AWriteMakesBytesFreshAndALaterDiscardNamesItsOwnInvalidate) {
  PayloadFreshness freshness;
  freshness.cpu_wrote(1, 0, 64);
  freshness.invalidated(1, 0, 64, 3);
  freshness.cpu_wrote(1, 16, 32);
  EXPECT_EQ(freshness.discarded_in(1, 0, 64), (std::vector<Discarded>{{0, 16, 3, 1}, {32, 64, 3, 1}}));
  freshness.invalidated(1, 16, 32, 7);  // only the rewritten bytes were dirty: lost again, by this one
  EXPECT_EQ(freshness.discarded_in(1, 0, 64), (std::vector<Discarded>{{0, 16, 3, 1}, {16, 32, 7, 1}, {32, 64, 3, 1}}));
}

TEST(PayloadFreshness, ABlockNeverWrittenOrForgottenHasNothingDiscarded) {
  PayloadFreshness freshness;
  freshness.invalidated(1, 0, 64, 2);  // the harness's fill at alloc does not count
  EXPECT_TRUE(freshness.discarded_in(1, 0, 64).empty());
  freshness.cpu_wrote(1, 0, 64);
  freshness.invalidated(1, 0, 64, 4);
  freshness.forget(1);  // a receive completed, or the block was freed
  EXPECT_TRUE(freshness.discarded_in(1, 0, 64).empty());
  freshness.invalidated(1, 0, 64, 6);
  EXPECT_TRUE(freshness.discarded_in(1, 0, 64).empty());
}

// A short receive: the device wrote [16, 40) of the [16, 96) it was programmed
// for. The rest is unreceived until the CPU writes it or a receive writes it.
TEST(PayloadFreshness, AShortReceiveLeavesTheRestUnreceivedUntilWrittenAgain) {
  using Unreceived = PayloadFreshness::Unreceived;
  PayloadFreshness freshness;
  freshness.cpu_wrote(1, 0, 96);
  freshness.invalidated(1, 0, 96, 2);
  freshness.received(1, 16, 40, 96, 5);
  EXPECT_EQ(freshness.unreceived_in(1, 0, 128), (std::vector<Unreceived>{{40, 96, 5}}));
  // The part before the receive's range keeps its discarded CPU bytes; the
  // receive's range is the device's, or unreceived.
  EXPECT_EQ(freshness.discarded_in(1, 0, 128), (std::vector<Discarded>{{0, 16, 2, 1}}));
  freshness.cpu_wrote(1, 48, 56);
  EXPECT_EQ(freshness.unreceived_in(1, 0, 128), (std::vector<Unreceived>{{40, 48, 5}, {56, 96, 5}}));
  freshness.received(1, 16, 96);  // the next frame fills the range
  EXPECT_TRUE(freshness.unreceived_in(1, 0, 128).empty());
  freshness.received(1, 0, 8, 64, 9);
  EXPECT_EQ(freshness.unreceived_in(1, 32, 128), (std::vector<Unreceived>{{32, 64, 9}}));
  freshness.forget(1);
  EXPECT_TRUE(freshness.unreceived_in(1, 0, 128).empty());
  EXPECT_TRUE(freshness.unreceived_in(2, 0, 128).empty());
}

}  // namespace
}  // namespace smh::sim
