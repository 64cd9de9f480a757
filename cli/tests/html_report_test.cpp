// `smh run --html` and `smh compare --html`: the page is well-formed XML, every figure it shows is the
// JSON report's figure under the same key, it is byte-identical from run to
// run, and bad --html arguments exit 2. (browser_test.py renders it in Chromium.)
#include <map>
#include <optional>

#include "cli_test_support.hpp"
#include "html_report.hpp"

namespace smh::cli::test {
namespace {

using Html = CliTest;

// Plain string scanning, not std::regex: GCC 12 warns inside <regex> at the
// asan preset's -O1 (-Wmaybe-uninitialized), and warnings are errors.

// The page's figure cells: id -> text, entities decoded.
std::map<std::string, std::string> figure_cells(const std::string& html) {
  std::map<std::string, std::string> cells;
  const std::string open = "<td class=\"n\" id=\"";
  for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1)) {
    const std::size_t id_begin = at + open.size();
    const std::size_t id_end = html.find("\">", id_begin);
    const std::size_t text_end = id_end == std::string::npos ? std::string::npos : html.find("</td>", id_end);
    if (text_end == std::string::npos) {
      ADD_FAILURE() << "an unterminated figure cell at byte " << at;
      break;
    }
    std::string text = html.substr(id_end + 2, text_end - id_end - 2);
    for (const auto& [entity, raw] : std::vector<std::pair<std::string, std::string>>{
             {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}}) {
      for (std::size_t found = text.find(entity); found != std::string::npos; found = text.find(entity, found + 1)) {
        text.replace(found, entity.size(), raw);
      }
    }
    cells[html.substr(id_begin, id_end - id_begin)] = text;
  }
  return cells;
}

std::string json_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// "r<digits>-<rest>": the region index and the rest, or nullopt.
std::optional<std::pair<std::size_t, std::string>> region_id(const std::string& id) {
  std::size_t digits_end = 1;
  while (digits_end < id.size() && id[digits_end] >= '0' && id[digits_end] <= '9') {
    ++digits_end;
  }
  if (id.empty() || id[0] != 'r' || digits_end == 1 || digits_end >= id.size() || id[digits_end] != '-') {
    return std::nullopt;
  }
  return std::make_pair(std::stoul(id.substr(1, digits_end - 1)), id.substr(digits_end + 1));
}

// The figure of the JSON record of one scenario that the cell id names.
std::string report_figure(const nlohmann::json& scenario, const std::string& id) {
  if (id.rfind("run-", 0) == 0) {
    return json_text(scenario.at(id.substr(4)));
  }
  const auto region = region_id(id);
  if (!region) {
    return "no figure named " + id;
  }
  const auto& [index, rest] = *region;
  for (const std::string series : {"f_ext", "live_bytes"}) {
    const std::string max_key = "max-" + series;
    if (rest != max_key && rest != max_key + "-at-op") {
      continue;
    }
    const auto& fragmentation = scenario.at("fragmentation");
    const auto& values = fragmentation.at("regions").at(index).at(series);
    std::size_t worst = 0;
    for (std::size_t i = 1; i < values.size(); ++i) {
      worst = values[i].get<double>() > values[worst].get<double>() ? i : worst;
    }
    return json_text(rest == max_key ? values.at(worst) : fragmentation.at("at_ops").at(worst));
  }
  if (rest.rfind("map-", 0) == 0) {  // the region's memory map at its peak
    return json_text(scenario.at("peak_maps").at(index).at(rest.substr(4)));
  }
  return json_text(scenario.at("regions").at(index).at(rest));
}

void expect_page_equals_report(const std::string& html, const std::string& report_text) {
  EXPECT_EQ(xml_problem(html), "");
  const auto report = nlohmann::json::parse(report_text);
  const auto& scenario = report.at("scenarios").at(0);
  const std::map<std::string, std::string> cells = figure_cells(html);
  const std::size_t regions = scenario.at("regions").size();
  // 8 run figures (path, digest, ..., reproduce), 21 per region, 4 series maxima per region, 9 of its map.
  EXPECT_EQ(cells.size(), 8 + regions * (21 + 4 + 9));
  ASSERT_EQ(scenario.at("peak_maps").size(), regions);
  for (const auto& [id, text] : cells) {
    EXPECT_EQ(text, report_figure(scenario, id)) << id;
  }
  // One strip per region, one line per region in each chart, a point per sample.
  const std::size_t samples = scenario.at("fragmentation").at("at_ops").size();
  ASSERT_GT(samples, 1u);
  for (std::size_t region = 0; region < regions; ++region) {
    EXPECT_NE(html.find("id=\"strip-r" + std::to_string(region) + "\""), std::string::npos);
    // The map: a light rect per segment, one more per segment in use, the largest free block's.
    const auto& map = scenario.at("peak_maps").at(region);
    const std::size_t map_at = html.find("id=\"map-r" + std::to_string(region) + "\"");
    ASSERT_NE(map_at, std::string::npos);
    const std::string svg = html.substr(map_at, html.find("</svg>", map_at) - map_at);
    std::size_t in_use = 0;
    std::uint64_t covered_bytes = 0;
    for (const auto& segment : map.at("segments")) {
      in_use += segment.at("used_bytes").get<std::uint64_t>() > 0 ? 1 : 0;
      EXPECT_EQ(segment.at("offset_bytes").get<std::uint64_t>(), covered_bytes);  // contiguous from the base
      covered_bytes += segment.at("length_bytes").get<std::uint64_t>();
    }
    EXPECT_EQ(covered_bytes, map.at("end_bytes").get<std::uint64_t>());
    std::size_t rects = 0;
    for (std::size_t at = svg.find("<rect"); at != std::string::npos; at = svg.find("<rect", at + 1)) {
      ++rects;
    }
    EXPECT_EQ(rects, map.at("segments").size() + in_use + 1);
    for (const std::string chart : {"chart-f_ext", "chart-live_bytes"}) {
      const std::string key = "<polyline id=\"" + chart + "-r" + std::to_string(region) + "\"";
      const std::size_t at = html.find(key);
      ASSERT_NE(at, std::string::npos) << key;
      const std::size_t points = html.find("points=\"", at) + 8;
      const std::string list = html.substr(points, html.find('"', points) - points);
      EXPECT_EQ(static_cast<std::size_t>(std::count(list.begin(), list.end(), ',')), samples) << key;
    }
  }
}

TEST_F(Html, RunPageIsWellFormedAndShowsTheReportsFigures) {
  for (const std::string scenario :
       {"fragmentation_ramp.json", "policies/multi_attribute_best_fit.json", "network_dma_ring.json"}) {
    SCOPED_TRACE(scenario);
    const Completed run = smh({"run", bundled(scenario), "-q", "--html", "page.html", "--report", "report.json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    expect_page_equals_report(read("page.html"), read("report.json"));
  }
}

TEST_F(Html, ReplayWritesThePageToo) {
  write("machine.json", passing_scenario());
  write("trace.jsonl", alloc_free_trace(40));
  const Completed run = smh({"replay", "--machine", "machine.json", "trace.jsonl", "-q", "--html", "page.html",
                             "--report", "report.json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  expect_page_equals_report(read("page.html"), read("report.json"));
}

TEST_F(Html, PageIsByteIdenticalFromRunToRun) {
  ASSERT_EQ(smh({"run", bundled("fault_swarm.json"), "-q", "--html", "one.html"}).exit_code, 0);
  ASSERT_EQ(smh({"run", bundled("fault_swarm.json"), "-q", "--html", "two.html"}).exit_code, 0);
  EXPECT_FALSE(read("one.html").empty());
  EXPECT_EQ(read("one.html"), read("two.html"));
}

TEST_F(Html, FailedAndBadRunsStillGetAWellFormedPage) {
  write("broken.json", broken_scenario());
  write("bad.json", bad_scenario());
  EXPECT_EQ(smh({"run", "broken.json", "-q", "--html", "broken.html"}).exit_code, 1);
  EXPECT_EQ(xml_problem(read("broken.html")), "");
  EXPECT_NE(read("broken.html").find("invariant_broken"), std::string::npos);
  EXPECT_EQ(smh({"run", "bad.json", "-q", "--html", "bad.html"}).exit_code, 2);
  EXPECT_EQ(xml_problem(read("bad.html")), "");
  EXPECT_NE(read("bad.html").find("id=\"run-error\""), std::string::npos);
}

TEST_F(Html, BadHtmlArgumentsExitTwoAndWriteNothing) {
  write("s.json", passing_scenario());
  const std::string before = read("s.json");
  const Completed empty = smh({"run", "s.json", "--html", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("--html"), std::string::npos) << empty.err;
  EXPECT_NE(empty.err.find("an empty file name writes nothing"), std::string::npos) << empty.err;
  const Completed input = smh({"run", "s.json", "--html", "./s.json"});
  EXPECT_EQ(input.exit_code, 2);
  EXPECT_NE(input.err.find("--html: ./s.json is s.json, an input of this run"), std::string::npos) << input.err;
  EXPECT_EQ(read("s.json"), before);
  const Completed same = smh({"run", "s.json", "--report", "out", "--html", "out"});
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_NE(same.err.find("--html: out is also the file of --report"), std::string::npos) << same.err;
  EXPECT_FALSE(fs::exists(path("out")));
  const Completed unwritable = smh({"run", "s.json", "-q", "--html", "no/such/dir/page.html"});
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_NE(unwritable.err.find("--html: no/such/dir/page.html: cannot write"), std::string::npos) << unwritable.err;
}

// Two cacheable regions that compete and a DMA one; every policy.
constexpr const char* compare_machine =
    R"({"format_version": 1, "name": "m", "seed": 1, "machine": {"regions": [
  {"name": "a", "base": "0x2000_0000", "size": "8K", "attr": "cacheable", "cache": "non_cacheable"},
  {"name": "b", "base": "0x2100_0000", "size": "32K", "attr": "cacheable", "cache": "non_cacheable"}]}, "ops": []}
)";

TEST_F(Html, ComparePageShowsEveryRowOfTheReportWithTheBestMarked) {
  write("m.json", compare_machine);
  write("t.jsonl", alloc_free_trace(60));
  write("u.jsonl", alloc_free_trace(25));
  const Completed done = smh({"compare", "m.json", "t.jsonl", "u.jsonl", "--report", "c.json", "--html", "c.html"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const std::string html = read("c.html");
  EXPECT_EQ(xml_problem(html), "");
  const auto report = nlohmann::json::parse(read("c.json"));
  const std::map<std::string, std::string> cells = figure_cells(html);
  const auto& traces = report.at("traces");
  ASSERT_EQ(traces.size(), 2u);
  std::size_t rows = 0;
  std::size_t best_rows = 0;
  for (std::size_t t = 0; t < traces.size(); ++t) {
    EXPECT_NE(html.find("id=\"t" + std::to_string(t) + "-bars-footprint_bytes\""), std::string::npos);
    EXPECT_NE(html.find("id=\"t" + std::to_string(t) + "-bars-f_ext_peak\""), std::string::npos);
    for (const auto& row : traces[t].at("policies")) {
      ++rows;
      best_rows += row.at("best").get<bool>() ? 1 : 0;
      for (const char* key : {"failed_allocs", "footprint_bytes", "footprint_overhead", "f_ext_p50", "f_ext_p95",
                              "f_ext_peak", "spilled", "digest"}) {
        const std::string id = "t" + std::to_string(t) + "-" + row.at("policy").get<std::string>() + "-" + key;
        ASSERT_EQ(cells.count(id), 1u) << id;
        EXPECT_EQ(cells.at(id), json_text(row.at(key))) << id;
      }
    }
  }
  EXPECT_EQ(cells.size(), rows * 8);
  EXPECT_EQ(rows, 12u);
  ASSERT_GT(best_rows, 0u);
  std::size_t marked = 0;
  for (std::size_t at = html.find("<tr class=\"best\">"); at != std::string::npos;
       at = html.find("<tr class=\"best\">", at + 1)) {
    ++marked;
  }
  EXPECT_EQ(marked, best_rows);
  // Deterministic, and refused like --report.
  ASSERT_EQ(smh({"compare", "m.json", "t.jsonl", "u.jsonl", "--html", "d.html"}).exit_code, 0);
  EXPECT_EQ(read("d.html"), html);
  const Completed empty = smh({"compare", "m.json", "t.jsonl", "--html", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("an empty file name writes nothing"), std::string::npos) << empty.err;
  const Completed input = smh({"compare", "m.json", "t.jsonl", "--html", "t.jsonl"});
  EXPECT_EQ(input.exit_code, 2);
  EXPECT_NE(input.err.find("--html: t.jsonl is t.jsonl, an input of this run"), std::string::npos) << input.err;
  const Completed same = smh({"compare", "m.json", "t.jsonl", "--report", "o", "--html", "o"});
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_NE(same.err.find("--html: o is also the file of --report"), std::string::npos) << same.err;
  EXPECT_EQ(read("t.jsonl"), alloc_free_trace(60));
}

TEST_F(Html, SizePageShowsEveryRegionAndAttributeOfTheReport) {
  write("m.json", R"({"format_version": 1, "name": "m", "seed": 1, "machine": {"regions": [
  {"name": "a", "base": "0x2000_0000", "size": "8K", "attr": "cacheable", "cache": "non_cacheable"},
  {"name": "b", "base": "0x2100_0000", "size": "32K", "attr": "cacheable", "cache": "non_cacheable"},
  {"name": "d", "base": "0x3000_0000", "size": "16K", "attr": "non_cacheable", "cache": "non_cacheable"}]}})");
  write("t.jsonl", alloc_free_trace(60));
  const Completed done = smh({"size", "m.json", "t.jsonl", "--headroom", "10", "--report", "s.json", "--html", "s.html"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const std::string html = read("s.html");
  EXPECT_EQ(xml_problem(html), "");
  const auto report = nlohmann::json::parse(read("s.json"));
  EXPECT_EQ(report.at("report"), "smh-size");
  const std::map<std::string, std::string> cells = figure_cells(html);
  std::size_t figures = 0;
  for (const auto& [prefix, key] : {std::pair<std::string, std::string>{"r", "regions"}, {"a", "attributes"}}) {
    const auto& rows = report.at(key);
    EXPECT_NE(html.find("id=\"size-bars-" + key + "\""), std::string::npos);
    for (std::size_t index = 0; index < rows.size(); ++index) {
      for (const char* figure : {"current_bytes", "needed_bytes", "sized_bytes", "high_water_bytes"}) {
        const std::string id = prefix + std::to_string(index) + "-" + figure;
        ASSERT_EQ(cells.count(id), 1u) << id;
        EXPECT_EQ(cells.at(id), json_text(rows[index].at(figure))) << id;
        ++figures;
      }
    }
  }
  for (const char* key : {"policy", "scale", "headroom_percent", "replays"}) {
    ASSERT_EQ(cells.count(std::string("size-") + key), 1u) << key;
    EXPECT_EQ(cells.at(std::string("size-") + key), json_text(report.at(key))) << key;
  }
  EXPECT_EQ(figures, (3u + 2u) * 4u);
  EXPECT_EQ(cells.size(), figures + 4);
  // Deterministic, and the outputs refused like compare's.
  ASSERT_EQ(smh({"size", "m.json", "t.jsonl", "--headroom", "10", "--html", "again.html"}).exit_code, 0);
  EXPECT_EQ(read("again.html"), html);
  const Completed input = smh({"size", "m.json", "t.jsonl", "--html", "m.json"});
  EXPECT_EQ(input.exit_code, 2);
  EXPECT_NE(input.err.find("--html: m.json is m.json, an input of this run"), std::string::npos) << input.err;
  const Completed same = smh({"size", "m.json", "t.jsonl", "-o", "o", "--report", "o"});
  EXPECT_EQ(same.exit_code, 2) << same.err;
}

TEST(HtmlEscape, MarkupAndBadBytesCannotBreakThePage) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(html_escape("caf\xC3\xA9 \xE2\x82\xAC"), "caf\xC3\xA9 \xE2\x82\xAC");  // valid UTF-8 kept
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(html_escape("\xFF"), fffd);
  EXPECT_EQ(html_escape("\xC3"), fffd);               // truncated sequence
  EXPECT_EQ(html_escape("\xC0\xAF"), fffd + fffd);    // overlong '/'
  EXPECT_EQ(html_escape("\xED\xA0\x80"), fffd + fffd + fffd);  // a surrogate
  EXPECT_EQ(html_escape(std::string("\x01", 1)), fffd);
  Json outcome = Json::object();
  outcome["name"] = "</title><script>x</script>\xFF";
  outcome["verdict"] = "bad_input";
  outcome["error"] = "s.json:1:2: \"&<>\"";
  const std::string page = render_run_html(outcome);
  EXPECT_EQ(xml_problem(page), "");
  EXPECT_EQ(page.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace smh::cli::test
