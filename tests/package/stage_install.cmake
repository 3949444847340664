# SPDX-License-Identifier: Apache-2.0
# cmake -DBUILD_DIR=... -DSTAGE_DIR=... -DCONSUMER_BUILD_DIR=... [-DCONFIG=...] -P stage_install.cmake
# Installs the build at BUILD_DIR into a fresh STAGE_DIR.
foreach(var BUILD_DIR STAGE_DIR CONSUMER_BUILD_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "stage_install.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${STAGE_DIR}" "${CONSUMER_BUILD_DIR}")

set(config_args)
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${STAGE_DIR}" ${config_args}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${STAGE_DIR} failed: ${result}")
endif()

file(GLOB_RECURSE config_file "${STAGE_DIR}/*/shadowsyncConfig.cmake")
if(NOT config_file)
  message(FATAL_ERROR "no shadowsyncConfig.cmake under ${STAGE_DIR}")
endif()
# The testing library (LoopbackBroker, MockTransport) is installed in its
# own export set; the package tests are built with googletest, so it must be
# there.
get_filename_component(config_dir "${config_file}" DIRECTORY)
file(GLOB testing_header "${STAGE_DIR}/include/shadowsync/testing/loopback_broker.h")
if(NOT EXISTS "${config_dir}/shadowsyncTestingTargets.cmake" OR NOT testing_header)
  message(FATAL_ERROR "the staged install lacks shadowsync::testing "
                      "(shadowsyncTestingTargets.cmake or include/shadowsync/testing)")
endif()
message(STATUS "staged install: ${config_file}")
