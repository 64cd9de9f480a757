// SMH_SIM_ASSERT: the simulator's own invariants, checked in every build — the
// release build that runs the gate included. SMH_ASSERT is the allocator's (off
// with SMH_ASSERTS=0) and <cassert> is off with NDEBUG; neither may guard the
// harness, which must not give a verdict once it contradicts itself.
//
// A failure prints the expression and its place and aborts, always: it is a bug
// in smh's harness, never a finding about the allocator under test (an
// SMH_ASSERT failing inside the Executor becomes ASSERTION_FAILED instead), and
// `smh check` reports the scenario as crashed.
#pragma once

namespace smh::sim::detail {
[[noreturn]] void sim_assert_failed(const char* expression, const char* file, int line) noexcept;
}  // namespace smh::sim::detail

#define SMH_SIM_ASSERT(condition)                                              \
  do {                                                                         \
    if (!(condition)) [[unlikely]] {                                           \
      ::smh::sim::detail::sim_assert_failed(#condition, __FILE__, __LINE__);   \
    }                                                                          \
  } while (false)
