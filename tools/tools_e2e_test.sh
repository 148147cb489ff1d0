#!/usr/bin/env bash
# End-to-end tests of the built report, op, diff, calibrate and bench_check
# binaries: their default runs, and bad input exiting non-zero with one line
# on stderr naming the flag or file (2), or saying by how much a deployment
# overflows HBM (3).
set -uo pipefail

source "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/e2e_lib.sh" 2>/dev/null ||
  source "$(dirname "$0")/e2e_lib.sh"

report=$(e2e_find report)
e2e_expect_ok "$report" 'seed-decode-dp8-ep64'
e2e_expect_ok "$report" '"tpot_ms":' --format=json
e2e_expect_ok "$report" '| moe | attention |' --format=markdown
e2e_expect_ok "$report" 'Llama-3.1-70B' --model=models/llama3_1_70b.textproto \
  --hw=hw/h100_sxm.textproto --deployment=deployments/llama3_1_70b_tp8.textproto
e2e_expect_exit "$report" 2 'report: --batch_per_dp: must be >= 1' --batch_per_dp=-3
e2e_expect_exit "$report" 2 'report: hw/none.textproto: cannot open file' --hw=hw/none.textproto
e2e_expect_exit "$report" 2 'report: --format:' --format=yaml
e2e_expect_exit "$report" 3 'over by' --context_tokens=163840 --batch_per_dp=512
e2e_expect_exit "$report" 2 "max_context_tokens 163840" --context_tokens=1048576
# Prefill: the seed's P node, and its bad input named by flag.
e2e_expect_ok "$report" 'seed-prefill-dp8-ep8' --phase=prefill
e2e_expect_ok "$report" '"ttft_ms":' --phase=prefill --format=json
e2e_expect_ok "$report" 'kv_b_proj' --phase=prefill --chunk_tokens=1024 --prefix_cache_hit=0.5
e2e_expect_exit "$report" 2 'report: --chunk_tokens: must be >= 1, got 0' --phase=prefill --chunk_tokens=0
e2e_expect_exit "$report" 2 'report: --prefix_cache_hit: must be in [0, 1), got 1' --phase=prefill \
  --prefix_cache_hit=1
e2e_expect_exit "$report" 2 'prompt_tokens: 200000 is longer than the model' --phase=prefill \
  --prompt_tokens=200000
e2e_expect_exit "$report" 2 'report: --chunk_tokens: is a prefill field' --chunk_tokens=512
e2e_expect_exit "$report" 3 'prefill workspace' --phase=prefill --batch_per_dp=64 \
  --prompt_tokens=32768
e2e_expect_ok "$report" 'host_gap_ms                    0.00' --host_gap_ms=0
e2e_expect_exit "$report" 2 'report: --host_gap_ms: must be >= 0' --host_gap_ms=-5
e2e_expect_ok "$report" 'host_gap_ms                    0.50' --host_gap=500us
e2e_expect_exit "$report" 2 "report: --host_gap: '-5ms': a duration must be >= 0" --host_gap=-5ms
e2e_expect_exit "$report" 2 "report: --context_tokens: Illegal value 'many'" --context_tokens=many
e2e_expect_exit "$report" 2 "report: unexpected argument 'extra'; flags are --name=value" extra

op=$(e2e_find op)
e2e_expect_ok "$op" 'tflops' --op=gemm --m=64 --n=2112 --k=7168
e2e_expect_ok "$op" 'within_15pct' --check_csv
e2e_expect_ok "$op" 'link_gbps' --op=allreduce --bytes=64MiB --ranks=8
e2e_expect_ok "$op" 'tflops' --op=prefill_attention --batch=2 --s_q=8192 --heads=128 \
  --d_qk=192 --d_v=128 --hw=hw/b200.textproto
e2e_expect_ok "$op" 'prefill_attention,' --op=prefill_attention --s_q=4096 --cached=4096 \
  --heads=128 --d_qk=576 --d_v=512 --kv_bytes=1152B --causal=false --format=csv
e2e_expect_exit "$op" 2 'op: --s_q: required by prefill_attention' --op=prefill_attention \
  --heads=128
e2e_expect_exit "$op" 2 'op: --kv_bytes: conflicts with --kv_heads' --op=prefill_attention \
  --s_q=16 --heads=128 --kv_heads=1 --kv_bytes=1KiB
e2e_expect_ok "$op" '"op": "gemm"' --op=gemm --m=64 --n=2112 --k=7168 --dtype=bf16 --format=json
e2e_expect_exit "$op" 2 "op: --op: unknown op 'conv'; expected one of gemm," --op=conv
e2e_expect_exit "$op" 2 'op: --k: required by gemm' --op=gemm --m=1 --n=1
e2e_expect_exit "$op" 2 'op: --k: must be >= 1, got 0' --op=gemm --m=1 --n=1 --k=0
# An unknown dtype: one line naming the flag and the accepted names, exit 2.
e2e_expect_exit "$op" 2 \
  "op: --dtype: unknown dtype 'fp9'; expected one of fp32, bf16, fp16, fp8, fp4" \
  --op=gemm --m=64 --n=2112 --k=7168 --dtype=fp9
e2e_expect_exit "$op" 2 "op: --bytes: '64' has no unit" --op=allreduce --bytes=64 --ranks=8
e2e_expect_exit "$op" 2 'op: --bytes_mb: conflicts with --bytes' \
  --op=allreduce --bytes=64MiB --bytes_mb=64 --ranks=8

diff=$(e2e_find diff)
e2e_expect_ok "$diff" 'simulated - measured'
e2e_expect_ok "$diff" 'reference_us' --baseline=baselines/seed_reference_simulator.textproto
e2e_expect_exit "$diff" 2 'diff: baselines/none.textproto' --baseline=baselines/none.textproto
e2e_expect_exit "$diff" 2 'diff: --tolerance_pct: must be > 0' --tolerance_pct=0
e2e_expect_ok "$diff" '"op":' --format=json

calibrate=$(e2e_find calibrate)
e2e_expect_ok "$calibrate" 'mape_after_pct'
out_file="${TEST_TMPDIR:-$(mktemp -d)}/calibrated.textproto"
e2e_expect_ok "$calibrate" 'per-op correction' --out="$out_file"
grep -qF 'Calibrated by //tools:calibrate' "$out_file" || e2e_fail "--out: no header"
e2e_expect_exit "$calibrate" 2 'calibrate: --per_op_threshold_pct: must be >= 0' \
  --per_op_threshold_pct=-1

bench_check=$(e2e_find bench_check)
e2e_expect_ok "$bench_check" 'median |error|'
e2e_expect_exit "$bench_check" 2 'bench_check: baselines/cpu/none.json' \
  --baseline=baselines/cpu/none.json
e2e_expect_exit "$bench_check" 2 \
  'bench_check: measure/testdata/malformed.json:4:56: Missing a name for object member.' \
  --baseline=measure/testdata/malformed.json
e2e_expect_ok "$bench_check" 'kernel,kind,measured_us' --format=csv

e2e_finish
