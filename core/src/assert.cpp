// The core's default assertion handler: stop dead. On a microcontroller a trap
// lands in the fault handler with the faulting PC, which is the most useful thing
// a freestanding library can do. Hosts override this weak definition with one that
// prints the expression and location first (core/host/assert_host.cpp).
#include "smh/assert.hpp"

extern "C" [[noreturn]] __attribute__((weak)) void smh_assert_failed(const char* expression,
                                                                     const char* file, int line) {
  (void)expression;
  (void)file;
  (void)line;
  __builtin_trap();
}
