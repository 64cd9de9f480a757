// Lock types for BasicPool. A lock is anything with lock() and unlock(); the pool
// holds it for one heap operation at most (never across realloc's copy).
//  - NoLock: single-threaded use, or callers that serialise themselves.
//  - SpinLock: a test-and-set lock on std::atomic_flag; freestanding (on
//    Cortex-M3/M4/M7 it compiles to LDREX/STREX). Never take it from an interrupt
//    handler that can preempt a holder on the same core.
// Hosts may use HostMutexLock (core/host/include/smh/host_mutex_lock.hpp).
#pragma once

#include <atomic>

namespace smh {

struct NoLock {
  void lock() {}
  void unlock() {}
};

class SpinLock {
 public:
  void lock() {
    while (flag_.test_and_set(std::memory_order_acquire)) {
      while (flag_.test(std::memory_order_relaxed)) {
        // Spin on a plain read so the line stays shared until the holder releases.
      }
    }
  }
  // Inlined even at -Os: a barrier and a byte store take fewer bytes than a call.
  [[gnu::always_inline]] void unlock() { flag_.clear(std::memory_order_release); }

 private:
  std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
};

template <class Lock>
class LockGuard {
 public:
  explicit LockGuard(Lock& lock) : lock_(lock) { lock_.lock(); }
  // Inlined even at -Os: an out-of-line destructor keeps the guard in memory
  // and costs a call at every locked entry point (C API image: 12 B more).
  [[gnu::always_inline]] ~LockGuard() { lock_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Lock& lock_;
};

}  // namespace smh
