#include "html_report.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "smh/assert.hpp"
#include "text_format.hpp"

namespace smh::cli {

namespace {

constexpr int chart_width = 640;    // SVG user units, charts and strips alike
constexpr int chart_height = 160;
constexpr int strip_height = 36;
// One colour per region, in machine order (wraps after eight).
const char* const region_colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

// No '>' in the style sheet: the page is checked as XML with raw '>' refused.
const char* const style_sheet =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #bbb;padding:2px 8px;text-align:left}"
    "td.n{text-align:right;font-family:monospace}"
    "svg{display:block;margin:.3em 0 1em 0;background:#fafafa;border:1px solid #ddd}"
    ".legend span{margin-right:1.5em}"
    ".pass{color:#1a7f37}.fail{color:#c62828}tr.best th{color:#1a7f37}";

const char* colour_of(std::size_t region) {
  return region_colours[region % (sizeof region_colours / sizeof region_colours[0])];
}

// The JSON report's own text for a figure (numbers as the report prints them).
std::string figure_text(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

double number(const Json& value) { return value.is_number() ? value.get<double>() : 0.0; }

std::string cell(const std::string& id, const Json& value) {
  return "<td class=\"n\" id=\"" + html_escape(id) + "\">" + html_escape(figure_text(value)) + "</td>";
}

// A row "label | figure" for each key of `record` listed, ids prefix + key.
std::string figure_rows(const Json& record, const std::string& prefix, const std::vector<const char*>& keys) {
  std::string out;
  for (const char* key : keys) {
    if (record.contains(key)) {
      out += "<tr><th>" + std::string(key) + "</th>" + cell(prefix + key, record[key]) + "</tr>\n";
    }
  }
  return out;
}

// The opening tag of an inline SVG picture, chart_width wide.
std::string svg_open(const char* css_class, const std::string& id, int height) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + std::string(css_class) + "\" id=\"" + id +
         "\" width=\"" + std::to_string(chart_width) + "\" height=\"" + std::to_string(height) +
         "\" viewBox=\"0 0 " + std::to_string(chart_width) + " " + std::to_string(height) + "\">";
}

// x of `bytes` on a strip `capacity` bytes wide, clamped to the strip.
double strip_x(double bytes, double capacity) {
  return capacity > 0 ? std::clamp(bytes / capacity, 0.0, 1.0) * chart_width : 0.0;
}

std::string rect(double x, double width, int y, int height, const char* fill, const std::string& title) {
  return "<rect x=\"" + fixed(x, 1) + "\" y=\"" + std::to_string(y) + "\" width=\"" + fixed(width, 1) +
         "\" height=\"" + std::to_string(height) + "\" fill=\"" + fill + "\"><title>" + html_escape(title) +
         "</title></rect>";
}

// One region as a strip along its capacity: live (usable) bytes, overhead and
// free bytes as shares (the report holds the sums, not where each block lies),
// the largest free block within the free share, and the high water mark at its
// offset from the region base.
std::string region_strip(const Json& region, std::size_t index) {
  const double capacity = number(region["capacity_bytes"]);
  const double usable = number(region["usable_bytes"]);
  const double overhead = number(region["overhead_bytes"]);
  const double largest_free = number(region["largest_free_bytes"]);
  const double high_water = number(region["high_water_bytes"]);
  const double live_end = strip_x(usable, capacity);
  const double overhead_end = strip_x(usable + overhead, capacity);
  std::string out = svg_open("strip", "strip-r" + std::to_string(index), strip_height);
  out += rect(0, chart_width, 4, 20, "#e8eef4", "free " + figure_text(region["free_bytes"]) + " bytes");
  out += rect(0, live_end, 4, 20, colour_of(index), "live (usable) " + figure_text(region["usable_bytes"]) + " bytes");
  out += rect(live_end, overhead_end - live_end, 4, 20, "#999999",
              "overhead " + figure_text(region["overhead_bytes"]) + " bytes");
  const double largest_width = strip_x(largest_free, capacity);
  out += rect(chart_width - largest_width, largest_width, 24, 6, "#2e7d32",
              "largest free block " + figure_text(region["largest_free_bytes"]) + " bytes");
  const std::string x = fixed(strip_x(high_water, capacity), 1);
  out += "<line x1=\"" + x + "\" y1=\"0\" x2=\"" + x + "\" y2=\"" + std::to_string(strip_height) +
         "\" stroke=\"#000000\" stroke-width=\"2\"><title>high water " +
         html_escape(figure_text(region["high_water_bytes"])) + " bytes</title></line>";
  return out + "</svg>\n";
}

// A line chart of one series per region over the samples; y from 0 to y_max
// (per region when `per_region_max` names a key of the region record).
std::string line_chart(const std::string& id, const Json& fragmentation, const Json& regions, const char* series_key,
                       const char* per_region_max) {
  const Json& at_ops = fragmentation["at_ops"];
  const double last_op = at_ops.empty() ? 0.0 : number(at_ops.back());
  std::string out = svg_open("chart", id, chart_height);
  out += "<line x1=\"0\" y1=\"" + std::to_string(chart_height - 1) + "\" x2=\"" + std::to_string(chart_width) +
         "\" y2=\"" + std::to_string(chart_height - 1) + "\" stroke=\"#888888\"/>";
  const Json& series = fragmentation["regions"];
  for (std::size_t index = 0; index < series.size(); ++index) {
    const Json& values = series[index][series_key];
    const double y_max =
        per_region_max != nullptr && index < regions.size() ? number(regions[index][per_region_max]) : 1.0;
    std::string points;
    for (std::size_t sample = 0; sample < values.size() && sample < at_ops.size(); ++sample) {
      const double x = last_op > 0 ? number(at_ops[sample]) / last_op * (chart_width - 2) + 1 : 1.0;
      const double share = y_max > 0 ? std::clamp(number(values[sample]) / y_max, 0.0, 1.0) : 0.0;
      const double y = (chart_height - 2) - share * (chart_height - 4);
      points += (sample == 0 ? "" : " ") + fixed(x, 1) + "," + fixed(y, 1);
    }
    out += "<polyline id=\"" + id + "-r" + std::to_string(index) + "\" fill=\"none\" stroke=\"" + colour_of(index) +
           "\" stroke-width=\"1.5\" points=\"" + points + "\"><title>" +
           html_escape(figure_text(series[index]["name"])) + "</title></polyline>";
  }
  return out + "</svg>\n";
}

// Per region: the sample with the largest value of `series_key` (the first, on
// a tie), as "value at op N" cells: the same figures the text report names.
std::string series_max_rows(const Json& fragmentation, const char* series_key, const char* label) {
  const Json& at_ops = fragmentation["at_ops"];
  std::string out;
  const Json& series = fragmentation["regions"];
  for (std::size_t index = 0; index < series.size(); ++index) {
    const Json& values = series[index][series_key];
    if (values.empty() || values.size() > at_ops.size()) {
      continue;
    }
    std::size_t worst = 0;
    for (std::size_t sample = 1; sample < values.size(); ++sample) {
      if (number(values[sample]) > number(values[worst])) {
        worst = sample;
      }
    }
    const std::string prefix = "r" + std::to_string(index) + "-max-" + series_key;
    out += "<tr><th><span style=\"color:" + std::string(colour_of(index)) + "\">\xE2\x96\xA0</span> " +
           html_escape(figure_text(series[index]["name"])) + "</th><td>" + label + " max</td>" +
           cell(prefix, values[worst]) + "<td>at op</td>" + cell(prefix + "-at-op", at_ops[worst]) + "</tr>\n";
  }
  return out;
}

std::string over_time(const Json& outcome) {
  if (!outcome.contains("fragmentation") || outcome["fragmentation"]["at_ops"].empty()) {
    return "";
  }
  const Json& fragmentation = outcome["fragmentation"];
  const Json& regions = outcome["regions"];
  std::string out = "<h2>Over time</h2>\n<p><span id=\"samples\">" +
                    std::to_string(fragmentation["at_ops"].size()) + "</span> samples, one every <span id=\"interval_ops\">" +
                    html_escape(figure_text(fragmentation["interval_ops"])) + "</span> ops.</p>\n";
  out += "<h3>F_ext (1 - largest free / free), 0 to 1</h3>\n" + line_chart("chart-f_ext", fragmentation, regions, "f_ext", nullptr);
  out += "<h3>Live bytes, 0 to each region's capacity</h3>\n" +
         line_chart("chart-live_bytes", fragmentation, regions, "live_bytes", "capacity_bytes");
  out += "<table>\n" + series_max_rows(fragmentation, "f_ext", "F_ext") +
         series_max_rows(fragmentation, "live_bytes", "live bytes") + "</table>\n";
  return out;
}

// A region's memory map at its peak (the report's peak_maps record): each
// segment drawn at its offset, in the region's colour where in use, light
// where free, shaded by the share in use where coalesced (more blocks than
// segments); the largest free block framed in green below.
std::string peak_map_svg(const Json& map, const Json& region, std::size_t index) {
  const double capacity = number(region["capacity_bytes"]);
  std::string out = svg_open("peak-map", "map-r" + std::to_string(index), strip_height);
  for (const Json& segment : map["segments"]) {
    const double length = number(segment["length_bytes"]);
    const double used = number(segment["used_bytes"]);
    const double x = strip_x(number(segment["offset_bytes"]), capacity);
    const double width = strip_x(number(segment["offset_bytes"]) + length, capacity) - x;
    const std::string title = "offset " + figure_text(segment["offset_bytes"]) + ", " +
                              figure_text(segment["length_bytes"]) + " bytes, " + figure_text(segment["used_bytes"]) +
                              " in use, " + figure_text(segment["blocks"]) + " block(s)";
    out += rect(x, width, 4, 20, "#e8eef4", title);
    if (used > 0) {
      const double share = length > 0 ? std::clamp(used / length, 0.0, 1.0) : 1.0;
      std::string fill = rect(x, width, 4, 20, colour_of(index), title);
      fill.insert(fill.find(" fill="), " fill-opacity=\"" + fixed(share, 3) + "\"");
      out += fill;
    }
  }
  const double free_x = strip_x(number(map["largest_free_offset_bytes"]), capacity);
  const double free_end =
      strip_x(number(map["largest_free_offset_bytes"]) + number(map["largest_free_bytes"]), capacity);
  out += rect(free_x, free_end - free_x, 26, 6, "#2e7d32",
              "largest free block " + figure_text(map["largest_free_bytes"]) + " bytes at offset " +
                  figure_text(map["largest_free_offset_bytes"]));
  return out + "</svg>\n";
}

std::string peak_map_section(const Json& outcome, const Json& region, std::size_t index) {
  if (!outcome.contains("peak_maps") || index >= outcome["peak_maps"].size()) {
    return "";
  }
  const Json& map = outcome["peak_maps"][index];
  const std::string prefix = "r" + std::to_string(index) + "-map-";
  return "<p class=\"legend\" id=\"" + prefix + "legend\"><span>memory map at the peak (the sample at op " +
         html_escape(figure_text(map["at_ops"])) + "): blocks in use coloured, free light" +
         (map["coalesced"] == true ? "; coalesced: each segment an equal byte range, shaded by the share in use"
                                   : "; one segment per block") +
         "; green: the largest free block.</span></p>\n" + peak_map_svg(map, region, index) + "<table>\n" +
         figure_rows(map, prefix,
                     {"at_ops", "live_bytes", "blocks", "used_blocks", "end_bytes", "coalesced", "segment_count",
                      "largest_free_offset_bytes", "largest_free_bytes"}) +
         "</table>\n";
}

std::string regions_section(const Json& outcome) {
  if (!outcome.contains("regions")) {
    return "";
  }
  std::string out =
      "<h2>Regions</h2>\n<p class=\"legend\"><span>strip: live (usable) bytes, then overhead (grey), then free "
      "(light); green underline: the largest free block; black line: the high water mark.</span></p>\n";
  const Json& regions = outcome["regions"];
  for (std::size_t index = 0; index < regions.size(); ++index) {
    const Json& region = regions[index];
    const std::string prefix = "r" + std::to_string(index) + "-";
    out += "<h3 id=\"" + prefix + "name\">" + html_escape(figure_text(region["name"])) + "</h3>\n";
    out += region_strip(region, index);
    out += peak_map_section(outcome, region, index);
    out += "<table>\n" +
           figure_rows(region, prefix,
                       {"base", "attr_name", "cache", "capacity_bytes", "live_bytes", "usable_bytes", "peak_live_bytes",
                        "high_water_bytes", "free_bytes", "min_free_bytes", "largest_free_bytes", "overhead_bytes",
                        "live_blocks", "free_blocks", "allocs", "frees", "failed_allocs", "spilled_in", "spilled_out",
                        "f_ext", "f_ext_peak"}) +
           "</table>\n";
  }
  return out;
}

// The XHTML prolog, head and opening body of a page titled `title`.
std::string page_head(const std::string& title) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
         "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"UTF-8\"/>\n<title>" +
         html_escape(title) + "</title>\n<style>" + style_sheet + "</style>\n</head>\n<body>\n";
}

// Horizontal bars, one per policy row of a compare trace, `key`'s value scaled
// to `full` (the largest value when full is 0), labelled with the report's text.
std::string policy_bars(const std::string& id, const Json& rows, const char* key, double full) {
  constexpr int bar_height = 18;
  constexpr int label_width = 180;
  double largest = full;
  for (const Json& row : rows) {
    largest = full > 0 ? full : std::max(largest, number(row[key]));
  }
  const int height = static_cast<int>(rows.size()) * bar_height + 4;
  std::string out = svg_open("bars", id, height);
  for (std::size_t index = 0; index < rows.size(); ++index) {
    const Json& row = rows[index];
    const int y = static_cast<int>(index) * bar_height + 2;
    const double share = largest > 0 ? std::clamp(number(row[key]) / largest, 0.0, 1.0) : 0.0;
    const std::string text = figure_text(row[key]);
    out += "<text x=\"4\" y=\"" + std::to_string(y + 13) + "\" font-size=\"12\">" +
           html_escape(figure_text(row["name"])) + (row["best"] == true ? " (best)" : "") + "</text>";
    out += rect(label_width, share * (chart_width - label_width - 80), y + 2, bar_height - 4,
                row["best"] == true ? "#2e7d32" : "#1f77b4", text);
    out += "<text x=\"" + fixed(label_width + share * (chart_width - label_width - 80) + 4, 1) + "\" y=\"" +
           std::to_string(y + 13) + "\" font-size=\"12\">" + html_escape(text) + "</text>";
  }
  return out + "</svg>\n";
}

// One trace of a compare report: its table (best marked), its bars, and the
// policies that placed every block alike.
std::string compare_trace(const Json& trace, std::size_t index) {
  const std::string prefix = "t" + std::to_string(index) + "-";
  std::string out = "<h2 id=\"" + prefix + "path\">" + html_escape(figure_text(trace["path"])) + "</h2>\n<p>" +
                    html_escape(figure_text(trace["ops"])) +
                    " ops; best: fewest failed allocations, then smallest footprint, then lowest F_ext peak.</p>\n";
  static const char* const keys[] = {"failed_allocs", "footprint_bytes", "footprint_overhead", "f_ext_p50",
                                     "f_ext_p95", "f_ext_peak", "spilled", "digest"};
  out += "<table>\n<tr><th>policy</th>";
  for (const char* key : keys) {
    out += std::string("<th>") + key + "</th>";
  }
  out += "<th></th></tr>\n";
  const Json& rows = trace["policies"];
  for (const Json& row : rows) {
    const std::string policy = figure_text(row["name"]);
    const bool best = row["best"] == true;
    out += std::string(best ? "<tr class=\"best\">" : "<tr>") + "<th>" + html_escape(policy) + "</th>";
    for (const char* key : keys) {
      out += cell(prefix + policy + "-" + key, row[key]);
    }
    out += std::string("<td>") + (best ? "<strong class=\"pass\">best</strong>" : "") + "</td></tr>\n";
  }
  out += "</table>\n<h3>Footprint bytes (the regions' high water marks summed)</h3>\n" +
         policy_bars(prefix + "bars-footprint_bytes", rows, "footprint_bytes", 0) +
         "<h3>F_ext at its sampled peak, 0 to 1</h3>\n" + policy_bars(prefix + "bars-f_ext_peak", rows, "f_ext_peak", 1);
  for (const Json& group : trace["indistinguishable"]) {
    std::string names;
    for (const Json& name : group) {
      names += (names.empty() ? "" : " = ") + figure_text(name);
    }
    out += "<p>indistinguishable (identical placements, the same digest): " + html_escape(names) + "</p>\n";
  }
  return out;
}

// Size bars: per row of a size report (a region or an attribute), a bar as
// wide as the larger of its current and sized bytes: the current size as a
// light frame, the needed bytes filled, the high water mark at the sized
// machine as a dark band within, and the sized bytes as a black line. Each row
// on its own scale (regions differ by orders of magnitude), labelled with the
// report's figures.
std::string size_bars(const std::string& id, const Json& rows, const char* label_key) {
  constexpr int bar_height = 26;
  constexpr int label_width = 150;
  constexpr int bar_width = chart_width - label_width - 10;
  const int height = static_cast<int>(rows.size()) * bar_height + 4;
  std::string out = svg_open("bars", id, height);
  for (std::size_t index = 0; index < rows.size(); ++index) {
    const Json& row = rows[index];
    const int y = static_cast<int>(index) * bar_height + 2;
    const double current = number(row["current_bytes"]);
    const double sized = number(row["sized_bytes"]);
    const double full = std::max(current, sized);
    const auto x_of = [&](double bytes) { return full > 0 ? std::clamp(bytes / full, 0.0, 1.0) * bar_width : 0.0; };
    out += "<text x=\"4\" y=\"" + std::to_string(y + 15) + "\" font-size=\"12\">" +
           html_escape(figure_text(row[label_key])) + "</text>";
    out += "<rect x=\"" + std::to_string(label_width) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"" +
           fixed(x_of(current), 1) + "\" height=\"" + std::to_string(bar_height - 6) +
           "\" fill=\"#e8eef4\" stroke=\"#888888\"><title>current " + html_escape(figure_text(row["current_bytes"])) +
           " bytes</title></rect>";
    out += rect(label_width, x_of(number(row["needed_bytes"])), y + 5, bar_height - 12, colour_of(index),
                "needed " + figure_text(row["needed_bytes"]) + " bytes");
    out += rect(label_width, x_of(number(row["high_water_bytes"])), y + 9, bar_height - 20, "#333333",
                "high water at the sized machine " + figure_text(row["high_water_bytes"]) + " bytes");
    const std::string x = fixed(label_width + x_of(sized), 1);
    out += "<line x1=\"" + x + "\" y1=\"" + std::to_string(y) + "\" x2=\"" + x + "\" y2=\"" +
           std::to_string(y + bar_height - 2) + "\" stroke=\"#000000\" stroke-width=\"2\"><title>sized " +
           html_escape(figure_text(row["sized_bytes"])) + " bytes</title></line>";
  }
  return out + "</svg>\n";
}

// A size report's table of rows (regions or attributes), ids prefix + index + "-" + key.
std::string size_table(const Json& rows, const char* prefix, const char* label_key, const char* label) {
  static const char* const keys[] = {"current_bytes", "needed_bytes", "sized_bytes", "high_water_bytes"};
  std::string out = std::string("<table>\n<tr><th>") + label + "</th>";
  for (const char* key : keys) {
    out += std::string("<th>") + key + "</th>";
  }
  out += "</tr>\n";
  for (std::size_t index = 0; index < rows.size(); ++index) {
    const std::string id = prefix + std::to_string(index) + "-";
    out += "<tr><th id=\"" + id + label_key + "\">" + html_escape(figure_text(rows[index][label_key])) + "</th>";
    for (const char* key : keys) {
      out += cell(id + key, rows[index][key]);
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string html_escape(const std::string& text) {
  static const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      switch (byte) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += (byte < 0x20 && byte != '\n' && byte != '\t') ? replacement : std::string(1, text[i]);
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then continuation bytes;
    // overlong forms, surrogates and code points past U+10FFFF are refused.
    const std::size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 0;
    bool valid = length != 0 && byte >= 0xC2 && byte <= 0xF4 && i + length <= text.size();
    std::uint32_t code_point = length == 2 ? (byte & 0x1Fu) : length == 3 ? (byte & 0x0Fu) : (byte & 0x07u);
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0u) == 0x80u;
      code_point = (code_point << 6) | (next & 0x3Fu);
    }
    valid = valid && !(length == 3 && code_point < 0x800) && !(length == 4 && code_point < 0x10000) &&
            !(code_point >= 0xD800 && code_point <= 0xDFFF) && code_point <= 0x10FFFF;
    out += valid ? text.substr(i, length) : replacement;
    i += valid ? length : 1;
  }
  return out;
}

std::string render_run_html(const Json& outcome) {
  SMH_ASSERT(outcome.is_object());
  const std::string name = outcome.contains("name") ? figure_text(outcome["name"]) : "";
  const std::string verdict = outcome.contains("verdict") ? figure_text(outcome["verdict"]) : "";
  std::string out = page_head("smh run: " + name);
  out += "<h1>smh run: <span id=\"run-name\">" + html_escape(name) + "</span></h1>\n";
  out += "<p>verdict: <strong id=\"run-verdict\" class=\"" + std::string(verdict == "pass" ? "pass" : "fail") + "\">" +
         html_escape(verdict) + "</strong></p>\n";
  if (outcome.contains("error")) {
    out += "<pre id=\"run-error\">" + html_escape(figure_text(outcome["error"])) + "</pre>\n";
  }
  out += "<table>\n" +
         figure_rows(outcome, "run-",
                     {"path", "digest", "ops", "failed_allocs", "peak_live_bytes", "footprint_bytes", "footprint_overhead",
                      "reproduce"}) +
         "</table>\n";
  out += regions_section(outcome);
  out += over_time(outcome);
  return out + "</body>\n</html>\n";
}

std::string render_compare_html(const Json& report) {
  SMH_ASSERT(report.is_object());
  const std::string machine = report.contains("machine") ? figure_text(report["machine"]) : "";
  std::string out = page_head("smh compare: " + machine);
  out += "<h1>smh compare: <span id=\"machine\">" + html_escape(machine) + "</span></h1>\n";
  if (report.contains("warnings")) {
    for (const Json& warning : report["warnings"]) {
      out += "<p class=\"fail\">warning: " + html_escape(figure_text(warning)) + "</p>\n";
    }
  }
  if (report.contains("traces")) {
    for (std::size_t index = 0; index < report["traces"].size(); ++index) {
      out += compare_trace(report["traces"][index], index);
    }
  }
  return out + "</body>\n</html>\n";
}

std::string render_size_html(const Json& report) {
  SMH_ASSERT(report.is_object());
  const std::string machine = report.contains("machine") ? figure_text(report["machine"]) : "";
  std::string out = page_head("smh size: " + machine);
  out += "<h1>smh size: <span id=\"machine\">" + html_escape(machine) + "</span></h1>\n<table>\n" +
         figure_rows(report, "size-", {"policy", "scale", "headroom_percent", "replays"}) + "</table>\n";
  if (report.contains("traces")) {
    out += "<p>traces:";
    for (const Json& trace : report["traces"]) {
      out += " <code>" + html_escape(figure_text(trace)) + "</code>";
    }
    out += "</p>\n";
  }
  out += "<p class=\"legend\"><span>frame: the current size; filled: the bytes needed (every trace replays "
         "without a failed allocation); dark band: the high water mark at the sized machine; black line: the "
         "sized bytes (needed plus headroom). Each bar on its own scale.</span></p>\n";
  if (report.contains("regions")) {
    out += "<h2>Regions</h2>\n" + size_table(report["regions"], "r", "name", "region") +
           size_bars("size-bars-regions", report["regions"], "name");
  }
  if (report.contains("attributes")) {
    out += "<h2>Attributes (their regions summed)</h2>\n" + size_table(report["attributes"], "a", "attr", "attr") +
           size_bars("size-bars-attributes", report["attributes"], "attr");
  }
  return out + "</body>\n</html>\n";
}

}  // namespace smh::cli
