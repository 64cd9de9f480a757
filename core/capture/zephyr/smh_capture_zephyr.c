/*
 * smh_capture_zephyr.h: Zephyr heap listeners that write the smh device log.
 * Not built here (it needs Zephyr); see the header and docs/capture.md.
 *
 * The callbacks run inside the heap's operation, under its lock (k_heap's
 * spinlock, and the listener list's), possibly with interrupts masked: they
 * must not block. Give the capture a ring (smh_capture_init_ring) drained by a
 * thread, or a sink that never waits (printk with deferred logging).
 */
#include "smh_capture_zephyr.h"

static struct smh_capture *zephyr_capture;

static void on_alloc(uintptr_t heap_id, void *mem, size_t bytes) {
  smh_capture_alloc(zephyr_capture, heap_id, (uintptr_t)mem, bytes, 0, SMH_CAPTURE_NO_ATTR);
}

static void on_free(uintptr_t heap_id, void *mem, size_t bytes) {
  smh_capture_free(zephyr_capture, heap_id, (uintptr_t)mem, bytes);
}

void smh_capture_zephyr_init(struct smh_capture *capture) { zephyr_capture = capture; }

void smh_capture_zephyr_watch(struct smh_capture_zephyr_heap *watch, uintptr_t heap_id, uintptr_t base,
                              size_t size_bytes) {
  smh_capture_heap(zephyr_capture, heap_id, base, size_bytes, SMH_CAPTURE_NO_ATTR);
  watch->alloc_listener = (struct heap_listener){
      .heap_id = heap_id,
      .event = HEAP_ALLOC,
      .alloc_cb = on_alloc,
  };
  watch->free_listener = (struct heap_listener){
      .heap_id = heap_id,
      .event = HEAP_FREE,
      .free_cb = on_free,
  };
  heap_listener_register(&watch->alloc_listener);
  heap_listener_register(&watch->free_listener);
}

void smh_capture_zephyr_watch_sys_heap(struct smh_capture_zephyr_heap *watch, struct sys_heap *heap) {
  smh_capture_zephyr_watch(watch, HEAP_ID_FROM_POINTER(heap), (uintptr_t)heap->init_mem, heap->init_bytes);
}

void smh_capture_zephyr_unwatch(struct smh_capture_zephyr_heap *watch) {
  heap_listener_unregister(&watch->alloc_listener);
  heap_listener_unregister(&watch->free_listener);
}
