/*
 * shared_multi_heap_add() with a region whose start is not 8-byte aligned: as
 * Zephyr's sys_heap_init() does, the start is rounded up and the end down to 8
 * bytes and the region is accepted (issue 12). A fresh process: the API has one
 * static pool and no reset. Prints one line per check, exits non-zero at the
 * first failure.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <zephyr/multi_heap/shared_multi_heap.h>

#include "c_api_check.h"

#define ODD_SIZE 0x400u

static _Alignas(8) unsigned char odd[ODD_SIZE];  /* added at odd + 3 */
static _Alignas(8) unsigned char tiny[64];       /* too small once rounded */

int main(void) {
  check(shared_multi_heap_pool_init() == 0, "pool_init returns 0");

  /* [tiny + 1, tiny + 1 + 30): rounded to [tiny + 8, tiny + 24), 16 bytes, below a heap's minimum. */
  check(add(SMH_REG_ATTR_CACHEABLE, tiny + 1, 30) == -EINVAL, "a region too small once rounded returns -EINVAL");
  /* [tiny + 1, tiny + 6): nothing left once the start is rounded up. */
  check(add(SMH_REG_ATTR_CACHEABLE, tiny + 1, 5) == -EINVAL, "a region shorter than its rounding returns -EINVAL");

  /* [odd + 3, odd + ODD_SIZE - 2): managed as [odd + 8, odd + ODD_SIZE - 8). */
  check(add(SMH_REG_ATTR_CACHEABLE, odd + 3, ODD_SIZE - 5) == 0, "a region starting at odd + 3 is accepted");

  void *p = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, 0x40);
  const uintptr_t a = (uintptr_t)p;
  const uintptr_t lo = (uintptr_t)(odd + 8);
  const uintptr_t hi = (uintptr_t)(odd + ODD_SIZE - 8);
  check(p != NULL && a % 8 == 0 && a >= lo && a + 0x40 <= hi,
        "a block of it is 8-byte aligned and inside the rounded region");

  /* The whole rounded region is the heap's: the largest request leaves the rounded end alone. */
  void *big = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, ODD_SIZE - 0x100);
  check(big != NULL && (uintptr_t)big + (ODD_SIZE - 0x100) <= hi, "the rounded region serves a large request");
  check(shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, ODD_SIZE) == NULL,
        "a request larger than the region fails");

  /* The rounded bounds decide overlaps: the bytes before odd + 8 belong to no region. */
  check(add(SMH_REG_ATTR_NON_CACHEABLE, odd + 0x100, 0x40) == -EINVAL, "a region inside it overlaps: -EINVAL");

  shared_multi_heap_free(big);
  shared_multi_heap_free(p);
  void *again = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, ODD_SIZE - 0x100);
  check(again == p, "freed blocks coalesce: the large request now starts at the first block");
  shared_multi_heap_free(again);

  return all_checks_passed();
}
