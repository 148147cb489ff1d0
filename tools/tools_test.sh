#!/usr/bin/env bash
# Tests for tools/bench_compare and tools/measure_host as commands: exit codes
# (0 / 1 / 2), the one-line errors, and that measure_host writes a file.
set -uo pipefail

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect CODE CMD...: runs CMD, keeps stdout/stderr in $out/$err, checks the exit code.
expect() {
  local want=$1; shift
  "$@" >"$TEST_TMPDIR/out" 2>"$TEST_TMPDIR/err"
  local got=$?
  out=$(cat "$TEST_TMPDIR/out"); err=$(cat "$TEST_TMPDIR/err")
  [ "$got" -eq "$want" ] || fail "exit $got, want $want: $* (stderr: $err)"
}
contains() { [[ "$1" == *"$2"* ]] || fail "missing '$2' in: $1"; }

old=measure/testdata/compare_old.json
new=measure/testdata/compare_new.json

expect 0 tools/bench_compare "$old" "$new"
contains "$out" "REGRESSION"
contains "$out" "regression   1"
expect 0 tools/bench_compare "$old" "$new" --format=csv
contains "$out" "benchmarks,regression,improvement,same,added,removed,error"
contains "$out" "7,1,1,2,1,1,1"
expect 1 tools/bench_compare --fail_on_regression "$old" "$new"
contains "$out" "REGRESSION"
[ -z "$err" ] || fail "stderr not empty on a failed check: $err"
expect 0 tools/bench_compare --fail_on_regression --threshold=0.5 "$old" "$new" --format=json
contains "$out" '"regression": 0'
expect 2 tools/bench_compare --threshold=-1 "$old" "$new"
contains "$err" "bench_compare: --threshold: must be >= 0, got -1"
expect 2 tools/bench_compare --no_such_flag "$old" "$new"   # bad flags: 2 (was Abseil's 1)
contains "$err" "bench_compare: --no_such_flag: unknown flag"
expect 0 tools/bench_compare --fail_on_regression "$old" "$old"
expect 2 tools/bench_compare "$old"
contains "$err" "bench_compare: expected two JSON files, got 1 arguments"
expect 2 tools/bench_compare --time=wall "$old" "$new"
contains "$err" "bench_compare: --time: unknown clock 'wall'; expected one of auto, real, cpu"
expect 2 tools/bench_compare "$old" measure/testdata/malformed.json
contains "$err" "bench_compare: measure/testdata/malformed.json:4:56: Missing a name for object member."
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "error is not one line: $err"
printf '{"benchmarks": [\n  {"name": "a", "time_unit": "ps"}]}\n' >"$TEST_TMPDIR/unit.json"
expect 2 tools/bench_compare "$TEST_TMPDIR/unit.json" "$new"
contains "$err" "unit.json:2:30: benchmarks[0].time_unit: expected one of ns, us, ms, s, got \"ps\""
[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "error is not one line: $err"
expect 2 tools/bench_compare "$old" /nonexistent.json
contains "$err" "/nonexistent.json: cannot open file"

printf 'processor\t: 0\nmodel name\t: Test CPU 9000\n' >"$TEST_TMPDIR/cpuinfo"
printf 'MemTotal:       16000000 kB\n' >"$TEST_TMPDIR/meminfo"
host=(--cpuinfo="$TEST_TMPDIR/cpuinfo" --meminfo="$TEST_TMPDIR/meminfo")
expect 0 tools/measure_host --benchmark_json=baselines/cpu/cpu_kernels.json "${host[@]}" \
  --out="$TEST_TMPDIR/host.textproto"
contains "$out" "out  $TEST_TMPDIR/host.textproto"
contains "$out" "fp32_gflops"
[ -z "$err" ] || fail "stderr not empty on success: $err"
contains "$(cat "$TEST_TMPDIR/host.textproto")" 'name: "1 core of Test CPU 9000"'
contains "$(cat "$TEST_TMPDIR/host.textproto")" "hbm_capacity_gb: 16.384  # MemTotal"
expect 0 tools/measure_host --benchmark_json=baselines/cpu/cpu_kernels.json "${host[@]}"
contains "$out" "efficiency {"
expect 2 tools/measure_host --benchmark_json=baselines/cpu/cpu_kernels.json "${host[@]}" --format=json
contains "$err" "measure_host: --format: json needs --out"
expect 2 tools/measure_host --benchmark_json=baselines/cpu/cpu_kernels.json --fp32=1
contains "$err" "measure_host: --fp32: unknown flag"
expect 2 tools/measure_host "${host[@]}"
contains "$err" "measure_host: --benchmark_json: required"
expect 2 tools/measure_host --benchmark_json=measure/testdata/malformed.json "${host[@]}"
contains "$err" "measure/testdata/malformed.json:4:56: Missing a name for object member."
expect 2 tools/measure_host --benchmark_json=measure/testdata/gpu_dry_run.json "${host[@]}"
contains "$err" "no peak_fp32 row"
expect 2 tools/measure_host --benchmark_json=baselines/cpu/cpu_kernels.json extra
contains "$err" "measure_host: unexpected argument 'extra'"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all tool checks passed"
