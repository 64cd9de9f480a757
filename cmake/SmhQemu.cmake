# Test programs that run on a Cortex-M4 under QEMU (board mps2-an386), with
# semihosting for their output and exit status. Needs SmhCortexM.cmake included
# first (the ARM tools, flags and the core's Cortex-M archive).
#
#   smh_add_qemu_program(<name> SOURCES <files...> [INCLUDE_DIRS <dirs...>]
#                        [LIBRARIES <archives...>] [SHIPPING] [UNHARDENED])
#
# SHIPPING compiles the program with SMH_ASSERTS=0 whatever the preset says, to
# go with the shipping archive of the core (SMH_CORTEX_M_SHIP_ARCHIVE).
# UNHARDENED (implies SHIPPING) adds SMH_HARDENED=0, to go with the unhardened
# shipping archive (SMH_CORTEX_M_SHIP_UNHARDENED_ARCHIVE): the program and the
# archive must agree on the mode, which changes the Heap's inline code.
#
# Compiles the sources (.c as C11, the rest as C++20) with the start-up code of
# core/tests/on_target, links <name>.elf with newlib and its semihosting library
# (librdimon), prints the image's sizes on every build, and writes
# <name>.sh, which runs the image under qemu-system-arm: the script's stdout is
# the program's, its exit status the program's. The script's path is returned in
# <name>_RUNNER.

function(smh_add_qemu_program name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "SHIPPING;UNHARDENED" "" "SOURCES;INCLUDE_DIRS;LIBRARIES")
  smh_find_arm_tool(SMH_ARM_CC arm-none-eabi-gcc)
  smh_find_arm_tool(SMH_ARM_CXX arm-none-eabi-g++)
  smh_find_arm_tool(SMH_ARM_SIZE arm-none-eabi-size)
  find_program(SMH_QEMU_SYSTEM_ARM qemu-system-arm)
  if(NOT SMH_QEMU_SYSTEM_ARM)
    message(FATAL_ERROR "SMH_QEMU is ON but qemu-system-arm was not found. Run scripts/bootstrap.sh "
                        "(installs qemu-system-arm), or configure with -DSMH_QEMU=OFF.")
  endif()

  set(on_target_dir ${PROJECT_SOURCE_DIR}/core/tests/on_target)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/${name})
  set(includes)
  foreach(dir IN LISTS arg_INCLUDE_DIRS)
    list(APPEND includes -I${dir})
  endforeach()
  set(c_sources ${on_target_dir}/startup.c)
  set(cxx_sources)
  foreach(source IN LISTS arg_SOURCES)
    if(source MATCHES "\\.c$")
      list(APPEND c_sources ${source})
    else()
      list(APPEND cxx_sources ${source})
    endif()
  endforeach()
  if(arg_UNHARDENED)
    set(assert_define -DSMH_ASSERTS=0 -DSMH_HARDENED=0)
  elseif(arg_SHIPPING)
    set(assert_define -DSMH_ASSERTS=0)
  else()
    smh_cortex_m_assert_define(assert_define)
  endif()
  set(target_flags -mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections ${SMH_REPRODUCIBLE_OPTIONS}
      ${SMH_WARNINGS} ${assert_define} ${includes})
  smh_cortex_m_objects(c_objects OUT_DIR ${out_dir} COMPILER ${SMH_ARM_CC}
    FLAGS -std=c11 ${target_flags} SOURCES ${c_sources})
  smh_cortex_m_objects(cxx_objects OUT_DIR ${out_dir} COMPILER ${SMH_ARM_CXX}
    FLAGS -std=c++20 ${SMH_CORE_LANGUAGE_OPTIONS} ${target_flags} SOURCES ${cxx_sources})

  set(elf ${out_dir}/${name}.elf)
  set(linker_script ${on_target_dir}/mps2_an386.ld)
  add_custom_command(
    OUTPUT ${elf}
    COMMAND ${SMH_ARM_CXX} -mcpu=cortex-m4 -mthumb -nostartfiles -T ${linker_script} --specs=rdimon.specs
            -Wl,--gc-sections -Wl,-Map=${out_dir}/${name}.map
            ${c_objects} ${cxx_objects} ${arg_LIBRARIES} -o ${elf}
    DEPENDS ${c_objects} ${cxx_objects} ${arg_LIBRARIES} ${linker_script}
    COMMENT "Cortex-M4 (QEMU): linking ${name}.elf"
    VERBATIM)
  add_custom_target(on_target_${name} ALL
    COMMAND ${SMH_ARM_SIZE} ${elf}
    DEPENDS ${elf}
    COMMENT "Cortex-M4 (QEMU): image sizes of ${name}"
    VERBATIM)
  add_dependencies(on_target_${name} core_cortex_m core_cortex_m_size)  # the core's archives first

  # -icount shift=0: one instruction per virtual nanosecond, so that nothing the
  # program sees depends on the host's speed.
  set(runner ${CMAKE_CURRENT_BINARY_DIR}/${name}.sh)
  file(CONFIGURE OUTPUT ${runner} CONTENT [[#!/bin/sh
# Runs @name@.elf on QEMU's mps2-an386 (Cortex-M4); stdout and exit status are the program's.
exec "@SMH_QEMU_SYSTEM_ARM@" -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
  -icount shift=0 -semihosting-config enable=on,target=native -kernel "@elf@"
]] @ONLY)
  file(CHMOD ${runner} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                                   WORLD_EXECUTE)
  set(${name}_RUNNER ${runner} PARENT_SCOPE)
endfunction()

# The two modes of the core every on-target program is built in: hardened (the
# default) and SMH_HARDENED=0 (a build option firmware may choose).
set(SMH_QEMU_MODES hardened unhardened)

#   smh_qemu_mode(<mode> <name> [SHIPPING])
#
# sets, in the caller's scope, what a program <name> built in <mode> is called and
# built with: qemu_program (<name>, or <name>_unhardened), qemu_option (the
# smh_add_qemu_program option: none, SHIPPING, or UNHARDENED), qemu_archive (the
# core's archive compiled the same way: the preset's assertions, or the shipping
# archives) and qemu_test_prefix (on_target_, or on_target_unhardened_). The
# unhardened mode is always a shipping build (SMH_ASSERTS=0), as its archive is.
function(smh_qemu_mode mode name)
  cmake_parse_arguments(PARSE_ARGV 2 arg "SHIPPING" "" "")
  if(mode STREQUAL "hardened")
    set(qemu_program ${name} PARENT_SCOPE)
    set(qemu_test_prefix on_target_ PARENT_SCOPE)
    if(arg_SHIPPING)
      set(qemu_option SHIPPING PARENT_SCOPE)
      set(qemu_archive ${SMH_CORTEX_M_SHIP_ARCHIVE} PARENT_SCOPE)
    else()
      set(qemu_option "" PARENT_SCOPE)
      set(qemu_archive ${SMH_CORTEX_M_CORE_ARCHIVE} PARENT_SCOPE)
    endif()
  elseif(mode STREQUAL "unhardened")
    set(qemu_program ${name}_unhardened PARENT_SCOPE)
    set(qemu_test_prefix on_target_unhardened_ PARENT_SCOPE)
    set(qemu_option UNHARDENED PARENT_SCOPE)
    set(qemu_archive ${SMH_CORTEX_M_SHIP_UNHARDENED_ARCHIVE} PARENT_SCOPE)
  else()
    message(FATAL_ERROR "smh_qemu_mode: unknown mode '${mode}' (expected one of: ${SMH_QEMU_MODES})")
  endif()
endfunction()

# A target program whose output must equal its host counterpart's, in both modes
# of the core:
#
#   smh_add_qemu_equals_host(<name> HOST <host target> SOURCES <files...> [INCLUDE_DIRS <dirs...>])
#
# builds <name> against the core's archive (the preset's assertions) and
# <name>_unhardened against the unhardened shipping archive, and adds the tests
# on_target_<name>_equals_host and on_target_unhardened_<name>_equals_host: each
# passes when the target's output is byte-identical to the host program's (the
# host runs the default, hardened core, so the two modes must agree too).
function(smh_add_qemu_equals_host name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "HOST" "SOURCES;INCLUDE_DIRS")
  if(NOT SMH_QEMU_MODES)  # a directory that did not include(SmhQemu) would add no test at all
    message(FATAL_ERROR "smh_add_qemu_equals_host(${name}): SMH_QEMU_MODES is empty: include(SmhQemu) first")
  endif()
  foreach(mode IN LISTS SMH_QEMU_MODES)
    smh_qemu_mode(${mode} ${name})
    smh_add_qemu_program(${qemu_program} ${qemu_option}
      SOURCES ${arg_SOURCES} INCLUDE_DIRS ${arg_INCLUDE_DIRS} LIBRARIES ${qemu_archive})
    set(test ${qemu_test_prefix}${name}_equals_host)
    add_test(NAME ${test}
      COMMAND ${CMAKE_COMMAND} -DFIRST=$<TARGET_FILE:${arg_HOST}> -DSECOND=${${qemu_program}_RUNNER}
              -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR} -P ${PROJECT_SOURCE_DIR}/cmake/scripts/compare_outputs.cmake)
    set_tests_properties(${test} PROPERTIES LABELS on_target TIMEOUT 120)
  endforeach()
endfunction()
