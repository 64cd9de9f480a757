# cmake -DSIZE=<arm-none-eabi-size> -DARCHIVE=<lib.a> -P cortex_m_size.cmake
# Prints the per-object size table and a one-line total of the core's .text.
cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND ${SIZE} -t ${ARCHIVE}
  OUTPUT_VARIABLE table RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${SIZE} failed on ${ARCHIVE}")
endif()
string(REGEX MATCH "([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)[ \t]+[0-9]+[ \t]+[0-9a-f]+[ \t]+\\(TOTALS\\)" totals "${table}")
if(NOT totals)
  message(FATAL_ERROR "could not read the totals from:\n${table}")
endif()
message("${table}")
message("smh core for Cortex-M4 (-Os, -mthumb): .text ${CMAKE_MATCH_1} bytes, .data ${CMAKE_MATCH_2} bytes, .bss ${CMAKE_MATCH_3} bytes")
