// Work items run each in a child process of its own, a few at a time, so that
// one that crashes, aborts or hangs costs only its own result: `smh check` runs
// every scenario this way (an allocator that corrupts itself where it has no
// assertions may fault on a guard page; a harness bug may too).
//
// The parent stays single-threaded (it forks), prepares each item just before
// its fork (what the child needs is then in its copy of memory), reads what the
// child sends back through a pipe, and kills a child that runs past the time
// limit. POSIX only.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace smh::cli {

// How a child ended.
struct ChildEnd {
  enum class How {
    finished,   // exited with status 0; `sent` holds what it sent
    exited,     // exited with another status (`code`) after sending `sent`
    signaled,   // killed by signal `code`
    timed_out,  // ran past the time limit and was killed
  };
  How how = How::finished;
  int code = 0;
  std::string sent;
  double wall_seconds = 0;
};

// "killed by signal 11 (SIGSEGV)", "exited with status 3", "ran past the time
// limit of 5 s and was killed": deterministic (no times, no pids).
std::string describe(const ChildEnd& end, double time_limit_seconds);

struct IsolatedWork {
  // In the parent, before the fork of item i: false when the item needs no child
  // (its result is already known, e.g. an unreadable scenario).
  std::function<bool(std::size_t index)> prepare;
  // In the child: the bytes to send back.
  std::function<std::string(std::size_t index)> run;
  // In the parent, once the child has ended.
  std::function<void(std::size_t index, const ChildEnd& end)> collect;
};

// Runs every item of [0, count) as above, on at most `jobs` children at once
// (0 counts as 1), each for at most `time_limit_seconds` (0: no limit). The
// calling thread calls on_tick(finished) about every 100 ms and once at the end.
// Throws std::runtime_error when the system refuses a pipe or a fork.
void run_isolated(std::size_t count, unsigned jobs, double time_limit_seconds, const IsolatedWork& work,
                  const std::function<void(std::size_t finished)>& on_tick);

}  // namespace smh::cli
