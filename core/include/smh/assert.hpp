// SMH_ASSERT: internal invariants of the core. These are programming errors inside
// smh (never bad user input, which is reported through Status). They are on unless
// SMH_ASSERTS is defined to 0 (release builds may do so); when an assertion fails,
// smh_assert_failed() is called, which never returns. The core's default definition
// traps; hosts (tests, the simulator) link a definition that prints first.
#pragma once

#ifndef SMH_ASSERTS
#define SMH_ASSERTS 1
#endif

extern "C" [[noreturn]] void smh_assert_failed(const char* expression, const char* file, int line);

#if SMH_ASSERTS
#define SMH_ASSERT(condition)                                    \
  do {                                                           \
    if (!(condition)) [[unlikely]] {                             \
      smh_assert_failed(#condition, __FILE__, __LINE__);         \
    }                                                            \
  } while (false)
#else
#define SMH_ASSERT(condition) \
  do {                        \
    (void)sizeof(condition);  \
  } while (false)
#endif
