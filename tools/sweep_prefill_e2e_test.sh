#!/usr/bin/env bash
# End-to-end test of the built //tools:sweep binary with --phase=prefill: the
# seed's P-node run, formats, the load flags, and bad input exiting 2 with one
# line on stderr naming the flag and nothing on stdout.
set -uo pipefail

source "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/e2e_lib.sh" 2>/dev/null ||
  source "$(dirname "$0")/e2e_lib.sh"
sweep=$(e2e_find sweep)

# expect_ok NEEDLE ARGS... / expect_bad NEEDLE ARGS...: see tools/e2e_lib.sh.
expect_ok() { local needle="$1"; shift; e2e_expect_ok "$sweep" "$needle" --phase=prefill "$@"; }
expect_bad() { e2e_expect_exit "$sweep" 2 "$@"; }

# The seed's P node (DeepSeek-V3 on H200, DP 8, 4K prompts, TTFT 1 s from
# deployments/seed_sla.textproto): two prompts per DP rank, bound by TTFT.
expect_ok 'Largest batch meeting TTFT 1000 ms'
expect_ok 'ttft_target_ms                 1000.00  deployments/seed_sla.textproto: ttft_ms'
expect_ok '"binding_limit": "ttft"' --format=json
expect_ok '"batch_per_dp": 2,' --format=json
expect_ok '"max_rate_machine_rps":' --format=json
expect_ok 'batch_per_dp,prompts_per_machine,binding_limit' --format=csv
expect_ok '| binding_limit | ttft |' --format=markdown
# The default deployment follows the phase; a prefill deployment needs no --phase.
"$sweep" --phase=prefill >"$_e2e_tmp/phase.txt" 2>&1
"$sweep" --deployment=deployments/seed_prefill.textproto >"$_e2e_tmp/file.txt" 2>&1
cmp -s "$_e2e_tmp/phase.txt" "$_e2e_tmp/file.txt" ||
  e2e_fail "--deployment=deployments/seed_prefill.textproto differs from --phase=prefill"

# Targets, shapes and load.
expect_ok 'binding_limit         memory' --ttft_ms=100000
expect_ok 'ttft_target_ms                 2000.00  ttft_ms' --ttft_ms=2000
expect_ok 'chunk_tokens                      2048  new tokens per forward per rank' \
  --chunk_tokens=2048 --prefix_cache_hit=0.25 --prompt_tokens=8192
expect_ok 'mark' --arrival_rate=4 --ttft_percentile=0.99
expect_ok 'asked' --arrival_rate=4
expect_ok 'stable                                                       no' --arrival_rate=100
expect_ok 'lognormal:4096:1  prompt length of one request' --context=lognormal:4096:1
expect_ok 'no KV-cache transfer counted' --disaggregated=false
expect_ok 'kv_transfer_ms                                            0.000' --nodisaggregated
expect_ok '"search": "scan"' --search=scan --format=json
# A decode deployment with --phase=prefill: its workload's context becomes the prompt.
expect_ok 'seed-decode-dp8-ep64' --deployment=deployments/seed_decode.textproto

# Bad values: the flag named.
expect_bad 'sweep: --ttft_ms: must be a positive finite number, got 0' --phase=prefill --ttft_ms=0
expect_bad 'sweep: --arrival_rate: must be a finite number >= 0 (requests/s per machine), got -1' \
  --phase=prefill --arrival_rate=-1
expect_bad 'sweep: --ttft_percentile: must be in (0, 1), got 1.5' --phase=prefill --ttft_percentile=1.5
expect_bad 'sweep: --quantiles: must be in [1, 4096], got 0' --phase=prefill --quantiles=0
expect_bad 'sweep: --chunk_tokens: must be >= 1, got 0' --phase=prefill --chunk_tokens=0
expect_bad 'sweep: --prefix_cache_hit: must be in [0, 1), got 1' --phase=prefill --prefix_cache_hit=1
expect_bad 'sweep: --prompt_tokens: must be >= 1, got 0' --phase=prefill --prompt_tokens=0
expect_bad 'sweep: --batch_min: 300 is above batch_max (256)' --phase=prefill --batch_min=300
expect_bad "sweep: --arrival_rate: Illegal value 'abc'" --phase=prefill --arrival_rate=abc
expect_bad "sweep: --phase: unknown phase 'both'" --phase=both
expect_bad 'sweep: --sla: conflicts with --ttft_ms' --phase=prefill --ttft_ms=1000 \
  --sla=deployments/seed_sla.textproto
expect_bad 'sweep: --sla: no/such/sla.textproto' --phase=prefill --sla=no/such/sla.textproto
expect_bad "sweep: --context: 'lognormal:4096': expected lognormal:MEAN:SIGMA" \
  --phase=prefill --context=lognormal:4096
# A flag of the other phase.
expect_bad 'sweep: --user_tps: applies to --phase=decode only' --phase=prefill --user_tps=60
expect_bad 'sweep: --svg: applies to --phase=decode only' --phase=prefill --svg="$_e2e_tmp/p.svg"
expect_bad 'sweep: --trials: applies to --phase=decode only' --phase=prefill --trials=10
expect_bad 'sweep: --ttft_ms: applies to --phase=prefill only' --ttft_ms=1000
expect_bad 'sweep: --arrival_rate: applies to --phase=prefill only' --phase=decode --arrival_rate=1
expect_bad 'sweep: --disaggregated: applies to --phase=prefill only' --nodisaggregated

e2e_finish
