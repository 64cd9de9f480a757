// `smh import`, run as a user would: the trace it writes (plain and zstd, to a
// file or stdout, from a file or stdin), byte for byte the same from the same
// input, its summary, and exit 2 with a position for bad input, leaving no
// partial trace behind.
#include <string>

#include "cli_test_support.hpp"

namespace smh::cli::test {
namespace {

constexpr const char* heaptrack_capture =
    "v 10400 3\n"
    "t 7f00 0\n"
    "+ 10 1 1000\n"
    "+ 20 1 2000\n"
    "c 5\n"
    "- 1000\n"
    "+ 18 1 1000\n"
    "- 3000\n"
    "- 2000\n"
    "- 1000\n";

constexpr const char* heaptrack_trace =
    "{\"op\":\"alloc\",\"handle\":1,\"attr\":0,\"size\":16}\n"
    "{\"op\":\"alloc\",\"handle\":2,\"attr\":0,\"size\":32}\n"
    "{\"op\":\"free\",\"handle\":1}\n"
    "{\"op\":\"alloc\",\"handle\":3,\"attr\":0,\"size\":24}\n"
    "{\"op\":\"free\",\"handle\":2}\n"
    "{\"op\":\"free\",\"handle\":3}\n";

using ImportCommand = CliTest;

TEST_F(ImportCommand, WritesTheTraceAndTheSummary) {
  write("cap.raw", heaptrack_capture);
  const Completed done = smh({"import", "heaptrack", "cap.raw", "-o", "t.jsonl"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(read("t.jsonl"), heaptrack_trace);
  EXPECT_EQ(done.err, "");
  EXPECT_NE(done.out.find("smh import heaptrack cap.raw -> t.jsonl\n"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("  events         7 allocation events\n"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("  ops            6: 3 allocs, 3 frees, 0 reallocs\n"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("  unmatched      1 frees and 0 reallocs"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("  peak live      56 bytes requested, at op 3, line 7, 0.005 s\n"), std::string::npos)
      << done.out;
  EXPECT_NE(done.out.find("  largest block  32 bytes (line 4)\n"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("  16 B .. < 32 B            2  ########################################\n"),
            std::string::npos)
      << done.out;
  EXPECT_NE(done.out.find("  cacheable            3               56      3            0\n"), std::string::npos)
      << done.out;
}

TEST_F(ImportCommand, SameInputSameBytes) {
  write("cap.raw", heaptrack_capture);
  for (const std::string name : {"a.jsonl", "b.jsonl", "a.jsonl.zst", "b.jsonl.zst"}) {
    const Completed done = smh({"import", "heaptrack", "cap.raw", "-o", name});
    ASSERT_EQ(done.exit_code, 0) << done.err;
  }
  EXPECT_EQ(read("a.jsonl"), read("b.jsonl"));
  EXPECT_EQ(read("a.jsonl.zst"), read("b.jsonl.zst"));
  EXPECT_EQ(read("a.jsonl.zst").substr(0, 4), std::string("\x28\xB5\x2F\xFD", 4)) << "zstd by the name";
  const Completed first = smh({"import", "heaptrack", "cap.raw", "--stats"});
  const Completed second = smh({"import", "heaptrack", "cap.raw", "--stats"});
  EXPECT_EQ(first.out, second.out);
}

TEST_F(ImportCommand, StdinAndStdout) {
  write("cap.raw", heaptrack_capture);
  const Completed done = smh({"import", "heaptrack", "-", "-o", "-"}, "cap.raw");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(done.out, heaptrack_trace);
  EXPECT_NE(done.err.find("smh import heaptrack - -> -\n"), std::string::npos) << done.err;
}

TEST_F(ImportCommand, StatsAloneWritesNothing) {
  write("cap.raw", heaptrack_capture);
  const Completed done = smh({"import", "heaptrack", "cap.raw", "--stats"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("smh import heaptrack cap.raw (statistics only)\n"), std::string::npos);
  const Completed neither = smh({"import", "heaptrack", "cap.raw"});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_EQ(neither.err, "smh import: give -o TRACE.jsonl[.zst] to write the trace, or --stats for the summary alone\n");
}

TEST_F(ImportCommand, TheTraceReplays) {
  write("cap.raw", heaptrack_capture);
  write("m.json", scenario_with(""));
  ASSERT_EQ(smh({"import", "heaptrack", "cap.raw", "-o", "t.jsonl.zst"}).exit_code, 0);
  const Completed replayed = smh({"replay", "--machine", "m.json", "t.jsonl.zst", "--quiet"});
  EXPECT_EQ(replayed.exit_code, 0) << replayed.out << replayed.err;
  // Straight from the importer through a pipe-like stdin.
  ASSERT_EQ(smh({"import", "heaptrack", "cap.raw", "-o", "t.jsonl"}).exit_code, 0);
  const Completed piped = smh({"replay", "--machine", "m.json", "-", "--quiet"}, "t.jsonl");
  EXPECT_EQ(piped.exit_code, 0) << piped.out << piped.err;
  EXPECT_EQ(piped.out.substr(piped.out.find("digest")), replayed.out.substr(replayed.out.find("digest")));
}

TEST_F(ImportCommand, MalformedLineIsBadInputAndLeavesNoTrace) {
  write("cap.raw", "+ 10 1 1000\n+ 10 zz 1000\n");
  const Completed done = smh({"import", "heaptrack", "cap.raw", "-o", "t.jsonl"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_EQ(done.err, "smh import: cap.raw:2:6: expected the trace index (hex digits), got 'z'\n");
  EXPECT_EQ(done.out, "");
  EXPECT_FALSE(fs::exists(path("t.jsonl")));
}

TEST_F(ImportCommand, SkipBadCountsAndReports) {
  write("cap.raw", "+ 10 1 1000\n+ 10 zz 1000\n- 1000\n");
  const Completed done = smh({"import", "heaptrack", "cap.raw", "-o", "t.jsonl", "--skip-bad"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("3 read, 0 without allocation events, 1 malformed (skipped)"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("malformed lines (the first 1 of 1)\n  cap.raw:2:6: expected the trace index"),
            std::string::npos)
      << done.out;
}

TEST_F(ImportCommand, AttributeMap) {
  write("cap.raw", heaptrack_capture);
  write("map.json", R"({"format_version": 1, "default": "cacheable",
  "rules": [{"size": {"min": 20}, "attr": "external"}]})");
  const Completed done = smh({"import", "heaptrack", "cap.raw", "-o", "t.jsonl", "--attr-map", "map.json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(read("t.jsonl").find("{\"op\":\"alloc\",\"handle\":2,\"attr\":2,\"size\":32}\n"), std::string::npos);
  EXPECT_NE(done.out.find("attribute map map.json\n"), std::string::npos) << done.out;
  EXPECT_NE(done.out.find("     1  map.json:2  external             2\n"), std::string::npos) << done.out;
  write("bad.json", "{\"format_version\": 1,\n \"rules\": [{\"size\": {\"min\": 20}, \"attr\": \"dma\"}]}");
  const Completed bad = smh({"import", "heaptrack", "cap.raw", "--stats", "--attr-map", "bad.json"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "smh import: --attr-map: bad.json:2:42: $.rules[0].attr: unknown attribute \"dma\" (expected one "
                     "of: cacheable, non_cacheable, external, or an integer)\n");
}

TEST_F(ImportCommand, FlagsAndLimits) {
  write("cap.raw", heaptrack_capture);
  EXPECT_EQ(smh({"import", "perf", "cap.raw", "--stats"}).exit_code, 2);
  EXPECT_EQ(smh({"import", "heaptrack", "cap.raw", "--stats", "--mode", "fuzzy"}).exit_code, 2);
  EXPECT_EQ(smh({"import", "heaptrack", "cap.raw", "--stats", "-o", "t.jsonl"}).exit_code, 2);
  const Completed missing = smh({"import", "heaptrack", "none.raw", "--stats"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "smh import: none.raw: cannot open the file: No such file or directory\n");
  const Completed limited = smh({"import", "heaptrack", "cap.raw", "--stats", "--max-live-blocks", "1"});
  EXPECT_EQ(limited.exit_code, 2);
  EXPECT_EQ(limited.err, "smh import: cap.raw:4:1: more than 1 blocks live at once (raise the limit with "
                         "--max-live-blocks)\n");
  write("long.raw", "+ 10 1 1000\nX /usr/bin/python3 -c print\n");
  const Completed long_line = smh({"import", "heaptrack", "long.raw", "--stats", "--max-line-bytes", "16"});
  EXPECT_EQ(long_line.exit_code, 2);
  // Placed at the first byte past the limit (column 17), whatever the buffer held.
  EXPECT_EQ(long_line.err, "smh import: long.raw:2:17: line 2 is longer than 16 bytes (raise the limit with "
                           "--max-line-bytes)\n");
}

}  // namespace
}  // namespace smh::cli::test
