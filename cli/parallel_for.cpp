#include "parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace smh::cli {

void parallel_for(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& task,
                  const std::function<void(std::size_t finished)>& on_tick) {
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t finished = 0;          // guarded by mutex
  std::exception_ptr first_failure;  // guarded by mutex

  const auto worker = [&] {
    for (std::size_t index = next.fetch_add(1); index < count; index = next.fetch_add(1)) {
      std::exception_ptr failure;
      try {
        task(index);
      } catch (...) {
        failure = std::current_exception();
      }
      const std::lock_guard<std::mutex> lock(mutex);
      if (failure && !first_failure) {
        first_failure = failure;
      }
      ++finished;
      changed.notify_all();
    }
  };
  const std::size_t threads = std::clamp<std::size_t>(jobs, 1, std::max<std::size_t>(count, 1));
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    workers.emplace_back(worker);
  }
  {
    std::unique_lock<std::mutex> lock(mutex);
    while (finished < count) {
      changed.wait_for(lock, std::chrono::milliseconds(100));
      const std::size_t now_finished = finished;
      lock.unlock();
      if (on_tick) {
        on_tick(now_finished);
      }
      lock.lock();
    }
  }
  for (std::thread& thread : workers) {
    thread.join();
  }
  if (on_tick) {
    on_tick(count);
  }
  if (first_failure) {
    std::rethrow_exception(first_failure);
  }
}

}  // namespace smh::cli
