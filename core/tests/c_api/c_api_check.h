/*
 * What the C API tests share: check() prints one line per check and ends the
 * process at the first failure (the API has one static pool and no reset, so a
 * test is one process that runs in order), and add() adds one region.
 * Header-only, static: each test is a single translation unit.
 */
#ifndef SMH_TESTS_C_API_CHECK_H
#define SMH_TESTS_C_API_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <zephyr/multi_heap/shared_multi_heap.h>

static unsigned checks_passed;

static void check(int condition, const char *name) {
  if (!condition) {
    printf("FAIL %s\n", name);
    fflush(stdout);
    exit(1);
  }
  ++checks_passed;
  printf("ok   %s\n", name);
}

/* shared_multi_heap_add() of [addr, addr + size) with the attribute. */
static int add(uint32_t attr, const void *addr, size_t size) {
  struct shared_multi_heap_region region;
  region.attr = attr;
  region.addr = (uintptr_t)addr;
  region.size = size;
  return shared_multi_heap_add(&region, NULL);
}

/* The last line of every test. */
static int all_checks_passed(void) {
  printf("all %u checks passed\n", checks_passed);
  return 0;
}

#endif
