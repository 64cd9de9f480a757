// Malformed lines in every import format: the error's file:line:col and
// message, --skip-bad counting them instead, and the limits (line length, live
// blocks, attributes), which no flag skips.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "smh/sim/import.hpp"
#include "support/import_files.hpp"

namespace smh::sim {
namespace {

using test::describe;
using test::import_text;
using test::options_for;

// `text` fails on line `line` at the first `at` on that line (the end of the
// line for an empty `at`), with `message`.
void expect_error(ImportFormat format, std::string_view text, std::uint64_t line, std::string_view at,
                  std::string_view message, MatchMode mode = MatchMode::exact) {
  const test::Imported got = import_text(text, options_for(format, mode));
  std::size_t line_start = 0;
  for (std::uint64_t i = 1; i < line; ++i) {
    line_start = text.find('\n', line_start) + 1;
  }
  const std::size_t line_end = std::min(text.find('\n', line_start), text.size());
  const std::size_t found = at.empty() ? line_end : text.find(at, line_start);
  ASSERT_NE(found, std::string_view::npos) << at;
  EXPECT_EQ(got.error.line, line) << got.error.to_string();
  EXPECT_EQ(got.error.column, found - line_start + 1) << got.error.to_string();
  EXPECT_EQ(got.error.message, message) << got.error.to_string();
  EXPECT_NE(got.error.to_string().find("in.txt:" + std::to_string(line) + ":"), std::string::npos);
}

TEST(ImportErrors, Heaptrack) {
  expect_error(ImportFormat::heaptrack, "+ 10 1 1000\n+ 10 zz 1000\n", 2, "zz",
               "expected the trace index (hex digits), got 'z'");
  expect_error(ImportFormat::heaptrack, "+ 10\n", 1, "",
               "expected '+ SIZE TRACE POINTER', got one field: this looks like heaptrack's interpreted output; "
               "import the raw data that `heaptrack -r` records (heaptrack.*.raw.zst)");
  expect_error(ImportFormat::heaptrack, "- \n", 1, "", "expected the pointer (hex digits), got the end of the line");
  expect_error(ImportFormat::heaptrack, "+ 10 1 1000 x\n", 1, "x",
               "expected the end of the line after the pointer, got 'x'");
  expect_error(ImportFormat::heaptrack, "+ 11112222333344445 1 1000\n", 1, "1111",
               "the size does not fit in 64 bits");
  expect_error(ImportFormat::heaptrack, "+ 10\t1  1000\n+ 10 1,2000\n", 2, ",",
               "expected a space before the pointer, got ','");
}

TEST(ImportErrors, Mtrace) {
  expect_error(ImportFormat::mtrace, "@ ./m:[0x11d8] < 0x10\n@ ./m:[0x11e0] + 0x20 0x10\n", 2, "+",
               "expected the '>' line of the realloc whose '<' line is line 1");
  expect_error(ImportFormat::mtrace, "@ ./m:[0x11d8] > 0x10 0x8\n", 1, ">",
               "a realloc's '>' line without the '<' line before it");
  expect_error(ImportFormat::mtrace, "+ 0xzz 0x10\n", 1, "zz", "expected a pointer (hex digits), got 'z'");
  expect_error(ImportFormat::mtrace, "+ 10 0x10\n", 1, "10", "expected a pointer (0x and hex digits), got '1'");
  expect_error(ImportFormat::mtrace, "@ ./m:[0x11d8] * 0x10\n", 1, "./m",
               "expected the caller to end with \"[0xADDRESS] \" before the event");
  expect_error(ImportFormat::mtrace, "@ ./m:[0x11d8] ? 0x10\n", 1, "./m",
               "expected the caller to end with \"[0xADDRESS] \" before the event");
  expect_error(ImportFormat::mtrace, "? 0x10\n", 1, "?", "unknown event '?' (expected '+', '-', '<', '>' or '!')");
}

TEST(ImportErrors, MtraceUnfinishedReallocIsAtItsLine) {
  const test::Imported got = import_text("@ [0x1] + 0x10 0x8\n@ [0x2] < 0x10\n\n", options_for(ImportFormat::mtrace));
  EXPECT_EQ(got.error.to_string().substr(got.error.to_string().find("in.txt")),
            "in.txt:2:1: this realloc has no '>' line (the log ends after its '<' line)");
}

TEST(ImportErrors, EspIdf) {
  const std::string header = "====== Heap Trace: 2 records (8 capacity) ======\n";
  expect_error(ImportFormat::esp_idf,
               header + "    40 bytes (@ 0x3ffb8e1c, Flash) allocated CPU 0 ccount 0x1a2b3c4c caller 0x400d5f3a:\n", 2,
               "Flash", "expected the location Internal, PSRAM or SPIRAM, got 'F'");
  expect_error(ImportFormat::esp_idf, header + "freed by 0x400d5fe2:0x0:\n", 2, "freed",
               "a \"freed by\" line without a record before it");
  expect_error(ImportFormat::esp_idf, header + "Guru Meditation Error\n", 2, "Guru",
               "expected a record (\"N bytes (@ 0x...\") or a \"freed by\" line in the dump that starts on line 1, "
               "got 'G'");
  expect_error(ImportFormat::esp_idf,
               header + "    40 bytes (@ 0x3ffb8e1c, Internal) allocated CPU 0 ccount 0x1a2b3c4c caller 0x400d5f3a:x\n",
               2, "x\n", "expected a caller's address (0x and hex digits), got 'x'");
  expect_error(ImportFormat::esp_idf, "====== Heap Trace: many records (8 capacity) ======\n", 1, "many",
               "expected the record count (decimal digits), got 'm'");
  const test::Imported none = import_text("I (12) boot: no dump here\n", options_for(ImportFormat::esp_idf));
  EXPECT_EQ(none.error.line, 0u);
  EXPECT_EQ(none.error.message,
            "no heap_trace_dump() output found (a line \"====== Heap Trace: N records (M capacity) ======\")");
}

TEST(ImportErrors, Device) {
  expect_error(ImportFormat::device, "@smh1 3 Q 0\n", 1, "Q",
               "expected an event letter (B, H, A, F, R, X or E), got 'Q'");
  expect_error(ImportFormat::device, "@smh1 3 A 0 20000010 40 3 0\n", 1, "3 0",
               "the alignment 3 is not a power of two");
  expect_error(ImportFormat::device, "@smh1 3 A 0 20000010\n", 1, "",
               "expected a space before the size, got the end of the line");
  expect_error(ImportFormat::device, "@smh1 3 F 0 20000010 10 t\n", 1, "",
               "expected the time (hex digits), got the end of the line");
  expect_error(ImportFormat::device, "@smh1 100000000 F 0 20000010 10\n", 1, "100000000",
               "the sequence number has more than 32 bits");
}

TEST(ImportErrors, DeviceRestartIsNotSkippable) {
  ImportOptions options = options_for(ImportFormat::device);
  options.skip_bad = true;
  const test::Imported got =
      import_text("@smh1 0 B 0\n@smh1 1 A 0 1000 10 0 0\nreboot\n@smh1 0 B 0\n@smh1 1 A 0 1000 10 0 0\n", options);
  EXPECT_EQ(got.error.line, 4u);
  EXPECT_EQ(got.error.message, "the capture restarted here (a B event after 2 events): import one session at a "
                               "time (cut the log before this line)");
  EXPECT_EQ(got.ops.size(), 1u);
}

TEST(ImportErrors, Csv) {
  const std::string header = "op,handle,attr,size,align\n";
  expect_error(ImportFormat::csv, "op,handle,size\n", 1, "size",
               "expected the header line op,handle,attr,size,align (column 3: \"attr\")");
  expect_error(ImportFormat::csv, header + "malloc,1,0,16\n", 2, "malloc",
               "unknown op \"malloc\" (expected alloc, realloc or free)");
  expect_error(ImportFormat::csv, header + "alloc,1,0,abc\n", 2, "abc", "the size: expected digits in \"abc\"");
  expect_error(ImportFormat::csv, header + "alloc,1,0,16,24\n", 2, "24", "the alignment 24 is not a power of two");
  expect_error(ImportFormat::csv, header + "free,3\n", 2, "3", "handle 3 is not live");
  expect_error(ImportFormat::csv, header + "alloc,3,0,8\nalloc,3,0,8\n", 3, "3,0", "handle 3 is live: free it first");
  expect_error(ImportFormat::csv, header + "alloc,3,0,8,8,9\n", 2, ",9",
               "more than 5 fields (op,handle,attr,size,align)");
  expect_error(ImportFormat::csv, header + "alloc,3,dma,8\n", 2, "dma",
               "unknown attribute \"dma\" (expected one of: cacheable, non_cacheable, external, or an integer)");
  expect_error(ImportFormat::csv, header + "alloc,3,dma|fast,8\n", 2, "fast",
               "unknown capability \"fast\" (expected one of: cacheable, dma, external, internal, exec, tcm, joined "
               "by '|', or an integer)",
               MatchMode::capability);
  expect_error(ImportFormat::csv, header + "free,3,0\n", 2, "0", "a free takes only the handle");
  const test::Imported empty = import_text("\n", options_for(ImportFormat::csv));
  EXPECT_EQ(empty.error.message, "no header line (op,handle,attr,size,align)");
}

TEST(ImportErrors, SkipBadCountsAndKeepsTheFirstFew) {
  ImportOptions options = options_for(ImportFormat::heaptrack);
  options.skip_bad = true;
  std::string text = "+ 10 1 1000\n";
  for (int i = 0; i < 7; ++i) {
    text += "+ 10 1\n";  // no pointer
  }
  text += "- 1000\n";
  const test::Imported got = import_text(text, options);
  ASSERT_EQ(got.error.message, "");
  EXPECT_EQ(got.ops.size(), 2u);
  EXPECT_EQ(got.stats.bad_lines, 7u);
  ASSERT_EQ(got.stats.first_bad_lines.size(), 5u);
  EXPECT_EQ(got.stats.first_bad_lines[0].line, 2u);
  EXPECT_EQ(got.stats.first_bad_lines[0].column, 7u);
  EXPECT_EQ(got.stats.first_bad_lines[0].message, "expected a space before the pointer, got the end of the line");
  EXPECT_EQ(got.stats.first_bad_lines[4].line, 6u);
}

TEST(ImportErrors, SkipBadLeavesNoTraceOfTheLine) {
  // A bad record after a good one must not release or add anything.
  ImportOptions options = options_for(ImportFormat::mtrace);
  options.skip_bad = true;
  const test::Imported got = import_text("+ 0x10 0x8\n< 0x10\n+ 0x20 0x8\n> 0x30 0x18\n- 0x10\n", options);
  ASSERT_EQ(got.error.message, "");
  EXPECT_EQ(got.stats.bad_lines, 2u);  // '+' inside the realloc, then the orphaned '>'
  EXPECT_EQ(describe(got.ops), describe({test::alloc_op(1, 0, 8), test::free_op(1)}));
}

TEST(ImportErrors, LongLines) {
  ImportOptions options = options_for(ImportFormat::heaptrack);
  options.limits.max_line_bytes = 16;
  options.skip_bad = true;  // a limit is never skipped
  const test::Imported fits = import_text("+ 10 1 100000000\n", options);  // exactly 16 bytes
  EXPECT_EQ(fits.error.message, "");
  const test::Imported got = import_text("+ 10 1 1000\n+ 10 1 1000000000\n", options);
  EXPECT_EQ(got.error.line, 2u);
  EXPECT_EQ(got.error.message, "line 2 is longer than 16 bytes (raise the limit with --max-line-bytes)");
}

TEST(ImportErrors, LiveBlockLimit) {
  ImportOptions options = options_for(ImportFormat::heaptrack);
  options.limits.max_live_blocks = 2;
  options.skip_bad = true;
  const test::Imported got = import_text("+ 8 1 1000\n+ 8 1 2000\n- 1000\n+ 8 1 3000\n+ 8 1 4000\n", options);
  EXPECT_EQ(got.error.line, 5u);
  EXPECT_EQ(got.error.column, 1u);
  EXPECT_EQ(got.error.message, "more than 2 blocks live at once (raise the limit with --max-live-blocks)");
  EXPECT_EQ(got.ops.size(), 4u);
}

TEST(ImportErrors, AnEarlierLimitComesBeforeALaterMalformedLine) {
  // Events are applied a few lines late (import_ledger.hpp); the error must
  // still be the first one in input order.
  for (const bool skip_bad : {false, true}) {
    ImportOptions options = options_for(ImportFormat::heaptrack);
    options.limits.max_live_blocks = 1;
    options.skip_bad = skip_bad;
    const test::Imported got = import_text("+ 8 1 1000\n+ 8 1 2000\n+ zz\n- 1000\n", options);
    EXPECT_EQ(got.error.line, 2u) << got.error.to_string();
    EXPECT_EQ(got.error.message, "more than 1 blocks live at once (raise the limit with --max-live-blocks)");
    EXPECT_EQ(describe(got.ops), describe(std::vector<Op>{test::alloc_op(1, 0, 8)}))
        << "the ops before the error, then the error";
  }
}

TEST(ImportErrors, AttributeLimit) {
  ImportOptions options = options_for(ImportFormat::device);
  options.limits.max_attributes = 1;
  const test::Imported got = import_text("@smh1 0 A 0 1000 8 0 0\n@smh1 1 A 0 2000 8 0 1\n", options);
  EXPECT_EQ(got.error.line, 2u);
  EXPECT_EQ(got.error.message, "more than 1 distinct attributes (raise the limit with --max-attributes)");
}

TEST(ImportErrors, MissingFile) {
  const test::Imported got =
      test::import_file("/nonexistent/smh/trace.raw", options_for(ImportFormat::heaptrack));
  EXPECT_EQ(got.error.to_string(), "/nonexistent/smh/trace.raw: cannot open the file: No such file or directory");
}

TEST(ImportErrors, TruncatedZstd) {
  const std::string frame = test::zstd_raw_frame({"+ 10 1 1000\n+ 20 1 2000\n"});
  const test::Imported got =
      import_text(std::string_view(frame).substr(0, frame.size() - 5), options_for(ImportFormat::heaptrack), "t.zst");
  EXPECT_EQ(got.error.message, "the zstd data ends inside a frame (the file is truncated)");
  EXPECT_EQ(got.error.line, 2u);
}

}  // namespace
}  // namespace smh::sim
