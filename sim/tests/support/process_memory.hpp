// The process's resident memory, for tests that prove lazily backed structures
// stay cheap. 0 when /proc is not available (the tests then check nothing less).
// The peak since reset_peak_resident() bounds what a piece of work cost at
// its worst, not only what it kept.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>

namespace smh::sim::test {

inline std::uint64_t resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) {
    return 0;
  }
  unsigned long long total_pages = 0;
  unsigned long long resident_pages = 0;
  const int fields = std::fscanf(statm, "%llu %llu", &total_pages, &resident_pages);
  std::fclose(statm);
  if (fields != 2) {
    return 0;
  }
  return resident_pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Starts the peak resident size (VmHWM) afresh at the current size (Linux's
// clear_refs "5"); false when the kernel does not offer it.
inline bool reset_peak_resident() {
  std::FILE* clear_refs = std::fopen("/proc/self/clear_refs", "w");
  if (clear_refs == nullptr) {
    return false;
  }
  const bool written = std::fputs("5", clear_refs) >= 0;
  return std::fclose(clear_refs) == 0 && written;
}

// The peak resident size (VmHWM) in bytes, 0 when unknown.
inline std::uint64_t peak_resident_bytes() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) {
    return 0;
  }
  char line[256];
  unsigned long long kib = 0;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::sscanf(line, "VmHWM: %llu kB", &kib) == 1) {
      break;
    }
  }
  std::fclose(status);
  return kib * 1024;
}

}  // namespace smh::sim::test
