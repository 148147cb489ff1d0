#include "measure/host_hardware.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "perfmodel/spec.h"

namespace perfmodel::bench {
namespace {

// ProcValue() finds the first "key<spaces>: value" line of a /proc file.
bool ProcValue(absl::string_view text, absl::string_view key, std::string* value) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const std::size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    if (absl::StripAsciiWhitespace(line.substr(0, colon)) != key) continue;
    *value = std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    return true;
  }
  return false;
}

double GFlops(FlopsPerSecond r) { return r / GigaflopsPerSecond(1); }
double GBps(BytesPerSecond r) { return ToGigabytesPerSecond(r); }

// Fills a Ceiling from every row of `kind`.
Ceiling CeilingOf(const KernelBaselines& b, KernelKind kind, FlopsPerSecond peak,
                  BytesPerSecond bandwidth) {
  Ceiling c;
  for (const KernelMeasurement& k : b.kernels) {
    if (k.kernel.kind != kind) continue;
    ++c.rows;
    const double compute = (KernelFlops(k.kernel) / k.time) / peak;
    const double memory = (KernelBytes(k.kernel) / k.time) / bandwidth;
    if (compute > c.compute_raw) {
      c.compute_raw = compute;
      c.compute_row = k.name;
    }
    if (memory > c.memory_raw) {
      c.memory_raw = memory;
      c.memory_row = k.name;
    }
  }
  c.compute = std::min(1.0, c.compute_raw);
  c.memory = std::min(1.0, c.memory_raw);
  return c;
}

std::string Capped(double raw) {
  return raw > 1.0 ? absl::StrFormat(" (%.3f, capped at 1)", raw) : "";
}

}  // namespace

absl::StatusOr<HostInfo> ParseHostInfo(absl::string_view cpuinfo, absl::string_view cpuinfo_origin,
                                       absl::string_view meminfo,
                                       absl::string_view meminfo_origin) {
  HostInfo h;
  if (!ProcValue(cpuinfo, "model name", &h.cpu_model) || h.cpu_model.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(cpuinfo_origin, ": no \"model name\" line"));
  }
  std::string total;
  if (!ProcValue(meminfo, "MemTotal", &total)) {
    return absl::InvalidArgumentError(absl::StrCat(meminfo_origin, ": no \"MemTotal\" line"));
  }
  const std::vector<std::string> parts = absl::StrSplit(total, ' ', absl::SkipEmpty());
  int64_t kib = 0;
  if (parts.size() != 2 || parts[1] != "kB" || !absl::SimpleAtoi(parts[0], &kib) || kib <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        meminfo_origin, ": MemTotal: expected \"<number> kB\", got \"", total, "\""));
  }
  h.memory = Kibibytes(static_cast<double>(kib));
  return h;
}

absl::StatusOr<HostMeasurements> DeriveHostMeasurements(const KernelBaselines& b) {
  HostMeasurements m;
  const KernelMeasurement* read = nullptr;
  const KernelMeasurement* triad = nullptr;
  for (const KernelMeasurement& k : b.kernels) {
    if (k.kernel.kind == KernelKind::kPeak && k.kernel.dtype == DType::kFp32) {
      const FlopsPerSecond rate = KernelFlops(k.kernel) / k.time;
      if (rate > m.fp32_peak) {
        m.fp32_peak = rate;
        m.peak_row = k.name;
      }
    }
    if (k.kernel.kind == KernelKind::kMemory && k.kernel.op == "read") {
      if (read == nullptr || KernelBytes(k.kernel) / k.time > KernelBytes(read->kernel) / read->time) {
        read = &k;
      }
    }
    if (k.kernel.kind == KernelKind::kMemory && k.kernel.op == "triad") {
      if (triad == nullptr ||
          KernelBytes(k.kernel) / k.time > KernelBytes(triad->kernel) / triad->time) {
        triad = &k;
      }
    }
  }
  auto missing = [&](absl::string_view what) {
    return absl::FailedPreconditionError(
        absl::StrCat(b.origin, ": no ", what, " row; the host description needs one"));
  };
  if (m.peak_row.empty()) return missing("peak_fp32");
  if (read == nullptr) return missing("memory_read");
  if (triad == nullptr) return missing("memory_triad");
  m.bandwidth = KernelBytes(read->kernel) / read->time;
  m.bandwidth_row = read->name;
  m.triad_row = triad->name;
  m.elementwise_memory = std::min(1.0, (KernelBytes(triad->kernel) / triad->time) / m.bandwidth);
  m.gemm = CeilingOf(b, KernelKind::kGemm, m.fp32_peak, m.bandwidth);
  m.grouped_gemm = CeilingOf(b, KernelKind::kGroupedGemm, m.fp32_peak, m.bandwidth);
  m.attention = CeilingOf(b, KernelKind::kAttention, m.fp32_peak, m.bandwidth);
  if (m.gemm.rows == 0) return missing("gemm");
  if (m.grouped_gemm.rows == 0) return missing("grouped_gemm");
  if (m.attention.rows == 0) return missing("attention");
  return m;
}

std::string HostCpuTextproto(const HostMeasurements& m, const HostInfo& host,
                             absl::string_view json_label) {
  const double tflops = m.fp32_peak / TeraflopsPerSecond(1);
  const double gbps = GBps(m.bandwidth);
  std::string name = absl::StrCat("1 core of ", host.cpu_model);
  if (name.size() >= Name::kCapacity) name.resize(Name::kCapacity - 1);

  std::string out = absl::StrCat(
      "# One core of this host, as the cost model sees it. GENERATED by tools/measure_host\n"
      "# from ", json_label, " (the CPU kernel suite's medians) and /proc:\n"
      "# do not edit; rerun tools/rebaseline_cpu.sh. Rules: measure/host_hardware.h.\n");
  absl::StrAppend(&out, "name: \"", absl::CEscape(name), "\"\n");
  absl::StrAppendFormat(&out,
                        "bf16_dense_tflops: %.6g  # = fp32: a CPU core runs BF16 math as FP32\n",
                        tflops);
  absl::StrAppendFormat(&out, "fp8_dense_tflops: %.6g   # = fp32: likewise FP8\n", tflops);
  absl::StrAppend(&out, "fp4_dense_tflops: 0\n");
  absl::StrAppendFormat(&out, "fp32_tflops: %.6g        # %s: %.2f GFLOP/s on one core\n",
                        tflops, m.peak_row, GFlops(m.fp32_peak));
  absl::StrAppendFormat(&out, "hbm_capacity_gb: %.9g  # MemTotal of /proc/meminfo\n",
                        ToGigabytes(host.memory));
  absl::StrAppendFormat(&out,
                        "hbm_bandwidth_tbps: %.6g  # %s: %.2f GB/s DRAM read by one core\n",
                        gbps / 1000.0, m.bandwidth_row, gbps);
  absl::StrAppendFormat(&out,
                        "# No links on one core: a transfer would be a memory copy, so the\n"
                        "# DRAM bandwidth stands in and latencies are 0.\n"
                        "scale_up_bandwidth_gbps: %.6g\n"
                        "scale_up_latency_us: 0\n"
                        "scale_out_bandwidth_gbps: %.6g\n"
                        "scale_out_latency_us: 0\n",
                        gbps, gbps);
  absl::StrAppend(&out,
                  "gpus_per_node: 1              # the core plays one GPU\n"
                  "sm_count: 1                   # one core\n"
                  "kernel_launch_overhead_us: 0  # a function call; the measured times include it\n"
                  "# Register tiles are a few elements: no GEMM tile padding to speak of.\n"
                  "gemm_tile_rows_small: 1\n"
                  "gemm_tile_rows: 1\n"
                  "gemm_tile_cols: 1\n");

  auto ceiling = [&](const char* op_class, const Ceiling& c, const char* family) {
    absl::StrAppendFormat(
        &out,
        "efficiency {\n"
        "  op_class: %s\n"
        "  compute: %.4f  # %s: %.2f GFLOP/s of %.2f%s\n"
        "  memory: %.4f   # %s: %.2f GB/s of %.2f%s\n"
        "  source: \"best of %d %s rows of %s (compute: %s; memory: %s)\"\n"
        "}\n",
        op_class, c.compute, c.compute_row, c.compute_raw * GFlops(m.fp32_peak),
        GFlops(m.fp32_peak), Capped(c.compute_raw), c.memory, c.memory_row, c.memory_raw * gbps,
        gbps, Capped(c.memory_raw), c.rows, family, json_label, c.compute_row, c.memory_row);
  };
  ceiling("GEMM", m.gemm, "gemm_fp32");
  ceiling("GROUPED_GEMM", m.grouped_gemm, "grouped_gemm_fp32");
  ceiling("ATTENTION", m.attention, "attention_fp32");
  absl::StrAppendFormat(&out,
                        "efficiency {\n"
                        "  op_class: ELEMENTWISE\n"
                        "  compute: 1  # no compute-bound elementwise row: memory bounds it\n"
                        "  memory: %.4f  # %s\n"
                        "  source: \"%s of %s; compute not measured\"\n"
                        "}\n",
                        m.elementwise_memory, m.triad_row, m.triad_row, json_label);
  for (const char* op_class : {"SCALE_UP", "SCALE_OUT", "SCALE_UP_LOW_LATENCY"}) {
    absl::StrAppendFormat(&out,
                          "efficiency {\n"
                          "  op_class: %s\n"
                          "  link: 1\n"
                          "  source: \"one core has no links; the link stands for a memory copy "
                          "at the measured bandwidth\"\n"
                          "}\n",
                          op_class);
  }
  absl::StrAppendFormat(&out,
                        "source: \"CPU kernel suite (benchmarks/cpu_kernels_benchmark.cc, one "
                        "thread) on %s: %s; /proc/meminfo\"\n",
                        absl::CEscape(host.cpu_model), json_label);
  return out;
}

}  // namespace perfmodel::bench
