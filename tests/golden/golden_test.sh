#!/usr/bin/env bash
# tests/golden/golden_test.sh: runs every README example command (commands.txt)
# with the built tools and compares each one's stdout with expected/NAME.txt.
#
#   bazel test //tests/golden:golden_test            # compare
#   bazel run //tests/golden:golden_test -- --update # rewrite expected/ in the repo
#
# A difference is printed as a unified diff; each is either a bug or a change
# of the model to be stated in the commit that updates expected/.
set -uo pipefail

runfiles="${TEST_SRCDIR:-$PWD/..}/${TEST_WORKSPACE:-perfmodel}"
[[ -d "$runfiles/tests/golden" ]] || runfiles="$PWD"
cd "$runfiles" || exit 1
update=0
[[ "${1:-}" == "--update" ]] && update=1
expected_dir="tests/golden/expected"
if [[ $update -eq 1 ]]; then
  [[ -n "${BUILD_WORKSPACE_DIRECTORY:-}" ]] || { echo "--update needs bazel run" >&2; exit 2; }
  expected_dir="$BUILD_WORKSPACE_DIRECTORY/tests/golden/expected"
  mkdir -p "$expected_dir"
fi
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0
count=0
while read -r name tool args; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  count=$((count + 1))
  files="$TMP/files/$name"
  mkdir -p "$files"
  args="${args//\$TMP/$files}"
  # shellcheck disable=SC2086  # the arguments are words by design
  (unset BUILD_WORKING_DIRECTORY; "tools/$tool" $args) >"$TMP/$name.raw" 2>"$TMP/$name.err"
  rc=$?
  {
    cat "$TMP/$name.raw"
    echo "--- exit $rc, stderr:"
    cat "$TMP/$name.err"
    for f in "$files"/*; do  # the files the command wrote
      [[ -f "$f" ]] && { echo "--- file \$TMP/${f##*/}:"; cat "$f"; }
    done
  } | sed "s|$files|\$TMP|g" >"$TMP/$name.out"
  if [[ $update -eq 1 ]]; then
    cp "$TMP/$name.out" "$expected_dir/$name.txt"
  elif ! diff -u "$expected_dir/$name.txt" "$TMP/$name.out" >"$TMP/$name.diff"; then
    echo "=== $name: tools/$tool $args" >&2
    head -c 6000 "$TMP/$name.diff" >&2
    failures=$((failures + 1))
  fi
done <tests/golden/commands.txt
if [[ $update -eq 1 ]]; then
  echo "wrote $count outputs to $expected_dir"
  exit 0
fi
echo "$((count - failures)) of $count golden outputs unchanged"
[[ $failures -eq 0 ]]
