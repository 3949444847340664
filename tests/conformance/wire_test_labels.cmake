# SPDX-License-Identifier: Apache-2.0
# A ctest include file (TEST_INCLUDE_FILES of tests/integration, read after
# the discovered gtests are defined): the wire-mode conformance tests of
# tests/integration/conformance_wire_test.cc need a broker, so they live in
# the integration binary, but they are conformance tests too.
# The runs of every vector take 30 to 50 s each: a high COST starts them
# first (ctest's order before it has measured times), so that a short test,
# not one of these, is the last to end.
foreach(wire_test IN LISTS shadowsync_integration_tests_TESTS)
  if(wire_test MATCHES "^Conformance(Wire|Https)")
    set_tests_properties("${wire_test}" PROPERTIES LABELS "integration;conformance;single-build")
  endif()
  if(wire_test MATCHES "^Conformance(WireTest.OwnVectors|HttpsTest.*ThroughTheGateway)")
    set_tests_properties("${wire_test}" PROPERTIES COST 500)
  endif()
endforeach()
