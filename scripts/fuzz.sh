#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs one libFuzzer target for longer than CI does (docs/fuzzing.md):
#   scripts/fuzz.sh NAME [SECONDS] [extra libFuzzer flags...]
# NAME is a fuzzer with or without "_fuzzer" (policy, sigv4_fuzzer, ...);
# SECONDS defaults to 600. Uses the Clang + ASan/UBSan build of
# scripts/test.sh (SHADOWSYNC_CLANG_BUILD_DIR, default build-clang-asan/),
# which must exist: build the one target with
#   cmake --build build-clang-asan --target NAME_fuzzer
# New inputs go to <build>/fuzz/NAME_fuzzer/corpus (kept between runs); the
# seeds in tests/fuzz/corpus/ are only read. A finding is saved as
# <build>/fuzz/NAME_fuzzer/crash-* and the script exits non-zero; re-run it
# with <build>/tests/fuzz/NAME_fuzzer <file>.
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
name=${1%_fuzzer}_fuzzer
short=${name%_fuzzer}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))
clang_dir=${SHADOWSYNC_CLANG_BUILD_DIR:-build-clang-asan}
bin=$clang_dir/tests/fuzz/$name
if [[ ! -x $bin ]]; then
  echo "error: $bin not built; run: cmake --build $clang_dir --target $name" >&2
  exit 1
fi
work=$clang_dir/fuzz/$name
mkdir -p "$work/corpus"
args=(-max_total_time="$seconds" -timeout=25 -print_final_stats=1 -artifact_prefix="$work/")
for dict in "tests/fuzz/$name.dict" "tests/fuzz/$short.dict"; do
  if [[ -f $dict ]]; then
    args+=(-dict="$dict")
    break
  fi
done
args+=("$@" "$work/corpus")
for seeds in "tests/fuzz/corpus/$name" "tests/fuzz/corpus/$short"; do
  if [[ -d $seeds ]]; then
    args+=("$seeds")
    break
  fi
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "+ $bin ${args[*]}"
exec "$bin" "${args[@]}"
