#!/usr/bin/env bash
# End-to-end test of the built //tools:sweep binary: the seed's default run,
# formats, the SVG file, and bad input exiting 2 with one line on stderr
# naming the flag and nothing on stdout.
set -uo pipefail

source "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/e2e_lib.sh" 2>/dev/null ||
  source "$(dirname "$0")/e2e_lib.sh"
sweep=$(e2e_find sweep)

# expect_ok NEEDLE ARGS... / expect_bad NEEDLE ARGS...: see tools/e2e_lib.sh.
expect_ok() { e2e_expect_ok "$sweep" "$@"; }
expect_bad() { e2e_expect_exit "$sweep" 2 "$@"; }

expect_ok 'binding_limit             sla'
expect_ok '"max_concurrency": {' --format=json --context=lognormal:4096:1
expect_ok 'batch_per_dp,concurrency,binding_limit' --format=csv --batch_max=64
expect_ok '| binding_limit | memory |' --format=markdown \
  --model=models/llama3_1_70b.textproto --hw=hw/h100_sxm.textproto \
  --deployment=deployments/llama3_1_70b_tp8.textproto --context=fixed:131072 --user_tps=10

expect_ok 'Largest batch meeting the SLA' --svg="$_e2e_tmp/plot.svg" --batch_max=128
[[ -s "$_e2e_tmp/plot.svg" ]] || e2e_fail "--svg: no file written"
grep -qF 'xmlns="http://www.w3.org/2000/svg"' "$_e2e_tmp/plot.svg" || e2e_fail "--svg: no xmlns"
grep -qF 'class="max-concurrency"' "$_e2e_tmp/plot.svg" || e2e_fail "--svg: no marker"

expect_bad 'sweep: --batch_min: 300 is above batch_max (256)' --batch_min=300
expect_bad "sweep: --context: 'lognormal:4096': expected lognormal:MEAN:SIGMA" \
  --context=lognormal:4096
expect_bad "sweep: --context: 'lognormal:4096:7': sigma: must be in (0, 3]" --context=lognormal:4096:7
expect_bad 'sweep: --tpot_ms: conflicts with --user_tps' --user_tps=60 --tpot_ms=16
expect_bad 'sweep: --user_tps: Illegal value' --user_tps=abc
expect_bad 'sweep: --svg: /no/such/dir/plot.svg: cannot create' --svg=/no/such/dir/plot.svg
expect_bad 'no/such/model.textproto' --model=no/such/model.textproto
expect_bad "sweep: --imbalance: unknown imbalance model 'exact'; expected one of analytic, montecarlo" \
  --imbalance=exact
expect_bad "sweep: --search: unknown search 'binary'; expected one of scan, bisection" --search=binary
expect_bad 'sweep: --context: /no/such/lengths.txt: cannot open' --context=file:/no/such/lengths.txt
expect_bad "sweep: --context: 'gamma:1:2': unknown distribution 'gamma'" --context=gamma:1:2
expect_bad 'sweep: --batch_step: must be >= 1, got 0' --batch_step=0
expect_bad 'sweep: --cap: must be >= 1, got 0' --cap=0
expect_bad 'sweep: --host_gap_ms: conflicts with --host_gap' --host_gap=1ms --host_gap_ms=1
expect_bad "sweep: --host_gap: '0' has no unit" --host_gap=0
expect_bad 'sweep: --trials: must be >= 2, got 1' --imbalance=montecarlo --trials=1
# The unit-typed host gap and its millisecond spelling are the same flag value.
"$sweep" --batch_min=24 --batch_max=24 --host_gap=0ms >"$_e2e_tmp/typed.txt" 2>&1
"$sweep" --batch_min=24 --batch_max=24 --host_gap_ms=0 >"$_e2e_tmp/ms.txt" 2>&1
cmp -s "$_e2e_tmp/typed.txt" "$_e2e_tmp/ms.txt" || e2e_fail "--host_gap=0ms differs from --host_gap_ms=0"

e2e_finish
