// A compressed trace damaged in the middle of a frame: zstd checks a frame's
// checksum only at its end, so the damage first decodes to other text, which
// may parse into ops the trace never held, or fail as a line. A run that stops
// on such an error inside a frame whose checksum then fails reports the
// corruption, not the op (issue 13, defect 9: it said "no live block").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "smh/sim/scenario_runner.hpp"
#include "support/trace_files.hpp"

namespace smh::sim {
namespace {

// Long enough that the frame goes on far past what the reader has decoded when
// it meets the damage (its buffers hold a few hundred KiB).
constexpr int blocks_count = 40'000;
constexpr std::size_t raw_block_bytes = 100'000;  // zstd's limit is 128 KiB

// Allocations of handles 1..blocks_count, then their frees, as text.
std::string trace_text() {
  std::string text;
  for (int handle = 1; handle <= blocks_count; ++handle) {
    text += R"({"op":"alloc","handle":)" + std::to_string(handle) + R"(,"attr":0,"size":16})" + "\n";
  }
  for (int handle = 1; handle <= blocks_count; ++handle) {
    text += R"({"op":"free","handle":)" + std::to_string(handle) + "}\n";
  }
  return text;
}

// The text in one frame of raw blocks, with its checksum: what each byte of
// the frame holds is known, so a test damages exactly the text it means.
std::string frame_of(const std::string& text) {
  std::vector<std::string_view> blocks;
  for (std::size_t at = 0; at < text.size(); at += raw_block_bytes) {
    blocks.push_back(std::string_view(text).substr(at, raw_block_bytes));
  }
  return test::zstd_raw_frame(blocks, true);
}

// Where byte `text_offset` of the text lies in frame_of(text): after the
// frame header (magic, descriptor, window: 6 bytes) and a 3-byte header a block.
std::size_t frame_offset(std::size_t text_offset) {
  return 6 + (text_offset / raw_block_bytes) * (raw_block_bytes + 3) + 3 + text_offset % raw_block_bytes;
}

class TraceCorruption : public ::testing::Test {
 protected:
  ScenarioOutcome replay(const std::string& frame) {
    test::write_file(trace_, frame);
    return replay_trace(machine_, trace_, RunnerOptions{});
  }

  test::ScratchDir dir_{"trace_corruption"};
  std::string machine_ = dir_.file("machine.json");
  std::string trace_ = dir_.file("t.zst");

  void SetUp() override {
    test::write_file(machine_, R"({"format_version": 1, "machine": {"regions": [
      {"name": "r", "base": 4096, "size": "64K", "attr": 0, "cache": "non_cacheable"}]}})");
  }
};

TEST_F(TraceCorruption, TheFrameAsWrittenReplays) {
  // The checksum is right: the same frame damaged below fails only by its damage.
  const ScenarioOutcome outcome = replay(frame_of(trace_text()));
  EXPECT_EQ(outcome.verdict, Verdict::pass) << outcome.error;
  EXPECT_EQ(outcome.summary.ops, 2u * blocks_count);
}

TEST_F(TraceCorruption, AnOpTheDamageMadeIsBlamedOnTheDamage) {
  const std::string text = trace_text();
  // The free of handle 20000 becomes a free of 90000, which no alloc made, four
  // fifths into the frame: the op is refused long before the frame's end.
  const std::string free_line = R"({"op":"free","handle":20000})";
  const std::size_t at = text.find(free_line);
  ASSERT_NE(at, std::string::npos);
  std::string damaged = frame_of(text);
  const std::size_t digit = frame_offset(at + free_line.find("20000"));
  ASSERT_EQ(damaged[digit], '2');
  damaged[digit] = '9';
  const ScenarioOutcome outcome = replay(damaged);
  EXPECT_EQ(outcome.verdict, Verdict::bad_input);
  const std::string line = std::to_string(blocks_count + 20000);
  EXPECT_EQ(outcome.error.rfind(trace_ + ": corrupt zstd data: Restored data doesn't match checksum (found in the "
                                         "frame that held the text of this error, which the damage made: " +
                                    trace_ + ":" + line + ": ",
                                0),
            0u)
      << outcome.error;
}

TEST_F(TraceCorruption, SixtyFourBytesFlippedMidFrameAreTheDamageNotABadLine) {
  const std::string text = trace_text();
  // 64 bytes of text four fifths into the frame, within one raw block.
  const std::size_t first = text.size() * 4 / 5;
  ASSERT_EQ(first / raw_block_bytes, (first + 63) / raw_block_bytes);
  std::string damaged = frame_of(text);
  for (std::size_t i = frame_offset(first); i < frame_offset(first) + 64; ++i) {
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5A);
  }
  const ScenarioOutcome outcome = replay(damaged);
  EXPECT_EQ(outcome.verdict, Verdict::bad_input);
  EXPECT_EQ(outcome.error.rfind(trace_ + ": corrupt zstd data: Restored data doesn't match checksum (", 0), 0u)
      << outcome.error;
}

// A plain trace has no checksum: its bad op is its own.
TEST_F(TraceCorruption, APlainTracesBadOpIsItsOwn) {
  std::string text = trace_text();
  text.replace(text.find(R"({"op":"free","handle":20000})"), 28, R"({"op":"free","handle":90000})");
  test::write_file(dir_.file("t.jsonl"), text);
  const ScenarioOutcome outcome = replay_trace(machine_, dir_.file("t.jsonl"), RunnerOptions{});
  EXPECT_EQ(outcome.verdict, Verdict::bad_input);
  EXPECT_EQ(outcome.error.rfind(dir_.file("t.jsonl") + ":" + std::to_string(blocks_count + 20000) + ": ", 0), 0u)
      << outcome.error;
}

}  // namespace
}  // namespace smh::sim
