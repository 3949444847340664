#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs every libFuzzer target for a given time and grows the repository's
# corpus (docs/fuzzing.md, docs/reliability.md):
#   scripts/fuzz-long.sh [SECONDS_PER_TARGET] [NAME...]
# SECONDS_PER_TARGET defaults to 600; NAMEs (with or without _fuzzer) default
# to every fuzzer built. Uses the Clang + ASan/UBSan build of scripts/test.sh
# (SHADOWSYNC_CLANG_BUILD_DIR, default build-clang-asan/). Each target runs on
# a scratch copy of tests/fuzz/corpus/<name>/; afterwards only the new inputs
# that add coverage are merged into tests/fuzz/corpus/<name>/ (libFuzzer
# -merge=1), so the corpus is persistent and commits stay small. Prints one
# line per target: executions, coverage (cov: edges, ft: features), inputs
# added. A finding stops that target and is saved as
# <build>/fuzz-long/<name>/crash-*; the script then exits 1.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-600}
shift $(($# > 0 ? 1 : 0))
clang_dir=${SHADOWSYNC_CLANG_BUILD_DIR:-build-clang-asan}
if [[ $# -gt 0 ]]; then
  names=()
  for name in "$@"; do names+=("${name%_fuzzer}_fuzzer"); done
else
  mapfile -t names < <(find "$clang_dir/tests/fuzz" -maxdepth 1 -name '*_fuzzer' -type f \
    -perm -u+x -printf '%f\n' 2>/dev/null | sort)
fi
if [[ ${#names[@]} -eq 0 ]]; then
  echo "error: no fuzzers in $clang_dir/tests/fuzz; build them with" \
    "cmake --build $clang_dir --target <name>_fuzzer (scripts/test.sh builds them all)" >&2
  exit 1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
printf '%-22s %12s %8s %8s %6s\n' fuzzer executions cov ft added
for name in "${names[@]}"; do
  short=${name%_fuzzer}
  bin=$clang_dir/tests/fuzz/$name
  if [[ ! -x $bin ]]; then
    echo "error: $bin not built" >&2
    status=1
    continue
  fi
  corpus=tests/fuzz/corpus/$short
  work=$clang_dir/fuzz-long/$name
  rm -rf "$work/scratch"
  mkdir -p "$corpus" "$work/scratch"
  dict=()
  [[ -f tests/fuzz/$short.dict ]] && dict=(-dict="tests/fuzz/$short.dict")
  log=$work/run.log
  if ! "$bin" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
      -artifact_prefix="$work/" "${dict[@]}" "$work/scratch" "$corpus" >"$log" 2>&1; then
    echo "$name: a finding; see $log and $work/crash-*" >&2
    status=1
  fi
  before=$(find "$corpus" -type f | wc -l)
  "$bin" -merge=1 "$corpus" "$work/scratch" >"$work/merge.log" 2>&1 || true
  after=$(find "$corpus" -type f | wc -l)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-22s %12s %8s %8s %6s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
    "$((after - before))"
done
exit $status
