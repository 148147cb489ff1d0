#!/usr/bin/env bash
# End-to-end test of the built //tools:sla binary (a data dependency, found in
# the runfiles): good runs exit 0 and print the seed figures; each kind of bad
# input exits 2 with exactly one line on stderr naming the flag, and nothing
# on stdout.
set -uo pipefail

sla="${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/sla"
[[ -x "$sla" ]] || sla="tools/sla"
[[ -x "$sla" ]] || { echo "cannot find the sla binary in the runfiles" >&2; exit 1; }

out="${TEST_TMPDIR:-$(mktemp -d)}/out"
err="${TEST_TMPDIR:-$(mktemp -d)}/err"
failures=0

fail() {
  echo "FAIL: $*" >&2
  echo "--- stdout:" >&2; cat "$out" >&2
  echo "--- stderr:" >&2; cat "$err" >&2
  failures=$((failures + 1))
}

# expect_ok NEEDLE ARGS...: exit 0, NEEDLE on stdout, stderr empty.
expect_ok() {
  local needle="$1"; shift
  "$sla" "$@" >"$out" 2>"$err"
  local rc=$?
  [[ $rc -eq 0 ]] || { fail "$* exited $rc, want 0"; return; }
  grep -qF -- "$needle" "$out" || fail "$*: stdout lacks '$needle'"
  [[ ! -s "$err" ]] || fail "$*: stderr not empty"
}

# expect_bad NEEDLE ARGS...: exit 2, one stderr line holding NEEDLE, no stdout.
expect_bad() {
  local needle="$1"; shift
  "$sla" "$@" >"$out" 2>"$err"
  local rc=$?
  [[ $rc -eq 2 ]] || { fail "$* exited $rc, want 2"; return; }
  [[ $(wc -l <"$err") -eq 1 ]] || fail "$*: stderr has $(wc -l <"$err") lines, want 1"
  grep -qF -- "$needle" "$err" || fail "$*: stderr lacks '$needle'"
  [[ ! -s "$out" ]] || fail "$*: stdout not empty"
}

expect_ok '"tpot_ms": 16.67' --machine_tps=11520 --dp=8 --batch_per_dp=24 --accept=2.3 --format=json
expect_ok 'measured,15495,80.70,12.39,28.50' --forward_ms=28.5 --dp=8 --batch_per_dp=24 --accept=2.3 --format=csv
expect_ok '"measured": {' --format=json
expect_ok 'Seed measured row' # no flags: both seed rows from the data files

expect_bad 'sla: --machine_tps: must be a positive finite number, got -1' \
  --machine_tps=-1 --dp=8 --batch_per_dp=24
expect_bad 'sla: --forward_ms: conflicts with --machine_tps' \
  --machine_tps=11520 --forward_ms=28.5 --dp=8 --batch_per_dp=24
expect_bad 'sla: --dp: required with --machine_tps' --machine_tps=11520 --batch_per_dp=24
expect_bad "sla: --machine_tps: Illegal value 'fast'" --machine_tps=fast
expect_bad 'sla: --format:' --format=xml
expect_bad 'sla: --no_such_flag: unknown flag' --no_such_flag=1
expect_bad 'sla: --dp: missing value' --dp
expect_bad 'sla: unexpected argument "extra"' extra

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all checks passed"
