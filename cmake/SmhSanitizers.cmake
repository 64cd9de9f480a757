# Sanitizers for every host target, chosen by the cache variable SMH_SANITIZE:
#   ""                   none (dev, release)
#   "address;undefined"  ASan + UBSan (preset asan)
#   "thread"             TSan (preset tsan)
# Every sanitizer halts on its first report (-fno-sanitize-recover=all), so a
# finding fails the test that triggered it. Sanitized builds use -O1: fast enough
# for the stress tests, still precise stack traces with frame pointers kept.
#
# smh_enable_sanitizers() adds the flags as directory options, so call it in the
# top-level CMakeLists before add_subdirectory(): every target below gets them.
# The Cortex-M build (a custom command) and the -m32 layout probe cannot take
# them; the top level refuses SMH_LAYOUT_M32 together with a sanitizer.

set(SMH_SANITIZE "" CACHE STRING "Sanitizers for host targets: empty, 'address;undefined' or 'thread'")

macro(smh_enable_sanitizers)
  if(SMH_SANITIZE)
    foreach(sanitizer IN LISTS SMH_SANITIZE)
      if(NOT sanitizer MATCHES "^(address|undefined|thread)$")
        message(FATAL_ERROR "SMH_SANITIZE: unknown sanitizer '${sanitizer}' (use address, undefined, thread)")
      endif()
    endforeach()
    if("thread" IN_LIST SMH_SANITIZE AND "address" IN_LIST SMH_SANITIZE)
      message(FATAL_ERROR "SMH_SANITIZE: 'thread' cannot be combined with 'address'")
    endif()
    list(JOIN SMH_SANITIZE "," smh_sanitize_joined)
    set(smh_sanitize_flags -fsanitize=${smh_sanitize_joined} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    add_compile_options(${smh_sanitize_flags} -O1)
    add_link_options(${smh_sanitize_flags})
    message(STATUS "smh: sanitizers ${smh_sanitize_joined}")
  endif()
endmacro()
