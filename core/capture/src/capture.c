/*
 * smh capture (smh/capture.h): formats device-log lines (docs/device-log.md)
 * and hands them to the sink. Every event costs a bounded number of steps: at
 * most seven hex fields of at most 16 digits, one line of at most
 * SMH_CAPTURE_LINE_MAX bytes copied, one sink call. No allocation, no library
 * call, nothing but the stack.
 */
#include "smh/capture.h"

#define MARKER "@smh1 "

/* A field: a number, or "-" when absent. */
struct field {
  uint64_t value;
  int absent;
};

struct line {
  char text[SMH_CAPTURE_LINE_MAX];
  unsigned length;
};

static void put_char(struct line *line, char c) {
  /* Formatting is bounded well below the buffer (see SMH_CAPTURE_LINE_MAX);
     never write past it, nor over the terminating NUL's place. */
  if (line->length + 1u < SMH_CAPTURE_LINE_MAX) {
    line->text[line->length++] = c;
  }
}

static void put_hex(struct line *line, uint64_t value) {
  static const char digits[] = "0123456789abcdef";
  int shift = 60;
  while (shift > 0 && ((value >> shift) & 0xFu) == 0u) {
    shift -= 4; /* leading zeros */
  }
  for (; shift >= 0; shift -= 4) {
    put_char(line, digits[(value >> shift) & 0xFu]);
  }
}

static void put_field(struct line *line, struct field field) {
  put_char(line, ' ');
  if (field.absent) {
    put_char(line, '-');
  } else {
    put_hex(line, field.value);
  }
}

static struct field number(uint64_t value) {
  struct field out;
  out.value = value;
  out.absent = 0;
  return out;
}

static struct field attribute(uint32_t attr) {
  struct field out = number(attr);
  out.absent = attr == SMH_CAPTURE_NO_ATTR;
  return out;
}

static struct field region_id(uintptr_t region) {
  struct field out = number(region);
  out.absent = region == SMH_CAPTURE_NO_REGION;
  return out;
}

static void ring_write(struct smh_capture_ring *ring, const char *text, uint32_t length) {
  if (length > ring->capacity_bytes - ring->used_bytes) {
    ++ring->dropped_events;
    return;
  }
  uint32_t at = ring->head;
  for (uint32_t i = 0; i < length; ++i) {
    ring->data[at] = text[i];
    at = at + 1u == ring->capacity_bytes ? 0u : at + 1u;
  }
  ring->head = at;
  ring->used_bytes += length;
}

/* Numbers the event, formats its line and writes it, under the lock. */
static void emit(struct smh_capture *capture, char kind, const struct field *fields, unsigned count) {
  uint32_t key = 0;
  if (capture->lock != 0) {
    key = capture->lock(capture->lock_context);
  }
  struct line line;
  line.length = 0;
  for (const char *m = MARKER; *m != '\0'; ++m) {
    put_char(&line, *m);
  }
  put_hex(&line, capture->next_seq++);
  put_char(&line, ' ');
  put_char(&line, kind);
  for (unsigned i = 0; i < count; ++i) {
    put_field(&line, fields[i]);
  }
  if (capture->clock != 0) {
    put_char(&line, ' ');
    put_char(&line, 't');
    put_hex(&line, capture->clock(capture->clock_context));
  }
  put_char(&line, '\n');
  line.text[line.length] = '\0';
  if (capture->ring != 0) {
    ring_write(capture->ring, line.text, line.length);
  } else if (capture->write != 0) {
    capture->write(capture->write_context, line.text, line.length);
  } else if (capture->printf_fn != 0) {
    capture->printf_fn("%s", line.text);
  }
  if (capture->unlock != 0) {
    capture->unlock(capture->lock_context, key);
  }
}

static void init(struct smh_capture *capture) {
  capture->write = 0;
  capture->write_context = 0;
  capture->printf_fn = 0;
  capture->ring = 0;
  capture->clock = 0;
  capture->clock_context = 0;
  capture->lock = 0;
  capture->unlock = 0;
  capture->lock_context = 0;
  capture->next_seq = 0;
}

void smh_capture_init_write(struct smh_capture *capture, smh_capture_write_fn write, void *context) {
  init(capture);
  capture->write = write;
  capture->write_context = context;
}

void smh_capture_init_printf(struct smh_capture *capture, smh_capture_printf_fn printf_fn) {
  init(capture);
  capture->printf_fn = printf_fn;
}

void smh_capture_init_ring(struct smh_capture *capture, struct smh_capture_ring *ring, char *storage, size_t bytes) {
  init(capture);
  ring->capacity_bytes = bytes > 0x7FFFFFFFu ? 0x7FFFFFFFu : (uint32_t)bytes;
  ring->head = 0;
  ring->tail = 0;
  ring->used_bytes = 0;
  ring->dropped_events = 0;
  ring->data = storage;
  ring->magic = SMH_CAPTURE_RING_MAGIC;
  capture->ring = ring;
}

void smh_capture_set_clock(struct smh_capture *capture, smh_capture_clock_fn clock, void *context) {
  capture->clock = clock;
  capture->clock_context = context;
}

void smh_capture_set_lock(struct smh_capture *capture, smh_capture_lock_fn lock, smh_capture_unlock_fn unlock,
                          void *context) {
  capture->lock = lock;
  capture->unlock = unlock;
  capture->lock_context = context;
}

void smh_capture_begin(struct smh_capture *capture, uint64_t ticks_per_second) {
  const struct field fields[1] = {number(ticks_per_second)};
  emit(capture, 'B', fields, 1);
}

void smh_capture_heap(struct smh_capture *capture, uintptr_t region, uintptr_t base, size_t size_bytes,
                      uint32_t attr) {
  const struct field fields[4] = {region_id(region), number(base), number(size_bytes), attribute(attr)};
  emit(capture, 'H', fields, 4);
}

void smh_capture_alloc(struct smh_capture *capture, uintptr_t region, uintptr_t address, size_t size_bytes,
                       size_t align_bytes, uint32_t attr) {
  const struct field fields[5] = {region_id(region), number(address), number(size_bytes), number(align_bytes),
                                  attribute(attr)};
  emit(capture, 'A', fields, 5);
}

void smh_capture_free(struct smh_capture *capture, uintptr_t region, uintptr_t address, size_t size_bytes) {
  const struct field fields[3] = {region_id(region), number(address), number(size_bytes)};
  emit(capture, 'F', fields, 3);
}

void smh_capture_realloc(struct smh_capture *capture, uintptr_t region, uintptr_t old_address, uintptr_t new_address,
                         size_t size_bytes, size_t align_bytes, uint32_t attr) {
  const struct field fields[6] = {region_id(region), number(old_address), number(new_address),
                                  number(size_bytes), number(align_bytes),   attribute(attr)};
  emit(capture, 'R', fields, 6);
}

void smh_capture_alloc_failed(struct smh_capture *capture, uintptr_t region, size_t size_bytes, size_t align_bytes) {
  const struct field fields[3] = {region_id(region), number(size_bytes), number(align_bytes)};
  emit(capture, 'X', fields, 3);
}

void smh_capture_error(struct smh_capture *capture, uintptr_t region, unsigned status, uintptr_t address) {
  const struct field fields[3] = {region_id(region), number(status), number(address)};
  emit(capture, 'E', fields, 3);
}

size_t smh_capture_ring_read(struct smh_capture_ring *ring, char *out, size_t capacity) {
  size_t moved = 0;
  while (moved < capacity && ring->used_bytes != 0) {
    out[moved++] = ring->data[ring->tail];
    ring->tail = ring->tail + 1u == ring->capacity_bytes ? 0u : ring->tail + 1u;
    --ring->used_bytes;
  }
  return moved;
}
