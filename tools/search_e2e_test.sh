#!/usr/bin/env bash
# End-to-end test of the built //tools:search binary: the default question,
# its output files (Pareto CSV/JSON, SVG, the winner's textprotos, which
# //tools:report and //tools:sweep then load unchanged), --explain, and bad
# input: exit 2 (a flag or file named) or 3 (nothing meets the constraints),
# one line on stderr, nothing on stdout and no file written.
set -uo pipefail

source "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/e2e_lib.sh" 2>/dev/null ||
  source "$(dirname "$0")/e2e_lib.sh"
search=$(e2e_find search)
report=$(e2e_find report)
sweep=$(e2e_find sweep)
tmp="$_e2e_tmp"

# The default question (searches/default.textproto) and its formats.
e2e_expect_ok "$search" 'Pareto front: tokens/s per GPU against tokens/s per user'
e2e_expect_ok "$search" '"pareto": [' --format=json --gpus=8
"$search" --gpus=8 --threads=1 >"$tmp/one.txt" 2>&1
"$search" --gpus=8 --threads=2 >"$tmp/two.txt" 2>&1
cmp -s "$tmp/one.txt" "$tmp/two.txt" || e2e_fail "--threads=1 and --threads=2 differ"
e2e_expect_ok "$search" 'rank,mode,configuration' --format=csv --gpus=8
e2e_expect_ok "$search" '| rank | mode |' --format=markdown --gpus=8
e2e_expect_ok "$search" 'disaggregated' --mode=disaggregated --gpus=8,16
e2e_expect_ok "$search" 'aggregated' --mode=aggregated --gpus=8 --isl=lognormal:1024:0.5 \
  --osl=uniform:1024:3072

# Files: the front as CSV and JSON, the plot, the winner.
e2e_expect_ok "$search" 'Top configurations' --gpus=8 --mode=disaggregated \
  --pareto="$tmp/front.csv" --svg="$tmp/front.svg" --out_dir="$tmp"
head -1 "$tmp/front.csv" | grep -q '^rank,mode,configuration' || e2e_fail "front.csv has no header"
grep -q '<polyline class="pareto"' "$tmp/front.svg" || e2e_fail "front.svg has no front"
for f in best.textproto best.workload.textproto best.prefill.textproto \
  best.prefill.workload.textproto; do
  [[ -s "$tmp/$f" ]] || e2e_fail "--out_dir wrote no $f"
done
e2e_expect_ok "$search" 'Pareto front' --gpus=8 --pareto="$tmp/front.json"
grep -q '"tokens_per_gpu"' "$tmp/front.json" || e2e_fail "front.json lacks tokens_per_gpu"
# The winner's files load as they are.
e2e_expect_ok "$report" 'Decode step' --deployment="$tmp/best.textproto"
e2e_expect_ok "$sweep" 'Workload sweep' --deployment="$tmp/best.textproto" --tpot_ms=100
e2e_expect_ok "$report" 'Prefill' --deployment="$tmp/best.prefill.textproto"

# A user's own deployment against the search.
e2e_expect_ok "$search" 'share_of_front' --gpus=8 \
  --explain=deployments/seed_prefill.textproto --tpot_ms=100

# Bad input: nothing written.
rm -f "$tmp/bad.svg"
e2e_expect_exit "$search" 3 'binding: tpot, nearest miss: tpot' --gpus=8 --tpot_ms=1 \
  --svg="$tmp/bad.svg"
[[ ! -e "$tmp/bad.svg" ]] || e2e_fail "a failed search wrote its SVG"
e2e_expect_exit "$search" 2 '--gpus' --gpus=0
e2e_expect_exit "$search" 2 '--threads: must be in [0, 8]' --threads=99
e2e_expect_exit "$search" 2 '--mode' --mode=both_ways
e2e_expect_exit "$search" 2 '--isl' --isl=lognormal:1024
e2e_expect_exit "$search" 2 '--tpot_ms: must be a finite time > 0' --tpot_ms=-5
e2e_expect_exit "$search" 2 '--max_gpus: must be >= the smallest instance' --max_gpus=4
e2e_expect_exit "$search" 2 'nope.textproto' --search=nope.textproto
e2e_expect_exit "$search" 2 '--hw' --hw=hw/nope.textproto
e2e_finish
