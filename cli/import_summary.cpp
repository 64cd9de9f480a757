#include "import_summary.hpp"

#include <algorithm>

#include "text_format.hpp"
#include "text_table.hpp"

namespace smh::cli {

namespace {

using Align = TextTable::Align;

// An exact power of two as "512 B", "4 KiB", "2 GiB".
std::string power_of_two_label(unsigned log2) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  return std::to_string(std::uint64_t{1} << (log2 % 10)) + " " + units[log2 / 10];
}

// "1234 bytes" with a rounded binary size for large values: "5242880 bytes (5.00 MiB)".
std::string bytes_label(std::uint64_t bytes) {
  std::string out = std::to_string(bytes) + " bytes";
  if (bytes >= 10'240) {
    static const char* const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = static_cast<double>(bytes) / 1024.0;
    unsigned unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(units)) {
      value /= 1024.0;
      ++unit;
    }
    out += " (" + fixed(value, 2) + " " + units[unit] + ")";
  }
  return out;
}

std::string when(const sim::ImportStats& stats) {
  std::string out = "op " + std::to_string(stats.peak_op_index) + ", line " + std::to_string(stats.peak_line);
  if (stats.peak_time_known) {
    out += stats.ticks_per_second != 0
               ? ", " + fixed(static_cast<double>(stats.peak_time_ticks) / static_cast<double>(stats.ticks_per_second), 3) +
                     " s"
               : ", time " + std::to_string(stats.peak_time_ticks);
  }
  return out;
}

std::string histogram(const sim::ImportStats& stats) {
  const auto& buckets = stats.size_histogram;
  const auto first = std::find_if(buckets.begin(), buckets.end(), [](std::uint64_t n) { return n != 0; });
  if (first == buckets.end()) {
    return "";
  }
  const auto last = std::find_if(buckets.rbegin(), buckets.rend(), [](std::uint64_t n) { return n != 0; }).base();
  const std::uint64_t most = *std::max_element(first, last);
  constexpr std::uint64_t bar_cells = 40;
  TextTable table({"request size", "allocations", ""}, {Align::left, Align::right, Align::left});
  for (auto it = first; it != last; ++it) {
    const auto bucket = static_cast<unsigned>(it - buckets.begin());
    const std::string range = bucket == 0 ? "0 B"
                                          : (bucket == 64 ? ">= " + power_of_two_label(63)
                                                          : power_of_two_label(bucket - 1) + " .. < " +
                                                                power_of_two_label(bucket));
    // A non-zero count gets at least one cell.
    const std::uint64_t cells = *it == 0 ? 0 : std::max<std::uint64_t>(1, *it * bar_cells / most);
    table.add_row({range, std::to_string(*it), std::string(cells, '#')});
  }
  return "sizes (allocations and reallocs by request size)\n" + table.render("  ");
}

std::string attributes(const ImportSummaryInputs& inputs, const sim::ImportStats& stats) {
  if (stats.attributes.empty()) {
    return "";
  }
  TextTable table({"attribute", "allocations", "peak live bytes", "at op", "live at end"},
                  {Align::left, Align::right, Align::right, Align::right, Align::right});
  for (const sim::ImportAttributeStats& entry : stats.attributes) {
    table.add_row({attribute_name(inputs.mode, entry.attr), std::to_string(entry.allocs),
                   std::to_string(entry.peak_live_bytes), std::to_string(entry.peak_op_index),
                   std::to_string(entry.live_bytes)});
  }
  return "per attribute (" + std::string(inputs.mode == MatchMode::exact ? "exact" : "capability") + " mode)\n" +
         table.render("  ");
}

std::string rules(const ImportSummaryInputs& inputs, const sim::ImportStats& stats) {
  if (inputs.attr_map == nullptr) {
    return "";
  }
  const sim::AttrMap& map = *inputs.attr_map;
  TextTable table({"rule", "where", "attribute", "allocations"}, {Align::right, Align::left, Align::left, Align::right});
  for (std::size_t i = 0; i < map.rules.size(); ++i) {
    table.add_row({std::to_string(i + 1), map.file + ":" + std::to_string(map.rules[i].line),
                   attribute_name(inputs.mode, map.rules[i].attr),
                   std::to_string(i < stats.rule_hits.size() ? stats.rule_hits[i] : 0)});
  }
  table.add_row({"-", map.has_default ? "default" : "no rule (attribute 0)",
                 attribute_name(inputs.mode, map.has_default ? map.default_attr : 0),
                 std::to_string(stats.default_attr_hits)});
  return "attribute map " + map.file + "\n" + table.render("  ");
}

}  // namespace

std::string render_import_summary(const ImportSummaryInputs& inputs, const sim::ImportStats& stats) {
  std::string out = "smh import " + std::string(sim::to_string(inputs.format)) + " " + inputs.input_path +
                    (inputs.output_path.empty() ? " (statistics only)" : " -> " + inputs.output_path) + "\n";
  TextTable facts({"", ""}, {Align::left, Align::left});
  facts.add_row({"lines", std::to_string(stats.lines) + " read, " + std::to_string(stats.ignored_lines) +
                              " without allocation events" +
                              (stats.bad_lines != 0 ? ", " + std::to_string(stats.bad_lines) + " malformed (skipped)"
                                                    : "")});
  facts.add_row({"events", std::to_string(stats.events) + " allocation events"});
  facts.add_row({"ops", std::to_string(stats.ops) + ": " + std::to_string(stats.allocs) + " allocs, " +
                            std::to_string(stats.frees) + " frees, " + std::to_string(stats.reallocs) + " reallocs"});
  facts.add_row({"unmatched", std::to_string(stats.unmatched_frees) + " frees and " +
                                  std::to_string(stats.unmatched_reallocs) +
                                  " reallocs of blocks never seen allocated (frees dropped, reallocs written as allocs)"});
  facts.add_row({"implied frees", std::to_string(stats.implied_frees) +
                                      " (an allocation over a live block whose free the input lacks)"});
  facts.add_row({"failed", std::to_string(stats.failed_allocs) + " requests the input says failed (not written)"});
  if (inputs.format == sim::ImportFormat::device) {
    facts.add_row({"device", std::to_string(stats.device_errors) + " calls refused by the allocator, " +
                                 std::to_string(stats.lost_events) + " events lost"});
  }
  facts.add_row({"peak live", bytes_label(stats.peak_live_bytes) + " requested, at " + when(stats)});
  facts.add_row({"largest block", bytes_label(stats.largest_block_bytes) + " (line " +
                                      std::to_string(stats.largest_block_line) + ")"});
  facts.add_row({"live at end", std::to_string(stats.live_blocks) + " blocks, " + bytes_label(stats.live_bytes)});
  // The two-column table without its (empty) header row.
  std::string rows = facts.render("  ");
  rows.erase(0, rows.find('\n') + 1);
  out += rows;
  for (const std::string& part : {histogram(stats), attributes(inputs, stats), rules(inputs, stats)}) {
    out += part;
  }
  if (!stats.first_bad_lines.empty()) {
    out += "malformed lines (the first " + std::to_string(stats.first_bad_lines.size()) + " of " +
           std::to_string(stats.bad_lines) + ")\n";
    for (const sim::ImportError& bad : stats.first_bad_lines) {
      out += "  " + bad.to_string() + "\n";
    }
  }
  for (const std::string& note : stats.notes) {
    out += "note: " + note + "\n";
  }
  return out;
}

}  // namespace smh::cli
