// The CPU time the calling thread has used, for timing single operations in a
// benchmark on a shared machine: a wall clock around one op also counts the
// time the thread was preempted (another process's compile, a page of the
// scheduler's), which swamps a microsecond op; the thread's CPU clock
// (CLOCK_THREAD_CPUTIME_ID) counts only the time it ran. Reading it is a
// system call (a few hundred ns), which every measured op carries alike.
// A timing, never an input to anything deterministic.
#pragma once

#include <time.h>

#include <cstdint>

namespace smh::bench {

inline std::uint64_t thread_cpu_ns() {
  timespec now{};
  // Cannot fail for the calling thread's own clock on Linux; 0 if it did.
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) {
    return 0;
  }
  return static_cast<std::uint64_t>(now.tv_sec) * 1000000000u + static_cast<std::uint64_t>(now.tv_nsec);
}

}  // namespace smh::bench
