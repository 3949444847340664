# SPDX-License-Identifier: Apache-2.0
# Runs a command and checks its exit status and output, for tests that expect
# a program to fail in a precise way (ctest's WILL_FAIL accepts any failure).
#
#   cmake -DEXPECT_EXIT=<n> [-DEXPECT_LAST_LINE=<text>] [-DEXPECT_STDERR_REGEX=<re>]
#         -P check_runner_output.cmake -- <command> [args...]
#
# EXPECT_LAST_LINE is compared with the last non-empty line of stdout.

set(command)
set(after_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_separator)
    list(APPEND command "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()
if(NOT command)
  message(FATAL_ERROR "no command given after --")
endif()

execute_process(COMMAND ${command}
  RESULT_VARIABLE exit_status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(err)
  message("stderr:\n${err}")
endif()

if(DEFINED EXPECT_EXIT AND NOT exit_status STREQUAL EXPECT_EXIT)
  message(FATAL_ERROR "exit status: expected ${EXPECT_EXIT}, got ${exit_status}")
endif()
if(DEFINED EXPECT_LAST_LINE)
  string(STRIP "${out}" stripped)
  string(REGEX REPLACE "^.*\n" "" last_line "${stripped}")
  if(NOT last_line STREQUAL EXPECT_LAST_LINE)
    message(FATAL_ERROR "last line: expected '${EXPECT_LAST_LINE}', got '${last_line}'")
  endif()
endif()
if(DEFINED EXPECT_STDERR_REGEX AND NOT err MATCHES "${EXPECT_STDERR_REGEX}")
  message(FATAL_ERROR "stderr does not match '${EXPECT_STDERR_REGEX}'")
endif()
