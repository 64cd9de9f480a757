#include "import_command.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "import_summary.hpp"
#include "progress.hpp"
#include "smh/sim/trace.hpp"
#include "text_format.hpp"

namespace smh::cli {

namespace {

int bad_input(const std::string& message) {
  std::fprintf(stderr, "smh import: %s\n", message.c_str());
  return 2;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "123456 events, 4.1 M events/s, 42%".
std::string progress_text(const sim::Importer& importer, double seconds) {
  const sim::ImportStats& stats = importer.stats();
  std::string out = std::to_string(stats.events) + " events";
  if (seconds > 0) {
    out += ", " + fixed(static_cast<double>(stats.events) / seconds / 1e6, 1) + " M events/s";
  }
  if (importer.file_bytes_total() != 0) {
    out += ", " + std::to_string(importer.file_bytes_read() * 100 / importer.file_bytes_total()) + "%";
  }
  return out;
}

}  // namespace

int import_command(const ImportCommandOptions& options) {
  sim::ImportOptions import;
  if (!sim::parse_import_format(options.format, &import.format)) {
    return bad_input("unknown format '" + options.format + "'");
  }
  if (options.output_path.empty() && !options.stats_only) {
    return bad_input("give -o TRACE.jsonl[.zst] to write the trace, or --stats for the summary alone");
  }
  import.mode = import.format == sim::ImportFormat::esp_idf ? MatchMode::capability : MatchMode::exact;
  if (options.mode) {
    import.mode = *options.mode == "capability" ? MatchMode::capability : MatchMode::exact;
  }
  import.skip_bad = options.skip_bad;
  import.limits = options.limits;

  sim::AttrMap map;
  if (!options.attr_map_path.empty()) {
    sim::AttrMapError error;
    if (!sim::load_attr_map(options.attr_map_path, import.mode, options.max_attr_map_bytes, &map, &error)) {
      return bad_input("--attr-map: " + error.to_string());
    }
    import.attr_map = &map;
  }

  sim::ImportError error;
  std::unique_ptr<sim::Importer> importer = sim::Importer::open(options.input_path, import, &error);
  if (!importer) {
    return bad_input(error.to_string());
  }
  std::unique_ptr<sim::TraceWriter> writer;
  const bool to_stdout = options.output_path == "-";
  if (!options.output_path.empty()) {
    std::string why;
    writer = sim::TraceWriter::create(options.output_path, ends_with(options.output_path, ".zst"), &why,
                                      sim::fast_trace_compression);
    if (!writer) {
      return bad_input("-o: " + why);
    }
  }
  // An incomplete trace must not look like a trace: it goes on any error.
  const auto discard_output = [&] {
    writer.reset();
    if (!options.output_path.empty() && !to_stdout) {
      std::error_code ignored;
      std::filesystem::remove(options.output_path, ignored);
    }
  };

  ProgressLine progress(ProgressLine::stderr_is_terminal());
  sim::Op op;
  std::string why;
  std::uint64_t ops = 0;
  while (importer->next(&op, &error)) {
    if (writer && !writer->write(op, &why)) {
      progress.clear();
      discard_output();
      return bad_input(why);
    }
    if ((++ops & 0xFFFF) == 0 && progress.due()) {
      progress.show(progress_text(*importer, progress.seconds_elapsed()));
    }
  }
  progress.clear();
  if (!error.message.empty()) {
    discard_output();
    return bad_input(error.to_string());
  }
  if (writer && !writer->close(&why)) {
    discard_output();
    return bad_input(why);
  }

  ImportSummaryInputs summary;
  summary.format = import.format;
  summary.input_path = options.input_path;
  summary.output_path = options.output_path;
  summary.mode = import.mode;
  summary.attr_map = import.attr_map;
  const std::string text = render_import_summary(summary, importer->stats());
  std::FILE* out = to_stdout ? stderr : stdout;  // stdout carries the trace
  std::fputs(text.c_str(), out);
  std::fflush(out);
  return 0;
}

}  // namespace smh::cli
