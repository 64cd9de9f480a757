#include "test_hook.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "smh/sim/executor.hpp"

namespace smh::cli {

namespace {

// The first byte of the guard page after the first region's CPU view.
void write_on_the_guard_page(sim::Executor& executor) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t end =
      reinterpret_cast<std::uintptr_t>(executor.memory_map().cpu_view(0)) + executor.memory_map().spec(0).size_bytes;
  *reinterpret_cast<volatile unsigned char*>((end + page - 1) / page * page) = 0x5A;
}

[[noreturn]] void hang() {
  for (;;) {
    ::pause();
  }
}

}  // namespace

std::optional<RunStartHook> test_hook_from_environment(std::string* error) {
  const char* value = std::getenv("SMH_TEST_HOOK");
  if (value == nullptr) {
    return RunStartHook{};
  }
  const std::string text = value;
  const std::size_t colon = text.find(':');
  const std::string action = text.substr(0, colon);
  if (colon == std::string::npos || colon + 1 == text.size() ||
      (action != "segv" && action != "abort" && action != "hang")) {
    *error = "SMH_TEST_HOOK: expected ACTION:NAME with ACTION segv, abort or hang, got '" + text + "'";
    return std::nullopt;
  }
  const std::string name = text.substr(colon + 1);
  return RunStartHook([action, name](const sim::RunInputs& inputs, sim::Executor& executor) {
    if (inputs.name != name) {
      return;
    }
    if (action == "segv") {
      write_on_the_guard_page(executor);
    } else if (action == "abort") {
      std::abort();
    } else {
      hang();
    }
  });
}

}  // namespace smh::cli
