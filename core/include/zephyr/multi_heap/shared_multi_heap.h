/*
 * Zephyr-compatible shared multi-heap C API, implemented by smh.
 *
 * Code written against Zephyr's <zephyr/multi_heap/shared_multi_heap.h> compiles
 * and links against this header and the smh core library unchanged: the names,
 * types, values and results are Zephyr's. Underneath is one static
 * smh::BasicPool in exact attribute mode with the first_fit policy (Zephyr's
 * behaviour: the regions of an attribute are tried in the order they were added).
 * See core/src/zephyr_shared_multi_heap.cpp.
 *
 * Capacities are fixed at build time, as Zephyr's Kconfig does; define them when
 * compiling the core library to change them:
 *   SMH_ZEPHYR_MAX_REGIONS           regions in total           (default 8)
 *   SMH_ZEPHYR_MAX_REGIONS_PER_ATTR  regions of one attribute   (default 8)
 *
 * Where smh differs from Zephyr (each a fix, none changes a successful call):
 *  - shared_multi_heap_add() before shared_multi_heap_pool_init() is rejected
 *    with -EINVAL instead of corrupting the pool.
 *  - shared_multi_heap_free() and shared_multi_heap_realloc() check that the
 *    pointer is a live block of some region (binary search over the regions,
 *    both bounds checked, then the heap's exact block check). A foreign,
 *    interior or already-freed pointer is ignored (free) or refused with NULL
 *    (realloc) and is never handed to a heap.
 *  - Overlapping, null or too small regions are rejected with -EINVAL.
 *  - As in Zephyr, a region's start is rounded up and its end down to 8 bytes,
 *    so a start that is not 8-byte aligned is accepted.
 *
 * Thread safety: every call may be made from several threads (a spinlock
 * serialises them); do not call from an interrupt handler that can preempt a
 * caller on the same core. shared_multi_heap_pool_init() must complete before
 * the other calls are made.
 *
 * Usable from C99 and C++.
 */
#ifndef ZEPHYR_INCLUDE_MULTI_HEAP_SHARED_MULTI_HEAP_H_
#define ZEPHYR_INCLUDE_MULTI_HEAP_SHARED_MULTI_HEAP_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Region attributes. A request names one; it is served only by regions added
 * with the same value (exact match). Values from SMH_REG_ATTR_NUM up are out of
 * range: alloc returns NULL, add returns -EINVAL.
 */
enum shared_multi_heap_attr {
  /** Cacheable memory. */
  SMH_REG_ATTR_CACHEABLE,
  /** Non-cacheable memory (e.g. for DMA buffers). */
  SMH_REG_ATTR_NON_CACHEABLE,
  /** External memory (e.g. PSRAM). */
  SMH_REG_ATTR_EXTERNAL,
  /** Number of attributes; not an attribute itself. */
  SMH_REG_ATTR_NUM,
};

/** The number of attributes the pool knows (valid values are below it). */
#define MAX_SHARED_MULTI_HEAP_ATTR SMH_REG_ATTR_NUM

/** A memory region handed to the pool by shared_multi_heap_add(). */
struct shared_multi_heap_region {
  /** One of enum shared_multi_heap_attr. */
  uint32_t attr;
  /** Start address; non-zero. Rounded up to 8 bytes (the end is rounded down). */
  uintptr_t addr;
  /** Size in bytes. */
  size_t size;
};

/**
 * Initialises the pool. Call once, before any other function.
 *
 * @return 0 on success, -EALREADY if the pool was already initialised.
 */
int shared_multi_heap_pool_init(void);

/**
 * Allocates bytes from a region with attribute attr (the first added region of
 * that attribute that can hold the request).
 *
 * @return the block, or NULL when bytes is 0, attr is out of range, the pool is
 *         not initialised, or no region with attr has room.
 */
void *shared_multi_heap_alloc(enum shared_multi_heap_attr attr, size_t bytes);

/**
 * As shared_multi_heap_alloc(), with the block aligned to align bytes.
 *
 * @param align a power of two, or 0 for the default (8-byte) alignment.
 * @return the block, or NULL as for shared_multi_heap_alloc() and also when
 *         align is not a power of two.
 */
void *shared_multi_heap_aligned_alloc(enum shared_multi_heap_attr attr, size_t align, size_t bytes);

/**
 * Resizes a block to bytes, keeping it in memory with attribute attr.
 *
 * ptr == NULL allocates (as shared_multi_heap_alloc()); bytes == 0 frees ptr
 * and returns NULL. Otherwise the block is resized in place when its region has
 * attribute attr and room next to it; else a new block is allocated from a
 * region with attribute attr, min(old usable size, bytes) bytes are copied and
 * the old block is freed.
 *
 * @return the (possibly moved) block; NULL if attr is out of range (ptr is then
 *         left untouched, even when bytes is 0), if ptr is not a live block of
 *         the pool, or if there is no room. On NULL other than for bytes == 0
 *         the old block is unchanged and still owned by the caller.
 */
void *shared_multi_heap_realloc(enum shared_multi_heap_attr attr, void *ptr, size_t bytes);

/**
 * Frees a block returned by this API. NULL is a no-op. A pointer that is not a
 * live block of the pool (foreign, interior, already freed) is ignored: no
 * region is changed.
 */
void shared_multi_heap_free(void *block);

/**
 * Adds a memory region to the pool. The pool manages [addr, addr + size) from
 * then on; a region cannot be removed.
 *
 * @param region    the region; it is copied, the structure may be reused.
 * @param user_data an opaque pointer kept with the region.
 * @return 0 on success;
 *         -EINVAL if region is NULL, its attr is out of range, its address is 0,
 *                 it is too small to hold a heap once its start is rounded up
 *                 and its end down to 8 bytes (or too large for one), it wraps
 *                 the address space or overlaps a region already added, or the
 *                 pool is not initialised;
 *         -ENOMEM if the pool already holds SMH_ZEPHYR_MAX_REGIONS regions, or
 *                 SMH_ZEPHYR_MAX_REGIONS_PER_ATTR regions with this attribute.
 */
int shared_multi_heap_add(struct shared_multi_heap_region *region, void *user_data);

#ifdef __cplusplus
}
#endif

#endif /* ZEPHYR_INCLUDE_MULTI_HEAP_SHARED_MULTI_HEAP_H_ */
