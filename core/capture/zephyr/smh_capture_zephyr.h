/*
 * The smh device log for stock Zephyr applications that keep Zephyr's own heap
 * (sys_heap, k_heap, k_malloc), through the heap listener API
 * (CONFIG_HEAP_LISTENER=y, CONFIG_SYS_HEAP_LISTENER=y; <zephyr/sys/heap_listener.h>).
 *
 * Written against Zephyr's documented API; it is not built with the rest of
 * smh (no Zephyr here). Add smh_capture_zephyr.c and ../src/capture.c to the
 * application (target_sources) with ../include on the include path.
 *
 * What the listeners give, and so what the log holds: heap id, pointer and the
 * bytes of the chunk (the heap's own size, not the request; Zephyr's listener
 * documentation says so); no alignment, no attribute (ATTR "-": give the heaps
 * attributes on import with --attr-map "heap" rules). A realloc shows as a free
 * and an allocation.
 */
#ifndef SMH_CAPTURE_ZEPHYR_H_
#define SMH_CAPTURE_ZEPHYR_H_

#include <zephyr/sys/heap_listener.h>
#include <zephyr/sys/sys_heap.h>

#include "smh/capture.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The two listeners watching one heap; keep it alive (static) while watched. */
struct smh_capture_zephyr_heap {
  struct heap_listener alloc_listener;
  struct heap_listener free_listener;
};

/*
 * The capture every watched heap writes to. Listener callbacks carry no
 * context, so there is one per application. Call before the first watch.
 */
void smh_capture_zephyr_init(struct smh_capture *capture);

/*
 * Watches the heap whose listener id is `heap_id` (HEAP_ID_FROM_POINTER(heap)
 * for a sys_heap, HEAP_ID_LIBC for the C library's): writes its H line (base
 * and size as given, 0 when unknown) and registers the listeners.
 */
void smh_capture_zephyr_watch(struct smh_capture_zephyr_heap *watch, uintptr_t heap_id, uintptr_t base,
                              size_t size_bytes);

/* The same for a sys_heap (for a k_heap: &k_heap->heap), with its memory's bounds. */
void smh_capture_zephyr_watch_sys_heap(struct smh_capture_zephyr_heap *watch, struct sys_heap *heap);

/* Stops watching (unregisters both listeners). */
void smh_capture_zephyr_unwatch(struct smh_capture_zephyr_heap *watch);

#ifdef __cplusplus
}
#endif

#endif /* SMH_CAPTURE_ZEPHYR_H_ */
