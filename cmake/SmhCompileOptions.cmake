# Compiler flags for smh's own targets, kept in one place.
#
#   smh_target_warnings(<target> [CORE])
#     Every project target builds warning-clean with -Werror. CORE adds the
#     stricter checks the freestanding allocator is held to.
#
# SMH_CORE_LANGUAGE_OPTIONS: what makes the core freestanding-compatible on the
# host too (no exceptions, no RTTI); the Cortex-M build uses the same list.

set(SMH_WARNINGS -Wall -Wextra -Wpedantic -Werror)
set(SMH_CORE_WARNINGS ${SMH_WARNINGS} -Wshadow -Wconversion)
set(SMH_CORE_LANGUAGE_OPTIONS -fno-exceptions -fno-rtti)

# __FILE__ names a source by its path inside the project ("core/src/heap.cpp"),
# whatever the checkout's or the build directory's location: assertion
# messages end up in findings and reports, which must be byte-identical on
# every machine.
set(SMH_REPRODUCIBLE_OPTIONS "-fmacro-prefix-map=${PROJECT_SOURCE_DIR}/=")

function(smh_target_warnings target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "CORE" "" "")
  target_compile_options(${target} PRIVATE ${SMH_REPRODUCIBLE_OPTIONS})
  if(arg_CORE)
    target_compile_options(${target} PRIVATE ${SMH_CORE_WARNINGS})
  else()
    target_compile_options(${target} PRIVATE ${SMH_WARNINGS})
  endif()
endfunction()
