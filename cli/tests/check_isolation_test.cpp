// `smh check` runs each scenario in a child process of its own: a scenario whose
// run crashes, aborts or hangs is that scenario's failure (crashed, with how it
// ended and its reproduce line), and every other scenario still runs and
// reports. The crashes come from the test hook SMH_TEST_HOOK (test_hook.hpp).
// Also the pieces: the child-process pool and the outcome's wire format.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"
#include "isolated_runs.hpp"
#include "outcome_wire.hpp"
#include "report_json.hpp"
#include "smh/sim/sanitizers.hpp"

namespace smh::cli::test {
namespace {

using Json = nlohmann::ordered_json;

// a passes, crash is hit by the hook (its name is its file's stem), z breaks an
// invariant: the crash in the middle neither stops nor changes the others.
class CheckIsolation : public CliTest {
 protected:
  void write_suite() const {
    write("suite/a.json", passing_scenario(100));
    write("suite/crash.json", passing_scenario(200));
    write("suite/z.json", broken_scenario());
  }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }


// How a child that wrote on a guard page ends: the fault itself, or, under
// ASan (which watches the poisoned bytes around the views), ASan's report and
// then an abort or exit status 1, as ASAN_OPTIONS says; under TSan, which
// handles the fault itself, its report and then an abort or its exit status 66.
// (Plain strings, not std::regex: GCC 12 warns inside <regex> at -O1, which
// the asan preset builds with, and warnings are errors.)
const std::vector<std::string> stray_write_ends = {
#if defined(SMH_HAS_ASAN)
    "crashed: killed by signal 6 (SIGABRT)", "crashed: exited with status 1",
#elif defined(SMH_HAS_TSAN)
    "crashed: killed by signal 6 (SIGABRT)", "crashed: exited with status 66",
#else
    "crashed: killed by signal 11 (SIGSEGV)",
#endif
};

bool ends_as_a_stray_write(const std::string& text) {
  for (const std::string& end : stray_write_ends) {
    if (contains(text, end)) {
      return true;
    }
  }
  return false;
}

TEST_F(CheckIsolation, AScenarioThatCrashesIsItsOwnFailureAndTheOthersStillRun) {
  write_suite();
  const Completed check = smh_with_environment(
      {"check", "suite", "--jobs", "2", "--report", "r.json", "--junit", "r.xml"}, {"SMH_TEST_HOOK=segv:crash"});
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  const std::vector<std::string> lines = [&] {
    std::vector<std::string> out;
    std::istringstream in(check.out);
    for (std::string line; std::getline(in, line);) {
      out.push_back(line);
    }
    return out;
  }();
  ASSERT_EQ(lines.size(), 6u) << check.out;
  EXPECT_TRUE(lines[0].starts_with("PASS  suite/a.json  4 ops, digest 0x")) << lines[0];
  EXPECT_TRUE(lines[1].starts_with("FAIL  suite/crash.json  crashed: ")) << lines[1];
  EXPECT_TRUE(ends_as_a_stray_write(lines[1])) << lines[1] << "\n" << check.err;
  EXPECT_EQ(lines[2], "      reproduce: smh run suite/crash.json --seed 5 --policy first_fit");
  EXPECT_TRUE(lines[3].starts_with("FAIL  suite/z.json  invariant_broken: unexpected finding STALE_TX")) << lines[3];
  EXPECT_EQ(lines[5], "3 scenario(s): 1 passed, 2 failed (0 expectation_failed, 1 invariant_broken, 1 crashed), 0 "
                      "bad input");

  const Json report = Json::parse(read("r.json"));
  EXPECT_EQ(report["totals"]["crashed"], 1);
  const Json& crashed = report["scenarios"][1];
  EXPECT_EQ(crashed["verdict"], "crashed");
  EXPECT_TRUE(ends_as_a_stray_write("crashed: " + crashed["error"].get<std::string>())) << crashed;
  EXPECT_EQ(crashed["reproduce"], "smh run suite/crash.json --seed 5 --policy first_fit");
  EXPECT_EQ(crashed["inputs"]["seed"], 5);
  EXPECT_FALSE(crashed.contains("digest"));  // nothing it computed is known
  EXPECT_EQ(report["scenarios"][2]["verdict"], "invariant_broken");
  const std::string xml = read("r.xml");
  EXPECT_EQ(xml_problem(xml), "");
  EXPECT_TRUE(contains(xml, "<failure type=\"crashed\" message=\"")) << xml;
  EXPECT_TRUE(contains(xml, "reproduce: smh run suite/crash.json --seed 5 --policy first_fit")) << xml;

  // The same report, byte for byte but for the timings, whatever --jobs.
  const Completed alone =
      smh_with_environment({"check", "suite", "--jobs", "1", "--report", "one.json"}, {"SMH_TEST_HOOK=segv:crash"});
  EXPECT_EQ(alone.out, check.out);
  EXPECT_EQ(without_timings(read("one.json")), without_timings(read("r.json")));
}

// The reproduce line reproduces the crash: `smh run` has no child to die in.
TEST_F(CheckIsolation, TheReproduceLineReproducesTheCrash) {
  write_suite();
  const Completed run = smh_with_environment({"run", "suite/crash.json"}, {"SMH_TEST_HOOK=segv:crash"});
  EXPECT_NE(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out, "");
  const Completed other = smh_with_environment({"run", "suite/a.json"}, {"SMH_TEST_HOOK=segv:crash"});
  EXPECT_EQ(other.exit_code, 0) << other.out << other.err;
}

TEST_F(CheckIsolation, AnAbortIsReportedWithItsSignal) {
  write_suite();
  const Completed check = smh_with_environment({"check", "suite"}, {"SMH_TEST_HOOK=abort:crash"});
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_TRUE(contains(check.out, "FAIL  suite/crash.json  crashed: killed by signal 6 (SIGABRT)\n      reproduce: smh "
                                  "run suite/crash.json --seed 5 --policy first_fit\n"))
      << check.out;
  EXPECT_TRUE(contains(check.out, "(0 expectation_failed, 1 invariant_broken, 1 crashed)")) << check.out;
}

// Against a baseline, a scenario that passed and now crashes is a regression;
// a crashed report serves as a baseline too (it has no figures to compare).
TEST_F(CheckIsolation, ACrashAgainstTheBaselineIsARegression) {
  write_suite();
  ASSERT_EQ(smh({"check", "suite", "--report", "base.json"}).exit_code, 1);
  const Completed check = smh_with_environment({"check", "suite", "--baseline", "base.json", "--report", "crashed.json"},
                                               {"SMH_TEST_HOOK=abort:crash"});
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_TRUE(contains(check.out, "  REGRESSION  suite/crash.json  verdict pass -> crashed\n")) << check.out;
  const Completed back = smh({"check", "suite", "--baseline", "crashed.json"});
  EXPECT_TRUE(contains(back.out, "  improved    suite/crash.json  verdict crashed -> pass\n")) << back.out;
}

TEST_F(CheckIsolation, AScenarioThatHangsIsKilledAtTheTimeLimit) {
  write_suite();
  const Completed check =
      smh_with_environment({"check", "suite", "--time-limit", "1", "--report", "r.json"}, {"SMH_TEST_HOOK=hang:crash"});
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_TRUE(contains(check.out, "FAIL  suite/crash.json  crashed: ran past the time limit of 1 s and was killed\n"))
      << check.out;
  EXPECT_TRUE(contains(check.out, "PASS  suite/a.json")) << check.out;
  EXPECT_TRUE(contains(check.out, "FAIL  suite/z.json  invariant_broken")) << check.out;
  EXPECT_EQ(Json::parse(read("r.json"))["scenarios"][1]["verdict"], "crashed");
}

TEST_F(CheckIsolation, BadHookValuesAndTimeLimitsAreBadInput) {
  write_suite();
  const Completed hook = smh_with_environment({"check", "suite"}, {"SMH_TEST_HOOK=explode:crash"});
  EXPECT_EQ(hook.exit_code, 2);
  EXPECT_TRUE(contains(hook.err, "SMH_TEST_HOOK: expected ACTION:NAME with ACTION segv, abort or hang, got "
                                 "'explode:crash'"))
      << hook.err;
  EXPECT_EQ(smh_with_environment({"run", "suite/a.json"}, {"SMH_TEST_HOOK=segv"}).exit_code, 2);
  EXPECT_EQ(smh({"check", "suite", "--time-limit", "-1"}).exit_code, 2);
  EXPECT_EQ(smh({"check", "suite", "--time-limit", "soon"}).exit_code, 2);
  // A hook naming no scenario changes nothing.
  const Completed none = smh_with_environment({"check", "suite"}, {"SMH_TEST_HOOK=segv:nothing"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_TRUE(contains(none.out, "(0 expectation_failed, 1 invariant_broken, 0 crashed)")) << none.out;
}

// ---------------------------------------------------------------------------
// The child-process pool

TEST(IsolatedRuns, EachItemEndsItsOwnWayAndIsCollectedByIndex) {
  constexpr std::size_t count = 7;
  std::vector<std::string> ends(count, "not collected");
  std::vector<std::string> sent(count);
  IsolatedWork work;
  work.prepare = [](std::size_t index) { return index != 5; };  // 5 needs no child
  work.run = [](std::size_t index) -> std::string {
    switch (index) {
      case 2: std::abort();
      case 3: ::_exit(3);
      case 4:
        for (;;) {
          ::pause();
        }
      case 6: return std::string(1 << 20, 'x');  // more than a pipe holds at once
      default: return "item " + std::to_string(index);
    }
  };
  work.collect = [&](std::size_t index, const ChildEnd& end) {
    ends[index] = describe(end, 0.5);
    sent[index] = end.sent;
  };
  std::size_t last_tick = 0;
  run_isolated(count, 3, 0.5, work, [&](std::size_t finished) { last_tick = finished; });
  EXPECT_EQ(last_tick, count);
  EXPECT_EQ(ends[0], "finished");
  EXPECT_EQ(sent[0], "item 0");
  EXPECT_EQ(sent[1], "item 1");
  EXPECT_EQ(ends[2], "killed by signal 6 (SIGABRT)");
  EXPECT_EQ(ends[3], "exited with status 3");
  EXPECT_EQ(ends[4], "ran past the time limit of 0.5 s and was killed");
  EXPECT_EQ(ends[5], "not collected");
  EXPECT_EQ(ends[6], "finished");
  EXPECT_EQ(sent[6].size(), std::size_t{1} << 20);
}

// Leaving by an exception (here a throwing collect) leaves no child behind: the
// one still running is killed and reaped before run_isolated() returns.
TEST(IsolatedRuns, AnExceptionLeavesNoChildRunning) {
  int pid_pipe[2];
  ASSERT_EQ(::pipe(pid_pipe), 0);
  IsolatedWork work;
  work.prepare = [](std::size_t) { return true; };
  work.run = [&](std::size_t index) -> std::string {
    if (index == 0) {  // tells the parent who it is, then hangs
      const pid_t self = ::getpid();
      EXPECT_EQ(::write(pid_pipe[1], &self, sizeof self), static_cast<ssize_t>(sizeof self));
      for (;;) {
        ::pause();
      }
    }
    return "done";
  };
  pid_t hanging = -1;
  work.collect = [&](std::size_t index, const ChildEnd&) {
    ASSERT_EQ(index, 1u);
    ASSERT_EQ(::read(pid_pipe[0], &hanging, sizeof hanging), static_cast<ssize_t>(sizeof hanging));
    throw std::runtime_error("collect failed");
  };
  EXPECT_THROW(run_isolated(2, 2, 0, work, nullptr), std::runtime_error);
  ::close(pid_pipe[0]);
  ::close(pid_pipe[1]);
  ASSERT_GT(hanging, 0);
  // Reaped already: no such child of ours, and no such process.
  EXPECT_EQ(::waitpid(hanging, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  EXPECT_EQ(::kill(hanging, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

// ---------------------------------------------------------------------------
// The outcome's wire format

// A scenario with findings, one with injections, one with the memory maps at
// the regions' peaks, and the inputs the parent has.
std::vector<sim::ScenarioOutcome> rich_outcomes() {
  std::vector<sim::ScenarioOutcome> outcomes;
  for (const char* name : {"coherency_bugs/network_dma_ring_bug_missing_clean.json", "fault_swarm.json",
                           "fragmentation_ramp.json"}) {
    sim::RunnerOptions options;
    options.region_maps = outcomes.size() == 2;
    outcomes.push_back(sim::run_scenario_file(bundled(name), options));
  }
  EXPECT_FALSE(outcomes[0].findings.empty());
  EXPECT_FALSE(outcomes[1].injections.empty());
  EXPECT_GT(outcomes[2].fragmentation.at_ops.size(), 2u);
  EXPECT_FALSE(outcomes[2].peak_maps.empty());
  return outcomes;
}

TEST(OutcomeWire, AnOutcomeCrossesWhole) {
  for (const sim::ScenarioOutcome& original : rich_outcomes()) {
    sim::ScenarioOutcome decoded;
    decoded.inputs = original.inputs;  // the parent's own
    ASSERT_TRUE(decode_outcome(encode_outcome(original), &decoded));
    // The report shows every field, the timings included.
    EXPECT_EQ(render_report({&decoded}, 1, 0.0), render_report({&original}, 1, 0.0));
    EXPECT_EQ(decoded.verdict, original.verdict);
    EXPECT_EQ(decoded.wall_seconds, original.wall_seconds);
    EXPECT_EQ(decoded.summary.digest, original.summary.digest);
  }
}

TEST(OutcomeWire, APartOfAnOutcomeIsRefused) {
  const std::string bytes = encode_outcome(rich_outcomes()[0]);
  sim::ScenarioOutcome decoded;
  for (std::size_t length = 0; length < bytes.size(); length += 1 + length / 16) {
    EXPECT_FALSE(decode_outcome(std::string_view(bytes).substr(0, length), &decoded)) << length;
  }
  EXPECT_FALSE(decode_outcome(bytes + "x", &decoded));
  std::string other_magic = bytes;
  other_magic[0] ^= 1;
  EXPECT_FALSE(decode_outcome(other_magic, &decoded));
  EXPECT_TRUE(decode_outcome(bytes, &decoded));
}

}  // namespace
}  // namespace smh::cli::test
