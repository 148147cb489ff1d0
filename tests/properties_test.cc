// Properties every estimate must have, over every model in models/ x every GPU
// in hw/ x a grid of deployments (attention DP/TP, dense TP, MoE EP/TP,
// overlap, comm SMs, a host model) x a grid of workloads (decode: batch per
// DP rank, context, MTP drafts; prefill: prompts, prompt length, chunking,
// prefix-cache hit):
//
//   1. No NaN, infinite or negative time, FLOPs or bytes in any row, nor in
//      the forward, host gap, SLA, memory or routing of the result.
//   2. Decode: step time (forward + host gap), forward and memory per GPU are
//      non-decreasing in batch, in context and in MTP drafts.
//      Prefill: TTFT and forward are non-decreasing in prompt length, and in
//      batch within each parity only (t(b) >= t(b - 2)): under two
//      micro-batches an even batch splits by sequences, an odd one within each
//      sequence, and the two costings cross (workload/prefill_sweep.h's header
//      comment gives the seed's t(45) > t(46)). Prefill memory is not held
//      monotone: the largest forward's workspace of an odd packed batch can
//      exceed the next even one's (the same comment); its weights and KV cache
//      are (they only grow with the prompts).
//   3. The SLA algebra round-trips: forward -> TPOT -> forward, forward ->
//      machine and user tokens/s -> forward; prefill forward -> TTFT ->
//      forward and its rates.
//   4. Compile time equals run time: the constexpr spec headers' estimates,
//      evaluated during compilation, equal the estimates of the textprotos
//      loaded at run time, bit for bit.
//   5. The report's JSON parses (RapidJSON) and holds the numbers the text
//      output prints, section by section and cell by cell.
//
// A layout the loader rejects (ValidateDeploymentFor()) or that does not fit
// the GPU even at its smallest workload (CheckMemory()'s ResourceExhausted) is
// skipped and counted; the test asserts how many were checked so that the
// grid cannot silently empty. The grid is sampled deterministically (a hash
// of the layout picks which workload lines each layout sweeps), so the test
// runs in seconds (under ASan too) and always checks the same points.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "deployments/llama3_1_70b_tp8_spec.h"
#include "deployments/qwen3_235b_dp8_ep8_spec.h"
#include "deployments/seed_decode_spec.h"
#include "deployments/seed_prefill_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "hw/b200_spec.h"
#include "hw/gb200_spec.h"
#include "hw/h100_sxm_spec.h"
#include "hw/h200_sxm_spec.h"
#include "hw/h20_spec.h"
#include "hw/h800_sxm_spec.h"
#include "loader/load.h"
#include "loader/setup.h"
#include "models/deepseek_v3_spec.h"
#include "models/llama3_1_70b_spec.h"
#include "models/qwen3_235b_a22b_spec.h"
#include "perfmodel/graph.h"
#include "perfmodel/sla.h"
#include "rapidjson/document.h"
#include "report/render.h"
#include "report/step_report.h"
#include "workloads/llama3_1_70b_tp8_spec.h"
#include "workloads/qwen3_235b_dp8_ep8_spec.h"
#include "workloads/seed_decode_spec.h"
#include "workloads/seed_prefill_spec.h"

namespace perfmodel {
namespace {

// --- The repo's data --------------------------------------------------------

struct ModelCase final {
  std::string model;
  std::string deployment;          // its example decode deployment
  std::string prefill_deployment;  // the base of its prefill layouts
};

const std::vector<ModelCase>& Models() {
  static const auto* v = new std::vector<ModelCase>{
      {"models/deepseek_v3.textproto", "deployments/seed_decode.textproto",
       "deployments/seed_prefill.textproto"},
      {"models/llama3_1_70b.textproto", "deployments/llama3_1_70b_tp8.textproto",
       "deployments/llama3_1_70b_tp8.textproto"},
      {"models/qwen3_235b_a22b.textproto", "deployments/qwen3_235b_dp8_ep8.textproto",
       "deployments/qwen3_235b_dp8_ep8.textproto"},
  };
  return *v;
}

// Every GPU description in hw/ (host_cpu.textproto is the build machine's CPU
// core, not a GPU: no model here fits in its memory).
const std::vector<std::string>& Gpus() {
  static const auto* v = new std::vector<std::string>{
      "hw/h800_sxm.textproto",
      "hw/h100_sxm.textproto",
      "hw/h200_sxm.textproto",
      "hw/h200_sxm_seed_calibrated.textproto",
      "hw/h200_sxm_seed_refsim.textproto",
      "hw/h20.textproto",
      "hw/b200.textproto",
      "hw/gb200.textproto",
  };
  return *v;
}

Setup MustLoad(const std::string& model, const std::string& hw, const std::string& deployment) {
  absl::StatusOr<Setup> s = LoadSetup({.model = model, .hardware = hw, .deployment = deployment});
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : Setup{};
}

// A deterministic hash (FNV-1a) of a layout's description: which workload
// lines a layout sweeps.
uint64_t Hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}
template <typename T>
const T& Pick(const std::vector<T>& v, uint64_t h, int salt) {
  return v[(h >> (8 * salt)) % v.size()];
}

// --- The deployment grid ----------------------------------------------------

struct Layout final {
  DeploymentSpec spec;
  std::string label;
};

// Layouts() is the grid of layouts of `base` for `model` on `hw`: 8 and 64
// GPUs; attention TP 1, 2, 8 (DP the rest); dense TP 1 and 8; MoE EP over
// every GPU or half of them (TP 2); the three overlap modes, two micro-batches
// also with 20 comm SMs; and the seed-like layout with a host model (CUDA
// graphs off). Only those ValidateDeploymentFor() accepts are returned;
// `rejected` counts the others.
std::vector<Layout> Layouts(const ModelSpec& model, const HardwareSpec& hw,
                            const DeploymentSpec& base, int& rejected) {
  std::vector<Layout> out;
  const bool moe = model.moe.routed_experts > 0;
  for (int64_t gpus : {8, 64}) {
    for (int64_t att_tp : {1, 2, 8}) {
      for (int64_t dense_tp : {1, 8}) {
        for (int64_t ep_tp : moe ? std::vector<int64_t>{1, 2} : std::vector<int64_t>{1}) {
          for (int mode = 0; mode < 4; ++mode) {
            DeploymentSpec d = base;
            d.gpus = gpus;
            d.parallel = Parallelism{.attention_dp = gpus / att_tp,
                                     .attention_tp = att_tp,
                                     .dense_tp = dense_tp,
                                     .moe_ep = gpus / ep_tp,
                                     .moe_tp = ep_tp,
                                     .redundant_experts = 0};
            d.overlap = mode == 0   ? Overlap::kNone
                        : mode == 3 ? Overlap::kTwoMicroBatch
                                    : kOverlaps[static_cast<std::size_t>(mode)];
            d.comm_sms = mode == 3 ? 20 : (mode == 1 ? base.comm_sms : 0);
            d.host = HostModel{};
            if (gpus == 64 && att_tp == 1 && dense_tp == 8 && ep_tp == 1 && mode == 0) {
              d.host = HostModel{.per_step = Microseconds(400),
                                 .per_request = Microseconds(25),
                                 .per_launch = Microseconds(3),
                                 .cuda_graphs = false};
            }
            const std::string label =
                absl::StrCat("gpus ", gpus, " attention dp ", d.parallel.attention_dp, " tp ",
                             att_tp, " dense_tp ", dense_tp, " moe ep ", d.parallel.moe_ep, " tp ",
                             ep_tp, " overlap ", std::string(OverlapName(d.overlap)), " comm_sms ",
                             d.comm_sms, d.host.cuda_graphs ? "" : " host model");
            if (!ValidateDeploymentFor(model, hw, d, label).ok()) {
              ++rejected;
              continue;
            }
            out.push_back(Layout{d, label});
          }
        }
      }
    }
  }
  return out;
}

// --- Property 1: finite and non-negative ------------------------------------

// Relative slack for "non-decreasing" and "at most": the same physics summed
// in a different order may differ in the last bits; anything above this is
// real.
constexpr double kSlack = 1e-12;

bool Good(double x) { return std::isfinite(x) && x >= 0.0; }

#define EXPECT_GOOD(x) EXPECT_TRUE(Good(x)) << #x << " = " << (x)

void ExpectFiniteAndNonNegative(const StepResult& r) {
  ASSERT_GT(r.row_count, 0u);
  for (std::size_t i = 0; i < r.row_count; ++i) {
    const OpRow& row = r.rows[i];
    SCOPED_TRACE(absl::StrCat(std::string(PartName(row.part)), " ", std::string(row.op)));
    EXPECT_GE(row.count, 0);
    EXPECT_GE(row.cost.kernels, 0);
    EXPECT_GOOD(ToFlops(row.cost.flops));
    EXPECT_GOOD(ToBytes(row.cost.bytes));
    EXPECT_GOOD(ToBytes(row.cost.link_bytes));
    EXPECT_GOOD(ToSeconds(row.cost.kernel_time));
    EXPECT_GOOD(ToSeconds(row.cost.overhead));
    EXPECT_GOOD(ToSeconds(row.cost.latency));
    EXPECT_GOOD(ToSeconds(row.Wire()));
    EXPECT_GOOD(ToSeconds(row.visible));
    EXPECT_GOOD(ToSeconds(row.wait));
    EXPECT_GOOD(ToSeconds(row.Total()));
    // Overlap hides time; it never adds any (a prefill row's two are each
    // summed over its forwards: equal up to rounding).
    EXPECT_LE(ToSeconds(row.visible), ToSeconds(row.cost.time()) * (1.0 + kSlack));
  }
  EXPECT_GT(ToSeconds(r.forward), 0.0);
  EXPECT_GOOD(ToSeconds(r.forward));
  EXPECT_GOOD(ToSeconds(r.host_gap));
  EXPECT_GE(r.forwards, 1);
  EXPECT_GE(r.tokens_per_rank, 1);
  EXPECT_GE(r.dp_per_machine, 1);
  EXPECT_GOOD(ToBytes(r.memory.weights));
  EXPECT_GOOD(ToBytes(r.memory.kv_cache));
  EXPECT_GOOD(ToBytes(r.memory.reserve));
  EXPECT_GOOD(ToBytes(r.memory.activations));
  EXPECT_GOOD(ToBytes(r.memory.capacity));
  EXPECT_GT(r.memory.weights, Bytes::Zero());
  for (const PartRouting& p : r.routing) {
    EXPECT_GOOD(p.tokens);
    EXPECT_GOOD(p.load.mean_pairs);
    EXPECT_GOOD(p.load.hottest_pairs);
    EXPECT_GOOD(p.load.active_experts);
    EXPECT_LE(p.load.active_experts, static_cast<double>(p.load.local_experts));
  }
  if (r.phase == Phase::kDecode) {
    EXPECT_GOOD(ToSeconds(r.sla.tpot));
    EXPECT_GT(r.sla.tpot, Duration::Zero());
    EXPECT_GOOD(ToTokensPerSecond(r.sla.user_output_tps));
    EXPECT_GOOD(ToTokensPerSecond(r.sla.machine_output_tps));
  } else {
    EXPECT_GOOD(ToSeconds(r.prefill.ttft));
    EXPECT_GT(r.prefill.ttft, Duration::Zero());
    EXPECT_GOOD(ToTokensPerSecond(r.prefill.rank_prefill_tps));
    EXPECT_GOOD(ToTokensPerSecond(r.prefill.machine_prefill_tps));
  }
}

// --- Property 3: the SLA algebra round-trips --------------------------------

// Near() is equality up to a few ulps of rounding in the algebra's divisions.
void ExpectNear(double got, double want, const char* what) {
  EXPECT_NEAR(got, want, 1e-12 * std::abs(want)) << what;
}

void ExpectSlaRoundTrips(const StepResult& r) {
  if (r.phase == Phase::kDecode) {
    const DecodeSla& s = r.sla;
    EXPECT_EQ(s.forward, r.forward);
    EXPECT_EQ(s.host_gap, r.host_gap);
    EXPECT_EQ(s.concurrency, r.dp_per_machine * s.shape.batch_per_dp);
    // TPOT x accepted tokens is the step.
    ExpectNear(ToSeconds(s.tpot) * s.shape.accepted_tokens_per_step,
               ToSeconds(r.forward + r.host_gap), "tpot x accepted");
    const DecodeSla from_tpot = DecodeFromTpot(s.tpot, s.shape, s.host_gap);
    ExpectNear(ToSeconds(from_tpot.forward), ToSeconds(r.forward), "forward -> tpot -> forward");
    ExpectNear(ToTokensPerSecond(from_tpot.machine_output_tps),
               ToTokensPerSecond(s.machine_output_tps), "tpot -> machine tps");
    const DecodeSla from_machine = DecodeFromMachineTps(s.machine_output_tps, s.shape, s.host_gap);
    ExpectNear(ToSeconds(from_machine.forward), ToSeconds(r.forward),
               "forward -> machine tps -> forward");
    ExpectNear(ToSeconds(from_machine.tpot), ToSeconds(s.tpot), "machine tps -> tpot");
    const DecodeSla from_user = DecodeFromUserTps(s.user_output_tps, s.shape, s.host_gap);
    ExpectNear(ToSeconds(from_user.forward), ToSeconds(r.forward),
               "forward -> user tps -> forward");
    const DecodeSla back = DecodeFromForward(from_tpot.forward, s.shape, s.host_gap);
    ExpectNear(ToSeconds(back.tpot), ToSeconds(s.tpot), "tpot -> forward -> tpot");
  } else {
    const PrefillSla& p = r.prefill;
    EXPECT_EQ(p.forward, r.forward);
    EXPECT_EQ(p.host_gap, r.host_gap);
    EXPECT_EQ(p.ttft, r.forward + r.host_gap);
    const PrefillSla from_ttft = PrefillFromTtft(p.ttft, p.shape, p.host_gap);
    ExpectNear(ToSeconds(from_ttft.forward), ToSeconds(r.forward), "forward -> ttft -> forward");
    ExpectNear(ToTokensPerSecond(from_ttft.rank_prefill_tps), ToTokensPerSecond(p.rank_prefill_tps),
               "ttft -> rank tps");
    ExpectNear(ToTokensPerSecond(from_ttft.machine_prefill_tps),
               ToTokensPerSecond(p.machine_prefill_tps), "ttft -> machine tps");
    const PrefillSla back = PrefillFromForward(from_ttft.forward, p.shape, p.host_gap);
    ExpectNear(ToSeconds(back.ttft), ToSeconds(p.ttft), "ttft -> forward -> ttft");
  }
}

// --- Property 2: monotone ---------------------------------------------------

struct Point final {
  int64_t x = 0;
  StepResult r;
};

// ExpectNonDecreasing() checks `value` over `points` (in order of x), each
// against the point `stride` before it.
template <typename F>
void ExpectNonDecreasing(const std::vector<Point>& points, const char* what, const char* axis,
                         F value, std::size_t stride = 1) {
  for (std::size_t i = stride; i < points.size(); ++i) {
    const double a = value(points[i - stride].r), b = value(points[i].r);
    EXPECT_GE(b, a * (1.0 - kSlack))
        << what << " falls from " << a << " at " << axis << " " << points[i - stride].x << " to "
        << b << " at " << axis << " " << points[i].x;
  }
}

double StepSeconds(const StepResult& r) { return ToSeconds(r.forward + r.host_gap); }
double ForwardSeconds(const StepResult& r) { return ToSeconds(r.forward); }
double MemoryBytes(const StepResult& r) { return ToBytes(r.memory.Total()); }
double KvAndWeightBytes(const StepResult& r) {
  return ToBytes(r.memory.weights + r.memory.kv_cache);
}

// --- The sweep --------------------------------------------------------------

struct Counts final {
  int layouts = 0;
  int rejected = 0;
  int do_not_fit = 0;
  int estimates = 0;
};

const std::vector<int64_t> kBatches = {1, 2, 3, 4, 5, 8, 16, 24, 31, 32, 48, 64, 128, 256};
const std::vector<int64_t> kContexts = {1, 128, 1024, 4096, 8192, 16384, 32768, 65536, 131072};
const std::vector<int64_t> kPrompts = {1, 128, 1000, 4096, 8192, 16384, 32768};
const std::vector<int64_t> kChunks = {0, 512, 2048, 8192};
const std::vector<double> kHits = {0.0, 0.25, 0.5};

StepResult Decode(const Setup& s, const DeploymentSpec& d, int64_t batch, int64_t context,
                  int64_t drafts) {
  WorkloadSpec w = s.workload;
  w.phase = Phase::kDecode;
  w.batch_per_dp = batch;
  w.context_tokens = context;
  w.mtp_draft_tokens = drafts;
  w.accepted_tokens_per_step = 1.0;
  const StepResult r = EstimateDecode(s.model, s.hardware.spec, d, w);
  ExpectFiniteAndNonNegative(r);
  ExpectSlaRoundTrips(r);
  return r;
}

StepResult Prefill(const Setup& s, const DeploymentSpec& d, int64_t batch, int64_t prompt,
                   int64_t chunk, double hit) {
  WorkloadSpec w = s.workload;
  w.phase = Phase::kPrefill;
  w.batch_per_dp = batch;
  w.context_tokens = 0;
  w.prompt_tokens = prompt;
  w.chunk_tokens = chunk;
  w.prefix_cache_hit = hit;
  w.mtp_draft_tokens = 0;
  w.accepted_tokens_per_step = 1.0;
  const StepResult r = EstimatePrefill(s.model, s.hardware.spec, d, w);
  ExpectFiniteAndNonNegative(r);
  ExpectSlaRoundTrips(r);
  return r;
}

// FitsAtAll() is CheckMemory() of the layout's smallest step.
bool FitsAtAll(const Setup& s, const DeploymentSpec& d, Phase phase) {
  perfmodel::Setup at = s;
  at.deployment = d;
  const StepResult r = phase == Phase::kDecode ? Decode(s, d, 1, 1, 0) : Prefill(s, d, 1, 1, 0, 0);
  const absl::Status fits = CheckMemory(at, r);
  if (!fits.ok()) {
    EXPECT_EQ(fits.code(), absl::StatusCode::kResourceExhausted) << fits;
  }
  return fits.ok();
}

std::vector<int64_t> Upto(const std::vector<int64_t>& v, int64_t most) {
  std::vector<int64_t> out;
  for (int64_t x : v) {
    if (most <= 0 || x <= most) out.push_back(x);
  }
  return out;
}

// A property held monotone along a sweep: `value` non-decreasing, each
// point against the one `stride` before it.
struct Monotone final {
  const char* what;
  double (*value)(const StepResult&);
  std::size_t stride = 1;
};

// Decode: step time, forward and memory per GPU, in batch, context and drafts.
const std::vector<Monotone> kDecodeMonotone = {
    {"step time", StepSeconds}, {"forward", ForwardSeconds}, {"memory per GPU", MemoryBytes}};
// Prefill in batch: TTFT and forward within each parity (the header comment),
// weights + KV cache at every step.
const std::vector<Monotone> kPrefillBatchMonotone = {{"ttft", StepSeconds, 2},
                                                     {"forward", ForwardSeconds, 2},
                                                     {"weights + KV cache", KvAndWeightBytes}};
// Prefill in prompt length: all three at every step.
const std::vector<Monotone> kPrefillPromptMonotone = {
    {"ttft", StepSeconds}, {"forward", ForwardSeconds}, {"weights + KV cache", KvAndWeightBytes}};

// Sweep() is one line of the grid: `estimate(x)` for each x of `values` in
// order (the other axes fixed, as `at` says), each of `monotone` held over
// the points, under a trace "over <axis> at <at>"; it counts the estimates.
template <typename Estimate>
void Sweep(const char* axis, const std::string& at, const std::vector<int64_t>& values,
           Estimate estimate, const std::vector<Monotone>& monotone, Counts& n) {
  SCOPED_TRACE(absl::StrCat("over ", axis, " at ", at));
  std::vector<Point> pts;
  for (const int64_t x : values) pts.push_back({x, estimate(x)});
  for (const Monotone& m : monotone) ExpectNonDecreasing(pts, m.what, axis, m.value, m.stride);
  n.estimates += static_cast<int>(pts.size());
}

// ForEveryLayout() calls `sweeps(setup, layout, hash, counts)` for every
// layout of the grid (Layouts()) of every model x GPU that fits at its
// smallest `phase` step, under a trace naming the three; `hash` (of the model,
// GPU and layout) picks the fixed point of each sweep. Then it prints the
// counts and holds that the grid did not empty: at least 300 layouts checked.
template <typename Sweeps>
void ForEveryLayout(Phase phase, Sweeps sweeps) {
  const bool prefill = phase == Phase::kPrefill;
  Counts n;
  for (const ModelCase& m : Models()) {
    for (const std::string& hw : Gpus()) {
      const perfmodel::Setup s =
          MustLoad(m.model, hw, prefill ? m.prefill_deployment : m.deployment);
      for (const Layout& l : Layouts(s.model, s.hardware.spec, s.deployment, n.rejected)) {
        SCOPED_TRACE(absl::StrCat(m.model, " on ", hw, prefill ? " (prefill)" : "", ": ", l.label));
        if (!FitsAtAll(s, l.spec, phase)) {
          ++n.do_not_fit;
          continue;
        }
        ++n.layouts;
        sweeps(s, l, Hash(absl::StrCat(prefill ? "prefill" : "", m.model, hw, l.label)), n);
      }
    }
  }
  std::printf(
      "%s: %d layouts checked (%d estimates), %d rejected by the loader, %d do not "
      "fit\n",
      std::string(PhaseName(phase)).c_str(), n.layouts, n.estimates, n.rejected, n.do_not_fit);
  EXPECT_GE(n.layouts, 300);
}

TEST(PropertiesTest, DecodeOverEveryModelGpuAndLayout) {
  ForEveryLayout(
      Phase::kDecode, [](const perfmodel::Setup& s, const Layout& l, uint64_t h, Counts& n) {
        const std::vector<int64_t> contexts = Upto(kContexts, s.model.max_context_tokens);
        const std::vector<int64_t> drafts =
            s.model.mtp_modules > 0 ? std::vector<int64_t>{0, 1, 2, 3} : std::vector<int64_t>{0};
        // Batch at one (context, drafts) of the grid, chosen by the hash.
        {
          const int64_t c = Pick(contexts, h, 0), d = Pick(drafts, h, 1);
          Sweep(
              "batch", absl::StrCat("context ", c, ", drafts ", d), kBatches,
              [&](int64_t b) { return Decode(s, l.spec, b, c, d); }, kDecodeMonotone, n);
        }
        // Context at one (batch, drafts).
        {
          const int64_t b = Pick(kBatches, h, 2), d = Pick(drafts, h, 3);
          Sweep(
              "context", absl::StrCat("batch ", b, ", drafts ", d), contexts,
              [&](int64_t c) { return Decode(s, l.spec, b, c, d); }, kDecodeMonotone, n);
        }
        // Drafts at one (batch, context).
        if (drafts.size() > 1) {
          const int64_t b = Pick(kBatches, h, 4), c = Pick(contexts, h, 5);
          Sweep(
              "drafts", absl::StrCat("batch ", b, ", context ", c), drafts,
              [&](int64_t d) { return Decode(s, l.spec, b, c, d); }, kDecodeMonotone, n);
        }
      });
}

TEST(PropertiesTest, PrefillOverEveryModelGpuAndLayout) {
  ForEveryLayout(Phase::kPrefill, [](const perfmodel::Setup& s, const Layout& l, uint64_t h,
                                     Counts& n) {
    const std::vector<int64_t> prompts = Upto(kPrompts, s.model.max_context_tokens);
    // Batch 1..8 at one (prompt, chunk, hit): monotone within each parity.
    {
      const int64_t p = Pick(prompts, h, 0), c = Pick(kChunks, h, 1);
      const double hit = Pick(kHits, h, 2);
      Sweep(
          "batch", absl::StrCat("prompt ", p, ", chunk ", c, ", hit ", hit),
          {1, 2, 3, 4, 5, 6, 7, 8}, [&](int64_t b) { return Prefill(s, l.spec, b, p, c, hit); },
          kPrefillBatchMonotone, n);
    }
    // Prompt length at one (batch, chunk, hit).
    {
      const int64_t b = Pick(std::vector<int64_t>{1, 2, 3, 4}, h, 3), c = Pick(kChunks, h, 4);
      const double hit = Pick(kHits, h, 5);
      Sweep(
          "prompt", absl::StrCat("batch ", b, ", chunk ", c, ", hit ", hit), prompts,
          [&](int64_t p) { return Prefill(s, l.spec, b, p, c, hit); }, kPrefillPromptMonotone, n);
    }
  });
}

// The properties are not vacuous: a NaN, a negative time or a falling step
// fails them.
TEST(PropertiesTest, TheChecksCatchWhatTheyLookFor) {
  const perfmodel::Setup s = MustLoad(Models()[0].model, Gpus()[2], Models()[0].deployment);
  StepResult r = EstimateDecode(s.model, s.hardware.spec, s.deployment, s.workload);
  StepResult bad = r;
  bad.rows[3].cost.flops = FlopCount(std::numeric_limits<double>::quiet_NaN());
  EXPECT_NONFATAL_FAILURE(ExpectFiniteAndNonNegative(bad), "flops");
  bad = r;
  bad.rows[5].wait = Microseconds(-1);
  EXPECT_NONFATAL_FAILURE(ExpectFiniteAndNonNegative(bad), "row.wait");
  bad = r;
  bad.sla.forward = bad.sla.forward * 1.001;
  EXPECT_NONFATAL_FAILURE(ExpectSlaRoundTrips(bad), "forward");
  std::vector<Point> pts = {{1, r}, {2, r}};
  pts[1].r.forward = r.forward * 0.999;
  EXPECT_NONFATAL_FAILURE(ExpectNonDecreasing(pts, "forward", "batch", ForwardSeconds),
                          "forward falls");
}

// --- Property 4: compile time equals run time --------------------------------

// Each estimate below is a constant expression: evaluated by the compiler from
// the generated headers.
template <const ModelSpec& kM, const HardwareSpec& kH, const DeploymentSpec& kD,
          const WorkloadSpec& kW>
struct Compiled final {
  static constexpr StepResult kStep = EstimateStep(kM, kH, kD, kW);
};

struct CompiledCase final {
  const StepResult* step;
  const char* model;
  const char* hw;
  const char* deployment;
  const char* workload;
};

#define PM_DECODE_CASES(M, MP, D, DP, W, WP)                                                     \
  CompiledCase{&Compiled<M, specs::kH800Sxm, D, W>::kStep, MP, "hw/h800_sxm.textproto", DP, WP}, \
      CompiledCase{&Compiled<M, specs::kH100Sxm, D, W>::kStep, MP, "hw/h100_sxm.textproto", DP,  \
                   WP},                                                                          \
      CompiledCase{&Compiled<M, specs::kH200Sxm, D, W>::kStep, MP, "hw/h200_sxm.textproto", DP,  \
                   WP},                                                                          \
      CompiledCase{&Compiled<M, specs::kH20, D, W>::kStep, MP, "hw/h20.textproto", DP, WP},      \
      CompiledCase{&Compiled<M, specs::kB200, D, W>::kStep, MP, "hw/b200.textproto", DP, WP},    \
      CompiledCase {                                                                             \
    &Compiled<M, specs::kGb200, D, W>::kStep, MP, "hw/gb200.textproto", DP, WP                   \
  }

const std::vector<CompiledCase>& CompiledCases() {
  static const auto* v = new std::vector<CompiledCase>{
      PM_DECODE_CASES(specs::kDeepSeekV3, "models/deepseek_v3.textproto", specs::kSeedDecode,
                      "deployments/seed_decode.textproto", specs::kSeedDecodeWorkload,
                      "workloads/seed_decode.textproto"),
      PM_DECODE_CASES(specs::kDeepSeekV3, "models/deepseek_v3.textproto", specs::kSeedPrefill,
                      "deployments/seed_prefill.textproto", specs::kSeedPrefillWorkload,
                      "workloads/seed_prefill.textproto"),
      PM_DECODE_CASES(specs::kLlama31_70b, "models/llama3_1_70b.textproto", specs::kLlama70bTp8,
                      "deployments/llama3_1_70b_tp8.textproto", specs::kLlama70bTp8Workload,
                      "workloads/llama3_1_70b_tp8.textproto"),
      PM_DECODE_CASES(specs::kQwen3_235bA22b, "models/qwen3_235b_a22b.textproto",
                      specs::kQwen235bDp8Ep8, "deployments/qwen3_235b_dp8_ep8.textproto",
                      specs::kQwen235bDp8Ep8Workload, "workloads/qwen3_235b_dp8_ep8.textproto"),
  };
  return *v;
}
#undef PM_DECODE_CASES

static_assert(Compiled<specs::kDeepSeekV3, specs::kH200Sxm, specs::kSeedPrefill,
                       specs::kSeedPrefillWorkload>::kStep.phase == Phase::kPrefill);

TEST(PropertiesTest, CompileTimeEqualsRunTimeForTheRepoSpecs) {
  for (const CompiledCase& c : CompiledCases()) {
    SCOPED_TRACE(absl::StrCat(c.model, " on ", c.hw, " with ", c.deployment));
    absl::StatusOr<perfmodel::Setup> s = LoadSetup(
        {.model = c.model, .hardware = c.hw, .deployment = c.deployment, .workload = c.workload});
    ASSERT_TRUE(s.ok()) << s.status();
    const StepResult r = EstimateStep(s->model, s->hardware.spec, s->deployment, s->workload);
    const StepResult& k = *c.step;
    ASSERT_EQ(r.row_count, k.row_count);
    for (std::size_t i = 0; i < r.row_count; ++i) {
      SCOPED_TRACE(std::string(r.rows[i].op));
      EXPECT_EQ(r.rows[i].op, k.rows[i].op);
      EXPECT_EQ(r.rows[i].part, k.rows[i].part);
      EXPECT_EQ(r.rows[i].count, k.rows[i].count);
      EXPECT_EQ(r.rows[i].cost.op_class, k.rows[i].cost.op_class);
      EXPECT_EQ(r.rows[i].cost.bound, k.rows[i].cost.bound);
      EXPECT_EQ(r.rows[i].cost.kernels, k.rows[i].cost.kernels);
      EXPECT_EQ(r.rows[i].cost.flops, k.rows[i].cost.flops);
      EXPECT_EQ(r.rows[i].cost.bytes, k.rows[i].cost.bytes);
      EXPECT_EQ(r.rows[i].cost.link_bytes, k.rows[i].cost.link_bytes);
      EXPECT_EQ(r.rows[i].cost.kernel_time, k.rows[i].cost.kernel_time);
      EXPECT_EQ(r.rows[i].cost.overhead, k.rows[i].cost.overhead);
      EXPECT_EQ(r.rows[i].cost.latency, k.rows[i].cost.latency);
      EXPECT_EQ(r.rows[i].visible, k.rows[i].visible);
      EXPECT_EQ(r.rows[i].wait, k.rows[i].wait);
    }
    EXPECT_EQ(r.phase, k.phase);
    EXPECT_EQ(r.forwards, k.forwards);
    EXPECT_EQ(r.forward, k.forward);
    EXPECT_EQ(r.host_gap, k.host_gap);
    EXPECT_EQ(r.sla.tpot, k.sla.tpot);
    EXPECT_EQ(r.sla.machine_output_tps, k.sla.machine_output_tps);
    EXPECT_EQ(r.prefill.ttft, k.prefill.ttft);
    EXPECT_EQ(r.prefill.machine_prefill_tps, k.prefill.machine_prefill_tps);
    EXPECT_EQ(r.memory.Total(), k.memory.Total());
    EXPECT_EQ(r.memory.activations, k.memory.activations);
    EXPECT_EQ(r.tokens_per_rank, k.tokens_per_rank);
    for (std::size_t p = 0; p < kPartCount; ++p) {
      EXPECT_EQ(r.routing[p].tokens, k.routing[p].tokens);
      EXPECT_EQ(r.routing[p].load.hottest_pairs, k.routing[p].load.hottest_pairs);
      EXPECT_EQ(r.routing[p].load.active_experts, k.routing[p].load.active_experts);
    }
  }
}

// --- Property 5: the JSON holds the text's numbers ---------------------------

// A section of the text output: its title, and either a record's key -> value
// lines or a table's header, rows and footer rows, cells cut at the columns
// the dashed rule marks.
struct TextSection final {
  std::string title;
  std::vector<std::pair<std::string, std::string>> fields;  // a record
  std::vector<std::string> columns;                         // a table
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<std::string>> footer;
};

bool IsRule(const std::string& line) {
  return !line.empty() && line.find_first_not_of("- ") == std::string::npos &&
         line.find('-') != std::string::npos;
}

// Cut() splits `line` at the column spans of `rule` (runs of dashes).
std::vector<std::string> Cut(const std::string& line,
                             const std::vector<std::pair<std::size_t, std::size_t>>& spans) {
  std::vector<std::string> cells;
  for (const auto& [begin, end] : spans) {
    const std::string cell = begin < line.size() ? line.substr(begin, end - begin) : "";
    cells.push_back(std::string(absl::StripAsciiWhitespace(cell)));
  }
  return cells;
}

std::vector<TextSection> ParseText(const std::string& text) {
  std::vector<TextSection> out;
  for (absl::string_view block : absl::StrSplit(text, "\n\n", absl::SkipEmpty())) {
    std::vector<std::string> lines = absl::StrSplit(block, '\n', absl::SkipEmpty());
    TextSection s;
    std::size_t first = 0;
    if (!lines.empty() && lines[0].rfind("  ", 0) != 0 && !(lines.size() > 1 && IsRule(lines[1]))) {
      s.title = lines[0];
      first = 1;
    }
    if (lines.size() > first + 1 && IsRule(lines[first + 1])) {
      std::vector<std::pair<std::size_t, std::size_t>> spans;
      const std::string& rule = lines[first + 1];
      for (std::size_t i = 0; i < rule.size();) {
        if (rule[i] != '-') {
          ++i;
          continue;
        }
        std::size_t j = i;
        while (j < rule.size() && rule[j] == '-') ++j;
        spans.push_back({i, j});
        i = j;
      }
      s.columns = Cut(lines[first], spans);
      bool in_footer = false;
      for (std::size_t i = first + 2; i < lines.size(); ++i) {
        if (IsRule(lines[i])) {
          in_footer = true;
          continue;
        }
        (in_footer ? s.footer : s.rows).push_back(Cut(lines[i], spans));
      }
    } else {
      for (std::size_t i = first; i < lines.size(); ++i) {
        std::vector<std::string> tokens = absl::StrSplit(lines[i], ' ', absl::SkipWhitespace());
        if (tokens.empty()) continue;
        s.fields.push_back({tokens[0], tokens.size() > 1 ? tokens[1] : ""});
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

// ExpectSameNumber() holds a JSON value equal to the text cell's number.
void ExpectSameNumber(const rapidjson::Value& json, const std::string& text,
                      const std::string& where) {
  if (json.IsNull()) {
    EXPECT_EQ(text, "") << where;
    return;
  }
  if (!json.IsNumber()) return;  // names, bounds, classes
  char* end = nullptr;
  const double t = std::strtod(text.c_str(), &end);
  ASSERT_TRUE(!text.empty() && end == text.c_str() + text.size())
      << where << ": the text prints '" << text << "' where the JSON has " << json.GetDouble();
  EXPECT_EQ(t, json.GetDouble()) << where;
}

void ExpectRowMatches(const std::vector<std::string>& columns, const std::vector<std::string>& row,
                      const rapidjson::Value& object, const std::string& where) {
  ASSERT_TRUE(object.IsObject()) << where;
  ASSERT_EQ(object.MemberCount(), columns.size()) << where;
  std::size_t c = 0;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it, ++c) {
    EXPECT_EQ(it->name.GetString(), columns[c]) << where;
    ExpectSameNumber(it->value, row[c], absl::StrCat(where, ".", columns[c]));
  }
}

void ExpectJsonHoldsTheText(const render::Document& doc) {
  const std::string json = render::Render(doc, render::Format::kJson);
  const std::string text = render::Render(doc, render::Format::kText);
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  ASSERT_FALSE(d.HasParseError()) << "offset " << d.GetErrorOffset() << " of\n" << json;
  ASSERT_TRUE(d.IsObject());
  const std::vector<TextSection> sections = ParseText(text);
  auto member = d.MemberBegin();
  int numbers = 0;
  for (const TextSection& s : sections) {
    ASSERT_NE(member, d.MemberEnd()) << "text section '" << s.title << "' has no JSON";
    const std::string name = member->name.GetString();
    SCOPED_TRACE(name);
    const rapidjson::Value& v = member->value;
    ++member;
    if (s.columns.empty()) {
      ASSERT_TRUE(v.IsObject());
      ASSERT_EQ(v.MemberCount(), s.fields.size());
      std::size_t i = 0;
      for (auto f = v.MemberBegin(); f != v.MemberEnd(); ++f, ++i) {
        EXPECT_EQ(f->name.GetString(), s.fields[i].first);
        ExpectSameNumber(f->value, s.fields[i].second, absl::StrCat(name, ".", s.fields[i].first));
        numbers += f->value.IsNumber() ? 1 : 0;
      }
      continue;
    }
    ASSERT_TRUE(v.IsArray());
    ASSERT_EQ(v.Size(), s.rows.size());
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      ExpectRowMatches(s.columns, s.rows[i], v[i], absl::StrCat(name, "[", i, "]"));
      numbers += static_cast<int>(v[i].MemberCount());
    }
    if (!s.footer.empty()) {
      ASSERT_NE(member, d.MemberEnd());
      ASSERT_EQ(std::string(member->name.GetString()), name + "_footer");
      const rapidjson::Value& footer = member->value;
      ++member;
      ASSERT_TRUE(footer.IsArray());
      ASSERT_EQ(footer.Size(), s.footer.size());
      for (rapidjson::SizeType i = 0; i < footer.Size(); ++i) {
        ExpectRowMatches(s.columns, s.footer[i], footer[i], absl::StrCat(name, "_footer[", i, "]"));
      }
    }
  }
  EXPECT_EQ(member, d.MemberEnd())
      << "JSON section '" << member->name.GetString() << "' is not in the text";
  EXPECT_GT(numbers, 100);
}

TEST(PropertiesTest, JsonParsesAndHoldsTheTextNumbers) {
  int documents = 0;
  for (const ModelCase& m : Models()) {
    for (const std::string& hw : Gpus()) {
      for (const Phase phase : kPhases) {
        SCOPED_TRACE(absl::StrCat(m.model, " on ", hw, " ", std::string(PhaseName(phase))));
        perfmodel::Setup s =
            MustLoad(m.model, hw, phase == Phase::kDecode ? m.deployment : m.prefill_deployment);
        if (phase == Phase::kPrefill) {
          ASSERT_TRUE(ApplyOverrides({.batch_per_dp = 3,
                                      .phase = Phase::kPrefill,
                                      .chunk_tokens = 2048,
                                      .prefix_cache_hit = 0.25},
                                     s.workload)
                          .ok());
        }
        const StepResult r = EstimateStep(s.model, s.hardware.spec, s.deployment, s.workload);
        const render::Document doc = StepDocument(s, r);
        ASSERT_TRUE(render::CheckDocument(doc).ok());
        ExpectJsonHoldsTheText(doc);
        ++documents;
      }
    }
  }
  EXPECT_EQ(documents, 48);
}

// The comparison is not vacuous: a number that differs between the two fails.
TEST(PropertiesTest, JsonCheckSeesADifferentNumber) {
  render::Document doc;
  doc.Add(render::Record{.name = "a", .title = "A"}.Add("x_ms", render::Value::Number(1.25, 2)));
  render::Table t{.name = "t", .title = "T", .columns = {"op", "time_us"}};
  for (int i = 0; i < 120; ++i) t.rows.push_back({"gemm", render::Value::Number(i * 0.5, 1)});
  doc.Add(t);
  ExpectJsonHoldsTheText(doc);
  const std::vector<TextSection> s = ParseText(render::Render(doc, render::Format::kText));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].fields[0], (std::pair<std::string, std::string>{"x_ms", "1.25"}));
  EXPECT_EQ(s[1].rows[3], (std::vector<std::string>{"gemm", "1.5"}));
  rapidjson::Document d;
  d.Parse("{\"x\": 1.26}");
  EXPECT_NONFATAL_FAILURE(ExpectSameNumber(d["x"], "1.25", "x"), "x");
}

}  // namespace
}  // namespace perfmodel
