#!/usr/bin/env bash
# tools/rebaseline_cpu.sh: re-measures the CPU kernel suite on this machine and
# rewrites, from that one run,
#   baselines/cpu/cpu_kernels.json  the suite's Google Benchmark JSON (5 repetitions,
#                                   median/mean/stddev/cv aggregates only)
#   baselines/cpu/machine.txt       CPU model (lscpu), date, load, commit, command
#   hw/host_cpu.textproto           this host as a hardware description
#                                   (tools/measure_host; rules in measure/host_hardware.h)
# About a minute of one core (more on a busy machine). Measure on a machine that is
# as quiet as you can get: the suite's times are CPU time, which excludes
# preemption, but a busy neighbour still shares the memory bus and, under a
# hypervisor, possibly the core.
#
#   tools/rebaseline_cpu.sh          # then review `git diff` and commit all three
#
# To compare against the committed baseline instead of replacing it:
#   bazel-bin/benchmarks/cpu_kernels_benchmark --benchmark_min_time=0.05 \
#     --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
#     --benchmark_report_aggregates_only=true \
#     --benchmark_out_format=json --benchmark_out=/tmp/new.json
#   bazel run //tools:bench_compare -- baselines/cpu/cpu_kernels.json /tmp/new.json
set -euo pipefail
cd "$(dirname "$0")/.."

bazel build -c opt //benchmarks:cpu_kernels_benchmark //tools:measure_host

out=baselines/cpu
json="$out/cpu_kernels.json"
# Random interleaving spreads each benchmark's repetitions over the run, so a
# noisy minute on a shared machine hits all rows alike (the peak included).
flags=(--benchmark_min_time=0.05 --benchmark_repetitions=5
       --benchmark_enable_random_interleaving=true
       --benchmark_report_aggregates_only=true --benchmark_out_format=json)
mkdir -p "$out"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
bazel-bin/benchmarks/cpu_kernels_benchmark "${flags[@]}" --benchmark_out="$json.tmp" >&2
mv "$json.tmp" "$json"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
sources=$(git hash-object measure/cpu_kernels.cc benchmarks/cpu_kernels_benchmark.cc |
          cut -c1-12 | paste -sd' ')
{
  echo "# Where and how cpu_kernels.json was measured. Written by tools/rebaseline_cpu.sh."
  echo "date: $started"
  echo "command: bazel-bin/benchmarks/cpu_kernels_benchmark ${flags[*]} --benchmark_out=$json"
  echo "built: bazel build -c opt (-O2, no -march: x86-64 baseline ISA) at commit $commit"
  echo "sources: git blobs of measure/cpu_kernels.cc, cpu_kernels_benchmark.cc: $sources"
  echo "compiler: $(gcc --version | head -1)"
  echo "kernel: $(uname -sr)"
  echo "load average (1/5/15 min) before: $load_before, after: $load_after"
  echo "memory: $(grep MemTotal /proc/meminfo | tr -s ' ')"
  echo "threads: 1 (every kernel is single-threaded); times: cpu_time (context.kernel_time)"
  echo "lscpu:"
  lscpu | grep -E '^(Architecture|CPU\(s\)|Model name|Thread\(s\) per core|Core\(s\) per socket|Socket\(s\)|CPU max MHz|L1d cache|L2 cache|L3 cache|Hypervisor vendor|NUMA node\(s\)):' |
    sed 's/^/  /'
} > "$out/machine.txt"

bazel-bin/tools/measure_host --benchmark_json="$json" --out=hw/host_cpu.textproto
echo "rebaseline_cpu: wrote $json, $out/machine.txt and hw/host_cpu.textproto" >&2
