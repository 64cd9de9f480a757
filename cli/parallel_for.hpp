// A fixed pool of std::threads over an index range, for `smh check`: each index
// is run exactly once, by whichever worker takes it next, so the order in which
// work finishes varies and callers store results by index, never by arrival.
#pragma once

#include <cstddef>
#include <functional>

namespace smh::cli {

// Runs task(i) for every i in [0, count) on min(jobs, count) worker threads
// (jobs 0 counts as 1) and returns when all are done. Meanwhile the calling
// thread calls on_tick(finished) about every 100 ms (and once at the end), for
// progress. An exception thrown by a task is rethrown here once all workers
// have stopped.
void parallel_for(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& task,
                  const std::function<void(std::size_t finished)>& on_tick);

}  // namespace smh::cli
