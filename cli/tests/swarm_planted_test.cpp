// The bar for `smh swarm`: a real allocator defect, planted at compile
// time (SMH_PLANTED_DEFECT, core/src/heap_internal.hpp: free() coalescing with
// its right neighbour one granule short), is found within a few seeds and
// shrunk, deterministically, to a scenario of at most 10 ops that fails with
// the planted core and passes with the real one. The planted core is linked
// only into smh_planted (this directory's CMakeLists.txt), which this test runs
// beside the real smh.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_test_support.hpp"
#include "smh/sim/scenario_parser.hpp"

namespace smh::cli {
namespace {

using test::CliTest;

// Seeds 0..7, 300 ops each: the defect strikes on the first free that merges
// right, so every seed of a campaign this long finds it (asserted: at least one).
std::vector<std::string> planted_campaign(const std::string& jobs, const std::string& out) {
  return {"swarm", test::bundled("fault_swarm.json"), "--seeds", "0..7", "--ops", "300", "--jobs", jobs, "--out",
          out, "--report", out + ".json"};
}

// A FAIL line: "FAIL seed S: CHECK at op N; ...; reproduce: smh run PATH".
struct FailLine {
  std::string check;
  std::string path;
};

std::vector<FailLine> fail_lines(const std::string& out) {
  std::vector<FailLine> lines;
  const std::string marker = "reproduce: smh run ";
  for (std::size_t at = out.find("FAIL seed "); at != std::string::npos; at = out.find("FAIL seed ", at + 1)) {
    const std::size_t end = out.find('\n', at);
    const std::string line = out.substr(at, end - at);
    const std::size_t check = line.find(": ") + 2;
    const std::size_t path = line.find(marker);
    if (path == std::string::npos) {
      ADD_FAILURE() << "no reproduce command in " << line;
      continue;
    }
    lines.push_back(FailLine{line.substr(check, line.find(' ', check) - check), line.substr(path + marker.size())});
  }
  return lines;
}

class SwarmPlanted : public CliTest {
 protected:
  test::Completed planted(const std::vector<std::string>& args) const { return spawn(SMH_PLANTED_BINARY, args); }
};

TEST_F(SwarmPlanted, FindsThePlantedCoalescingDefectAndShrinksItToAFewOps) {
  // The real core passes these seeds: what the planted build fails on is its defect.
  const test::Completed real = smh(planted_campaign("2", "real"));
  ASSERT_EQ(real.exit_code, 0) << real.out << real.err;
  const test::Completed found = planted(planted_campaign("2", "two"));
  ASSERT_EQ(found.exit_code, 1) << found.out << found.err;
  const std::vector<FailLine> failures = fail_lines(found.out);
  ASSERT_FALSE(failures.empty()) << found.out;
  // The merged free block is a granule short, so that granule belongs to no
  // block: the next block carved there is smaller than it says (USABLE_SIZE),
  // or the heap's free bytes disagree with the harness's (ACCOUNTING). Nothing
  // else: no coherency finding, no disagreement between the two runs.
  EXPECT_NE(found.out.find("FAIL seed 0: USABLE_SIZE at op "), std::string::npos) << found.out;
  for (const FailLine& failure : failures) {
    EXPECT_TRUE(failure.check == "USABLE_SIZE" || failure.check == "ACCOUNTING") << failure.check;
    sim::Scenario shrunk;
    sim::ScenarioError error;
    ASSERT_TRUE(sim::parse_scenario(read(failure.path), failure.path, &shrunk, &error)) << error.to_string();
    EXPECT_LE(shrunk.ops.size(), 10u) << failure.path;
    // Replayed: it fails the same check on the planted core and passes on the real one.
    const test::Completed on_planted = planted({"run", failure.path});
    EXPECT_EQ(on_planted.exit_code, 1) << on_planted.out << on_planted.err;
    EXPECT_NE(on_planted.out.find("unexpected finding " + failure.check), std::string::npos) << on_planted.out;
    const test::Completed on_real = smh({"run", failure.path});
    EXPECT_EQ(on_real.exit_code, 0) << on_real.out << on_real.err;
  }
  // Deterministic: another run, on one thread, finds and writes the same.
  const test::Completed again = planted(planted_campaign("1", "one"));
  ASSERT_EQ(again.exit_code, 1) << again.out << again.err;
  ASSERT_EQ(fail_lines(again.out).size(), failures.size());
  for (const FailLine& failure : failures) {
    const std::string name = failure.path.substr(failure.path.find('/') + 1);
    EXPECT_EQ(read("one/" + name), read(failure.path)) << name;
  }
  EXPECT_EQ(test::without_timings(read("one.json")), test::without_timings(read("two.json")));
}

}  // namespace
}  // namespace smh::cli
