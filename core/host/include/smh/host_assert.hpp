// The host's assertion handler hook.
//
// The core reports a failed SMH_ASSERT by calling smh_assert_failed()
// (smh/assert.hpp), which never returns. Its default definition in the core
// traps, as a microcontroller wants; on a host, core/host/assert_host.cpp
// overrides it with one that calls the calling thread's handler, if one is
// installed, and otherwise (or when the handler returns) prints the expression
// and its location and aborts.
//
// A handler lets a host program turn an assertion into something it can report.
// The simulator installs one while it drives the allocator that throws, so that
// an allocator that corrupts itself becomes a finding of that run instead of the
// end of the process (sim/src/assert_trap.hpp). The core knows nothing of this:
// it only calls smh_assert_failed(), as it does on the target.
#pragma once

namespace smh::host {

// Called with the failed expression and where it is (string literals). It must
// not return to mean "handled": it leaves by throwing; if it returns, the
// default (print, abort) runs.
using AssertHandler = void (*)(const char* expression, const char* file, int line);

// Installs `handler` for the calling thread only (nullptr: the default) and
// returns the handler it replaces, so that scopes can nest.
AssertHandler set_thread_assert_handler(AssertHandler handler) noexcept;

}  // namespace smh::host
