// Cortex-M size probe: a program that reaches only the shipping heap API
// (init, alloc, aligned_alloc, realloc, free), linked with --gc-sections, so the
// heap's code that survives the link is what firmware using it pays. Volatile
// sizes and a volatile sink keep the compiler from folding the calls away.
#include "smh/heap.hpp"

smh::Heap probe_heap;  // a named global: its size is the control data outside the region
alignas(8) static unsigned char probe_region[4096];
volatile unsigned probe_bytes;
void* volatile probe_sink;

int main() {
  (void)probe_heap.init(probe_region, sizeof probe_region);
  void* a = probe_heap.alloc(probe_bytes);
  void* b = probe_heap.aligned_alloc(64, probe_bytes);
  a = probe_heap.realloc(a, probe_bytes);
  probe_sink = b;
  (void)probe_heap.free(a);
  (void)probe_heap.free(b);
  return 0;
}
