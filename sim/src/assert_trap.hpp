// While an AssertTrap lives, an SMH_ASSERT that fails on its thread — in the
// allocator, or in simulator code the allocator's state drove there — throws
// AssertionFailure instead of ending the process (smh/host_assert.hpp). The
// Executor holds one around everything that drives the pool, and turns the
// failure into a finding that stops the run (executor.cpp).
//
// The allocator is compiled without exceptions, yet the exception leaves through
// its frames: on the hosts the simulator runs on, every function has unwind
// tables (GCC and Clang emit them for x86-64 and AArch64 by default), and the
// core holds no resource a skipped destructor would leak. Its state is corrupt
// afterwards, which is why the run stops.
#pragma once

#include "smh/host_assert.hpp"

namespace smh::sim::detail {

struct AssertionFailure {
  const char* expression;  // string literals, from the SMH_ASSERT that failed
  const char* file;
  int line;
};

class AssertTrap {
 public:
  AssertTrap() noexcept;
  ~AssertTrap();
  AssertTrap(const AssertTrap&) = delete;
  AssertTrap& operator=(const AssertTrap&) = delete;

 private:
  host::AssertHandler previous_;
};

}  // namespace smh::sim::detail
