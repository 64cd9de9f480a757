// Each import format on a small fixture made here: the ops it gives (handles
// assigned in order, a reused address a new handle, implied and unmatched frees),
// the statistics, the attribute map applied, and the same result twice.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "smh/sim/import.hpp"
#include "support/import_files.hpp"

namespace smh::sim {
namespace {

using test::alloc_op;
using test::describe;
using test::free_op;
using test::import_text;
using test::options_for;
using test::realloc_op;

constexpr const char* heaptrack_fixture =
    "v 10400 3\n"            // 1
    "x c /usr/bin/true\n"    // 2
    "m 1 -\n"                // 3
    "t 7f00 0\n"             // 4
    "+ 10 1 1000\n"          // 5: alloc 1 (16)
    "t 7f10 1\n"             // 6
    "+ 20 2 2000\n"          // 7: alloc 2 (32)
    "c 5\n"                  // 8
    "- 1000\n"               // 9: free 1
    "+ 18 2 1000\n"          // 10: the address again: alloc 3 (24)
    "- 3000\n"               // 11: never allocated
    "+ 40 1 2000\n"          // 12: over live block 2: its free is implied; alloc 4 (64)
    "c a\n"                  // 13
    "- 1000\n";              // 14: free 3

TEST(ImportHeaptrack, OpsAndStatistics) {
  const test::Imported got = import_text(heaptrack_fixture, options_for(ImportFormat::heaptrack));
  ASSERT_EQ(got.error.message, "");
  const std::vector<Op> want = {alloc_op(1, 0, 16), alloc_op(2, 0, 32), free_op(1), alloc_op(3, 0, 24),
                                free_op(2),         alloc_op(4, 0, 64), free_op(3)};
  EXPECT_EQ(describe(got.ops), describe(want));
  const ImportStats& stats = got.stats;
  EXPECT_EQ(stats.lines, 14u);
  EXPECT_EQ(stats.ignored_lines, 7u);
  EXPECT_EQ(stats.events, 7u);
  EXPECT_EQ(stats.allocs, 4u);
  EXPECT_EQ(stats.frees, 3u);
  EXPECT_EQ(stats.unmatched_frees, 1u);
  EXPECT_EQ(stats.implied_frees, 1u);
  EXPECT_EQ(stats.reallocs, 0u);
  EXPECT_EQ(stats.ops, 7u);
  EXPECT_EQ(stats.live_blocks, 1u);
  EXPECT_EQ(stats.live_bytes, 64u);
  EXPECT_EQ(stats.peak_live_bytes, 88u);  // 24 + 64
  EXPECT_EQ(stats.peak_op_index, 5u);
  EXPECT_EQ(stats.peak_line, 12u);
  EXPECT_TRUE(stats.peak_time_known);
  EXPECT_EQ(stats.peak_time_ticks, 5u);
  EXPECT_EQ(stats.ticks_per_second, 1000u);
  EXPECT_EQ(stats.largest_block_bytes, 64u);
  EXPECT_EQ(stats.largest_block_line, 12u);
  EXPECT_EQ(stats.size_histogram[size_bucket(16)], 2u);  // 16 and 24: [16, 32)
  EXPECT_EQ(stats.size_histogram[size_bucket(32)], 1u);
  EXPECT_EQ(stats.size_histogram[size_bucket(64)], 1u);
  ASSERT_EQ(stats.attributes.size(), 1u);
  EXPECT_EQ(stats.attributes[0].peak_live_bytes, 88u);
  EXPECT_EQ(stats.default_attr_hits, 4u);
}

TEST(ImportHeaptrack, ZstdInputGivesTheSameOps) {
  const test::Imported plain = import_text(heaptrack_fixture, options_for(ImportFormat::heaptrack));
  const test::Imported packed = import_text(test::zstd_raw_frame({heaptrack_fixture}),
                                            options_for(ImportFormat::heaptrack), "in.raw.zst");
  ASSERT_EQ(packed.error.message, "");
  EXPECT_EQ(describe(packed.ops), describe(plain.ops));
  EXPECT_EQ(packed.stats.peak_live_bytes, plain.stats.peak_live_bytes);
}

TEST(ImportHeaptrack, AttributeMapByTraceAndSize) {
  AttrMap map;
  AttrMapError error;
  ASSERT_TRUE(parse_attr_map(R"({"format_version": 1, "default": "cacheable", "rules": [
      {"trace": [2], "attr": "non_cacheable"},
      {"size": {"min": 60}, "attr": "external"}]})",
                             "map.json", MatchMode::exact, &map, &error))
      << error.to_string();
  ImportOptions options = options_for(ImportFormat::heaptrack);
  options.attr_map = &map;
  const test::Imported got = import_text(heaptrack_fixture, options);
  ASSERT_EQ(got.error.message, "");
  const std::vector<Op> want = {alloc_op(1, attr::cacheable, 16),     alloc_op(2, attr::non_cacheable, 32),
                                free_op(1),                           alloc_op(3, attr::non_cacheable, 24),
                                free_op(2),                           alloc_op(4, attr::external, 64),
                                free_op(3)};
  EXPECT_EQ(describe(got.ops), describe(want));
  EXPECT_EQ(got.stats.rule_hits, (std::vector<std::uint64_t>{2, 1}));
  EXPECT_EQ(got.stats.default_attr_hits, 1u);
  ASSERT_EQ(got.stats.attributes.size(), 3u);
  EXPECT_EQ(got.stats.attributes[0].attr, attr::cacheable);
  EXPECT_EQ(got.stats.attributes[0].peak_live_bytes, 16u);
  EXPECT_EQ(got.stats.attributes[1].attr, attr::non_cacheable);
  EXPECT_EQ(got.stats.attributes[1].peak_live_bytes, 56u);  // blocks 2 and 3
  EXPECT_EQ(got.stats.attributes[1].peak_op_index, 3u);
  EXPECT_EQ(got.stats.attributes[2].attr, attr::external);
  EXPECT_EQ(got.stats.attributes[2].peak_live_bytes, 64u);
}

// What glibc 2.36 wrote for a small program (addresses as they were).
constexpr const char* mtrace_fixture =
    "= Start\n"
    "@ ./m:[0x11b0] + 0x55b955f4a2a0 0x10\n"
    "@ ./m:[0x11c3] + 0x55b955f4a4a0 0x78\n"
    "@ ./m:[0x11d8] < 0x55b955f4a2a0\n"
    "@ ./m:[0x11d8] > 0x55b955f4a520 0x64\n"
    "@ /lib/x86_64-linux-gnu/libc.so.6:(_IO_file_doallocate+0x94)[0x7f1e2c] + 0x55b955f4a5c0 0x21\n"
    "@ ./m:[0x11f9] + 0x55b955f4a2a0 0\n"
    "@ ./m:[0x1209] - 0x55b955f4a4a0\n"
    "@ [0x1215] - 0x55b955f4a520\n"
    "- 0x55b955f4a5c0\n"
    "@ ./m:[0x122d] - 0x55b955f4a2a0\n"
    "@ ./m:[0x1262] + (nil) 0x7fffffffffffffff\n"
    "@ ./m:[0x1270] ! 0x55b955f4a2a0 0x100\n"
    "= End\n";

TEST(ImportMtrace, OpsAndStatistics) {
  AttrMap map;
  AttrMapError error;
  ASSERT_TRUE(parse_attr_map(R"({"format_version": 1, "rules": [{"caller": ["0x11c3"], "attr": 2}]})", "m.json",
                             MatchMode::exact, &map, &error))
      << error.to_string();
  ImportOptions options = options_for(ImportFormat::mtrace);
  options.attr_map = &map;
  const test::Imported got = import_text(mtrace_fixture, options);
  ASSERT_EQ(got.error.message, "");
  const std::vector<Op> want = {alloc_op(1, 0, 16), alloc_op(2, 2, 120), realloc_op(1, 0, 100), alloc_op(3, 0, 33),
                                alloc_op(4, 0, 0),  free_op(2),          free_op(1),            free_op(3),
                                free_op(4)};
  EXPECT_EQ(describe(got.ops), describe(want));
  EXPECT_EQ(got.stats.events, 11u);
  EXPECT_EQ(got.stats.reallocs, 1u);
  EXPECT_EQ(got.stats.failed_allocs, 2u);
  EXPECT_EQ(got.stats.unmatched_frees, 0u);
  EXPECT_EQ(got.stats.ignored_lines, 3u);  // = Start, the '<' half, = End
  EXPECT_EQ(got.stats.peak_live_bytes, 120u + 100 + 33);
  EXPECT_EQ(got.stats.largest_block_bytes, 120u);
  EXPECT_EQ(got.stats.size_histogram[0], 1u);  // the malloc(0)
  EXPECT_EQ(got.stats.rule_hits, (std::vector<std::uint64_t>{1}));
}

// heap_trace_dump()'s own format strings, as ESP-IDF prints them.
std::string esp_record(unsigned size, unsigned address, const char* label, unsigned cpu, unsigned ccount,
                       const char* callers) {
  char line[256];
  std::snprintf(line, sizeof line, "%6u bytes (@ 0x%08x%s) allocated CPU %u ccount 0x%08x caller %s\n", size, address,
                label, cpu, ccount, callers);
  return line;
}

std::string esp_fixture() {
  return std::string("I (312) example: starting\n") +
         "====== Heap Trace: 5 records (100 capacity) ======\n" +
         esp_record(40, 0x3ffb8e1c, ", Internal", 0, 0x1a2b3c4c, "0x400d5f3a:0x400d5f9e:") +
         "freed by 0x400d5fe2:0x400d6010:\n" +
         esp_record(512, 0x3f800124, ",    PSRAM", 1, 0x1a2b4000, "0x400d6100:") +
         esp_record(16, 0x3ffb8e1c, ", Internal", 0, 0x1a2b5000, "0x400d5f3a:0x400d5f9e:") +
         "freed by 0x400d5fe2:0x0:\n" +
         esp_record(24, 0x3ffb9000, ", Internal", 0, 0x1a2b6000, "0x400d7000:") +
         "freed by 0x400d5fe2:0x0:\n" +
         esp_record(8, 0x3ffc0000, "", 0, 0x1a2b7000, "") +
         "====== Heap Trace Summary ======\n"
         "Mode: Heap Trace All\n"
         "520 bytes alive in trace (2/5 allocations)\n"
         "records: 5 (100 capacity, 5 high water mark)\n"
         "total allocations: 5\n"
         "total frees: 3\n"
         "================================\n"
         "I (900) example: done\n";
}

TEST(ImportEspIdf, FreesPlacedAsLateAsTheDumpAllows) {
  const test::Imported got = import_text(esp_fixture(), options_for(ImportFormat::esp_idf, MatchMode::capability));
  ASSERT_EQ(got.error.message, "");
  // Record 0's free must come before record 2, which reuses its memory; the
  // frees of records 2 and 3 come at the end of the dump.
  const std::vector<Op> want = {alloc_op(1, caps::internal, 40), alloc_op(2, caps::external, 512), free_op(1),
                                alloc_op(3, caps::internal, 16), alloc_op(4, caps::internal, 24),
                                alloc_op(5, 0, 8),               free_op(3),
                                free_op(4)};
  EXPECT_EQ(describe(got.ops), describe(want));
  EXPECT_EQ(got.stats.live_bytes, 520u);  // what the dump's summary says is alive
  EXPECT_EQ(got.stats.live_blocks, 2u);
  EXPECT_EQ(got.stats.peak_live_bytes, 560u);
  EXPECT_EQ(got.stats.peak_op_index, 5u);
  EXPECT_EQ(got.stats.events, 8u);  // 5 allocations, 3 frees
  EXPECT_TRUE(got.stats.notes.empty()) << got.stats.notes.front();
}

TEST(ImportEspIdf, ExactModeLocationsAndCallerRules) {
  AttrMap map;
  AttrMapError error;
  ASSERT_TRUE(parse_attr_map(R"({"format_version": 1, "rules": [{"caller": ["0x400d7000"], "attr": 1}]})",
                             "e.json", MatchMode::exact, &map, &error));
  ImportOptions options = options_for(ImportFormat::esp_idf);
  options.attr_map = &map;
  const test::Imported got = import_text(esp_fixture(), options);
  ASSERT_EQ(got.error.message, "");
  ASSERT_EQ(got.ops.size(), 8u);
  EXPECT_EQ(got.ops[0].attr, attr::cacheable);  // Internal
  EXPECT_EQ(got.ops[1].attr, attr::external);   // PSRAM
  EXPECT_EQ(got.ops[4].attr, attr::non_cacheable);  // by its caller
}

TEST(ImportEspIdf, OverflowAndSecondDumpAreNoted) {
  std::string text = "====== Heap Trace: 1 records (1 capacity) ======\n" +
                     esp_record(32, 0x3ffb0000, ", Internal", 0, 0x10, "0x400d0000:") +
                     "====== Heap Trace Summary ======\n"
                     "Mode: Heap Trace All\n"
                     "(NB: Internal Buffer has overflowed, so trace data is incomplete.)\n"
                     "================================\n";
  text += text;
  const test::Imported got = import_text(text, options_for(ImportFormat::esp_idf));
  ASSERT_EQ(got.error.message, "");
  EXPECT_EQ(got.ops.size(), 1u);
  ASSERT_EQ(got.stats.notes.size(), 2u);
  EXPECT_EQ(got.stats.notes[0], "the trace buffer overflowed on the device: the oldest records are missing");
  EXPECT_EQ(got.stats.notes[1], "another dump starts at line 7: only the first one is imported");
}

constexpr const char* device_fixture =
    "*** Booting Zephyr OS ***\n"                                     // 1
    "@smh1 0 B f4240\n"                                               // 2
    "@smh1 1 H 0 20000000 10000 0\n"                                  // 3
    "@smh1 2 H 1 30000000 8000 1\n"                                   // 4
    "@smh1 3 A 0 20000010 40 0 0 t10\n"                               // 5
    "[00:00:00.100,000] <inf> app: @smh1 4 A 1 30000008 100 20 1 t20\n"  // 6
    "@smh1 5 R 0 20000010 20000010 80 0 0 t30\r\n"                    // 7: in place
    "@smh1 6 R 0 20000010 20000200 400 0 0\n"                         // 8: moved
    "@smh1 7 F 1 30000008 100\n"                                      // 9
    "@smh1 9 F 0 20000200 400\n"                                      // 10: event 8 was lost
    "@smh1 a X 0 100000 0\n"                                          // 11
    "@smh1 b E - 9 12345678\n"                                        // 12
    "@smh1 c F 0 20009999 0\n";                                       // 13: never allocated

TEST(ImportDevice, OpsAndStatistics) {
  const test::Imported got = import_text(device_fixture, options_for(ImportFormat::device));
  ASSERT_EQ(got.error.message, "");
  const std::vector<Op> want = {alloc_op(1, 0, 64),      alloc_op(2, 1, 256, 32), realloc_op(1, 0, 128),
                                realloc_op(1, 0, 1024), free_op(2),             free_op(1)};
  EXPECT_EQ(describe(got.ops), describe(want));
  const ImportStats& stats = got.stats;
  EXPECT_EQ(stats.events, 9u);
  EXPECT_EQ(stats.lost_events, 1u);
  EXPECT_EQ(stats.failed_allocs, 1u);
  EXPECT_EQ(stats.device_errors, 1u);
  EXPECT_EQ(stats.unmatched_frees, 1u);
  EXPECT_EQ(stats.ticks_per_second, 1'000'000u);
  EXPECT_EQ(stats.peak_live_bytes, 1024u + 256);
  EXPECT_EQ(stats.peak_op_index, 3u);
  EXPECT_EQ(stats.peak_line, 8u);
  EXPECT_EQ(stats.peak_time_ticks, 0x30u);
  ASSERT_EQ(stats.notes.size(), 1u);
  EXPECT_EQ(stats.notes[0],
            "events were lost (sequence gaps; the first before line 10): frees of blocks never seen and implied "
            "frees follow");
}

TEST(ImportDevice, LinesOutOfOrderAreNotLostEvents) {
  const test::Imported got = import_text(
      "@smh1 5 A 0 1000 8 0 0\n@smh1 7 A 0 2000 8 0 0\n@smh1 6 F 0 1000 8\n@smh1 8 F 0 2000 8\n",
      options_for(ImportFormat::device));
  ASSERT_EQ(got.error.message, "");
  EXPECT_EQ(got.stats.lost_events, 1u);  // 6 was missing when 7 came; then it came late
  ASSERT_EQ(got.stats.notes.size(), 2u);
  EXPECT_EQ(got.stats.notes[1], "sequence numbers go backwards at line 3: lines are out of order (give the capture a "
                                "lock: smh_capture_set_lock)");
}

TEST(ImportDevice, HeapRulesForLogsWithoutAttributes) {
  AttrMap map;
  AttrMapError error;
  ASSERT_TRUE(parse_attr_map(R"({"format_version": 1, "default": 2, "rules": [{"heap": ["0x20001000"], "attr": 1}]})",
                             "z.json", MatchMode::exact, &map, &error));
  ImportOptions options = options_for(ImportFormat::device);
  options.attr_map = &map;
  const test::Imported got = import_text("@smh1 0 A 20001000 20002000 10 0 -\n@smh1 1 A 20003000 20004000 10 0 -\n",
                                         options);
  ASSERT_EQ(got.error.message, "");
  EXPECT_EQ(describe(got.ops), describe({alloc_op(1, 1, 16), alloc_op(2, 2, 16)}));
}

constexpr const char* csv_fixture =
    "op,handle,attr,size,align\n"
    "alloc,7,dma|internal,4K,64\n"
    "alloc,9,,100,\n"
    "\n"
    "realloc,7,dma,8K\n"
    "free,9\n"
    "alloc, 9 ,2,16\n"
    "free,7,,,\n";

TEST(ImportCsv, OpsWithTheImportersOwnHandles) {
  const test::Imported got = import_text(csv_fixture, options_for(ImportFormat::csv, MatchMode::capability));
  ASSERT_EQ(got.error.message, "");
  const std::vector<Op> want = {alloc_op(1, caps::dma | caps::internal, 4096, 64), alloc_op(2, 0, 100),
                                realloc_op(1, caps::dma, 8192),                    free_op(2),
                                alloc_op(3, 2, 16),                                free_op(1)};
  EXPECT_EQ(describe(got.ops), describe(want));
  EXPECT_EQ(got.stats.ignored_lines, 2u);  // the header and the blank line
}

TEST(Import, SameInputSameResult) {
  for (unsigned i = 0; i < 2; ++i) {
    const test::Imported first = import_text(esp_fixture(), options_for(ImportFormat::esp_idf));
    const test::Imported second = import_text(esp_fixture(), options_for(ImportFormat::esp_idf));
    EXPECT_EQ(describe(first.ops), describe(second.ops));
    EXPECT_EQ(first.stats.peak_live_bytes, second.stats.peak_live_bytes);
    EXPECT_EQ(first.stats.size_histogram, second.stats.size_histogram);
  }
}

TEST(Import, FormatNames) {
  for (unsigned i = 0; i < import_format_count; ++i) {
    ImportFormat format{};
    ASSERT_TRUE(parse_import_format(to_string(static_cast<ImportFormat>(i)), &format));
    EXPECT_EQ(static_cast<unsigned>(format), i);
  }
  ImportFormat unchanged = ImportFormat::csv;
  EXPECT_FALSE(parse_import_format("esp_idf", &unchanged));
  EXPECT_EQ(unchanged, ImportFormat::csv);
}

}  // namespace
}  // namespace smh::sim
