// The process's resident memory, for tests that prove lazily backed structures
// stay cheap. 0 when /proc is not available (the tests then check nothing less).
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

}  // namespace smh::sim::test
