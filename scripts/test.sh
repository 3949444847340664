#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Set up and test: installs the dependencies, then
#   1. GCC, -Werror, built once for both the tests and the Debian packages:
#      `scripts/package.sh --with-tests build/` configures the packages'
#      build (Release, prefix /usr, Debian's hardening flags) with the tests,
#      builds it and runs cpack; then ctest runs in build/ (unit tests,
#      conformance vectors, the package consumer), and
#      tests/package/check_debs.sh runs lintian on the packages, unpacks
#      each, runs its programs and builds a pkg-config and a CMake consumer
#      against libshadowsync-dev;
#   2. Clang 14 with ASan + UBSan (-fno-sanitize-recover=all) and libFuzzer
#      instrumentation: build in build-clang-asan/ and run its ctest, all
#      but the tests labelled single-build (tests/CMakeLists.txt);
#   3. the topic and update fuzzers for SHADOWSYNC_FUZZ_SECONDS seconds
#      (default 30), every other fuzzer (one per parser: policy, registry,
#      agent configuration, store file, SigV4, AWS config file) for
#      SHADOWSYNC_PARSER_FUZZ_SECONDS (default 10, at most
#      SHADOWSYNC_FUZZ_SECONDS), SHADOWSYNC_JOBS of them at a time.
#      docs/fuzzing.md: longer runs.
# Steps 2 and 3 are skipped, loudly, when Clang is not installed.
# Exits non-zero if any step fails; ends with a timing summary.
#
# Environment: SHADOWSYNC_FUZZ_SECONDS (0 skips fuzzing),
# SHADOWSYNC_PARSER_FUZZ_SECONDS, SHADOWSYNC_JOBS
# (build and fuzzing parallelism, default 2), SHADOWSYNC_TEST_JOBS (tests
# ctest runs at a time, default SHADOWSYNC_JOBS + 1), SHADOWSYNC_GCC_BUILD_DIR and
# SHADOWSYNC_CLANG_BUILD_DIR (default build/ and build-clang-asan/),
# SHADOWSYNC_NO_CCACHE=1 (build without ccache even when it is installed).
set -uo pipefail
# EPOCHREALTIME and awk must agree on the decimal point.
export LC_NUMERIC=C

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1

jobs=${SHADOWSYNC_JOBS:-2}
# The tests wait on process starts and round trips more than they compute: on
# 2 cores, 3 at a time took GCC's ctest 329 s, 2 at a time 473 s, 4 at a time
# 319 s (the cores were then busy); docs/performance.md, "CI time".
test_jobs=${SHADOWSYNC_TEST_JOBS:-$((jobs + 1))}
fuzz_seconds=${SHADOWSYNC_FUZZ_SECONDS:-30}
parser_fuzz_seconds=${SHADOWSYNC_PARSER_FUZZ_SECONDS:-10}
gcc_dir=${SHADOWSYNC_GCC_BUILD_DIR:-build}
clang_dir=${SHADOWSYNC_CLANG_BUILD_DIR:-build-clang-asan}

summary=()
failures=0
script_start=$EPOCHREALTIME

elapsed() {  # seconds since $1 (an EPOCHREALTIME), one decimal
  awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

# step NAME COMMAND...: runs COMMAND, records its outcome and duration.
step() {
  local name=$1
  shift
  echo
  echo "==> $name"
  echo "+ $*"
  local start=$EPOCHREALTIME rc=0
  "$@" || rc=$?
  record "$name" "$start" "$rc"
  return "$rc"
}

# record NAME START RC: the summary line of a step that began at START (an
# EPOCHREALTIME) and ended now with exit code RC.
record() {
  local name=$1 took rc=$3
  took=$(elapsed "$2")
  if [[ $rc -eq 0 ]]; then
    summary+=("$(printf '  %-6s %-34s %7ss' PASS "$name" "$took")")
  else
    summary+=("$(printf '  %-6s %-34s %7ss  (exit %d)' FAIL "$name" "$took" "$rc")")
    failures=$((failures + 1))
    echo "==> $name FAILED (exit $rc)" >&2
  fi
}

skip() {  # skip NAME REASON
  summary+=("$(printf '  %-6s %-34s %8s  (%s)' SKIP "$1" "" "$2")")
}

finish() {
  echo
  echo "==> summary"
  printf '%s\n' "${summary[@]}"
  echo "  total $(elapsed "$script_start")s"
  if [[ $failures -ne 0 ]]; then
    echo "==> $failures step(s) FAILED" >&2
    exit 1
  fi
  echo "==> all steps passed"
  exit 0
}

# fuzz_seconds_for NAME: how long CI runs fuzzer NAME. The two engine
# fuzzers get $fuzz_seconds; the parser fuzzers $parser_fuzz_seconds (never
# more than $fuzz_seconds), which keeps the six of them to a minute.
fuzz_seconds_for() {
  case $1 in
    topic_fuzzer | update_fuzzer) echo "$fuzz_seconds" ;;
    *) echo $((parser_fuzz_seconds < fuzz_seconds ? parser_fuzz_seconds : fuzz_seconds)) ;;
  esac
}

# run_fuzzer NAME: runs build-clang-asan/tests/fuzz/NAME for
# $(fuzz_seconds_for NAME) seconds.
# New inputs go to a work corpus in the build tree (the first directory);
# the checked-in seeds in tests/fuzz/corpus/NAME/ (or corpus/topic/ for
# topic_fuzzer) are only read, as is a tests/fuzz/NAME.dict dictionary.
# shellcheck disable=SC2317  # called indirectly, through step
run_fuzzer() {
  local name=$1
  local bin="$clang_dir/tests/fuzz/$name"
  local work="$clang_dir/fuzz/$name"
  local short=${name%_fuzzer}  # topic_fuzzer -> topic
  mkdir -p "$work/corpus"
  local args=(-max_total_time="$(fuzz_seconds_for "$name")" -timeout=25 -print_final_stats=1
              -artifact_prefix="$work/")
  local dict
  for dict in "tests/fuzz/$name.dict" "tests/fuzz/$short.dict"; do
    if [[ -f $dict ]]; then
      args+=(-dict="$dict")
      break
    fi
  done
  args+=("$work/corpus")
  local seeds
  for seeds in "tests/fuzz/corpus/$name" "tests/fuzz/corpus/$short"; do
    if [[ -d $seeds ]]; then
      args+=("$seeds")
      break
    fi
  done
  echo "+ $bin ${args[*]}  (log: $work/fuzz.log)"
  local rc=0
  "$bin" "${args[@]}" >"$work/fuzz.log" 2>&1 || rc=$?
  if [[ $rc -eq 0 ]]; then
    grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs)' "$work/fuzz.log"
    return 0
  fi
  echo "--- last 60 lines of $work/fuzz.log ---" >&2
  tail -n 60 "$work/fuzz.log" >&2
  local artifact
  for artifact in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    if [[ -e $artifact ]]; then
      echo "reproducer: $artifact (re-run: $bin $artifact)" >&2
    fi
  done
  return "$rc"
}

step "install dependencies" scripts/install-deps.sh || finish

# ccache (Debian) keeps compiled objects between runs on the same machine
# (in ~/.cache/ccache): a second run rebuilds only what changed. The base
# and no-hash-dir settings let the cache ignore where the checkout lives.
if command -v ccache >/dev/null 2>&1 && [[ ${SHADOWSYNC_NO_CCACHE:-0} != 1 ]]; then
  export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
fi

# 1. GCC and the Debian packages ---------------------------------------------------
# One build serves both (compiling the packages apart cost ~6 minutes on a
# cold cache). ctest runs $test_jobs tests at a time: every test that starts
# a broker or a program takes free loopback ports and its own directories.
# The tests' own code is compiled without optimisation, in both builds: at
# -O3 (GCC) or -O2 with the sanitizers it was most of the compile time, and
# what it runs is the libraries and programs, optimised as packaged.
# -U_FORTIFY_SOURCE: Debian's flags define it, and glibc warns that it needs
# optimisation.
test_compile_options="-DSHADOWSYNC_TEST_COMPILE_OPTIONS=-O0;-U_FORTIFY_SOURCE"
if step "gcc: build and packages" env CXX=g++ SHADOWSYNC_JOBS="$jobs" \
     scripts/package.sh --with-tests "$gcc_dir" "$test_compile_options"; then
  step "gcc: ctest" ctest --test-dir "$gcc_dir" --parallel "$test_jobs" \
    --output-on-failure --no-tests=error
  step "packages: check" tests/package/check_debs.sh "$gcc_dir/packages" \
    "$gcc_dir/package-check"
fi

# 2. Clang + ASan + UBSan -----------------------------------------------------
clangxx=""
for candidate in clang++-14 clang++; do
  if command -v "$candidate" >/dev/null 2>&1; then
    clangxx=$(command -v "$candidate")
    break
  fi
done

if [[ -z $clangxx ]]; then
  cat >&2 <<'BANNER'

##############################################################################
##  WARNING: Clang (clang++-14) is not installed.                           ##
##  SKIPPING the Clang + ASan/UBSan build, its tests and the fuzzers.       ##
##  Install it with scripts/install-deps.sh (packages clang,                ##
##  libclang-rt-14-dev) to run the full suite.                              ##
##############################################################################
BANNER
  skip "clang: asan+ubsan build and ctest" "clang++ not found"
  skip "fuzzers" "clang++ not found"
  finish
fi

sanitize_flags="-fsanitize=address,undefined -fno-sanitize-recover=all"
sanitize_flags+=" -fsanitize=fuzzer-no-link -fno-omit-frame-pointer"
# RapidJSON 1.1.0 trips UBSan's pointer-overflow check on every parse; the
# ignorelist exempts that one check in its headers only (see the file).
sanitize_flags+=" -fsanitize-ignorelist=$root/scripts/sanitizer-ignorelist.txt"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Leaks inside Paho C's own library are not ours to fix (see the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan-suppressions.txt:print_suppressions=0}

# Besides the tests' code, the gateway's and the console's Boost.Beast
# servers are compiled without optimisation here: instrumenting Beast at -O2
# took the longest of any file (websocket_relay.cc: 160 s, 60 s at -O0). Their
# parsers, which the fuzzers run, stay optimised (service/gateway/CMakeLists.txt).
clang_built=0
if step "clang: configure" cmake -S . -B "$clang_dir" \
     -DCMAKE_CXX_COMPILER="$clangxx" \
     -DCMAKE_BUILD_TYPE=RelWithDebInfo \
     -DCMAKE_CXX_FLAGS="$sanitize_flags" \
     -DSHADOWSYNC_WERROR=ON \
     "$test_compile_options" \
     -DSHADOWSYNC_ASIO_COMPILE_OPTIONS=-O0 \
     -DSHADOWSYNC_BUILD_FUZZERS=ON \
     -DSHADOWSYNC_BUILD_BENCHMARKS=OFF; then
  if step "clang: build" cmake --build "$clang_dir" -j"$jobs"; then
    clang_built=1
    # Without the `single-build` tests (tests/CMakeLists.txt says why).
    # With a 32 MiB stack instead of 8: a test program keeps the linker's
    # first copy of each template, which is its own unoptimised one, so
    # RapidJSON's recursive copy runs at -O0, whose ASan frames overflow 8 MiB
    # at the 10,000 levels of SqlTest.DeepPayloadsEvaluate (16 MiB suffices).
    step "clang: ctest (asan+ubsan)" bash -c 'ulimit -s 32768 && exec "$@"' ctest \
      ctest --test-dir "$clang_dir" --parallel "$test_jobs" \
      --output-on-failure --no-tests=error --label-exclude single-build
  fi
fi

# 3. Fuzzers ------------------------------------------------------------------
if [[ $clang_built -ne 1 ]]; then
  skip "fuzzers" "clang build failed"
elif [[ $fuzz_seconds -le 0 ]]; then
  skip "fuzzers" "SHADOWSYNC_FUZZ_SECONDS=$fuzz_seconds"
else
  fuzzers=()
  if [[ -f $clang_dir/tests/fuzz/fuzzers.txt ]]; then
    while IFS= read -r line; do
      [[ -n $line ]] && fuzzers+=("$line")
    done <"$clang_dir/tests/fuzz/fuzzers.txt"
  fi
  if [[ ${#fuzzers[@]} -eq 0 ]]; then
    skip "fuzzers" "no tests/fuzz/*_fuzzer.cc"
  fi
  # Each fuzzer is one process on one core: $jobs of them run at once, each
  # printing to its own file, shown (and summarised) as it ends.
  declare -A fuzz_label=() fuzz_start=() fuzz_out=()
  mkdir -p "$clang_dir/fuzz"
  # end_one_fuzzer: waits for any running fuzzer and reports it.
  end_one_fuzzer() {
    local pid rc=0
    wait -n -p pid || rc=$?
    echo
    echo "==> ${fuzz_label[$pid]}"
    cat "${fuzz_out[$pid]}"
    record "${fuzz_label[$pid]}" "${fuzz_start[$pid]}" "$rc"
    unset "fuzz_label[$pid]" "fuzz_start[$pid]" "fuzz_out[$pid]"
  }
  for name in "${fuzzers[@]}"; do
    seconds=$(fuzz_seconds_for "$name")
    # -max_total_time=0 would mean "forever".
    if [[ $seconds -le 0 ]]; then
      skip "fuzz: $name" "0 seconds"
      continue
    fi
    while [[ ${#fuzz_label[@]} -ge $jobs ]]; do end_one_fuzzer; done
    start=$EPOCHREALTIME
    run_fuzzer "$name" >"$clang_dir/fuzz/$name.out" 2>&1 &
    fuzz_out[$!]="$clang_dir/fuzz/$name.out"
    fuzz_label[$!]="fuzz: $name (${seconds}s)"
    fuzz_start[$!]=$start
  done
  while [[ ${#fuzz_label[@]} -gt 0 ]]; do end_one_fuzzer; done
fi

finish
