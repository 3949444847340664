# SPDX-License-Identifier: Apache-2.0
# shadowsync_warnings(<target>): the project's warning set, -Werror in CI.
function(shadowsync_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  # Clang checks the locking annotations (shadowsync/thread_annotations.h).
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety)
  endif()
  if(SHADOWSYNC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
