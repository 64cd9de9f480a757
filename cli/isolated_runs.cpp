#include "isolated_runs.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace smh::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  std::size_t index = 0;
  pid_t pid = -1;
  int from_child = -1;  // the pipe's read end
  Clock::time_point started;
  std::string sent;
  bool sending = true;  // the pipe is still open
};

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

// In the child: writes everything, whatever the interruptions. A parent gone
// meanwhile is not the child's concern.
void send_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote <= 0) {
      return;
    }
    done += static_cast<std::size_t>(wrote);
  }
}

Child start(std::size_t index, const IsolatedWork& work) {
  int fds[2];
  if (::pipe(fds) != 0) {
    fail("smh: cannot create a pipe for a child process");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    fail("smh: cannot fork a child process");
  }
  if (pid == 0) {
    ::close(fds[0]);
    int status = 0;
    try {
      send_all(fds[1], work.run(index));
    } catch (...) {
      status = 3;  // reported by the parent as an exit status
    }
    ::close(fds[1]);
    ::_exit(status);  // no atexit handlers, no flushing of the parent's buffers
  }
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  Child child;
  child.index = index;
  child.pid = pid;
  child.from_child = fds[0];
  child.started = Clock::now();
  return child;
}

// Reads what is there; false once the child closed its end.
bool drain(Child& child) {
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(child.from_child, buffer, sizeof buffer);
    if (got > 0) {
      child.sent.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    if (got < 0 && errno == EINTR) {
      continue;
    }
    return got < 0 && errno == EAGAIN;  // 0: end of file; another error ends it too
  }
}

ChildEnd reap(Child& child, bool timed_out) {
  if (timed_out) {
    ::kill(child.pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  ::close(child.from_child);
  ChildEnd end;
  end.sent = std::move(child.sent);
  end.wall_seconds = std::chrono::duration<double>(Clock::now() - child.started).count();
  if (timed_out) {
    end.how = ChildEnd::How::timed_out;
  } else if (WIFSIGNALED(status)) {
    end.how = ChildEnd::How::signaled;
    end.code = WTERMSIG(status);
  } else {
    end.code = WEXITSTATUS(status);
    end.how = end.code == 0 ? ChildEnd::How::finished : ChildEnd::How::exited;
  }
  return end;
}

// The children still running when run_isolated() leaves by an exception (a
// refused pipe or fork, a failed poll, a throwing callback): killed and reaped,
// so that none is left behind to run on, unwatched, after smh has exited.
class RunningChildren {
 public:
  RunningChildren() = default;
  RunningChildren(const RunningChildren&) = delete;
  RunningChildren& operator=(const RunningChildren&) = delete;
  ~RunningChildren() {
    for (Child& child : children) {
      ::kill(child.pid, SIGKILL);
      while (::waitpid(child.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      ::close(child.from_child);
    }
  }
  std::vector<Child> children;
};

const char* signal_name(int signal) {
  switch (signal) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGSYS: return "SIGSYS";
    default: return nullptr;
  }
}

std::string seconds_text(double seconds) {
  std::string text = std::to_string(seconds);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') {
    text.pop_back();
  }
  return text;
}

}  // namespace

std::string describe(const ChildEnd& end, double time_limit_seconds) {
  switch (end.how) {
    case ChildEnd::How::finished: return "finished";
    case ChildEnd::How::exited: return "exited with status " + std::to_string(end.code);
    case ChildEnd::How::signaled: {
      const char* name = signal_name(end.code);
      return "killed by signal " + std::to_string(end.code) + (name != nullptr ? std::string(" (") + name + ")" : "");
    }
    case ChildEnd::How::timed_out:
      return "ran past the time limit of " + seconds_text(time_limit_seconds) + " s and was killed";
  }
  return "?";
}

void run_isolated(std::size_t count, unsigned jobs, double time_limit_seconds, const IsolatedWork& work,
                  const std::function<void(std::size_t finished)>& on_tick) {
  const std::size_t most = std::max<std::size_t>(jobs, 1);
  const auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(time_limit_seconds));
  RunningChildren children;
  std::vector<Child>& running = children.children;
  std::size_t next = 0;
  std::size_t finished = 0;
  auto last_tick = Clock::now();
  while (next < count || !running.empty()) {
    while (running.size() < most && next < count) {
      const std::size_t index = next++;
      if (work.prepare(index)) {
        running.push_back(start(index, work));
      } else {
        ++finished;
      }
    }
    if (running.empty()) {
      continue;
    }
    // Wait for output or an end, at most until the next tick or deadline.
    auto wait = std::chrono::milliseconds(100);
    if (time_limit_seconds > 0) {
      for (const Child& child : running) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(child.started + limit - Clock::now());
        wait = std::clamp(left + std::chrono::milliseconds(1), std::chrono::milliseconds(0), wait);
      }
    }
    std::vector<pollfd> watched;
    for (const Child& child : running) {
      watched.push_back(pollfd{child.from_child, POLLIN, 0});
    }
    if (::poll(watched.data(), watched.size(), static_cast<int>(wait.count())) < 0 && errno != EINTR) {
      fail("smh: cannot wait for child processes");
    }
    const auto now = Clock::now();
    for (std::size_t i = 0; i < running.size();) {
      Child& child = running[i];
      const bool open = watched[i].revents == 0 || drain(child);
      const bool late = time_limit_seconds > 0 && now - child.started >= limit;
      if (open && !late) {
        ++i;
        continue;
      }
      const std::size_t index = child.index;
      const ChildEnd end = reap(child, open && late);
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      watched.erase(watched.begin() + static_cast<std::ptrdiff_t>(i));
      work.collect(index, end);
      ++finished;
    }
    if (on_tick && now - last_tick >= std::chrono::milliseconds(100)) {
      on_tick(finished);
      last_tick = now;
    }
  }
  if (on_tick) {
    on_tick(count);
  }
}

}  // namespace smh::cli
