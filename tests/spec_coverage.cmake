# SPDX-License-Identifier: Apache-2.0
# Fails unless every rule id of sections 1 to 9 of the shadow-service spec
# (T*, P*, E*, M*, MD*, D*, V*, L*) is cited by at least one test: a unit
# test name or comment, a fuzzer, or the `source` of a conformance vector.
#   cmake -DSPEC=<shadow-service.md> -DTESTS=<tests dir> -P spec_coverage.cmake
file(READ "${SPEC}" spec)
string(FIND "${spec}" "\n## 10." end)
string(SUBSTRING "${spec}" 0 ${end} spec)

# Rule definitions: "**M4**" in prose, "| L1 |" in the limits table.
string(REGEX MATCHALL "\\*\\*[A-Z]+[0-9]+\\*\\*" bold "${spec}")
string(REGEX MATCHALL "\n\\| L[0-9]+ \\|" rows "${spec}")
set(ids)
foreach(item IN LISTS bold rows)
  string(REGEX MATCH "[A-Z]+[0-9]+" id "${item}")
  list(APPEND ids ${id})
endforeach()
list(REMOVE_DUPLICATES ids)
list(LENGTH ids count)
if(count LESS 60)
  message(FATAL_ERROR "found only ${count} rule ids in ${SPEC}; has its format changed?")
endif()

file(GLOB_RECURSE sources "${TESTS}/*.cc" "${TESTS}/*.h" "${TESTS}/conformance/vectors/*.json")
set(corpus " ")
foreach(source IN LISTS sources)
  file(READ "${source}" text)
  string(APPEND corpus " ${text}")
endforeach()

set(missing)
foreach(id IN LISTS ids)
  # Not preceded by a capital (so MD1 does not count as D1) and not followed
  # by a digit (so M10 does not count as M1).
  if(NOT corpus MATCHES "[^A-Z]${id}[^0-9]")
    list(APPEND missing ${id})
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "spec rule ids cited by no test: ${missing}")
endif()
message(STATUS "all ${count} spec rule ids of sections 1-9 are cited by tests")
