#!/usr/bin/env bash
# End-to-end test of the built //tools:serve binary: the default run, the
# modes, the output files, a trace, determinism, and bad input exiting 2
# with one line on stderr naming the flag (or the trace's line) and nothing
# on stdout and no file written.
set -uo pipefail

source "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/e2e_lib.sh" 2>/dev/null ||
  source "$(dirname "$0")/e2e_lib.sh"
serve=$(e2e_find serve)

expect_ok() { local needle="$1"; shift; e2e_expect_ok "$serve" "$needle" "$@"; }
expect_bad() { e2e_expect_exit "$serve" 2 "$@"; }
small=(--requests=2000)

# The default: the seed's decode node under Poisson load at the sweep's batch.
# (the batch is the model's answer, golden-tested in serve_default; here only the form)
expect_ok "Little's law: the sweep's " "${small[@]}"
expect_ok " requests per DP rank (TPOT " "${small[@]}"
expect_ok 'metric  samples' "${small[@]}"
expect_ok '"output_tps_per_gpu":' "${small[@]}" --format=json
expect_ok 'metric,samples,mean_ms,p50_ms,p90_ms,p99_ms,max_ms' "${small[@]}" --format=csv
expect_ok '| mode | decode |' "${small[@]}" --format=markdown
# The same seed, the same output; another seed, another.
"$serve" "${small[@]}" --format=json >"$_e2e_tmp/a.json" 2>/dev/null
"$serve" "${small[@]}" --format=json >"$_e2e_tmp/b.json" 2>/dev/null
"$serve" "${small[@]}" --format=json --seed=2 >"$_e2e_tmp/c.json" 2>/dev/null
cmp -s "$_e2e_tmp/a.json" "$_e2e_tmp/b.json" || e2e_fail "two runs with one seed differ"
cmp -s "$_e2e_tmp/a.json" "$_e2e_tmp/c.json" && e2e_fail "--seed=2 changed nothing"

# Modes, arrivals, routing, closed loop.
expect_ok 'disaggregated' --mode=disaggregated --rate=10 --requests=500 --osl=fixed:256 \
  --prefill_instances=2
expect_ok 'prefill_forwards' --mode=aggregated --deployment=deployments/seed_prefill.textproto \
  --workload=workloads/seed_decode.textproto --rate=2 --requests=300 --osl=fixed:256 \
  --prefix_cache_hit=0.5 --token_budget=4096
expect_ok 'mixed_forwards' --mode=aggregated --deployment=deployments/seed_prefill.textproto \
  --workload=workloads/seed_decode.textproto --rate=2 --requests=300 --osl=fixed:256 --mixed_chunks
expect_ok 'gamma cv 4' --arrival=gamma --cv=4 --rate=50 "${small[@]}"
expect_ok 'closed loop, 128 requests in flight' --concurrency=128 "${small[@]}" \
  --routing=shortest_queue --acceptance=0.85,0.53 --tpot_ms=20 --ttft_ms=200
printf 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,4808,10\n2023-11-16 18:15:47.1,3180,8\n' \
  >"$_e2e_tmp/azure.csv"
expect_ok '"requests": 2,' --arrival=trace --trace="$_e2e_tmp/azure.csv" --trim=0 --format=json
# Files: written on success.
"$serve" "${small[@]}" --cdf_svg="$_e2e_tmp/cdf.svg" --occupancy_svg="$_e2e_tmp/occ.svg" \
  --occupancy_csv="$_e2e_tmp/occ.csv" --requests_csv="$_e2e_tmp/req.csv" >/dev/null 2>&1 ||
  e2e_fail "serve with output files failed"
grep -q 'class="series-ttft"' "$_e2e_tmp/cdf.svg" || e2e_fail "cdf.svg lacks the TTFT series"
grep -q 'class="series-running"' "$_e2e_tmp/occ.svg" || e2e_fail "occ.svg lacks running requests"
head -1 "$_e2e_tmp/occ.csv" | grep -q '^time_s,queued,running' || e2e_fail "occ.csv header"
[[ $(wc -l <"$_e2e_tmp/req.csv") -eq 2001 ]] || e2e_fail "req.csv: want 2000 rows + header"

# Bad input: the flag (or the trace's line) named, nothing written.
printf 'arrival_s,input_tokens,output_tokens\n1,10,10\n0.5,10,10\n' >"$_e2e_tmp/unsorted.csv"
printf 'arrival_s,input_tokens,output_tokens\n1,10,10\n2,x,10\n' >"$_e2e_tmp/malformed.csv"
printf 'arrival_s,input_tokens,output_tokens\n0,200000,10\n' >"$_e2e_tmp/long.csv"
expect_bad 'serve: --trace: '"$_e2e_tmp"'/unsorted.csv:3: arrival_s: earlier than the line before' \
  --arrival=trace --trace="$_e2e_tmp/unsorted.csv" --cdf_svg="$_e2e_tmp/no.svg"
[[ -e "$_e2e_tmp/no.svg" ]] && e2e_fail "a failed run wrote --cdf_svg"
expect_bad "malformed.csv:3: input_tokens: 'x' is not a whole number" --arrival=trace \
  --trace="$_e2e_tmp/malformed.csv"
expect_bad "long.csv:2: input_tokens: 200000 input + 10 output tokens exceed the model's context of 163840" \
  --arrival=trace --trace="$_e2e_tmp/long.csv"
expect_bad 'serve: --trace: --arrival=trace needs a trace file' --arrival=trace
expect_bad 'serve: --rate: must be a positive number of requests/s, got 0' --rate=0
expect_bad 'serve: --max_batch: must be >= 1, got 0' --max_batch=0
expect_bad 'serve: --token_budget: must be >= 1, got 0' --token_budget=0
expect_bad 'serve: --prefix_cache_hit: must be in [0, 1), got 1' --prefix_cache_hit=1
expect_bad "serve: --acceptance: '2' is not a rate in [0, 1]" --acceptance=0.9,2
expect_bad "serve: --mode: unknown mode 'both'; expected one of decode, aggregated, disaggregated" --mode=both
expect_bad "serve: --routing: unknown routing 'random'; expected one of round_robin" --routing=random
expect_bad 'serve: --requests: must be in [1, 1e8], got 0' --requests=0
expect_bad 'serve: --instances: must be >= 1, got 0' --instances=0
expect_bad 'serve: --rate: the trace (or the closed loop of --concurrency) sets the arrivals' \
  --rate=3 --concurrency=5
expect_bad 'serve: --workload: workloads/seed_prefill.textproto is a prefill workload' \
  --deployment=deployments/seed_prefill.textproto
expect_bad "serve: --isl: 'fixed:0'" --isl=fixed:0

e2e_finish
