// Progress for long runs: one line on stderr, rewritten in place, and only when
// stderr is a terminal. Nothing of it reaches stdout or a report, and a run that
// ends quickly never shows it.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "smh/sim/scenario_runner.hpp"

namespace smh::cli {

class ProgressLine {
 public:
  using Clock = std::chrono::steady_clock;

  // Draws only when `enabled` (see stderr_is_terminal()).
  explicit ProgressLine(bool enabled);
  ~ProgressLine();  // clear()
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  static bool stderr_is_terminal();

  // Whether a new text would be drawn now: not before the first delay has passed,
  // then at most every refresh interval. Callers skip formatting otherwise.
  [[nodiscard]] bool due() const;
  void show(const std::string& text);
  // Erases the line, if one is drawn.
  void clear();
  [[nodiscard]] double seconds_elapsed() const;

 private:
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_;
  Clock::time_point last_;
};

// "1234567 ops, 812345 ops/s, 42%, about 3 s left" for one run.
std::string run_progress_text(const sim::RunProgress& progress, double seconds_elapsed);

// A runner callback that draws run_progress_text on `line` when due.
std::function<void(const sim::RunProgress&)> run_progress_callback(ProgressLine& line);

}  // namespace smh::cli
