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
expect_bad 'sla: unexpected argument "extra"' extra

e2e_finish
