// A BasicPool lock for hosts: std::mutex behind the pool's lock()/unlock()
// interface. Host-only (the freestanding core has SpinLock in locks.hpp).
#pragma once

#include <mutex>

namespace smh {

class HostMutexLock {
 public:
  void lock() { mutex_.lock(); }
  void unlock() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

}  // namespace smh
