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

# SMH_ASSERTS as the define the Cortex-M compiles pass (the host targets get it
# from smh_core's compile definitions; these custom commands do not see those).
function(smh_cortex_m_assert_define variable)
  if(SMH_ASSERTS)
    set(${variable} -DSMH_ASSERTS=1 PARENT_SCOPE)
  else()
    set(${variable} -DSMH_ASSERTS=0 PARENT_SCOPE)
  endif()
endfunction()

# Compiles each source with the ARM compiler into OUT_DIR/<file name>.o, with
# its depfile, and puts the object paths in <variable>: every Cortex-M build here
# does exactly this, each with its own compiler and flags.
#
#   smh_cortex_m_objects(<variable> OUT_DIR <dir> COMPILER <program>
#     FLAGS <flags...> SOURCES <files...>)
function(smh_cortex_m_objects variable)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUT_DIR;COMPILER" "FLAGS;SOURCES")
  file(MAKE_DIRECTORY ${arg_OUT_DIR})
  set(objects)
  foreach(source IN LISTS arg_SOURCES)
    get_filename_component(name ${source} NAME)
    set(object ${arg_OUT_DIR}/${name}.o)
    add_custom_command(
      OUTPUT ${object}
      COMMAND ${arg_COMPILER} ${arg_FLAGS} -MD -MF ${object}.d -c ${source} -o ${object}
      DEPENDS ${source}
      DEPFILE ${object}.d
      COMMENT "Cortex-M4: compiling ${name}"
      VERBATIM)
    list(APPEND objects ${object})
  endforeach()
  set(${variable} ${objects} PARENT_SCOPE)
endfunction()

# Archives the objects into <archive> (rebuilt from scratch, so that a source
# removed from the list leaves no stale member behind).
function(smh_cortex_m_archive archive)
  smh_find_arm_tool(SMH_ARM_AR arm-none-eabi-ar)
  get_filename_component(archive_name ${archive} NAME)
  add_custom_command(
    OUTPUT ${archive}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${archive}
    COMMAND ${SMH_ARM_AR} rcs ${archive} ${ARGN}
    DEPENDS ${ARGN}
    COMMENT "Cortex-M4: archiving ${archive_name}"
    VERBATIM)
endfunction()

function(smh_add_cortex_m_build)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "INCLUDE_DIR" "SOURCES")
  smh_find_arm_tool(SMH_ARM_CXX arm-none-eabi-g++)
  smh_find_arm_tool(SMH_ARM_SIZE arm-none-eabi-size)
  smh_find_arm_tool(SMH_ARM_NM arm-none-eabi-nm)

  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/cortex_m)
  set(archive ${out_dir}/libsmh_core_cortex_m.a)
  smh_cortex_m_assert_define(assert_define)
  smh_cortex_m_objects(objects OUT_DIR ${out_dir} COMPILER ${SMH_ARM_CXX}
    FLAGS ${SMH_CORTEX_M_FLAGS} ${SMH_CORE_WARNINGS} ${assert_define} -I${arg_INCLUDE_DIR}
    SOURCES ${arg_SOURCES})
  smh_cortex_m_archive(${archive} ${objects})
  # The on-target test programs (SmhQemu.cmake) link this archive.
  set(SMH_CORTEX_M_CORE_ARCHIVE ${archive} PARENT_SCOPE)

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

# The Cortex-M size budget: the shipping build of the core (SMH_ASSERTS=0,
# whatever the preset says; -ffunction-sections -fdata-sections) linked into two
# probe programs with --gc-sections and newlib-nano, so each figure is the code
# and static RAM a firmware image pays for the API the probe reaches:
#   heap       core/tests/cortex_m_size/heap_probe.cpp: smh::Heap's init, alloc,
#              aligned_alloc, realloc, free
#   C API      core/tests/cortex_m_size/capi_probe.c: Zephyr's shared_multi_heap
#              calls, i.e. heap + pool + C API
# in both modes of SMH_HARDENED (smh/heap.hpp): the default (hardened) and the
# unhardened build option, each with its own budget. Every build prints the four
# figures (target core_cortex_m_size); the ctest tests
# core_cortex_m_{heap,capi}{,_unhardened}_size_budget fail when .text or
# .data+.bss of the core's own objects exceeds its budget.
#
#   smh_add_cortex_m_size_budget(SOURCES <files...> INCLUDE_DIR <dir> PROBE_DIR <dir>
#     HEAP_TEXT <bytes> HEAP_TEXT_GOAL <bytes> CAPI_TEXT <bytes> CAPI_TEXT_GOAL <bytes> CAPI_RAM <bytes>
#     UNHARDENED_HEAP_TEXT <bytes> UNHARDENED_CAPI_TEXT <bytes>)
function(smh_add_cortex_m_size_budget)
  cmake_parse_arguments(PARSE_ARGV 0 arg ""
    "INCLUDE_DIR;PROBE_DIR;HEAP_TEXT;HEAP_TEXT_GOAL;CAPI_TEXT;CAPI_TEXT_GOAL;CAPI_RAM;UNHARDENED_HEAP_TEXT;UNHARDENED_CAPI_TEXT"
    "SOURCES")
  smh_find_arm_tool(SMH_ARM_CXX arm-none-eabi-g++)
  smh_find_arm_tool(SMH_ARM_CC arm-none-eabi-gcc)

  set(link_flags -mcpu=cortex-m4 -mthumb --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections)
  set(all_maps)
  set(all_checks)
  foreach(mode hardened unhardened)
    if(mode STREQUAL "hardened")
      set(suffix "")
      set(mode_define -DSMH_HARDENED=1)
      set(heap_budget ${arg_HEAP_TEXT})
      set(capi_budget ${arg_CAPI_TEXT})
    else()
      set(suffix _unhardened)
      set(mode_define -DSMH_HARDENED=0)
      set(heap_budget ${arg_UNHARDENED_HEAP_TEXT})
      set(capi_budget ${arg_UNHARDENED_CAPI_TEXT})
    endif()
    set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/cortex_m_ship${suffix})
    set(ship_flags ${SMH_CORTEX_M_FLAGS} ${SMH_CORE_WARNINGS} -DSMH_ASSERTS=0 ${mode_define}
        -ffunction-sections -fdata-sections)
    set(archive_name libsmh_core_cortex_m_ship${suffix}.a)
    set(archive ${out_dir}/${archive_name})
    smh_cortex_m_objects(objects OUT_DIR ${out_dir} COMPILER ${SMH_ARM_CXX}
      FLAGS ${ship_flags} -I${arg_INCLUDE_DIR} SOURCES ${arg_SOURCES})
    smh_cortex_m_archive(${archive} ${objects})
    # For the on-target programs (SmhQemu.cmake): SMH_CORTEX_M_SHIP_ARCHIVE and
    # SMH_CORTEX_M_SHIP_UNHARDENED_ARCHIVE.
    string(TOUPPER "${suffix}" upper_suffix)
    set(SMH_CORTEX_M_SHIP${upper_suffix}_ARCHIVE ${archive} PARENT_SCOPE)

    foreach(probe heap_probe.cpp capi_probe.c)
      get_filename_component(stem ${probe} NAME_WE)
      set(probe_object ${out_dir}/${stem}.o)
      if(probe MATCHES "\\.c$")
        set(compile ${SMH_ARM_CC} -std=c11 -mcpu=cortex-m4 -mthumb -Os -ffunction-sections -fdata-sections)
      else()
        set(compile ${SMH_ARM_CXX} ${ship_flags})
      endif()
      add_custom_command(
        OUTPUT ${probe_object}
        COMMAND ${compile} -I${arg_INCLUDE_DIR} -MD -MF ${probe_object}.d -c ${arg_PROBE_DIR}/${probe} -o ${probe_object}
        DEPENDS ${arg_PROBE_DIR}/${probe}
        DEPFILE ${probe_object}.d
        COMMENT "Cortex-M4: compiling the size probe ${probe} (${mode})"
        VERBATIM)
      set(map ${out_dir}/${stem}.map)
      add_custom_command(
        OUTPUT ${out_dir}/${stem}.elf ${map}
        COMMAND ${SMH_ARM_CXX} ${link_flags} -Wl,-Map=${map} ${probe_object} ${archive} -o ${out_dir}/${stem}.elf
        DEPENDS ${probe_object} ${archive}
        COMMENT "Cortex-M4: linking the size probe ${stem} (${mode})"
        VERBATIM)
      list(APPEND all_maps ${map})
    endforeach()

    set(heap_check ${CMAKE_COMMAND} -DMAP=${out_dir}/heap_probe.map -DARCHIVE_NAME=${archive_name}
        "-DWHAT=smh heap (init, alloc, aligned_alloc, realloc, free), ${mode}"
        -DTEXT_BUDGET=${heap_budget} -DTEXT_TARGET=${arg_HEAP_TEXT_GOAL} -DBSS_BUDGET=0
        -P ${PROJECT_SOURCE_DIR}/cmake/scripts/cortex_m_budget.cmake)
    set(capi_check ${CMAKE_COMMAND} -DMAP=${out_dir}/capi_probe.map -DARCHIVE_NAME=${archive_name}
        "-DWHAT=smh heap + pool + Zephyr C API, ${mode}"
        -DTEXT_BUDGET=${capi_budget} -DTEXT_TARGET=${arg_CAPI_TEXT_GOAL} -DBSS_BUDGET=${arg_CAPI_RAM}
        -P ${PROJECT_SOURCE_DIR}/cmake/scripts/cortex_m_budget.cmake)
    # Printed on every build (never failing it: the tests enforce the budgets).
    list(APPEND all_checks COMMAND ${heap_check} || true COMMAND ${capi_check} || true)
    add_test(NAME core_cortex_m_heap${suffix}_size_budget COMMAND ${heap_check})
    add_test(NAME core_cortex_m_capi${suffix}_size_budget COMMAND ${capi_check})
  endforeach()
  add_custom_target(core_cortex_m_size ALL
    ${all_checks}
    DEPENDS ${all_maps}
    COMMENT "Cortex-M4: code size of the shipping core in the probe programs, both modes"
    VERBATIM)
endfunction()
