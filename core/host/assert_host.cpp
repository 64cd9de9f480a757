// Host definition of smh_assert_failed for tests, benchmarks, the simulator and
// the cli: the calling thread's handler first (smh/host_assert.hpp), then say
// which invariant failed and where, and abort so that the test runner (and
// sanitizers) see the failure. A strong definition: it overrides the core's
// weak, trapping default.
#include <cstdio>
#include <cstdlib>

#include "smh/assert.hpp"
#include "smh/host_assert.hpp"

namespace {

thread_local smh::host::AssertHandler thread_handler = nullptr;

}  // namespace

namespace smh::host {

AssertHandler set_thread_assert_handler(AssertHandler handler) noexcept {
  const AssertHandler previous = thread_handler;
  thread_handler = handler;
  return previous;
}

}  // namespace smh::host

extern "C" [[noreturn]] void smh_assert_failed(const char* expression, const char* file, int line) {
  if (const smh::host::AssertHandler handler = thread_handler) {
    handler(expression, file, line);  // leaves by throwing, unless it declines
  }
  std::fprintf(stderr, "smh assertion failed: %s at %s:%d\n", expression, file, line);
  std::fflush(stderr);
  std::abort();
}
