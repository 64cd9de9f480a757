// A trace streams: reading a long one (plain and zstd) does not grow the
// process, because the reader holds one fixed buffer, never the trace.
#include <gtest/gtest.h>

#include <string>

#include "smh/sim/trace.hpp"
#include "support/process_memory.hpp"
#include "support/trace_files.hpp"

namespace smh::sim {
namespace {

constexpr std::uint64_t op_count = 400'000;  // ~17 MB of text: 65 times the reader's buffer

void write_trace(const std::string& path, bool zstd) {
  std::string why;
  auto writer = TraceWriter::create(path, zstd, &why);
  ASSERT_NE(writer, nullptr) << why;
  for (std::uint64_t i = 0; i < op_count; ++i) {
    const auto handle = static_cast<Handle>(i);
    ASSERT_TRUE(writer->write(i % 2 == 0 ? Op{OpKind::alloc, handle, 0, 16 + i % 4000, 0}
                                         : Op{OpKind::free, handle - 1, 0, 0, 0},
                              &why))
        << why;
  }
  ASSERT_TRUE(writer->close(&why)) << why;
}

TEST(TraceMemory, ReadingALongTraceDoesNotGrowTheProcess) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "resident memory is not ours to measure under ThreadSanitizer";
#endif
  const test::ScratchDir dir("trace_memory");
  for (const bool zstd : {false, true}) {
    const std::string path = dir.file(zstd ? "long.zst" : "long.jsonl");
    write_trace(path, zstd);
    TraceError error;
    auto reader = TraceReader::open(path, MatchMode::exact, &error);
    ASSERT_NE(reader, nullptr) << error.to_string();
    Op op;
    std::uint64_t sizes = 0;  // uses what is read, so nothing is optimised away
    // Warm up (the buffers and the decoder's window are allocated), then measure.
    for (std::uint64_t i = 0; i < op_count / 10; ++i) {
      ASSERT_TRUE(reader->next(&op, &error)) << error.to_string();
      sizes += op.size_bytes;
    }
    const std::uint64_t before = test::resident_bytes();
    while (reader->next(&op, &error)) {
      sizes += op.size_bytes;
    }
    const std::uint64_t after = test::resident_bytes();
    ASSERT_TRUE(error.message.empty()) << error.to_string();
    EXPECT_EQ(reader->ops_read(), op_count);
    EXPECT_GT(sizes, 0u);
    // The text that went through is ~15 MB; a reader keeping any of it per op
    // would grow by megabytes.
    EXPECT_LT(after - std::min(after, before), std::uint64_t{1} << 20)
        << (zstd ? "zstd" : "plain") << ": resident memory grew by " << (after - before) << " bytes";
  }
}

}  // namespace
}  // namespace smh::sim
