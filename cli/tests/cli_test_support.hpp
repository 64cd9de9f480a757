// What the cli tests share: a per-test temporary directory, running the built
// smh binary with its output captured, small scenarios of each verdict, the
// report without its timings, and an XML well-formedness check.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace smh::cli::test {

namespace fs = std::filesystem;

struct Completed {
  int exit_code = -1;  // -1: did not exit normally (a crash is a failure too)
  std::string out;
  std::string err;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A test with its own directory, removed afterwards; the binary runs there.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("smh_cli_" + std::string(info->test_suite_name()) + "_" +
                                        std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `smh args...` in the test directory; stdin (`stdin_path`, relative to
  // the test directory unless absolute), stdout and stderr are files, so smh
  // sees no terminal.
  Completed smh(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null") const {
    return smh_with_environment(args, {}, stdin_path);
  }

  // The same, with `environment` ("NAME=value" each) added to the test's own.
  Completed smh_with_environment(const std::vector<std::string>& args, std::vector<std::string> environment,
                                 const std::string& stdin_path = "/dev/null") const {
    return spawn(SMH_BINARY, args, std::move(environment), stdin_path);
  }

  // Runs the program at `binary` so, in the test directory.
  Completed spawn(const std::string& binary, const std::vector<std::string>& args,
                  std::vector<std::string> environment = {}, const std::string& stdin_path = "/dev/null") const {
    std::vector<std::string> argv_text = {binary};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_text) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    const std::string out_path = (dir_ / ".stdout").string();
    const std::string err_path = (dir_ / ".stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string input = fs::path(stdin_path).is_absolute() ? stdin_path : (dir_ / stdin_path).string();
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, input.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    // The child works in this test's directory (glibc >= 2.29).
    posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
    pid_t pid = 0;
    std::vector<char*> envp;
    for (char** variable = environ; *variable != nullptr; ++variable) {
      envp.push_back(*variable);
    }
    for (std::string& variable : environment) {
      envp.push_back(variable.data());
    }
    envp.push_back(nullptr);
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    Completed done;
    if (spawned != 0) {
      ADD_FAILURE() << "cannot start " << binary;
      return done;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    done.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    done.out = read_text(out_path);
    done.err = read_text(err_path);
    return done;
  }

  fs::path path(const std::string& name) const { return dir_ / name; }
  std::string write(const std::string& name, const std::string& text) const {
    write_text(dir_ / name, text);
    return name;
  }
  std::string read(const std::string& name) const { return read_text(dir_ / name); }

  fs::path dir_;
};

// A trace of `allocs` cacheable allocations of 40..939 bytes, every third
// followed by a free of the one before it: enough to fill a small region.
inline std::string alloc_free_trace(unsigned allocs) {
  std::string trace;
  for (unsigned handle = 1; handle <= allocs; ++handle) {
    trace += "{\"op\":\"alloc\",\"handle\":" + std::to_string(handle) + ",\"attr\":0,\"size\":" +
             std::to_string(40 + (handle * 53) % 900) + "}\n";
    if (handle % 3 == 0) {
      trace += "{\"op\":\"free\",\"handle\":" + std::to_string(handle - 1) + "}\n";
    }
  }
  return trace;
}

inline std::string bundled(const std::string& name) { return std::string(SMH_SCENARIOS_DIR) + "/" + name; }

// One write-back region DMA can reach; the ops and any other keys complete it.
inline std::string scenario_with(const std::string& ops, const std::string& rest = "") {
  return R"({"format_version": 1, "seed": 5,
  "machine": {"regions": [{"name": "sram", "base": "0x2000_0000", "size": "16K", "attr": "cacheable",
                           "cache": "write_back", "dma": true}]},
  "ops": [)" + ops + "]" + rest + "}\n";
}

inline std::string alloc_free(unsigned size_bytes) {
  return R"({"op": "alloc", "handle": 1, "attr": "cacheable", "size": )" + std::to_string(size_bytes) +
         R"(}, {"op": "alloc", "handle": 2, "attr": "cacheable", "size": 64}, {"op": "free", "handle": 1}, )"
         R"({"op": "free", "handle": 2})";
}

// Verdict pass.
inline std::string passing_scenario(unsigned size_bytes = 100) { return scenario_with(alloc_free(size_bytes)); }
// Verdict invariant_broken: a transmit without a cache clean (STALE_TX).
inline std::string broken_scenario() {
  return scenario_with(R"({"op": "alloc", "handle": 1, "attr": "cacheable", "size": 64, "align": 32},
    {"op": "cpu_write", "handle": 1}, {"op": "dma_to_device", "handle": 1}, {"op": "free", "handle": 1})");
}
// Verdict expectation_failed: an allocation larger than the region fails.
inline std::string failing_scenario() {
  return scenario_with(R"({"op": "alloc", "handle": 1, "attr": "cacheable", "size": "1M"})",
                       R"(, "expect": {"max_failed_allocs": 0})");
}
// Verdict bad_input: a syntax error on line 2, column 11.
inline std::string bad_scenario() { return "{\"format_version\": 1,\n  \"seed\": ,}\n"; }

// The report without its "timings" section: the part that must not change.
inline std::string without_timings(const std::string& report_text) {
  nlohmann::ordered_json report = nlohmann::ordered_json::parse(report_text);
  report.erase("timings");
  return report.dump(2);
}

// Whether text is well-formed XML as far as the JUnit and HTML writers' output goes:
// one prolog, balanced elements, quoted attributes, known entities, no raw '<'
// or '&' in text. Returns an empty string or what is wrong.
inline std::string xml_problem(const std::string& xml) {
  std::vector<std::string> open;
  std::size_t i = 0;
  const auto entity_ok = [&](std::size_t at) {
    static const char* const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#10;", "&#9;"};
    for (const char* entity : entities) {
      if (xml.compare(at, std::strlen(entity), entity) == 0) {
        return true;
      }
    }
    return false;
  };
  if (xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) != 0) {
    return "no XML declaration";
  }
  i = xml.find('\n') + 1;
  // An XHTML page (the --html report) may declare its document type next.
  const std::string doctype = "<!DOCTYPE html>\n";
  if (xml.compare(i, doctype.size(), doctype) == 0) {
    i += doctype.size();
  }
  while (i < xml.size()) {
    if (xml[i] == '&' && !entity_ok(i)) {
      return "bad entity at " + std::to_string(i);
    }
    if (xml[i] != '<') {
      if (xml[i] == '>') {
        return "raw '>' at " + std::to_string(i);
      }
      ++i;
      continue;
    }
    const std::size_t end = xml.find('>', i);
    if (end == std::string::npos) {
      return "unterminated tag at " + std::to_string(i);
    }
    std::string tag = xml.substr(i + 1, end - i - 1);
    // Quotes balanced, and no markup inside attribute values.
    if (std::count(tag.begin(), tag.end(), '"') % 2 != 0 || tag.find('<') != std::string::npos) {
      return "bad attributes in <" + tag + ">";
    }
    for (std::size_t a = tag.find('&'); a != std::string::npos; a = tag.find('&', a + 1)) {
      if (!entity_ok(i + 1 + a)) {
        return "bad entity in <" + tag + ">";
      }
    }
    if (tag.front() == '/') {
      if (open.empty() || open.back() != tag.substr(1)) {
        return "unbalanced </" + tag.substr(1) + ">";
      }
      open.pop_back();
    } else if (tag.back() != '/') {
      open.push_back(tag.substr(0, tag.find(' ')));
    }
    i = end + 1;
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

}  // namespace smh::cli::test
