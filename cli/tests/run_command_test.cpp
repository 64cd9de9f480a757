// `smh run`, `smh replay` and `smh demo` as a user runs them: exit codes, the
// summary, the reports, golden digests of the bundled scenarios.
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace smh::cli::test {
namespace {

using Json = nlohmann::ordered_json;

class Run : public CliTest {};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(Run, PassingScenarioExitsZeroWithASummary) {
  const Completed run = smh({"run", bundled("zephyr_placement.json")});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(contains(run.out, "result    PASS, digest 0x")) << run.out;
  // The region table, the picture over time and the reproduce line.
  EXPECT_TRUE(contains(run.out, "  region  attr           capacity")) << run.out;
  EXPECT_TRUE(contains(run.out, "  res2    cacheable         12288")) << run.out;
  EXPECT_TRUE(contains(run.out, "  res0  F_ext |")) << run.out;
  EXPECT_TRUE(contains(run.out, "reproduce: smh run " + bundled("zephyr_placement.json") +
                                    " --seed 1 --policy first_fit\n"))
      << run.out;
  // Not a terminal: no progress, nothing on stderr.
  EXPECT_EQ(run.err, "");
}

TEST_F(Run, BrokenInvariantExitsOneAndTheReportNamesIt) {
  write("broken.json", broken_scenario());
  const Completed run = smh({"run", "broken.json", "--report", "r.json"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(contains(run.out, "result    FAIL (invariant_broken)")) << run.out;
  EXPECT_TRUE(contains(run.out, "op 2  STALE_TX (unexpected): dma_to_device on handle 1: bytes [0x2000")) << run.out;
  const Json report = Json::parse(read("r.json"));
  EXPECT_EQ(report["scenarios"][0]["verdict"], "invariant_broken");
  EXPECT_EQ(report["scenarios"][0]["findings"]["by_check"]["STALE_TX"], 1);
  EXPECT_EQ(report["totals"]["invariant_broken"], 1);
}

TEST_F(Run, UnmetExpectationExitsOneAndTheReportNamesIt) {
  write("failing.json", failing_scenario());
  const Completed run = smh({"run", "failing.json", "--report", "r.json"});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_TRUE(contains(run.out, "unmet expectations:\n  failed allocations: 1 > max 0\n")) << run.out;
  const Json report = Json::parse(read("r.json"));
  EXPECT_EQ(report["scenarios"][0]["verdict"], "expectation_failed");
  EXPECT_EQ(report["scenarios"][0]["unmet_expectations"][0], "failed allocations: 1 > max 0");
}

TEST_F(Run, BadScenarioExitsTwoWithItsPosition) {
  write("bad.json", bad_scenario());
  const Completed run = smh({"run", "bad.json", "--report", "r.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(contains(run.err, "smh run: bad.json:2:11: ")) << run.err;
  EXPECT_EQ(Json::parse(read("r.json"))["scenarios"][0]["verdict"], "bad_input");
}

TEST_F(Run, InvalidOpExitsTwoNamingTheOpAndSeed) {
  write("op.json", scenario_with(R"({"op": "free", "handle": 3})"));
  const Completed run = smh({"run", "op.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(contains(run.err, "op.json: $.ops[0]: op 0 (free handle 3): no live block has this handle (seed 5)"))
      << run.err;
}

// A summary names the scenario and its regions by at most max_excerpt_bytes of
// their names (issue 13: an 8 MB scenario name was printed whole).
TEST_F(Run, ASummaryShowsALongNameByItsHeadAndLength) {
  write("long_name.json", R"({"format_version": 1, "name": ")" + std::string(8'000'000, 'n') +
                              R"(", "machine": {"regions": [{"name": ")" + std::string(1'000'000, 'r') +
                              R"(", "base": 4096, "size": "4K", "attr": 0, "cache": "non_cacheable"}]}, "ops": []})");
  const Completed run = smh({"run", "long_name.json"});
  EXPECT_EQ(run.exit_code, 0) << run.err.substr(0, 400);
  EXPECT_TRUE(contains(run.out, "scenario  long_name.json (" + std::string(64, 'n') + "\u2026 (8000000 bytes))"))
      << run.out.substr(0, 400);
  EXPECT_TRUE(contains(run.out, std::string(64, 'r') + "\u2026 (1000000 bytes)")) << run.out.substr(0, 400);
  EXPECT_LT(run.out.size() + run.err.size(), std::size_t{20'000});
}

TEST_F(Run, BadCommandLinesExitTwo) {
  write("ok.json", passing_scenario());
  EXPECT_EQ(smh({"run"}).exit_code, 2);
  EXPECT_EQ(smh({"run", "missing.json"}).exit_code, 2);
  EXPECT_EQ(smh({"run", "ok.json", "--policy", "fastest_fit"}).exit_code, 2);
  EXPECT_EQ(smh({"run", "ok.json", "--seed", "12x"}).exit_code, 2);
  EXPECT_EQ(smh({"run", "ok.json", "--seed", "0x1_0000_0000_0000_0000"}).exit_code, 2);
  EXPECT_EQ(smh({"run", "ok.json", "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(smh({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(smh({}).exit_code, 2);
  EXPECT_EQ(smh({"run", "ok.json", "--report", "no_such_dir/r.json"}).exit_code, 2);
  EXPECT_EQ(smh({"--help"}).exit_code, 0);
}

// Issue 16: --validate-every sets the deep check's cadence (auto, K, off) on
// run, replay and check, and anything else is bad input that says what it takes.
TEST_F(Run, ValidateEveryTakesAutoANumberOrOff) {
  write("ok.json", passing_scenario());
  for (const char* cadence : {"auto", "1", "4096", "off"}) {
    EXPECT_EQ(smh({"run", "ok.json", "--validate-every", cadence}).exit_code, 0) << cadence;
    EXPECT_EQ(smh({"check", "ok.json", "--validate-every", cadence}).exit_code, 0) << cadence;
  }
  for (const char* cadence : {"0", "-1", "12x", "", "always"}) {
    const Completed run = smh({"run", "ok.json", "--validate-every", cadence});
    EXPECT_EQ(run.exit_code, 2) << cadence;
    EXPECT_NE(run.err.find("--validate-every: expected 'auto', 'off' or a number of ops >= 1"), std::string::npos)
        << run.err;
    EXPECT_EQ(smh({"check", "ok.json", "--validate-every", cadence}).exit_code, 2) << cadence;
  }
}

// Issue 16: --no-checks replays without the invariant checks (the speed of
// `smh compare`): the same digest when no check would fire, and every output
// says that the checks did not run, so a checked-off PASS is not taken for a
// clean one. What the simulation finds on its own (a coherency oracle's
// STALE_TX) is still reported.
TEST_F(Run, NoChecksRunsTheSameOpsAndSaysFindingsWereNotLookedFor) {
  write("ok.json", passing_scenario());
  const Completed checked = smh({"run", "ok.json", "--report", "a.json"});
  const Completed fast = smh({"run", "ok.json", "--no-checks", "--report", "b.json"});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_EQ(fast.exit_code, 0) << fast.out << fast.err;
  const Json a = Json::parse(read("a.json"))["scenarios"][0];
  const Json b = Json::parse(read("b.json"))["scenarios"][0];
  EXPECT_EQ(a["digest"], b["digest"]);
  EXPECT_EQ(a["inputs"]["checks"], true);
  EXPECT_EQ(b["inputs"]["checks"], false);
  EXPECT_TRUE(contains(checked.out, "findings: none\n")) << checked.out;
  EXPECT_TRUE(contains(fast.out, "findings: none (--no-checks: the invariant checks did not run)\n")) << fast.out;
  EXPECT_TRUE(contains(fast.out, "--policy first_fit --no-checks\n")) << fast.out;
  const Completed missing = smh({"replay", "--machine", "ok.json", "--no-checks", "missing.jsonl"});
  EXPECT_EQ(missing.exit_code, 2) << "still bad input: " << missing.out;
  write("broken.json", broken_scenario());
  const Completed unchecked = smh({"run", "broken.json", "--no-checks"});
  EXPECT_EQ(unchecked.exit_code, 1) << unchecked.out;
  EXPECT_TRUE(contains(unchecked.out, "findings: 1 (STALE_TX 1) (--no-checks: the invariant checks did not run)\n"))
      << unchecked.out;
}

// Issue 13: names are printed raw no more. A NUL cut the summary short (the
// verdict and the reproduce line were lost); ESC, CR and LF could clear the
// terminal or forge a line.
TEST_F(Run, ControlCharactersInNamesAreEscapedInTheSummary) {
  std::string text = passing_scenario();
  text.replace(text.find("\"seed\""), 0, R"("name": "a\u0000b\u001b[2J\r\nPASS  forged", )");
  write("hostile.json", text);
  for (const bool quiet : {false, true}) {
    const Completed run =
        quiet ? smh({"run", "hostile.json", "--quiet"}) : smh({"run", "hostile.json"});
    EXPECT_EQ(run.exit_code, 0) << run.out;
    for (const char c : run.out) {
      EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << static_cast<int>(c) << "\n" << run.out;
    }
    EXPECT_EQ(run.out.find("\nPASS  forged"), std::string::npos) << run.out;
  }
  const Completed run = smh({"run", "hostile.json"});
  EXPECT_NE(run.out.find("scenario  hostile.json (a\\x00b\\x1b[2J\\x0d\\x0aPASS  forged)\n"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("\nreproduce: smh run hostile.json --seed 5 --policy "), std::string::npos) << run.out;
}

// Issue 13: an empty report name wrote nothing and exited 0; a report named
// like the scenario overwrote it.
TEST_F(Run, OutputsThatWouldWriteNothingOrOverwriteAnInputAreRefused) {
  const std::string scenario = passing_scenario();
  write("ok.json", scenario);
  write("trace.jsonl", "{\"op\": \"alloc\", \"handle\": 1, \"attr\": 0, \"size\": 8}\n");
  for (const char* flag : {"--report", "--junit"}) {
    const Completed empty = smh({"run", "ok.json", flag, ""});
    EXPECT_EQ(empty.exit_code, 2) << flag;
    EXPECT_NE(empty.err.find("an empty file name writes nothing"), std::string::npos) << empty.err;
    const Completed over = smh({"run", "ok.json", flag, "./ok.json"});
    EXPECT_EQ(over.exit_code, 2) << flag;
    EXPECT_EQ(over.err, std::string("smh run: ") + flag +
                            ": ./ok.json is ok.json, an input of this run: refusing to overwrite it\n");
    EXPECT_EQ(read("ok.json"), scenario);
    const Completed trace = smh({"replay", "--machine", "ok.json", "trace.jsonl", flag, "trace.jsonl"});
    EXPECT_EQ(trace.exit_code, 2) << trace.err;
    EXPECT_EQ(smh({"check", "ok.json", flag, ""}).exit_code, 2);
  }
  const Completed both = smh({"run", "ok.json", "--report", "r.out", "--junit", "r.out"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_EQ(both.err, "smh run: --junit: r.out is also the file of --report\n");
  EXPECT_EQ(smh({"run", "ok.json", "--report", "r.json", "--junit", "r.xml"}).exit_code, 0);
}

TEST_F(Run, OverridesShowInTheReproduceLineAndTheInputs) {
  write("swarm.json", scenario_with(alloc_free(100) + "," + alloc_free(200), R"(, "faults": "swarm")"));
  const Completed plain = smh({"run", "swarm.json", "--report", "plain.json"});
  const Completed other = smh({"run", "swarm.json", "--seed", "0x2a", "--policy", "best_fit", "--report", "o.json"});
  EXPECT_TRUE(contains(plain.out, "reproduce: smh run swarm.json --seed 5 --policy first_fit\n")) << plain.out;
  EXPECT_TRUE(contains(other.out, "reproduce: smh run swarm.json --seed 42 --policy best_fit\n")) << other.out;
  const Json inputs = Json::parse(read("o.json"))["scenarios"][0]["inputs"];
  EXPECT_EQ(inputs["seed"], 42);
  EXPECT_EQ(inputs["seed_overridden"], true);
  EXPECT_EQ(inputs["policy"], "best_fit");
  // The swarm plan is re-drawn from the new seed.
  EXPECT_NE(Json::parse(read("plain.json"))["scenarios"][0]["inputs"]["faults"]["rate_ppm"], inputs["faults"]["rate_ppm"]);
  EXPECT_EQ(inputs["faults"]["swarm"], true);
}

TEST_F(Run, QuietPrintsOneLine) {
  write("ok.json", passing_scenario());
  const Completed run = smh({"run", "ok.json", "--quiet"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.out.rfind("PASS  ok.json  4 ops, digest 0x", 0), 0u) << run.out;
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1);
}

TEST_F(Run, ReportAndSummaryAreIdenticalAcrossRuns) {
  write("swarm.json", scenario_with(alloc_free(100) + "," + alloc_free(300), R"(, "faults": "swarm")"));
  const Completed first = smh({"run", "swarm.json", "--report", "a.json", "--junit", "a.xml"});
  const Completed second = smh({"run", "swarm.json", "--report", "b.json", "--junit", "b.xml"});
  EXPECT_EQ(first.out, second.out);
  EXPECT_EQ(without_timings(read("a.json")), without_timings(read("b.json")));
  EXPECT_EQ(read("a.xml"), read("b.xml"));
  // Only timings hold wall-clock figures.
  const Json report = Json::parse(read("a.json"));
  EXPECT_TRUE(report["timings"]["scenarios"][0].contains("wall_seconds"));
  EXPECT_FALSE(contains(without_timings(read("a.json")), "seconds"));
}

TEST_F(Run, ReportCarriesInputsStatsAndSeriesInAFixedLayout) {
  const Completed run = smh({"run", bundled("zephyr_placement.json"), "--report", "r.json"});
  ASSERT_EQ(run.exit_code, 0);
  const Json report = Json::parse(read("r.json"));
  std::vector<std::string> keys;
  for (const auto& [key, value] : report.items()) {
    keys.push_back(key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"report", "report_version", "totals", "scenarios", "timings"}));
  const Json& scenario = report["scenarios"][0];
  EXPECT_EQ(scenario["name"], "zephyr_placement");
  EXPECT_EQ(scenario["inputs"]["seed"], 1);
  EXPECT_EQ(scenario["inputs"]["policy"], "first_fit");
  EXPECT_TRUE(scenario["inputs"]["scenario_hash"].get<std::string>().starts_with("0x"));
  EXPECT_EQ(scenario["ops"], 12);
  EXPECT_EQ(scenario["failed_allocs"], 1);
  EXPECT_EQ(scenario["regions"].size(), 3u);
  EXPECT_EQ(scenario["regions"][2]["name"], "res2");
  EXPECT_EQ(scenario["regions"][2]["capacity_bytes"], 12288);
  // By home region: the 0x1200-byte request spills from res0 to res2; the
  // 64 KiB non-cacheable one fails at res1 (the attribute row counts it too).
  const auto requests = [&](unsigned region) {
    const Json& one = scenario["regions"][region];
    return std::vector<int>{one["allocs"], one["failed_allocs"], one["spilled_in"], one["spilled_out"]};
  };
  EXPECT_EQ(requests(0), (std::vector<int>{2, 0, 0, 1}));
  EXPECT_EQ(requests(1), (std::vector<int>{2, 1, 0, 0}));
  EXPECT_EQ(requests(2), (std::vector<int>{1, 0, 1, 0}));
  EXPECT_EQ(scenario["attributes"][1]["failed_allocs"], 1);
  // The failed 64 KiB request is demand (issue 16), though it never was live.
  EXPECT_EQ(scenario["peak_live_bytes"], 0x40 + 0x80 + 0x1200 + 0x100 + 0x100);
  EXPECT_EQ(scenario["peak_demand_bytes"], 0x40 + 0x80 + 0x1200 + 0x100 + 0x100 + 0x10000);
  EXPECT_EQ(scenario["attributes"][1]["peak_demand_bytes"], 0x100 + 0x100 + 0x10000);
  EXPECT_TRUE(contains(run.out, "requests by region")) << run.out;
  EXPECT_EQ(scenario["attributes"][0]["name"], "cacheable");
  EXPECT_EQ(scenario["attributes"][0]["regions"], Json::array({"res0", "res2"}));
  EXPECT_EQ(scenario["fragmentation"]["at_ops"].size(), 13u);
  EXPECT_EQ(scenario["fragmentation"]["regions"][0]["f_ext"].size(), 13u);
  EXPECT_EQ(scenario["findings"]["total"], 0);
}

// Golden digests: a change here is a change in what the allocator or the
// simulator does on these scenarios, and must be deliberate.
TEST_F(Run, GoldenDigestsOfBundledScenarios) {
  const std::pair<const char*, const char*> golden[] = {
      {"zephyr_placement.json", "0xab9f3efb5710fe57"},
      {"seed_document_example.json", "0x58ce2d8ac001aa89"},
  };
  for (const auto& [scenario, digest] : golden) {
    const Completed run = smh({"run", bundled(scenario), "--report", "r.json"});
    EXPECT_EQ(run.exit_code, 0) << scenario;
    EXPECT_EQ(Json::parse(read("r.json"))["scenarios"][0]["digest"], digest) << scenario;
  }
}

TEST_F(Run, ReplayOfATraceEqualsTheSameOpsInline) {
  const std::string ops = alloc_free(100) + ",\n" + alloc_free(250);
  write("inline.json", scenario_with(ops));
  std::string trace;
  for (const nlohmann::json& op : nlohmann::json::parse("[" + ops + "]")) {
    trace += op.dump() + "\n";
  }
  write("ops.jsonl", trace);
  const Completed inline_run = smh({"run", "inline.json", "--report", "a.json"});
  const Completed replay = smh({"replay", "--machine", "inline.json", "ops.jsonl", "--report", "b.json"});
  EXPECT_EQ(inline_run.exit_code, 0);
  EXPECT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_EQ(Json::parse(read("a.json"))["scenarios"][0]["digest"], Json::parse(read("b.json"))["scenarios"][0]["digest"]);
  EXPECT_TRUE(contains(replay.out, "reproduce: smh replay --machine inline.json ops.jsonl --seed 5 --policy first_fit"))
      << replay.out;
  // A scenario naming the trace runs the same ops too.
  write("traced.json", R"({"format_version": 1, "seed": 5,
  "machine": {"regions": [{"name": "sram", "base": "0x2000_0000", "size": "16K", "attr": "cacheable",
                           "cache": "write_back", "dma": true}]},
  "trace": "ops.jsonl"})");
  const Completed traced = smh({"run", "traced.json", "--report", "c.json"});
  EXPECT_EQ(traced.exit_code, 0) << traced.out << traced.err;
  EXPECT_EQ(Json::parse(read("a.json"))["scenarios"][0]["digest"], Json::parse(read("c.json"))["scenarios"][0]["digest"]);
}

// Issue 16: a replay is a gate. The machine file needs no "ops", and its
// expectations judge the replay: failed allocations under max_failed_allocs 0
// fail it, where it used to print PASS.
TEST_F(Run, ReplayNeedsNoOpsAndHonoursTheMachinesExpectations) {
  const std::string machine = R"({"format_version": 1, "seed": 5,
  "machine": {"regions": [{"name": "sram", "base": "0x2000_0000", "size": "16K", "attr": "cacheable",
                           "cache": "write_back", "dma": true}]})";
  write("machine.json", machine + "}\n");
  write("strict.json", machine + R"(, "expect": {"max_failed_allocs": 0}})" + "\n");
  write("fits.jsonl", "{\"op\": \"alloc\", \"handle\": 1, \"attr\": \"cacheable\", \"size\": 64}\n");
  write("fails.jsonl", "{\"op\": \"alloc\", \"handle\": 1, \"attr\": \"cacheable\", \"size\": \"1M\"}\n");
  const Completed plain = smh({"replay", "--machine", "machine.json", "fits.jsonl"});
  EXPECT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_EQ(smh({"replay", "--machine", "machine.json", "fails.jsonl"}).exit_code, 0)
      << "no expectation: a failed allocation is no failure";
  EXPECT_EQ(smh({"replay", "--machine", "strict.json", "fits.jsonl"}).exit_code, 0);
  const Completed strict = smh({"replay", "--machine", "strict.json", "fails.jsonl", "--report", "r.json"});
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
  EXPECT_EQ(Json::parse(read("r.json"))["scenarios"][0]["verdict"], "expectation_failed");
  // A scenario to run still needs its ops (or a trace).
  const Completed run = smh({"run", "machine.json"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(contains(run.err, "missing required key \"ops\" (or \"trace\")")) << run.err;
}

// Issue 16: replay and run take --baseline as check does. A replay of a
// truncated trace fails its baseline as "the trace changed" with both op
// counts, and the JUnit XML and the report say so too.
TEST_F(Run, ReplayAndRunCompareWithABaseline) {
  write("machine.json", R"({"format_version": 1, "seed": 5,
  "machine": {"regions": [{"name": "sram", "base": "0x2000_0000", "size": "16K", "attr": "cacheable",
                           "cache": "write_back", "dma": true}]}})" "\n");
  std::string whole;
  for (int handle = 1; handle <= 8; ++handle) {
    whole += "{\"op\": \"alloc\", \"handle\": " + std::to_string(handle) + ", \"attr\": \"cacheable\", \"size\": 64}\n";
  }
  write("trace.jsonl", whole);
  ASSERT_EQ(smh({"replay", "--machine", "machine.json", "trace.jsonl", "--report", "base.json"}).exit_code, 0);
  const Completed same = smh({"replay", "--machine", "machine.json", "trace.jsonl", "--baseline", "base.json"});
  EXPECT_EQ(same.exit_code, 0) << same.out << same.err;
  EXPECT_TRUE(contains(same.out, "baseline base.json: 0 regression(s)")) << same.out;

  write("trace.jsonl", whole.substr(0, whole.find("{\"op\": \"alloc\", \"handle\": 6")));  // the first 5 ops
  const Completed truncated = smh({"replay", "--machine", "machine.json", "trace.jsonl", "--baseline", "base.json",
                                   "--junit", "j.xml", "--report", "r.json"});
  EXPECT_EQ(truncated.exit_code, 1) << truncated.out << truncated.err;
  EXPECT_TRUE(contains(truncated.out, "REGRESSION") && contains(truncated.out, "the trace changed: 8 -> 5 ops"))
      << truncated.out;
  EXPECT_TRUE(contains(read("j.xml"), "failures=\"1\"")) << read("j.xml");
  EXPECT_EQ(Json::parse(read("r.json"))["baseline"]["counts"]["regression"], 1);

  // run: the same flags, the same gate. A bigger block moves the footprint and
  // the digest, not the op count.
  write("s.json", passing_scenario(100));
  ASSERT_EQ(smh({"run", "s.json", "--report", "s_base.json"}).exit_code, 0);
  EXPECT_EQ(smh({"run", "s.json", "--baseline", "s_base.json"}).exit_code, 0);
  EXPECT_EQ(smh({"run", "s.json", "--baseline", "missing.json"}).exit_code, 2);
  write("s.json", passing_scenario(1000));
  const Completed bigger = smh({"run", "s.json", "--baseline", "s_base.json", "-q"});
  EXPECT_EQ(bigger.exit_code, 1) << bigger.out;
  EXPECT_TRUE(contains(bigger.out, "REGRESSION  s.json  digest")) << bigger.out;
  EXPECT_TRUE(contains(bigger.out, "REGRESSION  s.json  footprint")) << bigger.out;
  EXPECT_EQ(smh({"run", "s.json", "--baseline", "s_base.json", "--allow-digest-change", "--footprint-tolerance", "100",
                 "--f-ext-tolerance", "1"})
                .exit_code,
            0);
}

TEST_F(Run, ReplayOfABadTraceExitsTwoWithItsPosition) {
  write("machine.json", passing_scenario());
  // Blank lines first, so that the op's line is not its index + 1.
  write("bad.jsonl", "\n\n{\"op\": \"free\", \"handle\": 1}\n{\"op\": \"frob\", \"handle\": 1}\n");
  const Completed bad_line = smh({"replay", "--machine", "machine.json", "bad.jsonl"});
  EXPECT_EQ(bad_line.exit_code, 2);
  // The first op is valid as text but frees nothing: its line and op index.
  EXPECT_TRUE(contains(bad_line.err, "bad.jsonl:3: op 0 (free handle 1): no live block has this handle (seed 5)"))
      << bad_line.err;
  write("bad2.jsonl", "{\"op\": \"alloc\", \"handle\": 1, \"attr\": 0, \"size\": 8}\n{\"op\": \"frob\"}\n");
  const Completed bad_syntax = smh({"replay", "--machine", "machine.json", "bad2.jsonl"});
  EXPECT_EQ(bad_syntax.exit_code, 2);
  EXPECT_TRUE(contains(bad_syntax.err, "bad2.jsonl:2:8: op 1: $.op: unknown op \"frob\"")) << bad_syntax.err;
  EXPECT_EQ(smh({"replay", "--machine", "machine.json", "missing.jsonl"}).exit_code, 2);
  EXPECT_EQ(smh({"replay", "machine.json"}).exit_code, 2);
}

TEST_F(Run, DemoStillWorks) {
  const Completed demo = smh({"demo"});
  EXPECT_EQ(demo.exit_code, 0) << demo.out;
  EXPECT_TRUE(contains(demo.out, "validate: ok")) << demo.out;
}

}  // namespace
}  // namespace smh::cli::test
