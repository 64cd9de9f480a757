/* Cortex-M size probe: a C program that reaches the heap through the pool and
 * Zephyr's shared_multi_heap API (init, add, alloc, aligned_alloc, realloc,
 * free), linked with --gc-sections: the code and static RAM a Zephyr user of the
 * C API pays. */
#include <zephyr/multi_heap/shared_multi_heap.h>

static _Alignas(8) unsigned char probe_region[4096];
volatile size_t probe_bytes;
void *volatile probe_sink;

int main(void) {
  struct shared_multi_heap_region region = {SMH_REG_ATTR_CACHEABLE, (uintptr_t)probe_region, sizeof probe_region};
  (void)shared_multi_heap_pool_init();
  (void)shared_multi_heap_add(&region, 0);
  void *a = shared_multi_heap_alloc(SMH_REG_ATTR_CACHEABLE, probe_bytes);
  void *b = shared_multi_heap_aligned_alloc(SMH_REG_ATTR_CACHEABLE, 64, probe_bytes);
  a = shared_multi_heap_realloc(SMH_REG_ATTR_CACHEABLE, a, probe_bytes);
  probe_sink = b;
  shared_multi_heap_free(a);
  shared_multi_heap_free(b);
  return 0;
}
