#!/usr/bin/env bash
# End-to-end test of the built //tools:sla binary (a data dependency, found in
# the runfiles): good runs exit 0 and print the seed figures; each kind of bad
# input exits 2 with exactly one line on stderr naming the flag, and nothing
# on stdout.
set -uo pipefail

source "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/e2e_lib.sh" 2>/dev/null ||
  source "$(dirname "$0")/e2e_lib.sh"
sla=$(e2e_find sla)

# expect_ok NEEDLE ARGS... / expect_bad NEEDLE ARGS...: see tools/e2e_lib.sh.
expect_ok() { e2e_expect_ok "$sla" "$@"; }
expect_bad() { e2e_expect_exit "$sla" 2 "$@"; }

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
expect_bad "sla: unexpected argument 'extra'; flags are --name=value" extra

# Which flags combine (checked by the tool; the values by report/sla_report.h).
seed_target=(--machine_tps=11520 --dp=8 --batch_per_dp=24 --accept=2.3)
prefill=(--dp=8 --batch_per_dp=2 --ttft_ms=1000 --prompt_tokens=4096)
expect_bad 'sla: --forward_ms: conflicts with --machine_tps; give one of --machine_tps, --user_tps, --tpot_ms, --forward_ms' \
  "${seed_target[@]}" --forward_ms=28.5
expect_bad 'sla: --tpot_ms: conflicts with --machine_tps' "${seed_target[@]}" --tpot_ms=16
expect_bad 'sla: --prefill_forward_ms: conflicts with --ttft_ms' "${prefill[@]}" --prefill_forward_ms=5
expect_bad 'sla: --batch_per_dp: required with --forward_ms' --forward_ms=28.5 --dp=8
expect_bad 'sla: --dp: nothing to compute; give a decode rate' --dp=8
expect_bad 'sla: --accept: nothing to compute' --accept=2
expect_bad 'sla: --accept: applies to decode; give --machine_tps, --user_tps, --tpot_ms or --forward_ms too' \
  "${prefill[@]}" --accept=2.3
expect_bad 'sla: --host_gap_ms: applies to decode' "${prefill[@]}" --host_gap_ms=1
expect_bad 'sla: --prompt_tokens: applies to prefill; give --ttft_ms or --prefill_forward_ms too' \
  "${seed_target[@]}" --prompt_tokens=10
expect_bad 'sla: --prefill_host_gap_ms: applies to prefill' "${seed_target[@]}" --prefill_host_gap_ms=1
expect_bad 'sla: --prompt_tokens: required with --ttft_ms' --dp=8 --batch_per_dp=2 --ttft_ms=1000
expect_bad 'sla: --dp: required with --ttft_ms' --batch_per_dp=2 --ttft_ms=1000 --prompt_tokens=4096
# Values: the library names the field, the tool the flag.
expect_bad 'sla: --dp: must be >= 1, got 0' --machine_tps=11520 --dp=0 --batch_per_dp=24
expect_bad 'sla: --accept: must be > 0, got 0' "${seed_target[@]}" --accept=0
expect_bad 'sla: --host_gap_ms: 40 ms leaves no forward budget' "${seed_target[@]}" --host_gap_ms=40
expect_bad 'sla: --prefill_host_gap_ms: 1000 ms leaves no forward budget within ttft_ms 1000' \
  "${prefill[@]}" --prefill_host_gap_ms=1000
expect_ok 'user_output_tps,tpot_ms' "${seed_target[@]}" --ttft_ms=1000 --prompt_tokens=1024 --format=csv

# --predict_prefill: the cost model's prefill row for the seed's P node, in the
# measured row's format; --batch_per_dp and the prefill flags override the workload.
expect_ok 'simulated,447.49,446.19,1.30,4096,8,1,9180,73439' --predict_prefill --format=csv
expect_ok 'Prefill SLA predicted by the cost model' --predict_prefill
expect_ok '"batch_per_dp": 2,' --predict_prefill --batch_per_dp=2 --chunk_tokens=4096 --format=json
expect_ok '"prefill": {' --predict_prefill "${seed_target[@]}" --format=json
expect_ok 'prefill_host_gap_ms       0.00' --predict_prefill --prefill_host_gap_ms=0
expect_bad 'sla: --predict_prefill: conflicts with --ttft_ms' --predict_prefill --ttft_ms=1000
expect_bad 'sla: --dp: not used by --predict_prefill' --predict_prefill --dp=8
expect_bad 'sla: --model: applies to --predict_prefill only' --model=models/deepseek_v3.textproto
expect_bad 'sla: --chunk_tokens: applies to --predict_prefill only' "${prefill[@]}" --chunk_tokens=512
expect_bad 'sla: --prefill_host_gap_ms: must be a finite number >= 0, got -1' \
  --predict_prefill --prefill_host_gap_ms=-1
expect_bad 'sla: --batch_per_dp: must be >= 1, got 0' --predict_prefill --batch_per_dp=0
expect_bad 'sla: --prefix_cache_hit: must be in [0, 1), got 1' --predict_prefill --prefix_cache_hit=1
expect_bad 'no/such/deployment.textproto' --predict_prefill --deployment=no/such/deployment.textproto
e2e_expect_exit "$sla" 3 'over by' --predict_prefill --batch_per_dp=40

e2e_finish
