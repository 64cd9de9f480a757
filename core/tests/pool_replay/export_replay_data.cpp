// Writes replay_data.cpp (see replay_data.hpp) from scenario files:
//
//   smh_pool_replay_export OUTPUT.cpp SCENARIO.json...
//
// The scenarios are ordered by file path (as given relative to the project), so
// the output does not depend on the order of the arguments. A scenario whose
// regions do not fit the replay's arena, or with more regions than it holds, is
// an error (exit 2, naming the file); a scenario whose ops are in a trace file is
// listed but not replayed. Writes to OUTPUT.cpp.tmp, then renames, so that an
// interrupted build never leaves half a file.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "replay_data.hpp"
#include "smh/sim/scenario_parser.hpp"

namespace {

namespace replay = smh::test::replay;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "smh_pool_replay_export: %s\n", message.c_str());
  std::exit(2);
}

// A C string literal: printable ASCII as is, everything else as an octal escape.
std::string c_string(const std::string& text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\%03o", c);
      out += escape;
    }
  }
  return out + "\"";
}

// The scenario's regions and block ops as C++ initialisers, or a failure.
void write_scenario(std::ostream& out, unsigned index, const std::string& path, const smh::sim::Scenario& scenario,
                    std::string* entry) {
  const auto& regions = scenario.machine.regions;
  if (regions.size() > replay::max_regions) {
    fail(path + ": " + std::to_string(regions.size()) + " regions; the replay holds " +
         std::to_string(replay::max_regions));
  }
  std::uint64_t arena_used = 0;
  out << "const Region regions_" << index << "[] = {\n";
  for (const auto& region : regions) {
    const std::uint64_t page_offset = region.base % replay::page_bytes;
    arena_used = (arena_used + replay::page_bytes - 1) / replay::page_bytes * replay::page_bytes + page_offset +
                 region.size_bytes;
    if (arena_used > replay::arena_bytes) {
      fail(path + ": the regions need more than the replay's arena of " + std::to_string(replay::arena_bytes) +
           " bytes");
    }
    out << "    {" << region.size_bytes << "u, " << page_offset << "u, " << region.attr << "u, "
        << (region.reserved ? "true" : "false") << ", " << static_cast<unsigned>(region.role) << "},\n";
  }
  out << "};\n";
  unsigned op_count = 0;
  out << "const Op ops_" << index << "[] = {\n";
  for (const smh::sim::Op& op : scenario.ops) {
    const char* kind = op.kind == smh::sim::OpKind::alloc     ? "OpKind::alloc"
                       : op.kind == smh::sim::OpKind::realloc ? "OpKind::realloc"
                       : op.kind == smh::sim::OpKind::free    ? "OpKind::free"
                                                              : nullptr;
    if (kind == nullptr) {
      continue;  // caches and devices: not the pool's business
    }
    if (op.size_bytes > UINT32_MAX || op.align_bytes > UINT32_MAX) {
      fail(path + ": op " + std::to_string(&op - scenario.ops.data()) + " asks for more than 4 GiB");
    }
    out << "    {" << kind << ", " << op.attr_count() << ", " << op.handle << "u, {";
    for (unsigned i = 0; i < replay::max_prefer_attrs; ++i) {
      out << (i < op.attr_count() ? op.attr_at(i) : 0u) << "u" << (i + 1 < replay::max_prefer_attrs ? ", " : "");
    }
    out << "}, " << op.size_bytes << "u, " << op.align_bytes << "u},\n";
    ++op_count;
  }
  if (op_count == 0) {
    out << "    {OpKind::free, 1, 0u, {0u, 0u, 0u, 0u}, 0u, 0u},  // no block op: a placeholder never read\n";
  }
  out << "};\n\n";
  std::ostringstream e;
  e << "    {" << c_string(scenario.name) << ", nullptr, " << static_cast<unsigned>(scenario.machine.pool.mode) << ", "
    << static_cast<unsigned>(scenario.machine.pool.policy) << ", " << scenario.machine.pool.size_threshold_bytes
    << "u, regions_" << index << ", " << regions.size() << ", ops_" << index << ", " << op_count << "},\n";
  *entry = e.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fail("usage: smh_pool_replay_export OUTPUT.cpp SCENARIO.json...");
  }
  const std::string output = argv[1];
  std::vector<std::string> paths(argv + 2, argv + argc);
  std::sort(paths.begin(), paths.end());

  std::ostringstream body;
  std::vector<std::string> entries;
  for (const std::string& path : paths) {
    smh::sim::Scenario scenario;
    smh::sim::ScenarioError error;
    if (!smh::sim::load_scenario_file(path, &scenario, &error)) {
      fail(error.to_string());
    }
    std::string entry;
    if (scenario.trace.has_value()) {
      entry = "    {" + c_string(scenario.name) +
              ", \"its ops are in a trace file\", 0, 0, 0u, nullptr, 0, nullptr, 0},\n";
    } else {
      write_scenario(body, static_cast<unsigned>(entries.size()), path, scenario, &entry);
    }
    entries.push_back(entry);
  }

  const std::string temporary = output + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << "// Generated by smh_pool_replay_export from the bundled scenarios: do not edit.\n"
        << "#include \"replay_data.hpp\"\n\nnamespace smh::test::replay {\nnamespace {\n\n"
        << body.str() << "}  // namespace\n\nconst Scenario scenarios[] = {\n";
    for (const std::string& entry : entries) {
      out << entry;
    }
    out << "};\nconst unsigned scenario_count = " << entries.size() << ";\n\n}  // namespace smh::test::replay\n";
    if (!out) {
      fail("cannot write " + temporary);
    }
  }
  std::error_code renamed;
  std::filesystem::rename(temporary, output, renamed);
  if (renamed) {
    fail("cannot rename " + temporary + " to " + output + ": " + renamed.message());
  }
  return 0;
}
