#include "assert_trap.hpp"

namespace smh::sim::detail {

namespace {

[[noreturn]] void throw_assertion(const char* expression, const char* file, int line) {
  throw AssertionFailure{expression, file, line};
}

}  // namespace

AssertTrap::AssertTrap() noexcept : previous_(host::set_thread_assert_handler(&throw_assertion)) {}

AssertTrap::~AssertTrap() { host::set_thread_assert_handler(previous_); }

}  // namespace smh::sim::detail
