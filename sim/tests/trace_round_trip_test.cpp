// Traces: what the writer writes the reader reads back equal (plain and zstd),
// the canonical line form, and the accepted syntaxes (names, size strings, blank
// lines, CRLF, a BOM, no final newline, several zstd frames).
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "smh/sim/trace.hpp"
#include "smh/sim/workload.hpp"
#include "support/trace_files.hpp"

namespace smh::sim {
namespace {

// Every op kind, every optional key, extreme values and preference chains.
std::vector<Op> every_kind_of_op() {
  constexpr std::uint64_t max64 = std::numeric_limits<std::uint64_t>::max();
  std::vector<Op> ops = {
      Op{OpKind::alloc, 1, 0, 64, 0},
      Op{OpKind::alloc, 2, 7, 4096, 256},
      Op{OpKind::realloc, 2, 1, max64, std::uint64_t{1} << 63},
      Op{OpKind::free, max_handle, 0, 0, 0},
  };
  for (unsigned kind = static_cast<unsigned>(OpKind::cpu_write); kind < op_kind_count; ++kind) {
    ops.push_back(Op{static_cast<OpKind>(kind), 3, 0, 0, 0, 0, 0});
    Op ranged{static_cast<OpKind>(kind), 4, 0, 0, 0, 32, max64};
    if (ranged.kind == OpKind::evict || ranged.kind == OpKind::speculative_fill) {
      ranged.length_bytes = 0;  // these take only the offset of a line
    }
    if (ranged.kind == OpKind::dma_to_device_complete || ranged.kind == OpKind::dma_abort) {
      ranged.offset_bytes = 0;  // these end the transfer in flight: a handle only
      ranged.length_bytes = 0;
    }
    ops.push_back(ranged);
  }
  for (std::uint8_t fallbacks = 1; fallbacks < max_prefer_attrs; ++fallbacks) {
    Op chain{OpKind::alloc, 10u + fallbacks, 2, 100, 64};
    chain.fallback_count = fallbacks;
    for (unsigned i = 0; i < fallbacks; ++i) {
      chain.fallback_attrs[i] = 0xFFFF'FFF0u + i;
    }
    ops.push_back(chain);
  }
  return ops;
}

std::vector<Op> read_all(const std::string& path, MatchMode mode = MatchMode::exact) {
  TraceError error;
  std::unique_ptr<TraceReader> reader = TraceReader::open(path, mode, &error);
  EXPECT_NE(reader, nullptr) << error.to_string();
  std::vector<Op> ops;
  if (!reader) {
    return ops;
  }
  Op op;
  while (reader->next(&op, &error)) {
    ops.push_back(op);
  }
  EXPECT_TRUE(error.message.empty()) << error.to_string();
  EXPECT_EQ(reader->ops_read(), ops.size());
  return ops;
}

void write_all(const std::string& path, bool zstd, const std::vector<Op>& ops) {
  std::string error;
  std::unique_ptr<TraceWriter> writer = TraceWriter::create(path, zstd, &error);
  ASSERT_NE(writer, nullptr) << error;
  for (const Op& op : ops) {
    ASSERT_TRUE(writer->write(op, &error)) << error;
  }
  ASSERT_TRUE(writer->close(&error)) << error;
}

TEST(TraceRoundTrip, EveryKindOfOpReadsBackEqualPlainAndZstd) {
  const test::ScratchDir dir("trace_round_trip");
  const std::vector<Op> ops = every_kind_of_op();
  for (const bool zstd : {false, true}) {
    const std::string path = dir.file(zstd ? "ops.jsonl.zst" : "ops.jsonl");
    write_all(path, zstd, ops);
    EXPECT_EQ(read_all(path), ops) << (zstd ? "zstd" : "plain");
  }
}

TEST(TraceRoundTrip, AWorkloadLargerThanTheBuffersReadsBackEqual) {
  // ~40k ops: several writer flushes, reader refills and zstd blocks, so lines
  // straddle every buffer boundary somewhere.
  WorkloadConfig config;
  config.op_count = 40'000;
  config.attrs = {0, 1, 2};
  const std::vector<Op> ops = generate_workload(config, 7);
  const test::ScratchDir dir("trace_workload");
  for (const bool zstd : {false, true}) {
    const std::string path = dir.file(zstd ? "w.jsonl.zst" : "w.jsonl");
    write_all(path, zstd, ops);
    EXPECT_EQ(read_all(path), ops) << (zstd ? "zstd" : "plain");
  }
  // Compression is recognised by content: the same bytes under a plain name.
  const std::string renamed = dir.file("renamed.jsonl");
  std::filesystem::rename(dir.file("w.jsonl.zst"), renamed);
  EXPECT_EQ(read_all(renamed), ops);
}

TEST(TraceRoundTrip, LinesAreCanonicalCompactJson) {
  const test::ScratchDir dir("trace_canonical");
  Op chain{OpKind::alloc, 5, 2, 96, 0};
  chain.fallback_count = 1;
  chain.fallback_attrs[0] = 0;
  write_all(dir.file("c.jsonl"), false,
            {Op{OpKind::alloc, 1, 0, 64, 0}, Op{OpKind::realloc, 1, 1, 128, 32}, chain,
             Op{OpKind::dma_to_device, 1, 0, 0, 0, 16, 1024}, Op{OpKind::cpu_write, 1, 0, 0, 0, 0, 0},
             Op{OpKind::evict, 1, 0, 0, 0, 32, 0}, Op{OpKind::free, 1, 0, 0, 0}});
  EXPECT_EQ(test::read_file(dir.file("c.jsonl")),
            "{\"op\":\"alloc\",\"handle\":1,\"attr\":0,\"size\":64}\n"
            "{\"op\":\"realloc\",\"handle\":1,\"attr\":1,\"size\":128,\"align\":32}\n"
            "{\"op\":\"alloc\",\"handle\":5,\"prefer\":[2,0],\"size\":96}\n"
            "{\"op\":\"dma_to_device\",\"handle\":1,\"offset\":16,\"length\":1024}\n"
            "{\"op\":\"cpu_write\",\"handle\":1}\n"
            "{\"op\":\"evict\",\"handle\":1,\"offset\":32}\n"
            "{\"op\":\"free\",\"handle\":1}\n");
}

TEST(TraceRoundTrip, HandWrittenTracesUseTheScenarioOpSyntax) {
  const test::ScratchDir dir("trace_syntax");
  const std::string path = dir.file("hand.jsonl");
  // A BOM, spaces, names, size strings, escapes in keys, a blank line, CRLF,
  // duplicate keys (the last wins) and no newline at the end.
  test::write_file(path,
                   "\xEF\xBB\xBF{ \"op\": \"alloc\", \"handle\": 1, \"attr\": \"external\", \"size\": \"4K\", "
                   "\"align\": \"0x40\" }\n"
                   "\n"
                   "   \t\r\n"
                   "{\"op\":\"alloc\",\"handle\":2,\"prefer\":[\"external\",\"cacheable\"],\"size\":\"1_000\"}\r\n"
                   "{\"\\u006fp\":\"free\",\"handle\":3,\"handle\":4}");
  Op first{OpKind::alloc, 1, attr::external, 4096, 64};
  Op second{OpKind::alloc, 2, attr::external, 1000, 0};
  second.fallback_count = 1;
  second.fallback_attrs[0] = attr::cacheable;
  EXPECT_EQ(read_all(path), (std::vector<Op>{first, second, Op{OpKind::free, 4, 0, 0, 0}}));
}

TEST(TraceRoundTrip, CapabilityModeReadsCapabilityNames) {
  const test::ScratchDir dir("trace_caps");
  const std::string path = dir.file("caps.jsonl");
  test::write_file(path,
                   "{\"op\":\"alloc\",\"handle\":1,\"attr\":[\"dma\",\"internal\"],\"size\":8}\n"
                   "{\"op\":\"alloc\",\"handle\":2,\"prefer\":[[\"dma\",\"internal\"],[\"dma\"],5],\"size\":8}\n");
  Op chain{OpKind::alloc, 2, caps::dma | caps::internal, 8, 0};
  chain.fallback_count = 2;
  chain.fallback_attrs[0] = caps::dma;
  chain.fallback_attrs[1] = 5;
  EXPECT_EQ(read_all(path, MatchMode::capability),
            (std::vector<Op>{Op{OpKind::alloc, 1, caps::dma | caps::internal, 8, 0}, chain}));
}

TEST(TraceRoundTrip, ConcatenatedZstdFramesAreOneTrace) {
  const test::ScratchDir dir("trace_frames");
  const std::string path = dir.file("frames.zst");
  // Two frames; a line straddles the blocks of the first.
  test::write_file(path, test::zstd_raw_frame({"{\"op\":\"free\",\"handle\":1}\n{\"op\":\"fr", "ee\",\"handle\":2}\n"}) +
                             test::zstd_raw_frame({"{\"op\":\"free\",\"handle\":3}"}));
  EXPECT_EQ(read_all(path), (std::vector<Op>{Op{OpKind::free, 1, 0, 0, 0}, Op{OpKind::free, 2, 0, 0, 0},
                                             Op{OpKind::free, 3, 0, 0, 0}}));
}

TEST(TraceRoundTrip, EmptyFilesAreEmptyTraces) {
  const test::ScratchDir dir("trace_empty");
  test::write_file(dir.file("empty.jsonl"), "");
  test::write_file(dir.file("blank.jsonl"), "\n\n  \n");
  write_all(dir.file("empty.zst"), true, {});
  EXPECT_TRUE(read_all(dir.file("empty.jsonl")).empty());
  EXPECT_TRUE(read_all(dir.file("blank.jsonl")).empty());
  EXPECT_TRUE(read_all(dir.file("empty.zst")).empty());
}

TEST(TraceRoundTrip, ProgressCountsOpsAndFileBytes) {
  const test::ScratchDir dir("trace_progress");
  const std::string path = dir.file("p.jsonl");
  write_all(path, false, {Op{OpKind::free, 1, 0, 0, 0}, Op{OpKind::free, 2, 0, 0, 0}});
  TraceError error;
  auto reader = TraceReader::open(path, MatchMode::exact, &error);
  ASSERT_NE(reader, nullptr) << error.to_string();
  const std::uint64_t size = std::filesystem::file_size(path);
  EXPECT_EQ(reader->file_bytes_total(), size);
  Op op;
  ASSERT_TRUE(reader->next(&op, &error));
  EXPECT_EQ(reader->ops_read(), 1u);
  EXPECT_EQ(reader->file_bytes_read(), size);  // the whole file fits one read
  ASSERT_TRUE(reader->next(&op, &error));
  EXPECT_FALSE(reader->next(&op, &error));
  EXPECT_EQ(error.message, "");
  EXPECT_EQ(error.op_index, 2u);
  EXPECT_FALSE(reader->next(&op, &error)) << "the end stays the end";
}

// Progress is how far the ops read reach in the text (issue 16), not the bytes
// read ahead: a file that fits one read is not done after its first op, and a
// zstd frame that declares its content size is measured in that text. A
// streamed frame (no size) falls back to the compressed bytes consumed.
TEST(TraceRoundTrip, ProgressFollowsTheOpsReadNotTheBytesReadAhead) {
  const test::ScratchDir dir("trace_fraction");
  std::string text;
  std::vector<Op> ops;
  for (Handle handle = 1000; handle < 1100; ++handle) {  // lines of one length
    text += "{\"op\":\"free\",\"handle\":" + std::to_string(handle) + "}\n";
    ops.push_back(Op{OpKind::free, handle, 0, 0, 0});
  }
  test::write_file(dir.file("plain.jsonl"), text);
  test::write_file(dir.file("sized.zst"), test::zstd_raw_frame({text}, true, true));
  write_all(dir.file("streamed.zst"), true, ops);
  for (const char* name : {"plain.jsonl", "sized.zst", "streamed.zst"}) {
    TraceError error;
    auto reader = TraceReader::open(dir.file(name), MatchMode::exact, &error);
    ASSERT_NE(reader, nullptr) << error.to_string();
    Op op;
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(reader->next(&op, &error)) << name;
    }
    if (std::string(name) != "streamed.zst") {
      EXPECT_DOUBLE_EQ(reader->fraction_done(), 0.5) << name;
    } else {  // all of it decoded at once: half its text handed out
      EXPECT_NEAR(reader->fraction_done(), 0.5, 0.05);
    }
    while (reader->next(&op, &error)) {
    }
    EXPECT_DOUBLE_EQ(reader->fraction_done(), 1.0) << name;
  }
}

}  // namespace
}  // namespace smh::sim
