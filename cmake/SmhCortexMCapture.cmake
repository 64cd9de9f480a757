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
  set(archive ${out_dir}/libsmh_capture_cortex_m.a)
  set(includes)
  foreach(dir IN LISTS arg_INCLUDE_DIRS)
    list(APPEND includes -I${dir})
  endforeach()
  smh_cortex_m_assert_define(assert_define)
  smh_cortex_m_objects(c_objects OUT_DIR ${out_dir} COMPILER ${SMH_ARM_CC}
    FLAGS ${SMH_CORTEX_M_C_FLAGS} ${SMH_CORE_WARNINGS} ${assert_define} ${includes}
    SOURCES ${arg_C_SOURCES})
  smh_cortex_m_objects(cxx_objects OUT_DIR ${out_dir} COMPILER ${SMH_ARM_CXX}
    FLAGS ${SMH_CORTEX_M_FLAGS} ${SMH_CORE_WARNINGS} ${assert_define} ${includes}
    SOURCES ${arg_CXX_SOURCES})
  smh_cortex_m_archive(${archive} ${c_objects} ${cxx_objects})

  add_custom_target(capture_cortex_m ALL
    COMMAND ${SMH_ARM_SIZE} -t ${archive}
    DEPENDS ${archive}
    COMMENT "Cortex-M4: code size of the capture"
    VERBATIM)

  add_test(NAME capture_cortex_m_freestanding
    COMMAND ${CMAKE_COMMAND} -DNM=${SMH_ARM_NM} -DARCHIVE=${archive}
            -P ${PROJECT_SOURCE_DIR}/cmake/scripts/check_freestanding.cmake)
endfunction()
