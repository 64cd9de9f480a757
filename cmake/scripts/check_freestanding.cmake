# cmake -DNM=<arm-none-eabi-nm> -DARCHIVE=<lib.a> -P check_freestanding.cmake
#
# The core must link on a bare MCU with nothing but the compiler's support
# library. Every symbol the archive needs but does not define itself must be on
# this allow-list; anything else (operator new, __cxa_*, std::, printf, the
# exception unwinder, ...) fails the check.
cmake_minimum_required(VERSION 3.25)

set(allowed_patterns
  "^(memcpy|memmove|memset)$"          # emitted by the compiler for copies and fills
  "^__aeabi_"                          # ARM EABI run-time helpers (division, memcpy aliases)
  "^__[a-z]+[sdt]i[23]$")              # libgcc integer helpers (__clzsi2, __udivdi3, ...)
set(denied_patterns
  "^__aeabi_unwind_cpp_pr")            # personality routines: would pull in the unwinder

cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND ${NM} -u -P ${ARCHIVE} OUTPUT_VARIABLE undefined_out RESULT_VARIABLE rc1)
execute_process(COMMAND ${NM} -g -P --defined-only ${ARCHIVE} OUTPUT_VARIABLE defined_out RESULT_VARIABLE rc2)
if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${ARCHIVE}")
endif()

# POSIX format: "<name> <type> [value size]"; member headers end with ':'.
function(symbol_names text out)
  string(REPLACE "\n" ";" lines "${text}")
  set(names)
  foreach(line IN LISTS lines)
    if(line MATCHES "^([^ ]+) [A-Za-z] ?")
      list(APPEND names ${CMAKE_MATCH_1})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES names)
  set(${out} ${names} PARENT_SCOPE)
endfunction()

symbol_names("${undefined_out}" undefined)
symbol_names("${defined_out}" defined)

set(offending)
set(external)
foreach(symbol IN LISTS undefined)
  if(symbol IN_LIST defined)
    continue()   # resolved inside the core itself (e.g. smh_assert_failed)
  endif()
  list(APPEND external ${symbol})
  set(ok FALSE)
  foreach(pattern IN LISTS allowed_patterns)
    if(symbol MATCHES "${pattern}")
      set(ok TRUE)
    endif()
  endforeach()
  foreach(pattern IN LISTS denied_patterns)
    if(symbol MATCHES "${pattern}")
      set(ok FALSE)
    endif()
  endforeach()
  if(NOT ok)
    list(APPEND offending ${symbol})
  endif()
endforeach()

if(offending)
  list(JOIN offending "\n  " offending_text)
  message(FATAL_ERROR
    "the Cortex-M core needs symbols a freestanding target does not provide:\n  ${offending_text}\n"
    "(allowed: memcpy, memmove, memset, __aeabi_*, libgcc integer helpers; "
    "demangle with arm-none-eabi-c++filt)")
endif()
list(JOIN external ", " external_text)
message("freestanding: ok; external symbols: ${external_text}")
