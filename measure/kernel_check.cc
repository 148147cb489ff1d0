#include "measure/kernel_check.h"

#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/csv.h"
#include "base/status_macros.h"
#include "loader/load.h"
#include "perfmodel/ops.h"

namespace perfmodel {
namespace {

// Numbers() are the numbers in `s` in order ("153 NVLink / 158" -> 153, 158).
std::vector<double> Numbers(absl::string_view s) {
  std::vector<double> out;
  std::string cur;
  auto flush = [&] {
    double v;
    if (!cur.empty() && absl::SimpleAtod(cur, &v)) out.push_back(v);
    cur.clear();
  };
  for (char ch : s) {
    if ((ch >= '0' && ch <= '9') || (ch == '.' && !cur.empty())) {
      cur.push_back(ch);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

// Condition() finds "key=value" in a conditions string.
bool Condition(absl::string_view conditions, absl::string_view key, double* value) {
  for (absl::string_view part : absl::StrSplit(conditions, absl::ByAnyChar(",;"))) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, key) && absl::ConsumePrefix(&part, "=")) {
      const std::vector<double> n = Numbers(part);  // "64 [confidence: ...]" -> 64
      if (n.empty()) return false;
      *value = n[0];
      return true;
    }
  }
  return false;
}

// TokensPerBatch() reads "4096 tokens/batch" or "8K tokens/batch".
bool TokensPerBatch(absl::string_view conditions, int64_t* tokens) {
  const std::size_t at = conditions.find("tokens/batch");
  if (at == absl::string_view::npos) return false;
  absl::string_view before = absl::StripTrailingAsciiWhitespace(conditions.substr(0, at));
  double scale = 1;
  if (absl::ConsumeSuffix(&before, "K")) scale = 1024;
  const std::size_t start = before.find_last_of(" ,;");
  const std::vector<double> n =
      Numbers(start == absl::string_view::npos ? before : before.substr(start + 1));
  if (n.empty()) return false;
  *tokens = static_cast<int64_t>(n.back() * scale);
  return true;
}

// After() reads the number following `key` ("hidden 7168", "top-8"), if any.
bool After(absl::string_view conditions, absl::string_view key, int64_t* value) {
  const std::size_t at = conditions.find(key);
  if (at == absl::string_view::npos) return false;
  const std::vector<double> n = Numbers(conditions.substr(at + key.size(), 12));
  if (n.empty()) return false;
  *value = static_cast<int64_t>(n[0]);
  return true;
}

// ExpertsPerToken() reads "top-8" (not "top-4 groups").
bool ExpertsPerToken(absl::string_view conditions, int64_t* topk) {
  for (std::size_t at = conditions.find("top-"); at != absl::string_view::npos;
       at = conditions.find("top-", at + 4)) {
    absl::string_view rest = conditions.substr(at + 4);
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0 || absl::StartsWith(rest.substr(digits), " groups")) continue;
    *topk = std::atoll(std::string(rest.substr(0, digits)).c_str());
    return true;
  }
  return false;
}

// Parts() are the " / "-separated parts of a two-figure cell, stripped
// ("640 (H800) / 1450 (B200)" -> "640 (H800)", "1450 (B200)").
std::vector<absl::string_view> Parts(absl::string_view s) {
  std::vector<absl::string_view> out = absl::StrSplit(s, '/');
  for (absl::string_view& p : out) p = absl::StripAsciiWhitespace(p);
  return out;
}

// HwFile() maps the CSV's hardware column to a hardware description.
std::string HwFile(absl::string_view hardware) {
  if (absl::StartsWith(hardware, "H800")) return "h800_sxm.textproto";
  if (absl::StartsWith(hardware, "H100")) return "h100_sxm.textproto";
  if (absl::StartsWith(hardware, "H20")) return "h20.textproto";
  if (absl::StartsWith(hardware, "SM100") || absl::StartsWith(hardware, "B200")) {
    return "b200.textproto";
  }
  if (absl::StartsWith(hardware, "SM90")) return "h800_sxm.textproto";
  return "";
}

double Tflops(const OpCost& c) { return ToTeraflopsPerSecond(c.flops / c.kernel_time); }

class Checker final {
 public:
  Checker(std::string csv, std::string hw_dir, ModelSpec model)
      : csv_(std::move(csv)), hw_dir_(std::move(hw_dir)), model_(model) {}

  absl::StatusOr<const HardwareSpec*> Hw(const std::string& file) {
    PM_ASSIGN_OR_RETURN(const LoadedHardware* const h, Loaded(file));
    return &h->spec;
  }
  absl::StatusOr<const LoadedHardware*> Loaded(const std::string& file) {
    auto it = hw_.find(file);
    if (it == hw_.end()) {
      PM_ASSIGN_OR_RETURN(LoadedHardware h, LoadHardware(absl::StrCat(hw_dir_, "/", file)));
      it = hw_.emplace(file, std::move(h)).first;
    }
    return &it->second;
  }

  absl::Status Row(const std::vector<std::string>& f, int line, std::vector<KernelCheck>& out);

  // PrefillRow() is FlashMLA's prefill rows: FM-08 (sparse MLA prefill, one
  // figure per GPU) and FM-09 (dense MHA prefill, forward and backward).
  absl::Status PrefillRow(const std::vector<std::string>& f, int line, KernelCheck k,
                          std::vector<KernelCheck>& out);

 private:
  absl::Status Bad(int line, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(csv_, ":", line, ": ", what));
  }

  std::string csv_;
  std::string hw_dir_;
  std::map<std::string, LoadedHardware> hw_;
  ModelSpec model_;

 public:
  // Column indices of the CSV.
  int id_ = 0, value_ = 0, hardware_ = 0, conditions_ = 0;
};

absl::Status Checker::Row(const std::vector<std::string>& f, int line,
                          std::vector<KernelCheck>& out) {
  const std::string& id = f[id_];
  const std::string& value = f[value_];
  const std::string& hardware = f[hardware_];
  const std::string& conditions = f[conditions_];
  KernelCheck k;
  k.id = id;
  k.hardware = HwFile(hardware);
  const std::vector<double> figures = Numbers(value);

  auto out_of_scope = [&](absl::string_view reason) {
    k.in_scope = false;
    k.reason = std::string(reason);
    if (!figures.empty()) k.published = figures[0];
    out.push_back(k);
    return absl::OkStatus();
  };

  if (absl::StartsWith(id, "DG-")) {
    if (id == "DG-PEAK") return out_of_scope("a best-shape summary of the DG-D rows");
    const std::vector<double> dims = Numbers(id.substr(5));
    if (figures.empty()) return Bad(line, absl::StrCat(id, ": no TFLOPS figure in '", value, "'"));
    PM_ASSIGN_OR_RETURN(const LoadedHardware* const loaded, Loaded(k.hardware));
    const HardwareSpec* const hw = &loaded->spec;
    // DeepGEMM's figures are kernel durations (its tests' bench_kineto): the
    // kernel's first loads and tail included, its launch not.
    auto duration_tflops = [&](const OpCost& c) {
      return ToTeraflopsPerSecond(c.flops / (c.kernel_time + loaded->in_kernel_fixed));
    };
    k.unit = "TFLOPS";
    k.published = figures[0];
    k.in_scope = true;
    if (absl::StartsWith(id, "DG-D-")) {
      if (dims.size() != 3) return Bad(line, absl::StrCat(id, ": expected MxNxK in the id"));
      const GemmShape s{static_cast<int64_t>(dims[0]), static_cast<int64_t>(dims[1]),
                        static_cast<int64_t>(dims[2]), 1};
      k.what = absl::StrCat("gemm fp8 m=", s.m, " n=", s.n, " k=", s.k);
      k.predicted = duration_tflops(Gemm(s, GemmTypes::Fp8(), *hw));
    } else {
      if (dims.size() != 4) return Bad(line, absl::StrCat(id, ": expected GxMxNxK in the id"));
      const int64_t g = static_cast<int64_t>(dims[0]), m = static_cast<int64_t>(dims[1]),
                    n = static_cast<int64_t>(dims[2]), kk = static_cast<int64_t>(dims[3]);
      k.what = absl::StrCat("grouped_gemm fp8 groups=", g, " m=", m, " n=", n, " k=", kk);
      k.predicted =
          duration_tflops(GroupedGemm(static_cast<double>(m), g, n, kk, GemmTypes::Fp8(), *hw));
    }
    out.push_back(k);
    return absl::OkStatus();
  }

  if (absl::StartsWith(id, "FM-")) {
    const MlaSpec& mla = model_.mla;  // DeepSeek-V3's latent KV: d_k = 512 + 64, d_v = 512
    auto attention = [&](const HardwareSpec& hw, double b, double s_q, double sk, double h_q,
                         DType kv = DType::kBf16, DType math = DType::kBf16) {
      const int64_t queries = static_cast<int64_t>(b * s_q);
      return MlaDecodeAttention(queries, static_cast<int64_t>(h_q), b * s_q * sk, b * sk, mla,
                                kv, math, hw);
    };
    if (id == "FM-01" || id == "FM-03" || id == "FM-04") {
      PM_ASSIGN_OR_RETURN(const HardwareSpec* const hw, Hw(k.hardware));
      if (figures.empty()) return Bad(line, absl::StrCat(id, ": no figure in '", value, "'"));
      k.in_scope = true;
      k.published = figures[0];
      if (id == "FM-01") {
        // The memory-bound limit: few heads, long contexts.
        const OpCost c = attention(*hw, 128, 1, 4096, 16);
        k.what = "mla_decode b=128 s_q=1 sk=4096 h_q=16 (memory-bound)";
        k.unit = "GB/s";
        k.predicted = ToGigabytesPerSecond(c.bytes / c.kernel_time);
      } else if (id == "FM-03") {
        const OpCost c = attention(*hw, 128, 2, 4096, 128);
        k.what = "mla_decode b=128 s_q=2 sk=4096 h_q=128 (compute-bound)";
        k.unit = "TFLOPS";
        k.predicted = Tflops(c);
      } else {
        // Crossover: the h_q * s_q at which compute time equals memory time,
        // from the op's arithmetic intensity against the machine balance.
        const OpCost c = attention(*hw, 128, 1, 4096, 1);
        const Efficiency& e = hw->EfficiencyOf(OpClass::kAttention);
        const double intensity_per_head = ToFlops(c.flops) / ToBytes(c.bytes);
        const double balance = ToFlops(hw->bf16_dense * e.compute * Seconds(1)) /
                               ToBytes(hw->hbm_bandwidth * e.memory * Seconds(1));
        k.what = "mla_decode arithmetic intensity = machine balance";
        k.unit = "h_q*s_q";
        k.predicted = balance / intensity_per_head;
      }
      out.push_back(k);
      return absl::OkStatus();
    }
    if (id == "FM-10" || id == "FM-11" || id == "FM-12") {
      double b, s_q, sk, h_q;
      if (!Condition(conditions, "b", &b) || !Condition(conditions, "s_q", &s_q) ||
          !Condition(conditions, "mean_sk", &sk) || !Condition(conditions, "h_q", &h_q)) {
        return Bad(line, absl::StrCat(id, ": conditions need b, s_q, mean_sk, h_q"));
      }
      PM_ASSIGN_OR_RETURN(const HardwareSpec* const hw, Hw(k.hardware));
      if (figures.empty()) return Bad(line, absl::StrCat(id, ": no time in '", value, "'"));
      const OpCost c = attention(*hw, b, s_q, sk, h_q);
      k.what = absl::StrCat("mla_decode b=", b, " s_q=", s_q, " sk=", sk, " h_q=", h_q);
      k.unit = "ms";
      k.in_scope = true;
      k.published = figures[0];
      k.predicted = ToMilliseconds(c.kernel_time);
      out.push_back(k);
      return absl::OkStatus();
    }
    if (id == "FM-02") return out_of_scope("the Feb 2025 kernel, superseded by FM-03's");
    if (id == "FM-05") return out_of_scope("a clock-throttling note, not a kernel");
    if (id == "FM-13") {
      // FP8 Q/KV FlashMLA over the BF16 kernel. The row gives no shape; FM-12's
      // compute-bound H20 decode shape (b=128, s_q=3, sk=8192, h_q=64) stands in.
      PM_ASSIGN_OR_RETURN(const HardwareSpec* const hw, Hw(k.hardware));
      if (figures.empty()) return Bad(line, absl::StrCat(id, ": no ratio in '", value, "'"));
      const OpCost bf16 = attention(*hw, 128, 3, 8192, 64);
      const OpCost fp8 = attention(*hw, 128, 3, 8192, 64, DType::kFp8, DType::kFp8);
      k.what = "mla_decode FP8 Q/KV over BF16, b=128 s_q=3 sk=8192 h_q=64";
      k.unit = "x";
      k.in_scope = true;
      k.published = figures[0];
      k.predicted = bf16.kernel_time / fp8.kernel_time;
      out.push_back(k);
      return absl::OkStatus();
    }
    if (id == "FM-08" || id == "FM-09") return PrefillRow(f, line, k, out);
    if (id == "FM-06" || id == "FM-07") {
      // DeepSeek sparse attention's FP8-KV decode kernel. FM-06's conditions
      // (b 128, h_q 128, s_q 2, top-2048); FM-07 gives none, FM-06's stand
      // in. Each query token gathers its own top-k (656 B FP8 entries).
      PM_ASSIGN_OR_RETURN(const HardwareSpec* const hw, Hw(k.hardware));
      if (figures.empty())
        return Bad(line, absl::StrCat(id, ": no TFLOPS figure in '", value, "'"));
      const int64_t b = 128, s_q = 2, topk = 2048, h_q = 128;
      const double pairs = static_cast<double>(b * s_q * topk);
      const OpCost c = MlaDecodeAttention(b * s_q, h_q, pairs, pairs, mla, DType::kFp8,
                                          DType::kBf16, *hw, 1, true);
      k.what = absl::StrCat("sparse mla_decode b=", b, " s_q=", s_q, " topk=", topk, " h_q=", h_q,
                            " fp8 kv", id == "FM-07" ? " (FM-06's shape)" : "");
      k.unit = "TFLOPS";
      k.in_scope = true;
      k.published = figures[0];
      k.predicted = Tflops(c);
      out.push_back(k);
      return absl::OkStatus();
    }
    return out_of_scope("not a kernel row perfmodel costs");
  }

  if (absl::StartsWith(id, "EP-")) {
    if (figures.size() < 2) return Bad(line, absl::StrCat(id, ": expected 'dispatch / combine'"));
    const std::vector<double> id_numbers = Numbers(id);
    PM_ASSIGN_OR_RETURN(const HardwareSpec* const hw,
                        Hw(k.hardware.empty() ? "h800_sxm.textproto" : k.hardware));
    if (k.hardware.empty()) k.hardware = "h800_sxm.textproto";
    // Tokens per batch from the row's conditions; hidden size and experts per
    // token from them too, else DeepSeek-V3's (the shapes DeepEP measures).
    int64_t tokens = 0, hidden = model_.hidden_size, topk = model_.moe.experts_per_token;
    if (!TokensPerBatch(conditions, &tokens)) {
      return Bad(line, absl::StrCat(id, ": no 'N tokens/batch' in the conditions"));
    }
    After(conditions, "hidden ", &hidden);
    ExpertsPerToken(conditions, &topk);
    if (absl::StartsWith(id, "EP-V2-")) {
      if (id != "EP-V2-03") {
        for (const char* dir : {" dispatch", " combine"}) {
          k.id = absl::StrCat(id, dir);
          (void)out_of_scope("EPv2 hierarchical all-to-all (NVLink then RDMA), logical bandwidth: "
                             "no perfmodel op yet");
        }
        return absl::OkStatus();
      }
      // Intranode NVLink bandwidth of 8K tokens on Blackwell (64-SM figures).
      for (int i = 0; i < 2; ++i) {
        const OpCost c =
            i == 0 ? EpDispatch(tokens, topk, hidden, DType::kFp8, 8, Transport::kNvlink, *hw,
                                1.0, EpKernels::kNormal)
                   : EpCombine(tokens, topk, hidden, 8, Transport::kNvlink, *hw, 1.0,
                               EpKernels::kNormal);
        k.id = absl::StrCat(id, i == 0 ? " dispatch" : " combine");
        k.what = absl::StrCat("ep all-to-all ", tokens, " tokens nvlink");
        k.unit = "GB/s";
        k.in_scope = true;
        k.published = figures[i];
        k.predicted = ToGigabytesPerSecond(c.link_bytes / c.kernel_time);
        out.push_back(k);
      }
      return absl::OkStatus();
    }
    const bool low_latency = absl::StartsWith(id, "EP-LL");
    const bool v1 = absl::EndsWith(id, "-v1");
    const int64_t ep = id_numbers.empty() ? 0 : static_cast<int64_t>(id_numbers[0]);
    for (int i = 0; i < 2; ++i) {
      k.id = absl::StrCat(id, i == 0 ? " dispatch" : " combine");
      k.published = figures[i];
      // The Jun 2025 low-latency kernels reach in-node peers over NVLink and
      // the others over RDMA (the v1 rows; v0 is RDMA to every peer).
      Transport transport = Transport::kRdma;
      if (ep == 8 && (!low_latency || v1)) transport = Transport::kNvlink;
      if (low_latency && v1 && ep > 8) transport = Transport::kAuto;
      const double nic_gbps = ToGigabytesPerSecond(hw->scale_out_bandwidth);
      if (!low_latency && transport == Transport::kRdma && figures[i] > nic_gbps) {
        (void)out_of_scope(absl::StrCat(
            "above the NIC's line rate (", nic_gbps,
            " GB/s): the figure counts traffic forwarded over NVLink, not a link rate"));
        continue;
      }
      const EpKernels mode = low_latency ? EpKernels::kLowLatency : EpKernels::kNormal;
      const OpCost c =
          i == 0 ? EpDispatch(tokens, topk, hidden, DType::kFp8, ep, transport, *hw, 1.0, mode)
                 : EpCombine(tokens, topk, hidden, ep, transport, *hw, 1.0, mode);
      k.what = absl::StrCat("ep ", i == 0 ? "dispatch" : "combine", " ", tokens, " tokens ep=", ep,
                            " ", std::string(TransportName(transport)));
      k.in_scope = true;
      k.reason.clear();
      if (low_latency) {
        k.unit = "us";
        k.predicted = ToMicroseconds(c.kernel_time);
      } else {
        k.unit = "GB/s";
        k.predicted = ToGigabytesPerSecond(c.link_bytes / c.kernel_time);
      }
      out.push_back(k);
    }
    return absl::OkStatus();
  }
  return absl::OkStatus();  // specs and config rows: not kernels
}

absl::Status Checker::PrefillRow(const std::vector<std::string>& f, int line, KernelCheck k,
                                 std::vector<KernelCheck>& out) {
  const std::string& id = f[id_];
  const std::vector<absl::string_view> values = Parts(f[value_]);
  std::vector<double> figures;
  for (absl::string_view v : values) {
    const std::vector<double> n = Numbers(v);  // "640 (H800)" -> 640, not the 800
    if (!n.empty()) figures.push_back(n[0]);
  }
  if (figures.size() != 2) {
    return Bad(line, absl::StrCat(id, ": expected two figures 'a / b' in '", f[value_], "'"));
  }
  k.unit = "TFLOPS";
  if (id == "FM-08") {
    // FlashMLA's sparse prefill (flash_mla_sparse_fwd): absorbed MLA, every
    // query token attends its own top-k of the latent KV (no causal
    // triangle), 128 heads against one latent head. FlashMLA's
    // tests/test_flash_mla_sparse_prefill.py times the V3.2 shape at
    // s_q = 4096, topk = 2048 over s_kv = 8K..128K and counts
    // 2 s_q topk h_q (d_qk + d_v) FLOPs; the README's "up to" figure names no
    // s_kv, so the smallest stands in (its latent, 9.4 MB, stays in L2: the
    // selected rows are read from HBM once).
    const std::vector<absl::string_view> gpus = Parts(f[hardware_]);
    if (gpus.size() != 2) {
      return Bad(line, absl::StrCat(id, ": expected 'GPU / GPU' in '", f[hardware_], "'"));
    }
    const MlaSpec& mla = model_.mla;
    const int64_t s_q = 4096, topk = 2048, s_kv = 8192, h_q = 128;
    for (std::size_t i = 0; i < 2; ++i) {
      k.hardware = HwFile(gpus[i]);
      PM_ASSIGN_OR_RETURN(const HardwareSpec* const hw, Hw(k.hardware));
      const OpCost c =
          PrefillAttention(s_q, h_q, static_cast<double>(s_q * topk),
                           mla.kv_lora_rank + mla.qk_rope_head_dim, mla.kv_lora_rank,
                           static_cast<double>(s_kv), MlaKvBytesPerToken(mla, DType::kBf16),
                           DType::kBf16, *hw);
      k.id = absl::StrCat(id, " ", gpus[i].substr(0, gpus[i].find(' ')));
      k.what = absl::StrCat("prefill_attention sparse mla s_q=", s_q, " topk=", topk,
                            " s_kv=", s_kv, " h_q=", h_q, " d_qk=",
                            mla.kv_lora_rank + mla.qk_rope_head_dim, " d_v=", mla.kv_lora_rank,
                            " (s_kv not in the source)");
      k.in_scope = true;
      k.published = figures[i];
      k.predicted = Tflops(c);
      out.push_back(k);
    }
    return absl::OkStatus();
  }
  // FM-09: NVIDIA's SM100 dense MHA prefill kernel in FlashMLA
  // (flash_attn_varlen_func). tests/test_fmha_sm100.py times b = 2 sequences
  // of 4K and 8K, 128 or 32 heads, head dims 128/128 and 192/128, causal or
  // not, and counts 2 h (d_qk + d_v) FLOPs per unmasked query-key pair; the
  // README's "up to" figure names no case, so its largest DeepSeek-shaped one
  // stands in: 8K tokens, 128 heads of MLA's MHA form (qk 192, v 128), causal.
  PM_ASSIGN_OR_RETURN(const HardwareSpec* const hw, Hw(k.hardware));
  const MlaSpec& mla = model_.mla;
  const int64_t b = 2, s = 8192, h = 128;
  const int64_t d_qk = mla.qk_nope_head_dim + mla.qk_rope_head_dim, d_v = mla.v_head_dim;
  const OpCost c = PrefillAttention(
      b * s, h, static_cast<double>(b) * CausalPairs(static_cast<double>(s), 0.0), d_qk, d_v,
      static_cast<double>(b * s), static_cast<double>(h * (d_qk + d_v)) * 2.0, DType::kBf16, *hw);
  k.id = absl::StrCat(id, " fwd");
  k.what = absl::StrCat("prefill_attention mha b=", b, " s=", s, " h=", h, " d_qk=", d_qk,
                        " d_v=", d_v, " causal (case not in the source)");
  k.in_scope = true;
  k.published = figures[0];
  k.predicted = Tflops(c);
  out.push_back(k);
  k.id = absl::StrCat(id, " bwd");
  k.what.clear();
  k.unit.clear();
  k.in_scope = false;
  k.published = figures[1];
  k.predicted = 0.0;
  k.reason = "the backward pass: training, not inference";
  out.push_back(k);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<KernelCheck>> CheckKernelTable(absl::string_view csv_path,
                                                          absl::string_view hw_dir,
                                                          absl::string_view model_path) {
  PM_ASSIGN_OR_RETURN(const std::string text, ReadFile(csv_path));
  PM_ASSIGN_OR_RETURN(const CsvTable table, ParseCsvTable(text, csv_path));
  // The table's kernels run DeepSeek-V3's shapes: its dimensions fill in what
  // a row's conditions leave out.
  PM_ASSIGN_OR_RETURN(const ModelSpec model, LoadModel(model_path));
  Checker checker{std::string(csv_path), std::string(hw_dir), model};
  for (absl::string_view col : {"id", "value", "hardware", "conditions"}) {
    if (table.Column(col) < 0) {
      return absl::InvalidArgumentError(absl::StrCat(csv_path, ":1: missing column '", col, "'"));
    }
  }
  checker.id_ = table.Column("id");
  checker.value_ = table.Column("value");
  checker.hardware_ = table.Column("hardware");
  checker.conditions_ = table.Column("conditions");
  std::vector<KernelCheck> out;
  for (const CsvRecord& row : table.rows) {
    absl::Status s = checker.Row(row.fields, row.line, out);
    if (!s.ok()) return s;
  }
  return out;
}

}  // namespace perfmodel
