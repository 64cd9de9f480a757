/*
 * smh capture: records a device's allocations as the smh device log
 * (docs/device-log.md), for `smh import device` and `smh replay` on the host.
 *
 * Freestanding C99: no allocation, no library calls, no stdio. Each event is
 * formatted into a line on the stack (at most SMH_CAPTURE_LINE_MAX bytes, a
 * bounded number of steps) and handed to one sink:
 *   - a write function (text, length), e.g. a UART driver or a log backend;
 *   - a printf-like function, called as printf_fn("%s", line) (printk, printf,
 *     esp_rom_printf);
 *   - a ring buffer in memory the caller provides, which a debugger can dump or
 *     a low-priority thread can drain (smh_capture_ring_read) to a console.
 *
 * Hook it to the allocator with capture_hooks.hpp (smh::BasicPool and
 * smh::Heap, C++), to a Zephyr sys_heap with zephyr/smh_capture_zephyr.c, or
 * call the event functions below from any allocator wrapper.
 *
 * Concurrency: the capture serialises its events with the lock the caller sets
 * (smh_capture_set_lock: e.g. irq_lock/irq_unlock, or a spinlock on SMP), held
 * while one line is numbered and written. Without a lock, events must come from
 * one context at a time (a pool's own lock already serialises that pool's
 * events). From an interrupt handler, use the ring (or a sink that does not
 * block) and a lock that masks that interrupt.
 *
 * Usable from C and C++.
 */
#ifndef SMH_CAPTURE_H_
#define SMH_CAPTURE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The longest line the capture writes, its '\n' included. */
#define SMH_CAPTURE_LINE_MAX 192u

/** An attribute the writer does not know (printed as "-"). */
#define SMH_CAPTURE_NO_ATTR UINT32_MAX
/** The region of a pool-level event, which belongs to no region ("-"). */
#define SMH_CAPTURE_NO_REGION UINTPTR_MAX

/** A ring's `magic` once initialised ("smhR"), so a debugger can find it. */
#define SMH_CAPTURE_RING_MAGIC 0x52686d73u

typedef void (*smh_capture_write_fn)(void *context, const char *text, size_t length);
typedef int (*smh_capture_printf_fn)(const char *format, ...);
typedef uint64_t (*smh_capture_clock_fn)(void *context);
typedef uint32_t (*smh_capture_lock_fn)(void *context);
typedef void (*smh_capture_unlock_fn)(void *context, uint32_t key);

/**
 * A byte ring of whole lines: a line that does not fit is dropped whole and
 * counted in `dropped_events` (its sequence number is used all the same, so the
 * importer sees the gap). Never drained, the ring fills from data[0] and then
 * drops: data[0, used_bytes) is the log from the start, which a debugger dumps.
 */
struct smh_capture_ring {
  uint32_t magic;
  uint32_t capacity_bytes;
  volatile uint32_t head;       /* offset of the next line */
  volatile uint32_t tail;       /* offset of the next byte to read */
  volatile uint32_t used_bytes; /* written and not yet read */
  volatile uint32_t dropped_events;
  char *data;
};

struct smh_capture {
  smh_capture_write_fn write;
  void *write_context;
  smh_capture_printf_fn printf_fn;
  struct smh_capture_ring *ring;
  smh_capture_clock_fn clock;
  void *clock_context;
  smh_capture_lock_fn lock;
  smh_capture_unlock_fn unlock;
  void *lock_context;
  uint32_t next_seq; /* the next event's sequence number */
};

/** What a region's hooks need to write its events (see capture_hooks.hpp). */
struct smh_capture_region {
  struct smh_capture *capture;
  uintptr_t id;   /* the REGION field: the pool's region index, a heap's id */
  uintptr_t base; /* the device address of the region's first byte */
  uint32_t attr;  /* the region's attribute or capability bits */
};

/* Set-up: one sink each. */
void smh_capture_init_write(struct smh_capture *capture, smh_capture_write_fn write, void *context);
void smh_capture_init_printf(struct smh_capture *capture, smh_capture_printf_fn printf_fn);
/** `storage` of `bytes` bytes (at least SMH_CAPTURE_LINE_MAX, below 2^31) becomes the ring. */
void smh_capture_init_ring(struct smh_capture *capture, struct smh_capture_ring *ring, char *storage, size_t bytes);
/** A clock read on every event (the optional tTIME field); NULL: none. */
void smh_capture_set_clock(struct smh_capture *capture, smh_capture_clock_fn clock, void *context);
/** Held around each event; NULL: none. */
void smh_capture_set_lock(struct smh_capture *capture, smh_capture_lock_fn lock, smh_capture_unlock_fn unlock,
                          void *context);

/* Events: one line each (docs/device-log.md). */
void smh_capture_begin(struct smh_capture *capture, uint64_t ticks_per_second);
void smh_capture_heap(struct smh_capture *capture, uintptr_t region, uintptr_t base, size_t size_bytes,
                      uint32_t attr);
void smh_capture_alloc(struct smh_capture *capture, uintptr_t region, uintptr_t address, size_t size_bytes,
                       size_t align_bytes, uint32_t attr);
void smh_capture_free(struct smh_capture *capture, uintptr_t region, uintptr_t address, size_t size_bytes);
void smh_capture_realloc(struct smh_capture *capture, uintptr_t region, uintptr_t old_address, uintptr_t new_address,
                         size_t size_bytes, size_t align_bytes, uint32_t attr);
void smh_capture_alloc_failed(struct smh_capture *capture, uintptr_t region, size_t size_bytes, size_t align_bytes);
void smh_capture_error(struct smh_capture *capture, uintptr_t region, unsigned status, uintptr_t address);

/**
 * Moves up to `capacity` bytes from the ring to `out` (for a thread that drains
 * the ring to a console); returns the bytes moved. Hold the capture's lock
 * around it when events may be written meanwhile (an interrupt, another core).
 */
size_t smh_capture_ring_read(struct smh_capture_ring *ring, char *out, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* SMH_CAPTURE_H_ */
