# Cortex-M build of the core: proves that the shipped sources compile freestanding
# for an MCU, and reports their code size.
#
#   smh_add_cortex_m_build(SOURCES <files...> INCLUDE_DIR <dir>)
#
# Creates the target core_cortex_m (part of ALL): each source is compiled with
# arm-none-eabi-g++ into build/.../cortex_m/<name>.o, the objects are archived into
# libsmh_core_cortex_m.a, and every build prints the archive's .text size. It also
# registers the ctest test core_cortex_m_freestanding, which fails when the archive
# needs any symbol outside a small allow-list (memcpy/memmove/memset and libgcc
# helpers) — i.e. when the core starts to depend on a C++ runtime, an allocator or
# stdio.

set(SMH_CORTEX_M_FLAGS
  -std=c++20 -mcpu=cortex-m4 -mthumb -Os -ffreestanding ${SMH_CORE_LANGUAGE_OPTIONS})

function(smh_find_arm_tool variable name)
  find_program(${variable} ${name})
  if(NOT ${variable})
    message(FATAL_ERROR
      "SMH_CORTEX_M is ON but ${name} was not found. Run scripts/bootstrap.sh "
      "(installs gcc-arm-none-eabi and libstdc++-arm-none-eabi-newlib), "
      "or configure with -DSMH_CORTEX_M=OFF.")
  endif()
endfunction()

function(smh_add_cortex_m_build)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "INCLUDE_DIR" "SOURCES")
  smh_find_arm_tool(SMH_ARM_CXX arm-none-eabi-g++)
  smh_find_arm_tool(SMH_ARM_AR arm-none-eabi-ar)
  smh_find_arm_tool(SMH_ARM_SIZE arm-none-eabi-size)
  smh_find_arm_tool(SMH_ARM_NM arm-none-eabi-nm)

  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/cortex_m)
  file(MAKE_DIRECTORY ${out_dir})
  if(SMH_ASSERTS)
    set(assert_define -DSMH_ASSERTS=1)
  else()
    set(assert_define -DSMH_ASSERTS=0)
  endif()

  set(objects)
  foreach(source IN LISTS arg_SOURCES)
    get_filename_component(stem ${source} NAME_WE)
    set(object ${out_dir}/${stem}.o)
    add_custom_command(
      OUTPUT ${object}
      COMMAND ${SMH_ARM_CXX} ${SMH_CORTEX_M_FLAGS} ${SMH_CORE_WARNINGS} ${assert_define}
              -I${arg_INCLUDE_DIR} -MD -MF ${object}.d -c ${source} -o ${object}
      DEPENDS ${source}
      DEPFILE ${object}.d
      COMMENT "Cortex-M4: compiling ${stem}.cpp"
      VERBATIM)
    list(APPEND objects ${object})
  endforeach()

  set(archive ${out_dir}/libsmh_core_cortex_m.a)
  add_custom_command(
    OUTPUT ${archive}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${archive}
    COMMAND ${SMH_ARM_AR} rcs ${archive} ${objects}
    DEPENDS ${objects}
    COMMENT "Cortex-M4: archiving libsmh_core_cortex_m.a"
    VERBATIM)

  add_custom_target(core_cortex_m ALL
    COMMAND ${CMAKE_COMMAND} -DSIZE=${SMH_ARM_SIZE} -DARCHIVE=${archive}
            -P ${PROJECT_SOURCE_DIR}/cmake/scripts/cortex_m_size.cmake
    DEPENDS ${archive}
    COMMENT "Cortex-M4: code size of the core"
    VERBATIM)

  add_test(NAME core_cortex_m_freestanding
    COMMAND ${CMAKE_COMMAND} -DNM=${SMH_ARM_NM} -DARCHIVE=${archive}
            -P ${PROJECT_SOURCE_DIR}/cmake/scripts/check_freestanding.cmake)
endfunction()
