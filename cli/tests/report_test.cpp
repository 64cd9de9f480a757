// The report writers on outcomes built by hand: JSON layout and rounding, JUnit
// counts and escaping.
#include <gtest/gtest.h>

#include "junit.hpp"
#include "outcome_fixture.hpp"
#include "report_json.hpp"

namespace smh::cli {
namespace {

sim::ScenarioOutcome passing(const std::string& path) {
  sim::ScenarioOutcome out = test::hand_made_outcome(path);
  out.summary.digest = 0xfeed;
  out.summary.regions[0].external_fragmentation = 1.0 / 3.0;
  out.wall_seconds = 1.5;
  return out;
}

TEST(ReportJson, FractionsAreRoundedAndTimingIsOnlyInTimings) {
  const sim::ScenarioOutcome outcome = passing("a.json");
  const Json json = outcome_json(outcome);
  EXPECT_EQ(json["regions"][0]["f_ext"].dump(), "0.333333");
  EXPECT_EQ(json["digest"], "0xfeed");
  EXPECT_EQ(json.dump().find("seconds"), std::string::npos);
  const Json report = Json::parse(render_report({&outcome}, 3, 2.0));
  EXPECT_EQ(report["timings"]["jobs"], 3);
  EXPECT_EQ(report["timings"]["wall_seconds"], 2.0);
  EXPECT_EQ(report["timings"]["scenarios"][0]["wall_seconds"], 1.5);
}

TEST(ReportJson, BadInputCarriesTheErrorAndNoFigures) {
  sim::ScenarioOutcome outcome;
  outcome.inputs.scenario_path = "bad.json";
  outcome.error = "bad.json:1:2: syntax error";
  const Json json = outcome_json(outcome);
  EXPECT_EQ(json["verdict"], "bad_input");
  EXPECT_EQ(json["error"], "bad.json:1:2: syntax error");
  EXPECT_EQ(json["reproduce"], "smh run bad.json");
  EXPECT_FALSE(json.contains("digest"));
}

TEST(ReportJson, InvalidUtf8IsReplacedNotThrown) {
  sim::ScenarioOutcome outcome;
  outcome.inputs.scenario_path = "bad\xff.json";
  outcome.error = "bad\xff.json: cannot read the file";
  const std::string text = render_report({&outcome}, 1, 0.0);
  EXPECT_NE(text.find("bad\xEF\xBF\xBD.json"), std::string::npos);
}

TEST(Junit, CountsFailuresAndErrorsAndEscapes) {
  sim::ScenarioOutcome pass = passing("dir/a.json");
  sim::ScenarioOutcome broken = passing("dir/b.json");
  broken.verdict = sim::Verdict::invariant_broken;
  broken.unmet = {"unexpected finding X <&> (1x, first at op 0)"};
  sim::ScenarioOutcome bad;
  bad.inputs.scenario_path = "c.json";
  bad.error = "c.json:1:1: \"quoted\"";
  const std::string xml = render_junit({&pass, &broken, &bad});
  EXPECT_NE(xml.find("<testsuites name=\"smh\" tests=\"3\" failures=\"1\" errors=\"1\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"dir\" name=\"a\" file=\"dir/a.json\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("message=\"unexpected finding X &lt;&amp;&gt; (1x, first at op 0)\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<error type=\"bad_input\" message=\"c.json:1:1: &quot;quoted&quot;\">"), std::string::npos)
      << xml;
}

TEST(Junit, XmlEscapeKeepsValidUtf8AndReplacesTheRest) {
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
  EXPECT_EQ(xml_escape("line\nnext"), "line&#10;next");
  EXPECT_EQ(xml_escape("line\nnext", false), "line\nnext");
  EXPECT_EQ(xml_escape("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");  // é €
  EXPECT_EQ(xml_escape("\x01"), "\xEF\xBF\xBD");                                 // not an XML character
  EXPECT_EQ(xml_escape("\xC3"), "\xEF\xBF\xBD");                                 // truncated sequence
  EXPECT_EQ(xml_escape("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // overlong '/'
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

}  // namespace
}  // namespace smh::cli
