// One input format: a parser that reads a line at a time and tells the ledger
// (import_ledger.hpp) what happened. The Importer (importer.cpp) feeds it.
// Private to sim/src.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "import_ledger.hpp"
#include "import_text.hpp"
#include "smh/sim/import.hpp"

namespace smh::sim::detail {

// Why a line (or the input) cannot be imported. A malformed line is skipped
// under --skip-bad; a fatal problem (a limit) never is.
struct ImportProblem {
  LineProblem where;       // offset within the line
  std::uint64_t line = 0;  // 0: the current line; else that earlier line
  bool fatal = false;
  bool whole_input = false;  // not in any line (finish(): the input as a whole)
};

class FormatParser {
 public:
  virtual ~FormatParser() = default;
  // One line, without its '\n' or a trailing '\r'. A malformed line must be
  // refused before anything of it reaches the ledger, so that skipping it
  // leaves no trace of it.
  virtual bool line(std::string_view text, ImportLedger* ledger, ImportProblem* problem) = 0;
  // After the last line: whatever the format held back.
  virtual bool finish(ImportLedger* ledger, ImportProblem* problem) = 0;
};

// A limit the ledger reported: fatal, at the start of the line.
inline bool fatal(std::string message, ImportProblem* problem) {
  problem->where = LineProblem{0, std::move(message)};
  problem->fatal = true;
  return false;
}
inline bool malformed(const LineProblem& where, ImportProblem* problem) {
  problem->where = where;
  return false;
}

std::unique_ptr<FormatParser> make_heaptrack_parser();
std::unique_ptr<FormatParser> make_mtrace_parser();
std::unique_ptr<FormatParser> make_esp_idf_parser(MatchMode mode);
std::unique_ptr<FormatParser> make_device_parser();
std::unique_ptr<FormatParser> make_csv_parser(MatchMode mode);

}  // namespace smh::sim::detail
