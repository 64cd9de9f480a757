#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "text_format.hpp"

namespace smh::cli {

namespace {

// Runs shorter than this show nothing; a line refreshes at most this often.
constexpr std::chrono::milliseconds first_delay{500};
constexpr std::chrono::milliseconds refresh_interval{200};

}  // namespace

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled), start_(Clock::now()), last_(start_) {}

ProgressLine::~ProgressLine() { clear(); }

bool ProgressLine::stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

bool ProgressLine::due() const {
  if (!enabled_) {
    return false;
  }
  const Clock::time_point now = Clock::now();
  return now - start_ >= first_delay && now - last_ >= refresh_interval;
}

void ProgressLine::show(const std::string& text) {
  if (!enabled_) {
    return;
  }
  last_ = Clock::now();
  // Carriage return, the text, then erase whatever a longer previous text left.
  std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::clear() {
  if (drawn_) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

double ProgressLine::seconds_elapsed() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

std::string run_progress_text(const sim::RunProgress& progress, double seconds_elapsed) {
  std::string text = std::to_string(progress.ops_done);
  text += progress.ops_total != 0 ? "/" + std::to_string(progress.ops_total) + " ops" : " ops";
  if (seconds_elapsed > 0) {
    text += ", " + std::to_string(static_cast<std::uint64_t>(static_cast<double>(progress.ops_done) / seconds_elapsed)) +
            " ops/s";
  }
  if (progress.fraction_done > 0 && progress.fraction_done <= 1) {
    text += ", " + fixed(progress.fraction_done * 100.0, 0) + "%";
    const double seconds_left = seconds_elapsed * (1.0 - progress.fraction_done) / progress.fraction_done;
    text += ", about " + fixed(seconds_left, 0) + " s left";
  }
  return text;
}

std::function<void(const sim::RunProgress&)> run_progress_callback(ProgressLine& line) {
  return [&line](const sim::RunProgress& progress) {
    if (line.due()) {
      line.show(run_progress_text(progress, line.seconds_elapsed()));
    }
  };
}

}  // namespace smh::cli
