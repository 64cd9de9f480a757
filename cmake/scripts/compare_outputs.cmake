# cmake -DFIRST=<exe> -DSECOND=<exe> [-DSECOND_RUNNER=<emulator>] -DWORK_DIR=<dir>
#       -P compare_outputs.cmake
# Runs both programs and fails, showing a unified diff, unless both succeed and
# print byte-identical output. SECOND_RUNNER, when given, runs the second
# program (qemu-i386 where the kernel cannot execute i386 programs). Used by
# layout_32_equals_64.
cmake_minimum_required(VERSION 3.25)

set(outputs)
foreach(program IN ITEMS "${FIRST}" "${SECOND}")
  get_filename_component(name "${program}" NAME_WE)
  set(output "${WORK_DIR}/${name}.out")
  set(command "${program}")
  if(program STREQUAL "${SECOND}" AND NOT "${SECOND_RUNNER}" STREQUAL "")
    set(command "${SECOND_RUNNER}" "${program}")
    message("running ${name} under ${SECOND_RUNNER}")
  endif()
  execute_process(COMMAND ${command} OUTPUT_FILE "${output}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${program} failed (${rc}); its output is in ${output}")
  endif()
  list(APPEND outputs "${output}")
endforeach()
list(GET outputs 0 first_output)
list(GET outputs 1 second_output)

cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${first_output}" "${second_output}"
  RESULT_VARIABLE differ)
if(differ)
  execute_process(COMMAND diff -u "${first_output}" "${second_output}" OUTPUT_VARIABLE diff_text)
  string(LENGTH "${diff_text}" diff_length)
  if(diff_length GREATER 6000)
    string(SUBSTRING "${diff_text}" 0 6000 diff_text)
    string(APPEND diff_text "\n... (diff cut; full outputs in ${WORK_DIR})")
  endif()
  message("${diff_text}")
  message(FATAL_ERROR "the outputs differ (unified diff above)")
endif()
file(STRINGS "${first_output}" lines)
list(LENGTH lines line_count)
message("identical: ${line_count} lines")
