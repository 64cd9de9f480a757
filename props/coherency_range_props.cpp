// Suite 5b: cache maintenance by address range, and receive buffers sharing a
// line (issue 14). Generated frames spread over several buffers
// (support/frame_workload.hpp):
//   * maintained by one address range, correctly, and next to an unpadded
//     buffer used for transmits only, no check ever fires, under the worst case
//     and under background noise;
//   * a range that reaches a CPU-written neighbour, a range clean one line
//     short, and a receive buffer left unpadded are each caught by the check
//     docs/coherency-checks.md names, at the op it names, and nothing unrelated
//     fires.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "smh/sim/executor.hpp"
#include "support/counterexample.hpp"
#include "support/driver_workload.hpp"
#include "support/frame_workload.hpp"
#include "support/suite_budget.hpp"

namespace smh::props {
namespace {

constexpr SuiteBudget range_budget{300, 100, 0x5eed'0005};

std::uint64_t line_of(const sim::MachineConfig& machine) { return machine.regions[write_back_sram].line_bytes; }

// A buffer of `lines` whole lines and a few bytes more, line-aligned but not
// padded: its last line also holds what the heap puts after it (free space, the
// next block's header, the object allocated next). Heap granules are 8 bytes and
// the tail is at most half a line, so its usable end is never on a line.
sim::Handle alloc_unpadded(FrameBuilder& builder, std::uint64_t line_bytes) {
  const std::uint64_t size = *rc::gen::inRange<std::uint64_t>(0, 5) * line_bytes +
                             *rc::gen::inRange<std::uint64_t>(1, line_bytes / 2 + 1);
  const sim::Handle buffer = builder.alloc(size, line_bytes);
  RC_ASSERT(builder.block(buffer).usable_bytes % line_bytes != 0);
  return buffer;
}

// The precise twin of DMA_LINE_SHARED: an unpadded buffer the device only reads,
// next to an object the CPU keeps writing.
void emit_unpadded_transmit(FrameBuilder& builder, std::uint64_t line_bytes) {
  const sim::Handle buffer = alloc_unpadded(builder, line_bytes);
  const sim::Handle object = builder.alloc(*rc::gen::inRange<std::uint64_t>(1, 300), 0);
  builder.whole(sim::OpKind::cpu_write, object);
  builder.whole(sim::OpKind::cpu_write, buffer);
  builder.whole(sim::OpKind::cache_clean, buffer);
  builder.whole(sim::OpKind::dma_to_device, buffer);
  builder.whole(sim::OpKind::cpu_write, object);
  builder.whole(sim::OpKind::cpu_read, object);
}

TEST(CoherencyRangeProps, RangeMaintenanceOverAFrameNeverTriggersAnOracle) {
  check_within_budget(
      [] {
        const sim::MachineConfig machine = *gen_driver_machine();
        const std::uint64_t line = line_of(machine);
        FrameBuilder builder(machine);
        emit_objects_before(builder);
        const auto frames = *rc::gen::inRange<unsigned>(1, 4);
        bool rx = false;
        bool tx = false;
        for (unsigned i = 0; i < frames; ++i) {
          const std::vector<sim::Handle> frame = alloc_frame(builder, *rc::gen::inRange<unsigned>(2, 5), line);
          assert_frame_alone(builder, frame);
          if (*rc::gen::arbitrary<bool>()) {
            emit_rx_frame(builder, frame);
            rx = true;
          } else {
            emit_tx_frame(builder, frame);
            tx = true;
          }
        }
        const bool unpadded_tx = *rc::gen::arbitrary<bool>();
        if (unpadded_tx) emit_unpadded_transmit(builder, line);
        sim::ExecutorOptions options;
        options.cache_noise_ppm = *rc::gen::element<std::uint32_t>(0, 1'000, 30'000, 300'000);
        const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
        const sim::RunResult result = sim::run_ops(machine, builder.ops(), seed, options);
        RC_LOG() << counterexample_json("coherency_range_correct", machine, builder.ops(), seed,
                                        options.cache_noise_ppm)
                 << "\n";
        RC_ASSERT(result.ok);
        if (!result.findings.empty()) {
          RC_FAIL(std::string(to_string(result.findings.front().check)) + " at op " +
                  std::to_string(result.findings.front().op_index) + ": " + result.findings.front().message);
        }
        RC_CLASSIFY(options.cache_noise_ppm != 0, "background cache activity");
        RC_CLASSIFY(rx, "a receive frame maintained by range");
        RC_CLASSIFY(tx, "a transmit frame maintained by range");
        RC_CLASSIFY(unpadded_tx, "an unpadded transmit-only buffer");
      },
      range_budget);
}

enum class FrameBug : std::uint8_t {
  range_invalidate_over_written_object,
  range_invalidate_over_unclean_tx_buffer,
  range_clean_one_line_short,
  rx_buffer_not_padded,
};

const char* to_string(FrameBug bug) {
  switch (bug) {
    case FrameBug::range_invalidate_over_written_object: return "range invalidate over a CPU-written object";
    case FrameBug::range_invalidate_over_unclean_tx_buffer: return "range invalidate over a TX buffer not yet cleaned";
    case FrameBug::range_clean_one_line_short: return "range clean one line short of a TX frame";
    case FrameBug::rx_buffer_not_padded: return "receive buffer not padded to its last line";
  }
  return "?";
}

struct BrokenRun {
  std::vector<std::pair<sim::Check, std::size_t>> expected;  // check, op index
  std::size_t first_changed_op = 0;  // no finding may come before it
};

// Two receive buffers with `middle` allocated between them; asserts the layout
// (ascending addresses in a fresh region) the variant relies on. The middle
// object is at least two lines long, so it cannot land in the alignment gap the
// heap leaves before the first buffer (less than a line and a header).
std::vector<sim::Handle> rx_pair_around(FrameBuilder& builder, std::uint64_t line, bool middle_is_tx,
                                        sim::Handle* middle) {
  const sim::Handle first = builder.alloc(padded(*rc::gen::inRange<std::uint64_t>(1, 600), line), line);
  *middle = middle_is_tx ? builder.alloc(padded(*rc::gen::inRange<std::uint64_t>(1, 600), line), line)
                         : builder.alloc(2 * line + *rc::gen::inRange<std::uint64_t>(0, 300), 0);
  const sim::Handle last = builder.alloc(padded(*rc::gen::inRange<std::uint64_t>(1, 600), line), line);
  const BlockView& m = builder.block(*middle);
  RC_ASSERT(builder.block(first).device_address + builder.block(first).size_bytes <= m.device_address);
  RC_ASSERT(m.device_address + m.size_bytes <= builder.block(last).device_address);
  return {first, last};
}

// The receives of `frame`, each maintained on its own after completing, and read.
void finish_receives(FrameBuilder& builder, const std::vector<sim::Handle>& frame) {
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::dma_from_device_start, buffer);
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::dma_from_device_complete, buffer);
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::cache_invalidate, buffer);
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::cpu_read, buffer);
}

BrokenRun emit_range_invalidate_over_neighbour(FrameBuilder& builder, std::uint64_t line, bool neighbour_is_tx) {
  BrokenRun run;
  run.first_changed_op = builder.ops().size();
  sim::Handle neighbour = 0;
  const std::vector<sim::Handle> frame = rx_pair_around(builder, line, neighbour_is_tx, &neighbour);
  builder.whole(sim::OpKind::cpu_write, neighbour);
  run.expected.emplace_back(sim::Check::collateral_invalidate, builder.range(sim::OpKind::cache_invalidate, frame));
  if (neighbour_is_tx) {
    builder.whole(sim::OpKind::cache_clean, neighbour);  // the TX path's own clean, too late
    run.expected.emplace_back(sim::Check::stale_tx, builder.whole(sim::OpKind::dma_to_device, neighbour));
    finish_receives(builder, frame);
  } else {
    finish_receives(builder, frame);
    run.expected.emplace_back(sim::Check::discarded_write, builder.whole(sim::OpKind::cpu_read, neighbour));
  }
  // The CPU writes the neighbour again: it holds its contents once more, and the
  // end-of-run content check has nothing left to see.
  builder.whole(sim::OpKind::cpu_write, neighbour);
  return run;
}

BrokenRun emit_range_clean_short(FrameBuilder& builder, std::uint64_t line) {
  BrokenRun run;
  const std::vector<sim::Handle> frame = alloc_frame(builder, *rc::gen::inRange<unsigned>(2, 5), line);
  assert_frame_alone(builder, frame);
  for (const sim::Handle buffer : frame) builder.whole(sim::OpKind::cpu_write, buffer);
  run.first_changed_op = builder.range(sim::OpKind::cache_clean, frame, line);
  const sim::Handle last = builder.highest(frame);
  for (const sim::Handle buffer : frame) {
    const std::size_t at = builder.whole(sim::OpKind::dma_to_device, buffer);
    if (buffer == last) run.expected.emplace_back(sim::Check::stale_tx, at);
  }
  return run;
}

BrokenRun emit_unpadded_receive(FrameBuilder& builder, std::uint64_t line) {
  BrokenRun run;
  run.first_changed_op = builder.ops().size();
  const sim::Handle buffer = alloc_unpadded(builder, line);
  if (*rc::gen::arbitrary<bool>()) {  // an object in the buffer's last line, or free space
    builder.whole(sim::OpKind::cpu_write, builder.alloc(*rc::gen::inRange<std::uint64_t>(1, 300), 0));
  }
  builder.whole(sim::OpKind::cache_clean_invalidate, buffer);
  run.expected.emplace_back(sim::Check::dma_line_shared, builder.whole(sim::OpKind::dma_from_device_start, buffer));
  builder.whole(sim::OpKind::dma_abort, buffer);  // the run ends at the finding, the buffer at rest
  return run;
}

TEST(CoherencyRangeProps, EachBrokenRangeOrLineIsCaughtByItsCheck) {
  check_within_budget(
      [] {
        const sim::MachineConfig machine = *gen_driver_machine();
        const std::uint64_t line = line_of(machine);
        FrameBuilder builder(machine);
        emit_objects_before(builder);
        const FrameBug bug = *rc::gen::element(
            FrameBug::range_invalidate_over_written_object, FrameBug::range_invalidate_over_unclean_tx_buffer,
            FrameBug::range_clean_one_line_short, FrameBug::rx_buffer_not_padded);
        RC_CLASSIFY(true, to_string(bug));
        BrokenRun run;
        switch (bug) {
          case FrameBug::range_invalidate_over_written_object:
          case FrameBug::range_invalidate_over_unclean_tx_buffer:
            run = emit_range_invalidate_over_neighbour(builder, line,
                                                       bug == FrameBug::range_invalidate_over_unclean_tx_buffer);
            break;
          case FrameBug::range_clean_one_line_short: run = emit_range_clean_short(builder, line); break;
          case FrameBug::rx_buffer_not_padded: run = emit_unpadded_receive(builder, line); break;
        }
        const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
        const sim::RunResult result = sim::run_ops(machine, builder.ops(), seed);  // no background noise
        RC_LOG() << "bug: " << to_string(bug) << "\n"
                 << counterexample_json("coherency_range_broken", machine, builder.ops(), seed) << "\n";
        RC_ASSERT(result.ok);
        std::set<sim::Check> allowed;
        for (const std::pair<sim::Check, std::size_t>& expected : run.expected) {
          allowed.insert(expected.first);
          RC_ASSERT(std::any_of(result.findings.begin(), result.findings.end(), [&](const sim::Finding& finding) {
            return finding.check == expected.first && finding.op_index == expected.second;
          }));
        }
        for (const sim::Finding& finding : result.findings) {
          RC_LOG() << to_string(finding.check) << " at op " << finding.op_index << ": " << finding.message << "\n";
          RC_ASSERT(allowed.contains(finding.check));
          RC_ASSERT(finding.op_index >= run.first_changed_op);
        }
      },
      range_budget);
}

}  // namespace
}  // namespace smh::props
