#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs every libFuzzer target for a given time and grows the repository's
# corpus (docs/fuzzing.md, docs/reliability.md):
#   scripts/fuzz-long.sh [--runs N] [SECONDS_PER_TARGET] [NAME...]
# SECONDS_PER_TARGET defaults to 600; with --runs N a target also stops after
# N executions, whichever comes first (the long run: --runs 10000000).
# NAMEs (with or without _fuzzer) default to every fuzzer built. Uses the
# Clang + ASan/UBSan build of scripts/test.sh (SHADOWSYNC_CLANG_BUILD_DIR,
# default build-clang-asan/). Each target runs on a scratch copy of
# tests/fuzz/corpus/<name>/; afterwards its new inputs are minimised into a
# fresh dir that starts as a copy of the corpus (libFuzzer's -merge=1 with
# -set_cover_merge=1 -use_counters=0: a smallest set of inputs that adds
# edges, not hit counts), and only those land in tests/fuzz/corpus/<name>/,
# so the corpus is persistent and commits stay small. Prints one line per
# target: executions, exec/s, coverage (cov: edges, ft: features) and the
# corpus before -> after (files, bytes). A finding stops that target and is
# saved as <build>/fuzz-long/<name>/crash-*; the script then exits 1.
set -euo pipefail

usage_lines='4,19p'
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n "$usage_lines" "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
runs=()
if [[ ${1:-} == --runs ]]; then
  if [[ ! ${2:-} =~ ^[0-9]+$ ]]; then
    echo "error: --runs needs a number of executions" >&2
    exit 2
  fi
  runs=(-runs="$2")
  shift 2
fi
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
# The sanitizer settings of scripts/test.sh.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan-suppressions.txt:print_suppressions=0}

# size DIR: "<files> files, <bytes> B".
size() {
  echo "$(find "$1" -type f | wc -l) files, $(find "$1" -type f -printf '%s\n' |
    awk '{s += $1} END {print s + 0}') B"
}

status=0
printf '%-24s %11s %8s %6s %6s  %s\n' fuzzer executions exec/s cov ft 'corpus before -> after'
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
  rm -rf "$work/scratch" "$work/merged"
  mkdir -p "$corpus" "$work/scratch" "$work/merged"
  dict=()
  [[ -f tests/fuzz/$short.dict ]] && dict=(-dict="tests/fuzz/$short.dict")
  log=$work/run.log
  before=$(size "$corpus")
  if ! "$bin" "${runs[@]}" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
      -artifact_prefix="$work/" "${dict[@]}" "$work/scratch" "$corpus" >"$log" 2>&1; then
    echo "$name: a finding; see $log and $work/crash-*" >&2
    status=1
  fi
  # Minimise: the fresh dir starts as the corpus, so the merge copies into it
  # only new inputs that add edges (a set cover of them; hit counts left out,
  # which would keep several times the files); those, and nothing else, land.
  cp -p "$corpus"/. "$work/merged/" -r
  "$bin" -merge=1 -set_cover_merge=1 -use_counters=0 "$work/merged" "$work/scratch" \
    >"$work/merge.log" 2>&1 || true
  for input in "$work/merged"/*; do
    [[ -e $corpus/${input##*/} ]] || cp "$input" "$corpus/"
  done
  after=$(size "$corpus")
  fuzz_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  execs=$(fuzz_stat number_of_executed_units)
  rate=$(fuzz_stat average_exec_per_sec)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  printf '%-24s %11s %8s %6s %6s  %s -> %s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
    "${ft:-?}" "$before" "$after"
done
exit $status
