// The baseline comparison on outcomes built by hand: each metric and its
// tolerance, verdict changes, and what a malformed baseline says.
#include "baseline.hpp"
#include "junit.hpp"
#include "outcome_fixture.hpp"

#include <gtest/gtest.h>

namespace smh::cli {
namespace {

sim::ScenarioOutcome outcome(const std::string& path) { return test::hand_made_outcome(path); }

Baseline baseline_of(const std::vector<const sim::ScenarioOutcome*>& outcomes) {
  Baseline baseline;
  std::string error;
  EXPECT_TRUE(parse_baseline(render_report(outcomes, 1, 0.0), "base.json", &baseline, &error)) << error;
  return baseline;
}

BaselineComparison compare(const sim::ScenarioOutcome& before, const sim::ScenarioOutcome& now,
                           const BaselineTolerances& tolerances = {}) {
  return compare_with_baseline(baseline_of({&before}), {&now}, tolerances);
}

std::vector<std::string> moves(const BaselineComparison& comparison) {
  std::vector<std::string> out;
  for (const BaselineMove& move : comparison.moves) {
    static const char* const kinds[] = {"regression", "improvement", "within", "note"};
    out.push_back(std::string(kinds[static_cast<unsigned>(move.kind)]) + ": " + move.what);
  }
  return out;
}

TEST(Baseline, SameOutcomeHasNoMoves) {
  const sim::ScenarioOutcome a = outcome("a.json");
  const BaselineComparison comparison = compare(a, a);
  EXPECT_EQ(comparison.regressions, 0u);
  EXPECT_TRUE(comparison.moves.empty());
}

TEST(Baseline, DigestChangeIsARegressionUnlessAllowed) {
  const sim::ScenarioOutcome before = outcome("a.json");
  sim::ScenarioOutcome now = before;
  now.summary.digest = 0xef;
  EXPECT_EQ(moves(compare(before, now)), (std::vector<std::string>{"regression: digest 0xabcd -> 0xef"}));
  BaselineTolerances tolerances;
  tolerances.digest_must_match = false;
  const BaselineComparison allowed = compare(before, now, tolerances);
  EXPECT_EQ(allowed.regressions, 0u);
  EXPECT_EQ(moves(allowed),
            (std::vector<std::string>{"within: digest 0xabcd -> 0xef (allowed by --allow-digest-change)"}));
}

TEST(Baseline, FootprintWithinToleranceMovesBeyondItRegresses) {
  const sim::ScenarioOutcome before = outcome("a.json");
  sim::ScenarioOutcome now = before;
  now.summary.regions[0].stats.high_water_bytes = 1010;  // +1.00 %: the default tolerance
  EXPECT_EQ(moves(compare(before, now)),
            (std::vector<std::string>{"within: footprint 1000 -> 1010 bytes (+1.00%, tolerance +1.00%)"}));
  now.summary.regions[0].stats.high_water_bytes = 1011;
  EXPECT_EQ(moves(compare(before, now)),
            (std::vector<std::string>{"regression: footprint 1000 -> 1011 bytes (+1.10%, tolerance +1.00%)"}));
  now.summary.regions[0].stats.high_water_bytes = 900;
  EXPECT_EQ(moves(compare(before, now)), (std::vector<std::string>{"improvement: footprint 1000 -> 900 bytes (-10.00%)"}));
}

TEST(Baseline, FailedAllocsAbsoluteTolerance) {
  const sim::ScenarioOutcome before = outcome("a.json");
  sim::ScenarioOutcome now = before;
  now.summary.failed_allocs = 2;
  EXPECT_EQ(compare(before, now).regressions, 1u);
  BaselineTolerances tolerances;
  tolerances.failed_allocs = 2;
  EXPECT_EQ(moves(compare(before, now, tolerances)),
            (std::vector<std::string>{"within: failed allocs 0 -> 2 (tolerance +2)"}));
}

TEST(Baseline, FExtAtTheEndAndAtThePeak) {
  sim::ScenarioOutcome before = outcome("a.json");
  before.fragmentation.at_ops = {0, 10};
  before.fragmentation.regions.resize(1);
  before.fragmentation.regions[0].f_ext = {0.0, 0.10};
  sim::ScenarioOutcome now = before;
  now.summary.regions[0].external_fragmentation = 0.11;  // +0.01: within 0.02
  now.fragmentation.regions[0].f_ext = {0.5, 0.11};      // peak +0.40
  EXPECT_EQ(moves(compare(before, now)),
            (std::vector<std::string>{"within: region sram F_ext 0.1000 -> 0.1100 (tolerance +0.0200)",
                                      "regression: region sram F_ext peak 0.1000 -> 0.5000 (tolerance +0.0200)"}));
}

TEST(Baseline, VerdictChanges) {
  const sim::ScenarioOutcome before = outcome("a.json");
  sim::ScenarioOutcome now = before;
  now.verdict = sim::Verdict::invariant_broken;
  EXPECT_EQ(moves(compare(before, now)), (std::vector<std::string>{"regression: verdict pass -> invariant_broken"}));
  EXPECT_EQ(moves(compare(now, before)), (std::vector<std::string>{"improvement: verdict invariant_broken -> pass"}));
  sim::ScenarioOutcome bad = before;
  bad.verdict = sim::Verdict::bad_input;
  bad.error = "a.json:1:1: oops";
  EXPECT_EQ(moves(compare(before, bad)), (std::vector<std::string>{"regression: verdict pass -> bad_input"}));
}

TEST(Baseline, RegionsAndScenariosOnOneSideAreNotes) {
  const sim::ScenarioOutcome a = outcome("a.json");
  sim::ScenarioOutcome renamed = a;
  renamed.summary.regions[0].name = "tcm";
  EXPECT_EQ(moves(compare(a, renamed)), (std::vector<std::string>{"note: region tcm is not in the baseline",
                                                                   "note: region sram is gone (it is in the baseline)"}));
  const sim::ScenarioOutcome b = outcome("b.json");
  const sim::ScenarioOutcome c = outcome("c.json");
  const BaselineComparison comparison = compare_with_baseline(baseline_of({&a, &c}), {&b, &c}, {});
  EXPECT_EQ(comparison.regressions, 0u);
  ASSERT_EQ(comparison.moves.size(), 2u);
  EXPECT_EQ(comparison.moves[0].path, "b.json");
  EXPECT_EQ(comparison.moves[0].what, "not in the baseline");
  EXPECT_EQ(comparison.moves[1].path, "a.json");
  EXPECT_EQ(comparison.moves[1].what, "in the baseline but not run");
  // Nothing in common: nothing was compared, and that is no gate.
  const BaselineComparison disjoint = compare_with_baseline(baseline_of({&a}), {&b}, {});
  EXPECT_EQ(disjoint.regressions, 1u);
}

TEST(Baseline, MalformedReportsArePositioned) {
  Baseline baseline;
  std::string error;
  EXPECT_FALSE(parse_baseline("{\"report\": \"smh\",\n  \"report_version\": }", "b.json", &baseline, &error));
  EXPECT_EQ(error.rfind("b.json:2:21: ", 0), 0u) << error;
  EXPECT_FALSE(parse_baseline(R"({"format_version": 1})", "b.json", &baseline, &error));
  EXPECT_EQ(error, "b.json: $: not an smh report (no \"report\": \"smh\"); write one with smh check --report");
  EXPECT_FALSE(parse_baseline(R"({"report": "smh", "report_version": 2, "scenarios": []})", "b.json", &baseline,
                              &error));
  EXPECT_EQ(error, "b.json: $.report_version: unsupported report version (this build reads version 1)");
  EXPECT_FALSE(parse_baseline(
      R"({"report": "smh", "report_version": 1, "scenarios": [{"path": "a.json", "verdict": "pass", "inputs": {"scenario_hash": "0x1", "trace": null}, "ops": 1, "digest": 7}]})",
      "b.json", &baseline, &error));
  EXPECT_EQ(error, "b.json: $.scenarios[0].digest: expected a string");
}

// Issue 13: an empty baseline passed every run, an unknown verdict counted as an
// improvement, and an F_ext of 1.8e308 was taken for a figure.
TEST(Baseline, OnlyWhatSmhWritesIsABaseline) {
  Baseline baseline;
  std::string error;
  EXPECT_FALSE(parse_baseline(R"({"report": "smh", "report_version": 1, "scenarios": []})", "b.json", &baseline,
                              &error));
  EXPECT_EQ(error, "b.json: $.scenarios: no scenario: a baseline compares nothing without them");
  EXPECT_FALSE(parse_baseline(
      R"({"report": "smh", "report_version": 1, "scenarios": [{"path": "a.json", "verdict": "garbage"}]})", "b.json",
      &baseline, &error));
  EXPECT_EQ(error, "b.json: $.scenarios[0].verdict: unknown verdict \"garbage\" (one of pass, expectation_failed, "
                   "invariant_broken, crashed, bad_input)");
  const std::string entry =
      R"({"path": "a.json", "verdict": "pass", "inputs": {"scenario_hash": "0x1", "trace": null}, "ops": 1, "digest": "0x2", )"
      R"("footprint_bytes": 10, "failed_allocs": 0, "regions": [{"name": "r", "f_ext": F, "f_ext_peak": 0.5}]})";
  const auto with_f_ext = [&](const std::string& f_ext) {
    std::string text = entry;
    text.replace(text.find('F'), 1, f_ext);
    return R"({"report": "smh", "report_version": 1, "scenarios": [)" + text + "]}";
  };
  EXPECT_TRUE(parse_baseline(with_f_ext("0.25"), "b.json", &baseline, &error)) << error;
  EXPECT_EQ(baseline.size(), 1u);
  // Past the range of a double, the number itself is refused (report_reading).
  EXPECT_FALSE(parse_baseline(with_f_ext("1.8e308"), "b.json", &baseline, &error));
  EXPECT_EQ(error.rfind("b.json: not a readable report: ", 0), 0u) << error;
  EXPECT_NE(error.find("1.8e308"), std::string::npos) << error;
  for (const char* bad : {"1e308", "-0.5", "1.0001"}) {
    EXPECT_FALSE(parse_baseline(with_f_ext(bad), "b.json", &baseline, &error)) << bad;
    EXPECT_EQ(error.rfind("b.json: $.scenarios[0].regions[0].f_ext: expected a ratio in [0, 1], got ", 0), 0u)
        << error;
  }
  std::string twice = entry;
  twice.replace(twice.find('F'), 1, "0");
  EXPECT_FALSE(parse_baseline(R"({"report": "smh", "report_version": 1, "scenarios": [)" + twice + ", " + twice + "]}",
                              "b.json", &baseline, &error));
  EXPECT_EQ(error, "b.json: $.scenarios[1].path: scenario \"a.json\" is listed twice");
}

TEST(Baseline, RenderedComparisonCountsAndListsMoves) {
  BaselineComparison comparison;
  comparison.moves.push_back(BaselineMove{BaselineMove::Kind::regression, "a.json", "digest 0x1 -> 0x2"});
  comparison.moves.push_back(BaselineMove{BaselineMove::Kind::note, "b.json", "not in the baseline"});
  comparison.regressions = 1;
  EXPECT_EQ(render_comparison("base.json", comparison),
            "baseline base.json: 1 regression(s), 0 improvement(s), 0 within tolerance, 1 note(s)\n"
            "  REGRESSION  a.json  digest 0x1 -> 0x2\n"
            "  note        b.json  not in the baseline\n");
}

// Issue 16: a truncated trace is "the trace changed" with both op counts, not a
// digest change and a list of "improvements" (a shorter run takes less memory).
TEST(Baseline, OtherOpsAreNamedAndTheirFiguresAreNotCompared) {
  sim::ScenarioOutcome before = outcome("m.json");
  before.inputs.replay = true;
  before.inputs.trace_path = "t.jsonl";
  sim::ScenarioOutcome now = before;
  now.summary.ops = 6;
  now.summary.digest = 0xef;
  now.summary.regions[0].stats.high_water_bytes = 500;
  EXPECT_EQ(moves(compare(before, now)),
            (std::vector<std::string>{"regression: the trace changed: 10 -> 6 ops; the figures are not compared "
                                      "(refresh the baseline if this is intended)"}));
  now.inputs.trace_path = "u.jsonl";
  EXPECT_EQ(moves(compare(before, now)).front(), "note: the trace is another file: t.jsonl -> u.jsonl");
  sim::ScenarioOutcome inline_ops = outcome("a.json");
  sim::ScenarioOutcome fewer = inline_ops;
  fewer.summary.ops = 9;
  EXPECT_EQ(moves(compare(inline_ops, fewer)),
            (std::vector<std::string>{"regression: the scenario's ops changed: 10 -> 9 ops; the figures are not "
                                      "compared (refresh the baseline if this is intended)"}));
}

// Issue 16: memory not taken because allocations failed is not memory saved.
TEST(Baseline, AFootprintThatFellBecauseAllocationsFailedIsNoImprovement) {
  const sim::ScenarioOutcome before = outcome("a.json");
  sim::ScenarioOutcome now = before;
  now.summary.regions[0].stats.high_water_bytes = 900;
  now.summary.failed_allocs = 3;
  BaselineTolerances tolerances;
  tolerances.failed_allocs = 5;
  EXPECT_EQ(moves(compare(before, now, tolerances)),
            (std::vector<std::string>{
                "note: footprint 1000 -> 900 bytes (-10.00%, not an improvement: 3 more allocations failed)",
                "within: failed allocs 0 -> 3 (tolerance +5)"}));
}

// Issue 16: the JUnit XML and the JSON report agree with the exit code on a
// baseline regression (JUnit said failures="0" while smh exited 1).
TEST(Baseline, JUnitAndTheReportCarryTheBaselineRegressions) {
  const sim::ScenarioOutcome before = outcome("a.json");
  sim::ScenarioOutcome now = before;
  now.summary.digest = 0xef;
  const BaselineComparison comparison = compare(before, now);
  const std::string xml = render_junit({&now}, &comparison);
  EXPECT_NE(xml.find("tests=\"1\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure type=\"baseline_regression\" message=\"baseline regression: digest 0xabcd -&gt; 0xef\""),
            std::string::npos)
      << xml;
  EXPECT_NE(render_junit({&now}).find("failures=\"0\""), std::string::npos) << "without a baseline the run passes";

  // Nothing compared at all: a regression no scenario of the run carries.
  const BaselineComparison nothing = compare_with_baseline(baseline_of({&before}), {&(now = outcome("b.json"))}, {});
  const std::string lonely = render_junit({&now}, &nothing);
  EXPECT_NE(lonely.find("tests=\"2\" failures=\"1\""), std::string::npos) << lonely;
  EXPECT_NE(lonely.find("<testcase classname=\"baseline\" name=\"(all)\">"), std::string::npos) << lonely;

  const Json section = comparison_json("base.json", comparison);
  const Json report = Json::parse(render_report({&now}, 1, 0.0, &section));
  ASSERT_TRUE(report.contains("baseline"));
  EXPECT_EQ(report["baseline"]["path"], "base.json");
  EXPECT_EQ(report["baseline"]["counts"]["regression"], 1);
  EXPECT_EQ(report["baseline"]["moves"][0]["kind"], "regression");
  EXPECT_EQ(report["baseline"]["moves"][0]["what"], "digest 0xabcd -> 0xef");
  EXPECT_FALSE(Json::parse(render_report({&now}, 1, 0.0)).contains("baseline"));
}

}  // namespace
}  // namespace smh::cli
