# tools/e2e_lib.sh: sourced by the end-to-end tests of perfmodel's tools.
#
#   source "$(dirname "$0")/e2e_lib.sh"   # or from the runfiles
#   report=$(e2e_find report)
#   e2e_expect_ok "$report" 'Decode step' --format=text
#   e2e_expect_exit "$report" 2 '--batch_per_dp' --batch_per_dp=-1
#   e2e_finish
#
# Every tool promises: exit 0 with output on stdout and nothing on stderr; or
# a non-zero exit (2 for bad flags or input) with exactly one line on stderr
# and nothing on stdout.

_e2e_tmp="${TEST_TMPDIR:-$(mktemp -d)}"
_e2e_out="$_e2e_tmp/e2e_out"
_e2e_err="$_e2e_tmp/e2e_err"
e2e_failures=0

# e2e_find NAME: the path of tools/NAME in the runfiles (or the current folder).
e2e_find() {
  local path="${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}/tools/$1"
  [[ -x "$path" ]] || path="tools/$1"
  [[ -x "$path" ]] || { echo "cannot find tools/$1 in the runfiles" >&2; exit 1; }
  echo "$path"
}

e2e_fail() {
  echo "FAIL: $*" >&2
  echo "--- stdout:" >&2; head -c 3000 "$_e2e_out" >&2
  echo "--- stderr:" >&2; cat "$_e2e_err" >&2
  e2e_failures=$((e2e_failures + 1))
}

# e2e_expect_ok TOOL NEEDLE ARGS...: exit 0, NEEDLE on stdout, stderr empty.
e2e_expect_ok() {
  local tool="$1" needle="$2"; shift 2
  "$tool" "$@" >"$_e2e_out" 2>"$_e2e_err"
  local rc=$?
  [[ $rc -eq 0 ]] || { e2e_fail "$(basename "$tool") $* exited $rc, want 0"; return; }
  grep -qF -- "$needle" "$_e2e_out" || e2e_fail "$(basename "$tool") $*: stdout lacks '$needle'"
  [[ ! -s "$_e2e_err" ]] || e2e_fail "$(basename "$tool") $*: stderr not empty"
}

# e2e_expect_exit TOOL CODE NEEDLE ARGS...: exit CODE, one stderr line holding
# NEEDLE, nothing on stdout.
e2e_expect_exit() {
  local tool="$1" code="$2" needle="$3"; shift 3
  "$tool" "$@" >"$_e2e_out" 2>"$_e2e_err"
  local rc=$?
  [[ $rc -eq $code ]] || { e2e_fail "$(basename "$tool") $* exited $rc, want $code"; return; }
  [[ $(wc -l <"$_e2e_err") -eq 1 ]] ||
    e2e_fail "$(basename "$tool") $*: stderr has $(wc -l <"$_e2e_err") lines, want 1"
  grep -qF -- "$needle" "$_e2e_err" || e2e_fail "$(basename "$tool") $*: stderr lacks '$needle'"
  [[ ! -s "$_e2e_out" ]] || e2e_fail "$(basename "$tool") $*: stdout not empty"
}

# e2e_finish: exit 1 if anything failed.
e2e_finish() {
  if [[ $e2e_failures -gt 0 ]]; then
    echo "$e2e_failures check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
}
