// `smh check` as CI runs it: discovery, order, totals, exit codes, JUnit,
// reports identical whatever --jobs, and the baseline gate.
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace smh::cli::test {
namespace {

using Json = nlohmann::ordered_json;

class Check : public CliTest {};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

TEST_F(Check, BundledScenariosPass) {
  const Completed check = smh({"check", SMH_SCENARIOS_DIR});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  // One line per scenario file found (the schema is not one), then the totals.
  std::size_t scenario_files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(SMH_SCENARIOS_DIR)) {
    const std::string name = entry.path().filename().string();
    scenario_files += entry.path().extension() == ".json" && !name.ends_with(".schema.json") &&
                      read_text(entry.path()).find("\"format_version\"") != std::string::npos;
  }
  ASSERT_GE(scenario_files, 2u);
  EXPECT_TRUE(contains(check.out, std::to_string(scenario_files) + " scenario(s): " + std::to_string(scenario_files) +
                                      " passed"))
      << check.out;
}

// Issue 13: a report written over one of the scenarios would lose it.
TEST_F(Check, AReportOverAScenarioIsRefused) {
  const std::string scenario = passing_scenario(100);
  write("suite/a.json", scenario);
  const Completed check = smh({"check", "suite", "--report", "suite/a.json"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.err, "smh check: --report: suite/a.json is suite/a.json, an input of this run: refusing to "
                       "overwrite it\n");
  EXPECT_EQ(read("suite/a.json"), scenario);
  EXPECT_EQ(check.out, "");  // refused before anything ran
}

TEST_F(Check, AllPassingExitsZeroInPathOrder) {
  write("suite/b.json", passing_scenario(200));
  write("suite/a.json", passing_scenario(100));
  write("suite/nested/c.json", passing_scenario(300));
  write("suite/scenario.schema.json", R"({"format_version": {"const": 1}})");
  write("suite/not_a_scenario.json", R"({"report": "smh"})");
  write("suite/.hidden/d.json", bad_scenario());
  write("suite/notes.txt", "not json");
  const Completed check = smh({"check", "suite"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const std::vector<std::string> lines = lines_of(check.out);
  ASSERT_EQ(lines.size(), 4u) << check.out;
  EXPECT_TRUE(lines[0].starts_with("PASS  suite/a.json  4 ops, digest 0x")) << lines[0];
  EXPECT_TRUE(lines[1].starts_with("PASS  suite/b.json  ")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with("PASS  suite/nested/c.json  ")) << lines[2];
  EXPECT_EQ(lines[3],
            "3 scenario(s): 3 passed, 0 failed (0 expectation_failed, 0 invariant_broken, 0 crashed), 0 bad input");
}

TEST_F(Check, AnyFailureExitsOneWithReasonAndReproduceLine) {
  write("suite/a.json", passing_scenario());
  write("suite/broken.json", broken_scenario());
  write("suite/failing.json", failing_scenario());
  const Completed check = smh({"check", "suite", "--jobs", "2"});
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_TRUE(contains(check.out, "FAIL  suite/broken.json  invariant_broken: unexpected finding STALE_TX (1x, first "
                                  "at op 2)\n      reproduce: smh run suite/broken.json --seed 5 --policy first_fit\n"))
      << check.out;
  EXPECT_TRUE(contains(check.out, "FAIL  suite/failing.json  expectation_failed: failed allocations: 1 > max 0\n"))
      << check.out;
  EXPECT_TRUE(contains(check.out, "3 scenario(s): 1 passed, 2 failed (1 expectation_failed, 1 invariant_broken, 0 "
                                  "crashed), 0 bad input\n"))
      << check.out;
  // --quiet: the failures and the totals only.
  const Completed quiet = smh({"check", "suite", "--quiet"});
  EXPECT_EQ(quiet.exit_code, 1);
  EXPECT_FALSE(contains(quiet.out, "PASS")) << quiet.out;
  EXPECT_TRUE(contains(quiet.out, "FAIL  suite/broken.json")) << quiet.out;
  EXPECT_TRUE(contains(quiet.out, "3 scenario(s): 1 passed")) << quiet.out;
}

TEST_F(Check, BadInputExitsTwoAndFilesNamedAreScenarios) {
  write("a.json", passing_scenario());
  write("bad.json", bad_scenario());
  write("broken.json", broken_scenario());
  const Completed check = smh({"check", "a.json", "bad.json", "broken.json"});
  EXPECT_EQ(check.exit_code, 2) << check.out;
  EXPECT_TRUE(contains(check.out, "ERROR bad.json  bad_input: bad.json:2:11: ")) << check.out;
  // A broken JSON file found in a directory is reported, not skipped.
  write("suite/bad.json", bad_scenario());
  EXPECT_EQ(smh({"check", "suite"}).exit_code, 2);
}

TEST_F(Check, BadArgumentsExitTwo) {
  write("empty/readme.json", R"({"not": "a scenario"})");
  EXPECT_EQ(smh({"check", "empty"}).exit_code, 2);
  EXPECT_EQ(smh({"check", "missing_dir"}).exit_code, 2);
  EXPECT_EQ(smh({"check"}).exit_code, 2);
  write("a.json", passing_scenario());
  EXPECT_EQ(smh({"check", "a.json", "--jobs", "0"}).exit_code, 2);
  EXPECT_EQ(smh({"check", "a.json", "--baseline", "missing.json"}).exit_code, 2);
  write("not_report.json", "[1, 2,\n 3,]");
  const Completed bad_baseline = smh({"check", "a.json", "--baseline", "not_report.json"});
  EXPECT_EQ(bad_baseline.exit_code, 2);
  EXPECT_TRUE(contains(bad_baseline.err, "not_report.json:2:4: ")) << bad_baseline.err;
}

TEST_F(Check, JunitIsWellFormedAndHoldsTheFailures) {
  write("suite/a.json", passing_scenario());
  write("suite/broken.json", broken_scenario());
  write("suite/bad.json", bad_scenario());
  const Completed check = smh({"check", "suite", "--junit", "j.xml"});
  EXPECT_EQ(check.exit_code, 2);
  const std::string xml = read("j.xml");
  EXPECT_EQ(xml_problem(xml), "") << xml;
  EXPECT_TRUE(contains(xml, "<testsuites name=\"smh\" tests=\"3\" failures=\"1\" errors=\"1\">")) << xml;
  EXPECT_TRUE(contains(xml, "<testcase classname=\"suite\" name=\"a\" file=\"suite/a.json\"/>")) << xml;
  EXPECT_TRUE(contains(xml, "<failure type=\"invariant_broken\" message=\"unexpected finding STALE_TX (1x, first at "
                            "op 2)\">"))
      << xml;
  EXPECT_TRUE(contains(xml, "<error type=\"bad_input\" message=\"suite/bad.json:2:11: ")) << xml;
}

TEST_F(Check, ReportIsIdenticalAcrossRunsAndJobs) {
  write("suite/a.json", passing_scenario(100));
  write("suite/b.json", scenario_with(alloc_free(120) + "," + alloc_free(900), R"(, "faults": "swarm")"));
  write("suite/broken.json", broken_scenario());
  write("suite/bad.json", bad_scenario());
  const Completed one = smh({"check", "suite", "--jobs", "1", "--report", "one.json", "--junit", "one.xml"});
  const Completed two = smh({"check", "suite", "--jobs", "2", "--report", "two.json", "--junit", "two.xml"});
  const Completed again = smh({"check", "suite", "--jobs", "2", "--report", "again.json"});
  EXPECT_EQ(one.exit_code, two.exit_code);
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(without_timings(read("one.json")), without_timings(read("two.json")));
  EXPECT_EQ(without_timings(read("two.json")), without_timings(read("again.json")));
  EXPECT_EQ(read("one.xml"), read("two.xml"));
  const Json report = Json::parse(read("one.json"));
  EXPECT_EQ(report["scenarios"].size(), 4u);
  EXPECT_EQ(report["scenarios"][0]["path"], "suite/a.json");
  EXPECT_EQ(report["timings"]["jobs"], 1);
}

TEST_F(Check, BaselineWithNoChangePasses) {
  write("suite/a.json", passing_scenario(100));
  write("suite/b.json", passing_scenario(200));
  ASSERT_EQ(smh({"check", "suite", "--report", "base.json"}).exit_code, 0);
  const Completed check = smh({"check", "suite", "--baseline", "base.json"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_TRUE(contains(check.out, "baseline base.json: 0 regression(s), 0 improvement(s), 0 within tolerance, 0 "
                                  "note(s)\n"))
      << check.out;
}

TEST_F(Check, BaselineFailsOnADigestChange) {
  write("suite/a.json", passing_scenario(100));
  ASSERT_EQ(smh({"check", "suite", "--report", "base.json"}).exit_code, 0);
  write("suite/a.json", passing_scenario(104));  // same footprint, other events
  const Completed check = smh({"check", "suite", "--baseline", "base.json"});
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_TRUE(contains(check.out, "  REGRESSION  suite/a.json  digest 0x")) << check.out;
  EXPECT_TRUE(contains(check.out, "  note        suite/a.json  the scenario file changed (hash 0x")) << check.out;
  // Allowed on request: then only the metrics count.
  EXPECT_EQ(smh({"check", "suite", "--baseline", "base.json", "--allow-digest-change"}).exit_code, 0);
}

TEST_F(Check, BaselineFailsOnAFootprintRegressionBeyondTheTolerance) {
  write("suite/a.json", passing_scenario(100));
  ASSERT_EQ(smh({"check", "suite", "--report", "base.json"}).exit_code, 0);
  write("suite/a.json", passing_scenario(1000));
  const Completed grown = smh({"check", "suite", "--baseline", "base.json", "--allow-digest-change"});
  EXPECT_EQ(grown.exit_code, 1) << grown.out;
  EXPECT_TRUE(contains(grown.out, "  REGRESSION  suite/a.json  footprint 184 -> 1080 bytes (+486.96%, tolerance "
                                  "+1.00%)\n"))
      << grown.out;
  // Within wider tolerances (the larger block also fragments the region more).
  EXPECT_EQ(smh({"check", "suite", "--baseline", "base.json", "--allow-digest-change", "--footprint-tolerance", "5",
                 "--f-ext-tolerance", "0.1"})
                .exit_code,
            0);
  // Shrinking is an improvement.
  write("suite/a.json", passing_scenario(16));
  const Completed shrunk = smh({"check", "suite", "--baseline", "base.json", "--allow-digest-change"});
  EXPECT_EQ(shrunk.exit_code, 0) << shrunk.out;
  EXPECT_TRUE(contains(shrunk.out, "  improved    suite/a.json  footprint 184 -> 96 bytes (-47.83%)\n")) << shrunk.out;
}

TEST_F(Check, BaselineFailsOnNewFailedAllocations) {
  write("suite/a.json", scenario_with(R"({"op": "alloc", "handle": 1, "attr": "cacheable", "size": 64})"));
  ASSERT_EQ(smh({"check", "suite", "--report", "base.json"}).exit_code, 0);
  write("suite/a.json", scenario_with(R"({"op": "alloc", "handle": 1, "attr": "cacheable", "size": "1M"})"));
  const Completed check = smh({"check", "suite", "--baseline", "base.json", "--allow-digest-change"});
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_TRUE(contains(check.out, "  REGRESSION  suite/a.json  failed allocs 0 -> 1 (tolerance +0)\n")) << check.out;
  EXPECT_EQ(smh({"check", "suite", "--baseline", "base.json", "--allow-digest-change", "--failed-allocs-tolerance",
                 "1", "--footprint-tolerance", "100"})
                .exit_code,
            0);
}

TEST_F(Check, BaselineNotesScenariosOnOneSideOnly) {
  write("suite/a.json", passing_scenario(100));
  write("suite/c.json", passing_scenario(300));
  ASSERT_EQ(smh({"check", "suite", "--report", "base.json"}).exit_code, 0);
  fs::remove(path("suite/a.json"));
  write("suite/b.json", passing_scenario(100));
  const Completed check = smh({"check", "suite", "--baseline", "base.json"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_TRUE(contains(check.out, "  note        suite/b.json  not in the baseline\n")) << check.out;
  EXPECT_TRUE(contains(check.out, "  note        suite/a.json  in the baseline but not run\n")) << check.out;
}

// Paths are matched after resolving them from the current directory, and a run
// that shares no scenario with its baseline compared nothing: that fails.
TEST_F(Check, BaselineMatchesPathsHoweverTheyAreWrittenAndFailsWhenNothingMatches) {
  write("suite/a.json", passing_scenario(100));
  ASSERT_EQ(smh({"check", "suite/", "--report", "base.json"}).exit_code, 0);
  write("suite/a.json", passing_scenario(104));  // other events: a digest change
  const Completed absolute = smh({"check", path("suite").string(), "--baseline", "base.json"});
  EXPECT_EQ(absolute.exit_code, 1) << absolute.out;
  EXPECT_TRUE(contains(absolute.out, "REGRESSION")) << absolute.out;
  EXPECT_TRUE(contains(absolute.out, "digest 0x")) << absolute.out;

  write("other/b.json", passing_scenario(100));
  const Completed unrelated = smh({"check", "other", "--baseline", "base.json"});
  EXPECT_EQ(unrelated.exit_code, 1) << unrelated.out;
  EXPECT_TRUE(contains(unrelated.out, "no scenario of this run is in the baseline")) << unrelated.out;
}

TEST_F(Check, BaselineReportsThatCannotBeReadAndBadTolerancesExitTwo) {
  write("a.json", passing_scenario(100));
  write("huge.json", "{\"report\": \"smh\", \"report_version\": 1e999}\n");
  const Completed huge = smh({"check", "a.json", "--baseline", "huge.json"});
  EXPECT_EQ(huge.exit_code, 2);
  EXPECT_TRUE(contains(huge.err, "huge.json: ")) << huge.err;
  EXPECT_FALSE(contains(huge.err, "internal error")) << huge.err;
  fs::create_directories(path("folder"));
  const Completed folder = smh({"check", "a.json", "--baseline", "folder"});
  EXPECT_EQ(folder.exit_code, 2);
  EXPECT_TRUE(contains(folder.err, "folder: the baseline report: cannot read the file: it is a directory")) << folder.err;
  ASSERT_EQ(smh({"check", "a.json", "--report", "base.json"}).exit_code, 0);
  for (const char* flag : {"--failed-allocs-tolerance", "--footprint-tolerance", "--f-ext-tolerance"}) {
    for (const char* value : {"-1", "nan", "x"}) {
      const Completed bad = smh({"check", "a.json", "--baseline", "base.json", flag, value});
      EXPECT_EQ(bad.exit_code, 2) << flag << " " << value << ": " << bad.out << bad.err;
    }
  }
}

TEST_F(Check, ARunReportServesAsBaseline) {
  write("a.json", passing_scenario(100));
  ASSERT_EQ(smh({"run", "a.json", "--report", "base.json"}).exit_code, 0);
  EXPECT_EQ(smh({"check", "a.json", "--baseline", "base.json"}).exit_code, 0);
}

}  // namespace
}  // namespace smh::cli::test
