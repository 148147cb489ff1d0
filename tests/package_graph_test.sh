#!/usr/bin/env bash
# tests/package_graph_test.sh: the package graph of //BUILD's comment, held.
#
# Each package has a rank; a source file may include headers of its own
# package or of packages of a lower rank, never of its own rank or above
# (so tools/, benchmarks/, tests/ and fuzz/ never include one another, and no
# library includes a tool); a package's *_test.cc may also use the matchers
# of perfmodel/testing/. tools/ holds mains only (every .cc defines main()
# or PERFMODEL_TOOL_MAIN, or is a test of a main; no headers), benchmarks/ benchmarks only.
set -uo pipefail
cd "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-perfmodel}" 2>/dev/null || true

declare -A rank=(
  [base]=0 [perfmodel]=0 [proto]=0
  [perfmodel/testing]=1 [loader]=1 [models]=1 [hw]=1 [deployments]=1 [workloads]=1
  [measure]=2 [hf]=2
  [report]=3
  [profile]=4 [workload]=4 [sim]=4
  [cli]=5 [search]=5
  [tools]=6 [benchmarks]=6 [tests]=6 [fuzz]=6
)
packages="base cli hf loader measure perfmodel perfmodel/testing profile report search sim workload tools benchmarks tests fuzz"

package_of() {  # the package of a repo path
  case "$1" in
    perfmodel/testing/*) echo perfmodel/testing ;;
    */*) echo "${1%%/*}" ;;
    *) echo "" ;;
  esac
}

failures=0
checked=0
for pkg in $packages; do
  for f in "$pkg"/*.h "$pkg"/*.cc; do
    [[ -f "$f" ]] || continue
    checked=$((checked + 1))
    while IFS= read -r inc; do
      case "$inc" in absl/* | gmock/* | gtest/* | google/* | benchmark/* | rapidjson/* | re2/*) continue ;; esac
      # sim/ is written on the embedding API alone: of the core it may
      # include perfmodel/perfmodel.h only (its BUILD deps say the same).
      if [[ "$pkg" == sim && "$inc" == perfmodel/* && "$inc" != perfmodel/perfmodel.h \
            && "$inc" != perfmodel/testing/* ]]; then
        echo "$f: includes $inc: sim/ uses the core through perfmodel/perfmodel.h only" >&2
        failures=$((failures + 1))
        continue
      fi
      dep=$(package_of "$inc")
      [[ -z "$dep" || "$dep" == "$pkg" ]] && continue
      # Any package's tests may use the matchers (testonly, above the core).
      [[ "$dep" == perfmodel/testing && "$f" == *_test.cc ]] && continue
      if [[ -z "${rank[$dep]+x}" ]]; then
        echo "$f: includes $inc from $dep/, which has no rank in this test" >&2
        failures=$((failures + 1))
      elif (( rank[$dep] >= rank[$pkg] )); then
        echo "$f: includes $inc: $dep/ (rank ${rank[$dep]}) is not below $pkg/ (rank ${rank[$pkg]})" >&2
        failures=$((failures + 1))
      fi
    done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
  done
done

for f in tools/*; do
  case "$f" in
    tools/BUILD | tools/*.sh | tools/*.bzl) ;;
    tools/*_test.cc) ;;
    tools/*.cc) grep -qE '^(int main\(|PERFMODEL_TOOL_MAIN\()' "$f" || { echo "$f: tools/ holds mains only" >&2; failures=$((failures + 1)); } ;;
    *) echo "$f: tools/ holds mains, their tests and scripts only" >&2; failures=$((failures + 1)) ;;
  esac
done
for f in benchmarks/*.cc benchmarks/*.h; do
  [[ -f "$f" ]] || continue
  [[ "$f" == *_benchmark.cc ]] || { echo "$f: benchmarks/ holds benchmarks only" >&2; failures=$((failures + 1)); }
done

if (( checked < 50 )); then
  echo "only $checked source files found: the test's data is incomplete" >&2
  exit 1
fi
echo "$checked files checked, $failures violations"
(( failures == 0 ))
