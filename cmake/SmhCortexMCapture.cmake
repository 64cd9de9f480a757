# Cortex-M build of the device capture (core/capture): proves that capture.c
# compiles as freestanding C99 and capture_hooks.cpp as freestanding C++ for an
# MCU, prints their code size, and checks that they need nothing a bare MCU
# lacks. Needs SmhCortexM.cmake included first (the flags and tool finders).
#
#   smh_add_cortex_m_capture_build(C_SOURCES <files> CXX_SOURCES <files> INCLUDE_DIRS <dirs>)
#
# Creates the target capture_cortex_m (part of ALL) and the ctest test
# capture_cortex_m_freestanding (the core's allow-list: memcpy/memmove/memset
# and libgcc helpers only).

set(SMH_CORTEX_M_C_FLAGS -std=c99 -mcpu=cortex-m4 -mthumb -Os -ffreestanding)

function(smh_add_cortex_m_capture_build)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "C_SOURCES;CXX_SOURCES;INCLUDE_DIRS")
  smh_find_arm_tool(SMH_ARM_CC arm-none-eabi-gcc)
  smh_find_arm_tool(SMH_ARM_CXX arm-none-eabi-g++)
  smh_find_arm_tool(SMH_ARM_AR arm-none-eabi-ar)
  smh_find_arm_tool(SMH_ARM_SIZE arm-none-eabi-size)
  smh_find_arm_tool(SMH_ARM_NM arm-none-eabi-nm)

  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/cortex_m)
  file(MAKE_DIRECTORY ${out_dir})
  set(includes)
  foreach(dir IN LISTS arg_INCLUDE_DIRS)
    list(APPEND includes -I${dir})
  endforeach()
  if(SMH_ASSERTS)
    set(assert_define -DSMH_ASSERTS=1)
  else()
    set(assert_define -DSMH_ASSERTS=0)
  endif()

  set(objects)
  foreach(language C CXX)
    if(language STREQUAL "C")
      set(compiler ${SMH_ARM_CC})
      set(flags ${SMH_CORTEX_M_C_FLAGS})
      set(sources ${arg_C_SOURCES})
    else()
      set(compiler ${SMH_ARM_CXX})
      set(flags ${SMH_CORTEX_M_FLAGS})
      set(sources ${arg_CXX_SOURCES})
    endif()
    foreach(source IN LISTS sources)
      get_filename_component(name ${source} NAME)
      set(object ${out_dir}/${name}.o)
      add_custom_command(
        OUTPUT ${object}
        COMMAND ${compiler} ${flags} ${SMH_CORE_WARNINGS} ${assert_define} ${includes}
                -MD -MF ${object}.d -c ${source} -o ${object}
        DEPENDS ${source}
        DEPFILE ${object}.d
        COMMENT "Cortex-M4: compiling ${name}"
        VERBATIM)
      list(APPEND objects ${object})
    endforeach()
  endforeach()

  set(archive ${out_dir}/libsmh_capture_cortex_m.a)
  add_custom_command(
    OUTPUT ${archive}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${archive}
    COMMAND ${SMH_ARM_AR} rcs ${archive} ${objects}
    DEPENDS ${objects}
    COMMENT "Cortex-M4: archiving libsmh_capture_cortex_m.a"
    VERBATIM)

  add_custom_target(capture_cortex_m ALL
    COMMAND ${SMH_ARM_SIZE} -t ${archive}
    DEPENDS ${archive}
    COMMENT "Cortex-M4: code size of the capture"
    VERBATIM)

  add_test(NAME capture_cortex_m_freestanding
    COMMAND ${CMAKE_COMMAND} -DNM=${SMH_ARM_NM} -DARCHIVE=${archive}
            -P ${PROJECT_SOURCE_DIR}/cmake/scripts/check_freestanding.cmake)
endfunction()
