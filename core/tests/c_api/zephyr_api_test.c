/*
 * The Zephyr-compatible C API, exercised from C (C11) the way Zephyr firmware
 * uses it: Zephyr's placement scenario, every error result, realloc, bad frees and
 * the capacity limit. The API has one static pool and no reset, so the whole
 * scenario runs in this one process, in order. Prints one line per check and
 * exits non-zero at the first failure, naming it.
 *
 * Built with the library's default capacities (SMH_ZEPHYR_MAX_REGIONS = 8).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zephyr/multi_heap/shared_multi_heap.h>

#include "c_api_check.h"

#define RES0_SIZE 0x1000u /* 4 KiB cacheable */
#define RES1_SIZE 0x2000u /* 8 KiB non-cacheable */
#define RES2_SIZE 0x3000u /* 12 KiB cacheable */
#define DEFAULT_MAX_REGIONS 8
#define SMALL_REGION_SIZE 64u

static _Alignas(4096) unsigned char res0[RES0_SIZE];
static _Alignas(4096) unsigned char res1[RES1_SIZE];
static _Alignas(4096) unsigned char res2[RES2_SIZE];
static _Alignas(4096) unsigned char spare[RES0_SIZE]; /* never added (bad regions) */
static _Alignas(8) unsigned char small_regions[DEFAULT_MAX_REGIONS][SMALL_REGION_SIZE];
static _Alignas(16) unsigned char foreign[64]; /* in no region */

/* largest_fit() per attribute right after the regions were added: whole regions. */
static size_t fresh_cacheable_fit;
static size_t fresh_non_cacheable_fit;

/* Whether [p, p + bytes) lies inside [base, base + size). */
static int within(const void *p, size_t bytes, const unsigned char *base, size_t size) {
  const uintptr_t a = (uintptr_t)p;
  const uintptr_t b = (uintptr_t)base;
  return p != NULL && a >= b && a - b <= size && bytes <= size - (a - b);
}

static void fill(void *p, size_t bytes, unsigned char seed) {
  unsigned char *bytes_p = p;
  for (size_t i = 0; i < bytes; ++i) {
    bytes_p[i] = (unsigned char)(seed + i * 7u);
  }
}

static int filled(const void *p, size_t bytes, unsigned char seed) {
  const unsigned char *bytes_p = p;
  for (size_t i = 0; i < bytes; ++i) {
    if (bytes_p[i] != (unsigned char)(seed + i * 7u)) {
      return 0;
    }
  }
  return 1;
}

/*
 * The largest request of attr the pool can serve now (binary search, each probe
 * allocated and freed at once): a fingerprint of the free space, used to show
 * that bad frees changed nothing.
 */
static size_t largest_fit(enum shared_multi_heap_attr attr) {
  size_t low = 0;            /* fits (0 trivially) */
  size_t high = 0x10000 + 1; /* does not fit: above every region */
  while (high - low > 1) {
    const size_t middle = low + (high - low) / 2;
    void *p = shared_multi_heap_alloc(attr, middle);
    if (p != NULL) {
      shared_multi_heap_free(p);
      low = middle;
    } else {
      high = middle;
    }
  }
  return low;
}

static const enum shared_multi_heap_attr ATTR_MAX = (enum shared_multi_heap_attr)MAX_SHARED_MULTI_HEAP_ATTR;
static const enum shared_multi_heap_attr ATTR_FAR = (enum shared_multi_heap_attr)42;

static void before_init(void) {
  check(shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x40) == NULL, "alloc before init returns NULL");
  check(shared_multi_heap_aligned_alloc(SMH_REG_ATTR_CACHEABLE, 64, 0x40) == NULL,
        "aligned_alloc before init returns NULL");
  check(shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, NULL, 0x40) == NULL,
        "realloc(NULL) before init returns NULL");
  check(add(SMH_REG_ATTR_CACHEABLE, res0, RES0_SIZE) == -EINVAL, "add before init returns -EINVAL");
  shared_multi_heap_free(NULL);
  shared_multi_heap_free(foreign);
  check(1, "free(NULL) and free(foreign) before init are harmless");
}

static void init_twice(void) {
  check(shared_multi_heap_pool_init() == 0, "pool_init returns 0");
  check(shared_multi_heap_pool_init() == -EALREADY, "second pool_init returns -EALREADY");
  check(shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x40) == NULL,
        "alloc with no region added returns NULL");
}

static void bad_regions(void) {
  check(shared_multi_heap_add(NULL, NULL) == -EINVAL, "add(NULL region) returns -EINVAL");
  check(add(MAX_SHARED_MULTI_HEAP_ATTR, spare, RES0_SIZE) == -EINVAL,
        "add with attr == MAX_SHARED_MULTI_HEAP_ATTR returns -EINVAL");
  check(add(1000u, spare, RES0_SIZE) == -EINVAL, "add with attr 1000 returns -EINVAL");
  check(add(SMH_REG_ATTR_CACHEABLE, NULL, RES0_SIZE) == -EINVAL, "add with a null address returns -EINVAL");
  check(add(SMH_REG_ATTR_CACHEABLE, spare, 0) == -EINVAL, "add with size 0 returns -EINVAL");
  check(add(SMH_REG_ATTR_CACHEABLE, spare, 16) == -EINVAL, "add with a too small region returns -EINVAL");
  check(add(SMH_REG_ATTR_CACHEABLE, (const void *)(UINTPTR_MAX - 0xFFF), 0x2000) == -EINVAL,
        "add with a region wrapping the address space returns -EINVAL");
}

static void add_zephyr_regions(void) {
  check(add(SMH_REG_ATTR_CACHEABLE, res0, RES0_SIZE) == 0, "add res0 (4 KiB cacheable) returns 0");
  check(add(SMH_REG_ATTR_NON_CACHEABLE, res1, RES1_SIZE) == 0, "add res1 (8 KiB non-cacheable) returns 0");
  check(add(SMH_REG_ATTR_CACHEABLE, res2, RES2_SIZE) == 0, "add res2 (12 KiB cacheable) returns 0");
  check(add(SMH_REG_ATTR_CACHEABLE, res0, RES0_SIZE) == -EINVAL, "adding res0 again returns -EINVAL");
  check(add(SMH_REG_ATTR_EXTERNAL, res1 + 0x1000, 0x1000) == -EINVAL,
        "add overlapping res1 returns -EINVAL");
  check(add(SMH_REG_ATTR_CACHEABLE, res2 + RES2_SIZE - 8, 0x100) == -EINVAL,
        "add overlapping res2's last granule returns -EINVAL");
  check(shared_multi_heap_alloc(SMH_REG_ATTR_EXTERNAL, 0x40) == NULL,
        "external alloc with no external region returns NULL");
  fresh_cacheable_fit = largest_fit(SMH_REG_ATTR_CACHEABLE);
  fresh_non_cacheable_fit = largest_fit(SMH_REG_ATTR_NON_CACHEABLE);
  check(fresh_cacheable_fit > 0x2000 && fresh_cacheable_fit < RES2_SIZE &&
          fresh_non_cacheable_fit > 0x1000 && fresh_non_cacheable_fit < RES1_SIZE,
        "the largest requests that fit are just under res2 and res1");
}

static void placement(void) {
  void *c40 = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x40);
  check(within(c40, 0x40, res0, RES0_SIZE), "cacheable 0x40 lands in res0");
  void *c80 = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x80);
  check(within(c80, 0x80, res0, RES0_SIZE), "cacheable 0x80 lands in res0");
  void *c1200 = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x1200);
  check(within(c1200, 0x1200, res2, RES2_SIZE), "cacheable 0x1200 lands in res2");
  void *n100a = shared_multi_heap_alloc(SMH_REG_ATTR_NON_CACHEABLE, 0x100);
  check(within(n100a, 0x100, res1, RES1_SIZE), "non-cacheable 0x100 lands in res1");
  void *n100b = shared_multi_heap_alloc(SMH_REG_ATTR_NON_CACHEABLE, 0x100);
  check(within(n100b, 0x100, res1, RES1_SIZE) && n100b != n100a,
        "second non-cacheable 0x100 lands in res1, elsewhere");
  check(shared_multi_heap_alloc(SMH_REG_ATTR_NON_CACHEABLE, 0x10000) == NULL,
        "non-cacheable 0x10000 returns NULL");
  check(shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0) == NULL, "size 0 returns NULL");
  check(shared_multi_heap_alloc(ATTR_MAX, 0x40) == NULL, "attr MAX_SHARED_MULTI_HEAP_ATTR returns NULL");
  check(shared_multi_heap_alloc(ATTR_FAR, 0x40) == NULL, "attr 42 returns NULL");
  check(shared_multi_heap_aligned_alloc(ATTR_MAX, 64, 0x40) == NULL,
        "aligned_alloc with an out-of-range attr returns NULL");

  void *a256 = shared_multi_heap_aligned_alloc(SMH_REG_ATTR_NON_CACHEABLE, 256, 0x30);
  check(within(a256, 0x30, res1, RES1_SIZE) && (uintptr_t)a256 % 256 == 0,
        "aligned_alloc(non-cacheable, 256, 0x30) is 256-aligned in res1");
  void *a4k = shared_multi_heap_aligned_alloc(SMH_REG_ATTR_CACHEABLE, 4096, 0x40);
  check(within(a4k, 0x40, res2, RES2_SIZE) && (uintptr_t)a4k % 4096 == 0,
        "aligned_alloc(cacheable, 4096, 0x40) is 4096-aligned in res2");
  check(shared_multi_heap_aligned_alloc(SMH_REG_ATTR_CACHEABLE, 24, 0x40) == NULL,
        "aligned_alloc with a non-power-of-two alignment returns NULL");
  check(shared_multi_heap_aligned_alloc(SMH_REG_ATTR_CACHEABLE, 64, 0) == NULL,
        "aligned_alloc of size 0 returns NULL");

  void *blocks[] = {c40, c80, c1200, n100a, n100b, a256, a4k};
  for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; ++i) {
    shared_multi_heap_free(blocks[i]);
  }
  check(1, "free of each placement block");
  shared_multi_heap_free(NULL);
  check(1, "free(NULL) is a no-op");
}

static void realloc_semantics(void) {
  /* NULL allocates; 0 frees. */
  void *p = shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, NULL, 0x40);
  check(within(p, 0x40, res0, RES0_SIZE), "realloc(cacheable, NULL, 0x40) allocates in res0");
  check(shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, p, 0) == NULL, "realloc(p, 0) returns NULL");
  void *again = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x40);
  check(again == p, "realloc(p, 0) freed p (the same block is handed out again)");

  /* Grow in place: the block's right neighbour in res0 is free. */
  fill(again, 0x40, 1);
  void *grown = shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, again, 0x200);
  check(grown == again && filled(grown, 0x40, 1), "realloc grows in place when the neighbour is free");

  /* Shrink in place. */
  void *shrunk = shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, grown, 0x20);
  check(shrunk == grown && filled(shrunk, 0x20, 1), "realloc shrinks in place");

  /* Blocked on the right: moves within the same attribute, contents kept. */
  void *blocker = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x40);
  check(within(blocker, 0x40, res0, RES0_SIZE) && (uintptr_t)blocker > (uintptr_t)shrunk,
        "a blocker lands right after the block in res0");
  void *moved = shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, shrunk, 0x100);
  check(moved != NULL && moved != shrunk && within(moved, 0x100, res0, RES0_SIZE) && filled(moved, 0x20, 1),
        "realloc moves within res0 when blocked, copying the contents");

  /* Too large for res0: moves to res2 (the next cacheable region). */
  fill(moved, 0x100, 2);
  void *big = shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, moved, 0x1800);
  check(within(big, 0x1800, res2, RES2_SIZE) && filled(big, 0x100, 2),
        "realloc to 0x1800 moves from res0 to res2, copying the contents");
  void *reuse = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x100);
  check(reuse == moved, "the block realloc moved away from was freed");
  shared_multi_heap_free(reuse);

  /* Another attribute: moves to a region with it, even with room in place. */
  fill(big, 0x80, 3);
  void *nc = shared_multi_heap_realloc(SMH_REG_ATTR_NON_CACHEABLE, big, 0x80);
  check(within(nc, 0x80, res1, RES1_SIZE) && filled(nc, 0x80, 3),
        "realloc to non-cacheable moves the block from res2 to res1");

  /* Failures leave the block untouched. */
  check(shared_multi_heap_realloc(SMH_REG_ATTR_NON_CACHEABLE, nc, 0x10000) == NULL && filled(nc, 0x80, 3),
        "realloc to 0x10000 returns NULL and keeps the block");
  check(shared_multi_heap_realloc(ATTR_MAX, nc, 0x100) == NULL && filled(nc, 0x80, 3),
        "realloc with an out-of-range attr returns NULL and keeps the block");
  check(shared_multi_heap_realloc(ATTR_FAR, nc, 0) == NULL && filled(nc, 0x80, 3),
        "realloc(out-of-range attr, p, 0) returns NULL and does not free");
  check(shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, foreign, 0x40) == NULL,
        "realloc of a foreign pointer returns NULL");
  check(shared_multi_heap_realloc(SMH_REG_ATTR_NON_CACHEABLE, (unsigned char *)nc + 8, 0x40) == NULL &&
          filled(nc, 0x80, 3),
        "realloc of an interior pointer returns NULL and keeps the block");
  void *nc_same = shared_multi_heap_realloc(SMH_REG_ATTR_NON_CACHEABLE, nc, 0x80);
  check(nc_same == nc && filled(nc, 0x80, 3), "the block still works after the failed reallocs");

  shared_multi_heap_free(nc_same);
  shared_multi_heap_free(blocker);
  check(1, "free of the realloc blocks");
}

static void bad_frees(void) {
  const size_t cacheable_before = largest_fit(SMH_REG_ATTR_CACHEABLE);
  const size_t non_cacheable_before = largest_fit(SMH_REG_ATTR_NON_CACHEABLE);
  check(cacheable_before == fresh_cacheable_fit && non_cacheable_before == fresh_non_cacheable_fit,
        "everything freed: res1 and res2 serve as large a request as when added");

  void *live = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x80);
  check(within(live, 0x80, res0, RES0_SIZE), "a live block in res0");
  fill(live, 0x80, 4);
  void *gone = shared_multi_heap_alloc(SMH_REG_ATTR_NON_CACHEABLE, 0x40);
  shared_multi_heap_free(gone);

  unsigned char on_stack[32];
  shared_multi_heap_free(foreign);
  shared_multi_heap_free(on_stack);
  shared_multi_heap_free(spare);
  shared_multi_heap_free((unsigned char *)live + 8); /* interior */
  shared_multi_heap_free((unsigned char *)live + 1); /* misaligned interior */
  shared_multi_heap_free(gone);                      /* double free */
  shared_multi_heap_free(res1 + RES1_SIZE - 8);      /* the region's bitmap, not a block */
  check(1, "foreign, interior and double frees return");

  check(filled(live, 0x80, 4), "the live block is intact after the bad frees");
  void *next = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x80);
  check(within(next, 0x80, res0, RES0_SIZE) && next != live &&
          ((uintptr_t)next >= (uintptr_t)live + 0x80 || (uintptr_t)next + 0x80 <= (uintptr_t)live),
        "allocation still works and does not hand out the live block");
  shared_multi_heap_free(next);
  shared_multi_heap_free(live);
  check(largest_fit(SMH_REG_ATTR_CACHEABLE) == cacheable_before &&
          largest_fit(SMH_REG_ATTR_NON_CACHEABLE) == non_cacheable_before,
        "after the bad frees the free space is exactly as before");
}

static void capacity(void) {
  /* 3 regions so far; fill up to the default capacity with small regions. */
  const unsigned attrs[] = {SMH_REG_ATTR_EXTERNAL, SMH_REG_ATTR_CACHEABLE, SMH_REG_ATTR_NON_CACHEABLE};
  unsigned added = 3;
  for (unsigned i = 0; added < DEFAULT_MAX_REGIONS; ++i, ++added) {
    if (add(attrs[i % 3], small_regions[i], SMALL_REGION_SIZE) != 0) {
      check(0, "adding small regions up to the capacity returns 0");
    }
  }
  check(1, "adding small regions up to the capacity (8) returns 0");
  check(add(SMH_REG_ATTR_EXTERNAL, small_regions[DEFAULT_MAX_REGIONS - 1], SMALL_REGION_SIZE) == -ENOMEM,
        "adding a region beyond the capacity returns -ENOMEM");
  check(add(SMH_REG_ATTR_EXTERNAL, small_regions[0], SMALL_REGION_SIZE) == -EINVAL,
        "an invalid region is still -EINVAL when the pool is full");

  void *ext = shared_multi_heap_alloc(SMH_REG_ATTR_EXTERNAL, 0x10);
  check(within(ext, 0x10, small_regions[0], SMALL_REGION_SIZE),
        "external alloc lands in the first external region");
  void *c = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x40);
  check(within(c, 0x40, res0, RES0_SIZE), "cacheable 0x40 still lands in res0 when the pool is full");
  shared_multi_heap_free(ext);
  shared_multi_heap_free(c);
}

int main(void) {
  before_init();
  init_twice();
  bad_regions();
  add_zephyr_regions();
  placement();
  realloc_semantics();
  bad_frees();
  capacity();
  return all_checks_passed();
}
