#!/usr/bin/env bash
# End-to-end test of the built //tools:sweep binary: the seed's default run,
# formats, the SVG file, and bad input exiting 2 with one line on stderr
# naming the flag and nothing on stdout.
set -uo pipefail

sweep="${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/sweep"
[[ -x "$sweep" ]] || sweep="tools/sweep"
[[ -x "$sweep" ]] || { echo "cannot find the sweep binary in the runfiles" >&2; exit 1; }

tmp="${TEST_TMPDIR:-$(mktemp -d)}"
out="$tmp/out"
err="$tmp/err"
failures=0

fail() {
  echo "FAIL: $*" >&2
  echo "--- stdout:" >&2; head -c 3000 "$out" >&2
  echo "--- stderr:" >&2; cat "$err" >&2
  failures=$((failures + 1))
}

# expect_ok NEEDLE ARGS...: exit 0, NEEDLE on stdout, stderr empty.
expect_ok() {
  local needle="$1"; shift
  "$sweep" "$@" >"$out" 2>"$err"
  local rc=$?
  [[ $rc -eq 0 ]] || { fail "$* exited $rc, want 0"; return; }
  grep -qF -- "$needle" "$out" || fail "$*: stdout lacks '$needle'"
  [[ ! -s "$err" ]] || fail "$*: stderr not empty"
}

# expect_bad NEEDLE ARGS...: exit 2, one stderr line holding NEEDLE, no stdout.
expect_bad() {
  local needle="$1"; shift
  "$sweep" "$@" >"$out" 2>"$err"
  local rc=$?
  [[ $rc -eq 2 ]] || { fail "$* exited $rc, want 2"; return; }
  [[ $(wc -l <"$err") -eq 1 ]] || fail "$*: stderr has $(wc -l <"$err") lines, want 1"
  grep -qF -- "$needle" "$err" || fail "$*: stderr lacks '$needle'"
  [[ ! -s "$out" ]] || fail "$*: stdout not empty"
}

expect_ok 'binding_limit             sla'
expect_ok '"max_concurrency": {' --format=json --context=lognormal:4096:1
expect_ok 'batch_per_dp,concurrency,binding_limit' --format=csv --batch_max=64
expect_ok '| binding_limit | memory |' --format=markdown \
  --model=models/llama3_1_70b.textproto --hw=hw/h100_sxm.textproto \
  --deployment=deployments/llama3_1_70b_tp8.textproto --context=fixed:131072 --user_tps=10

expect_ok 'Largest batch meeting the SLA' --svg="$tmp/plot.svg" --batch_max=128
[[ -s "$tmp/plot.svg" ]] || fail "--svg: no file written"
grep -qF 'xmlns="http://www.w3.org/2000/svg"' "$tmp/plot.svg" || fail "--svg: no xmlns"
grep -qF 'class="max-concurrency"' "$tmp/plot.svg" || fail "--svg: no marker"

expect_bad 'sweep: --batch_min: 300 is above --batch_max (256)' --batch_min=300
expect_bad "sweep: --context: 'lognormal:4096': expected lognormal:MEAN:SIGMA" \
  --context=lognormal:4096
expect_bad 'sweep: --context: lognormal:4096:7: sigma: must be in (0, 3]' --context=lognormal:4096:7
expect_bad 'sweep: --tpot_ms: conflicts with --user_tps' --user_tps=60 --tpot_ms=16
expect_bad 'sweep: --user_tps: Illegal value' --user_tps=abc
expect_bad 'sweep: --svg: cannot write' --svg=/no/such/dir/plot.svg
expect_bad 'no/such/model.textproto' --model=no/such/model.textproto

if [[ $failures -gt 0 ]]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "PASS"
