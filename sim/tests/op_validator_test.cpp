// The op validator (sim/src/op_validator.hpp): each typed refusal on its own,
// and, through the Executor, the promise that a refused op applies nothing — not
// a draw from the fault or cache-noise streams, no background cache activity, no
// injection, no op counted.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coherency_machine.hpp"
#include "op_validator.hpp"
#include "smh/sim/executor.hpp"
#include "support/ops.hpp"

namespace smh::sim {
namespace {

using Reason = OpRefusal::Reason;

std::vector<RegionSpec> regions() {
  return {{"sram", 0x2000'0000, 4096, 0, CachePolicy::write_back, 32, true, false},
          {"dma_nc", 0x3000'0000, 16 << 10, 1, CachePolicy::non_cacheable, 32, true, false}};
}

using testing::op;

// An alloc from 'sram' (attribute 0).
Op alloc(Handle handle, std::uint64_t size_bytes, std::uint64_t align_bytes = 0) {
  return testing::alloc(handle, 0, size_bytes, align_bytes);
}

class OpValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(MemoryMap::build(regions(), &map_, &error)) << error;
    coherency_ = std::make_unique<CoherencyMachine>(map_, 1);
    validator_ = std::make_unique<OpValidator>(map_, *coherency_);
  }

  // The reason `op` is refused for, on `live`; nullopt when it is valid.
  std::optional<Reason> reason(const Op& op, const LiveBlock* live, bool holds_null = false) const {
    const auto refusal = validator_->refusal(op, live, holds_null);
    if (!refusal) {
      return std::nullopt;
    }
    EXPECT_FALSE(refusal->why.empty());
    return refusal->reason;
  }

  MemoryMap map_;
  std::unique_ptr<CoherencyMachine> coherency_;
  std::unique_ptr<OpValidator> validator_;
  const LiveBlock block_{0x2000'0040, 100, 0, 0, 0, 0, true};  // handle 7, in 'sram'
};

TEST_F(OpValidatorTest, TheHandleAndTheRequestsFormComeFirst) {
  EXPECT_EQ(reason(alloc(max_handle + 1, 8), nullptr), Reason::reserved_handle);
  EXPECT_EQ(reason(alloc(1, 8, 24), nullptr), Reason::alignment_not_power_of_two);
  EXPECT_EQ(reason(alloc(1, 8, MemoryMap::max_host_alignment_bytes * 2), nullptr), Reason::alignment_too_large);
  Op chained = op(OpKind::free, 7);
  chained.fallback_count = 1;
  EXPECT_EQ(reason(chained, &block_), Reason::chain_not_on_alloc);
  Op long_chain = alloc(1, 8);
  long_chain.fallback_count = max_prefer_attrs;
  EXPECT_EQ(reason(long_chain, nullptr), Reason::chain_too_long);
  long_chain.fallback_count = max_prefer_attrs - 1;
  EXPECT_EQ(reason(long_chain, nullptr), std::nullopt);
}

TEST_F(OpValidatorTest, WhatTheHandleHoldsDecidesTheBlockOps) {
  EXPECT_EQ(reason(alloc(7, 8), &block_), Reason::handle_still_live);
  EXPECT_EQ(reason(alloc(7, 8), nullptr), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::free, 7), nullptr), Reason::no_live_block);
  EXPECT_EQ(reason(op(OpKind::cpu_read, 7), nullptr), Reason::no_live_block);
  // A handle whose allocation failed holds null: free, realloc and (skipped)
  // accesses take it.
  EXPECT_EQ(reason(op(OpKind::free, 7), nullptr, true), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::realloc, 7), nullptr, true), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::cpu_write, 7), nullptr, true), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::free, 7), &block_), std::nullopt);
}

TEST_F(OpValidatorTest, AnAccessStaysInsideItsBlock) {
  EXPECT_EQ(reason(op(OpKind::cpu_read, 7, 101), &block_), Reason::offset_past_block);
  EXPECT_EQ(reason(op(OpKind::cpu_read, 7, 100), &block_), std::nullopt);  // 0 bytes at the end
  EXPECT_EQ(reason(op(OpKind::evict, 7, 100), &block_), Reason::offset_past_last_byte);
  EXPECT_EQ(reason(op(OpKind::speculative_fill, 7, 99), &block_), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::cpu_write, 7, 50, 51), &block_), Reason::range_past_block);
  const auto wrapped =
      validator_->refusal(op(OpKind::cpu_write, 7, 8, std::numeric_limits<std::uint64_t>::max() - 7), &block_, false);
  ASSERT_TRUE(wrapped.has_value());
  EXPECT_EQ(wrapped->why, "range [8, 8 + 18446744073709551608) runs past the block's 100 bytes");
}

// A receive or a transmit may cover part of its block, and may be programmed
// past its end (a DMA_OVERRUN the Executor reports, not a refusal), but not past
// its region:
// there is nothing there the simulator could name.
TEST_F(OpValidatorTest, ATransferMayCoverPartOfItsBlockOrRunPastItButNotPastTheRegion) {
  EXPECT_EQ(reason(op(OpKind::dma_from_device_start, 7, 4), &block_), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_start, 7, 8, 16), &block_), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_start, 7, 0, 164), &block_), std::nullopt);  // an overrun
  EXPECT_EQ(reason(op(OpKind::dma_from_device_start, 7, 0, 4096 - 0x40), &block_), std::nullopt);  // to the end
  EXPECT_EQ(reason(op(OpKind::dma_from_device_start, 7, 0, 4096 - 0x40 + 1), &block_), Reason::range_past_region);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_start, 7, 101), &block_), Reason::offset_past_block);
  // So may a transmit (the device reads past the buffer: a DMA_OVERRUN too);
  // the CPU stays inside the block.
  EXPECT_EQ(reason(op(OpKind::dma_to_device, 7, 0, 164), &block_), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::dma_to_device, 7, 0, 4096 - 0x40 + 1), &block_), Reason::range_past_region);
  EXPECT_EQ(reason(op(OpKind::dma_to_device, 7, 101, 1), &block_), Reason::offset_past_block);
  EXPECT_EQ(reason(op(OpKind::cpu_read, 7, 0, 164), &block_), Reason::range_past_block);
}

TEST_F(OpValidatorTest, AReceiveCompletesWhereItStarted) {
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7), &block_), Reason::no_receive_started);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_start, 7), &block_), std::nullopt);
  // The receive starts as the Executor starts it: in the region's model, and
  // in flight by handle, over bytes [8, 40) of the block.
  coherency_->memory(0).dma_from_device_start(block_.device_address - 0x2000'0000 + 8, 32, nullptr);
  coherency_->start_receive(7, CoherencyMachine::Receive{0, block_.device_address - 0x2000'0000 + 8, 32, 0});
  EXPECT_EQ(reason(op(OpKind::dma_from_device_start, 7), &block_), Reason::receive_in_flight);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7), &block_), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7, 8, 32), &block_), std::nullopt);  // its own range
  // A short completion: the device wrote fewer bytes, from where it started.
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7, 8, 16), &block_), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7, 8, 33), &block_), Reason::complete_range_differs);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7, 0, 100), &block_), Reason::complete_range_differs);
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7, 9, 8), &block_), Reason::complete_range_differs);
  LiveBlock moved = block_;
  moved.device_address += 0x400;  // a realloc moved it meanwhile
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7), &moved), Reason::receive_moved);
  LiveBlock shrunk = block_;
  shrunk.size_bytes = 20;  // or shrank it from under the receive
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7), &shrunk), Reason::receive_moved);
  // Growing it in place leaves the receive where it was: before receives took
  // a range, a receive covered its whole block, and a grown block was refused.
  LiveBlock grown = block_;
  grown.size_bytes = 200;
  EXPECT_EQ(reason(op(OpKind::dma_from_device_complete, 7), &grown), std::nullopt);
}

TEST_F(OpValidatorTest, ATransmitThatLastsAndAnAbortNeedTheirTransferInFlight) {
  EXPECT_EQ(reason(op(OpKind::dma_to_device_complete, 7), &block_), Reason::no_transmit_started);
  EXPECT_EQ(reason(op(OpKind::dma_abort, 7), &block_), Reason::no_transfer_in_flight);
  EXPECT_EQ(reason(op(OpKind::dma_to_device_start, 7, 8, 16), &block_), std::nullopt);  // part of a block
  EXPECT_EQ(reason(op(OpKind::dma_to_device_start, 7, 90, 16), &block_), std::nullopt);  // an over-read
  EXPECT_EQ(reason(op(OpKind::dma_to_device_start, 7, 90, 4096), &block_), Reason::range_past_region);
  coherency_->start_transmit(7, CoherencyMachine::Transmit{0, block_.device_address - 0x2000'0000 + 8, 16});
  EXPECT_EQ(reason(op(OpKind::dma_to_device_start, 7), &block_), Reason::transmit_in_flight);
  EXPECT_EQ(reason(op(OpKind::dma_to_device_complete, 7), &block_), std::nullopt);
  EXPECT_EQ(reason(op(OpKind::dma_abort, 7), &block_), std::nullopt);
}

TEST_F(OpValidatorTest, AnAbortedReceiveMustBeWhereItStarted) {
  coherency_->memory(0).dma_from_device_start(block_.device_address - 0x2000'0000, block_.size_bytes, nullptr);
  coherency_->start_receive(7, CoherencyMachine::Receive{0, block_.device_address - 0x2000'0000, 100, 0});
  EXPECT_EQ(reason(op(OpKind::dma_abort, 7), &block_), std::nullopt);
  LiveBlock moved = block_;
  moved.device_address += 0x400;
  EXPECT_EQ(reason(op(OpKind::dma_abort, 7), &moved), Reason::receive_moved);
}

// A driver loop over ring buffers in cacheable memory that leaves out its cache
// maintenance (no clean before the receive, no invalidate after it), so that
// background cache activity and faults leave their mark in the findings.
std::vector<Op> driver_loop() {
  std::vector<Op> ops;
  for (Handle round = 0; round < 300; ++round) {
    const Handle buffer = 10 + round % 4;
    if (round >= 4) {
      ops.push_back(op(OpKind::free, buffer));
    }
    ops.push_back(alloc(buffer, 40 + round % 3 * 24));
    ops.push_back(op(OpKind::cpu_write, buffer));
    ops.push_back(op(OpKind::dma_from_device_start, buffer));
    ops.push_back(op(OpKind::dma_from_device_complete, buffer));
    ops.push_back(op(OpKind::cpu_read, buffer));
  }
  return ops;
}

// Ops the validator refuses, whatever `valid` (the op about to be applied) is.
std::vector<Op> refused_before(const Op& valid) {
  Op chained = op(OpKind::free, valid.handle);
  chained.fallback_count = 1;
  return {alloc(valid.handle, 16, 24), alloc(max_handle + 1, 16), op(OpKind::free, 999),
          op(OpKind::cpu_read, 998), chained, alloc(1, 16, MemoryMap::max_host_alignment_bytes * 2)};
}

TEST(OpValidatorInTheExecutor, ARefusedOpAppliesNothingNotEvenTheMachinesOwnActivity) {
  MachineConfig machine;
  machine.regions = regions();
  ExecutorOptions options;
  options.cache_noise_ppm = 900'000;
  options.faults.rate_ppm[static_cast<unsigned>(FaultKind::alloc_failure)] = 30'000;
  options.faults.rate_ppm[static_cast<unsigned>(FaultKind::metadata_flip)] = 50'000;
  options.faults.rate_ppm[static_cast<unsigned>(FaultKind::dma_overrun)] = 50'000;
  options.faults.rate_ppm[static_cast<unsigned>(FaultKind::double_free)] = 30'000;
  std::string error;
  auto plain = Executor::create(machine, options, 5, &error);
  auto refusing = Executor::create(machine, options, 5, &error);
  ASSERT_NE(plain, nullptr) << error;
  ASSERT_NE(refusing, nullptr) << error;
  for (const Op& valid : driver_loop()) {
    ASSERT_TRUE(plain->apply(valid, &error)) << error;
    const std::uint64_t ops_before = refusing->ops_applied();
    for (const Op& invalid : refused_before(valid)) {
      EXPECT_FALSE(refusing->apply(invalid, &error));
      EXPECT_EQ(refusing->ops_applied(), ops_before);
    }
    ASSERT_TRUE(refusing->apply(valid, &error)) << error;
  }
  plain->finish();
  refusing->finish();
  // The streams were in use: a draw for any refused op would have moved what
  // they decided afterwards (which faults, at which ops; which lines).
  ASSERT_FALSE(plain->injections().empty());
  bool background = false;
  for (const Finding& finding : plain->findings()) {
    background = background || finding.message.find("background eviction") != std::string::npos;
  }
  EXPECT_TRUE(background) << "no finding from background cache activity: the noise stream went unobserved";
  EXPECT_EQ(refusing->digest(), plain->digest());
  EXPECT_EQ(refusing->ops_applied(), plain->ops_applied());
  ASSERT_EQ(refusing->injections().size(), plain->injections().size());
  for (std::size_t i = 0; i < plain->injections().size(); ++i) {
    EXPECT_EQ(refusing->injections()[i].op_index, plain->injections()[i].op_index);
    EXPECT_EQ(refusing->injections()[i].what, plain->injections()[i].what);
  }
  ASSERT_EQ(refusing->findings().size(), plain->findings().size());
  for (std::size_t i = 0; i < plain->findings().size(); ++i) {
    EXPECT_EQ(refusing->findings()[i].message, plain->findings()[i].message);
  }
}

}  // namespace
}  // namespace smh::sim
