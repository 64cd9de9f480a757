// Host definition of smh_assert_failed for tests, benchmarks and the cli: say which
// invariant failed and where, then abort so the test runner (and sanitizers) see
// the failure. A strong definition: it overrides the core's weak, trapping default.
#include <cstdio>
#include <cstdlib>

#include "smh/assert.hpp"

extern "C" [[noreturn]] void smh_assert_failed(const char* expression, const char* file, int line) {
  std::fprintf(stderr, "smh assertion failed: %s at %s:%d\n", expression, file, line);
  std::fflush(stderr);
  std::abort();
}
