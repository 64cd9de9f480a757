// Which sanitizer this translation unit is built with, as one pair of macros for
// GCC (__SANITIZE_ADDRESS__, __SANITIZE_THREAD__) and clang (__has_feature):
// SMH_HAS_ASAN and SMH_HAS_TSAN are defined to 1 under ASan and TSan. The
// simulator poisons memory only under ASan, and the tests that make a process
// die on purpose expect the way each sanitizer ends it.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define SMH_HAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMH_HAS_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define SMH_HAS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SMH_HAS_TSAN 1
#endif
#endif
