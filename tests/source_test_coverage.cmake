# SPDX-License-Identifier: Apache-2.0
# Fails unless every source file of the library, lib/src/**/x.cc, has a test
# file of its own name, x_test.cc, somewhere under tests/ or lib/testing/
# (issue 10: one concept per file, one test file per concept). A file that
# needs a broker or a server has its test in the binary with that fixture
# (tests/integration, tests/gateway); the others in tests/unit.
#   cmake -DSOURCES=<lib/src> -DTESTS=<tests> -DTESTING=<lib/testing>
#         -P source_test_coverage.cmake
cmake_minimum_required(VERSION 3.25)  # if(IN_LIST) in script mode
foreach(dir SOURCES TESTS TESTING)
  if(NOT IS_DIRECTORY "${${dir}}")
    message(FATAL_ERROR "${dir}=${${dir}} is not a directory")
  endif()
endforeach()

file(GLOB_RECURSE sources RELATIVE "${SOURCES}" "${SOURCES}/*.cc")
file(GLOB_RECURSE tests "${TESTS}/*_test.cc" "${TESTING}/*_test.cc")
set(test_names)
foreach(test IN LISTS tests)
  get_filename_component(name "${test}" NAME)
  list(APPEND test_names "${name}")
endforeach()

list(LENGTH sources count)
if(count LESS 20)
  message(FATAL_ERROR "found only ${count} sources under ${SOURCES}; has the layout changed?")
endif()
set(missing)
foreach(source IN LISTS sources)
  get_filename_component(base "${source}" NAME_WE)
  if(NOT "${base}_test.cc" IN_LIST test_names)
    list(APPEND missing "lib/src/${source} (no ${base}_test.cc)")
  endif()
endforeach()
if(missing)
  list(JOIN missing "\n  " text)
  message(FATAL_ERROR "library sources without a test file of their own name under tests/ or "
                      "lib/testing/:\n  ${text}")
endif()
message(STATUS "all ${count} sources of lib/src have their <name>_test.cc")
