#include "smh/sim/sim_assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace smh::sim::detail {

void sim_assert_failed(const char* expression, const char* file, int line) noexcept {
  std::fprintf(stderr, "smh: simulator assertion failed: %s at %s:%d (a bug in smh's harness)\n", expression, file,
               line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace smh::sim::detail
