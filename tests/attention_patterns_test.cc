// Sliding-window attention, attention sinks and DeepSeek sparse attention
// from first principles. Sliding windows and sinks on
// Llama-3.1-70B's GQA shapes (TP8, H200) with some of its layers made to
// slide: the windowed pairs and entries against brute-force sums, a sliding
// layer within its window costing exactly a full one, its attention flat in
// the context beyond it, the KV cache capped at the window (memory, capacity
// and transfer alike), the sink's one extra score per (query, head); sparse
// attention on DeepSeek-V3 given V3.2's indexer (the seed's decode layout):
// the indexer over the whole context, MLA over the top-k; and the loader's
// errors naming the field.

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/str_cat.h"
#include "deployments/llama3_1_70b_tp8_spec.h"
#include "deployments/seed_decode_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hw/h200_sxm_spec.h"
#include "loader/load.h"
#include "models/deepseek_v3_spec.h"
#include "models/llama3_1_70b_spec.h"
#include "perfmodel/graph.h"
#include "perfmodel/perfmodel.h"
#include "perfmodel/testing/matchers.h"
#include "workloads/llama3_1_70b_tp8_spec.h"
#include "workloads/seed_decode_spec.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::StatusIs;
using specs::kDeepSeekV3;
using specs::kH200Sxm;
using specs::kLlama31_70b;
using specs::kLlama70bTp8;
using specs::kLlama70bTp8Workload;
using specs::kSeedDecode;
using specs::kSeedDecodeWorkload;
using ::testing::HasSubstr;

constexpr int64_t kWindow = 1024;

// Llama-3.1-70B with `sliding` of its 80 layers sliding over kWindow tokens.
constexpr ModelSpec Sliding(int64_t sliding, int64_t window = kWindow) {
  ModelSpec m = kLlama31_70b;
  m.sliding = {window, sliding, 0};
  return m;
}
constexpr ModelSpec kHalf = Sliding(40);
constexpr ModelSpec kAll = Sliding(80);

constexpr WorkloadSpec Decode(int64_t batch, int64_t context) {
  WorkloadSpec w = kLlama70bTp8Workload;
  w.batch_per_dp = batch;
  w.context_tokens = context;
  return w;
}

// The step is a constant expression with sliding layers too.
constexpr StepResult kHalfStep =
    GqaForward::Estimate(kHalf, kH200Sxm, kLlama70bTp8, Decode(8, 8192));
static_assert(kHalfStep.Find("sliding_attention", Part::kDense)->count == 40);
static_assert(kHalfStep.Find("attention", Part::kDense)->count == 40);

// Brute force: Σ over the new tokens' positions of the keys each sees.
double PairsByHand(int64_t n, int64_t p, int64_t w) {
  double s = 0;
  for (int64_t i = p + 1; i <= p + n; ++i) s += static_cast<double>(i < w ? i : w);
  return s;
}
double EntriesByHand(int64_t n, int64_t p, int64_t w) {
  const int64_t oldest = p + 2 - w > 1 ? p + 2 - w : 1;  // of the first new token
  return static_cast<double>(p + n - oldest + 1);
}

TEST(WindowedCausalPairs, EqualsTheSumOverPositions) {
  EXPECT_EQ(WindowedCausalPairs(4, 0, 2), 1.0 + 2 + 2 + 2);
  for (const int64_t w : {1, 2, 7, 128, 4096}) {
    for (const int64_t p : {0, 1, 6, 127, 128, 5000}) {
      for (const int64_t n : {1, 3, 128, 1000}) {
        SCOPED_TRACE(absl::StrCat("n=", n, " p=", p, " w=", w));
        EXPECT_EQ(WindowedCausalPairs(n, p, w), PairsByHand(n, p, w));
        EXPECT_EQ(WindowedKvEntries(n, p, w), EntriesByHand(n, p, w));
      }
    }
  }
  // Within the window: CausalPairs() itself.
  EXPECT_EQ(WindowedCausalPairs(100, 900, 1000), CausalPairs(100, 900));
}

TEST(SlidingWindow, WithinTheWindowASlidingLayerCostsAFullOne) {
  for (const int64_t context : {int64_t{1}, int64_t{512}, kWindow}) {
    SCOPED_TRACE(context);
    const WorkloadSpec w = Decode(16, context);
    const StepResult full = EstimateDecode(kLlama31_70b, kH200Sxm, kLlama70bTp8, w);
    const StepResult all = EstimateDecode(kAll, kH200Sxm, kLlama70bTp8, w);
    const OpRow* a = full.Find("attention", Part::kDense);
    const OpRow* s = all.Find("sliding_attention", Part::kDense);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(all.Find("attention", Part::kDense), nullptr);  // every layer slides
    EXPECT_EQ(s->cost.kernel_time, a->cost.kernel_time);
    EXPECT_EQ(s->count, a->count);
    EXPECT_EQ(all.forward, full.forward);
    // The memory pass holds the context and the step's new token (at
    // context == window one token over it).
    if (context < kWindow) {
      EXPECT_EQ(all.memory.kv_cache, full.memory.kv_cache);
    }
  }
  // Prefill within the window: one forward of 2 x 600 new after 300 cached.
  const StepShape chunk = StepShape::Prefill(2, 600, 300, true);
  WorkloadSpec p = Decode(2, 0);
  p.phase = Phase::kPrefill;
  const StepResult full = GqaForward::Estimate(kLlama31_70b, kH200Sxm, kLlama70bTp8, p, chunk);
  const StepResult all = GqaForward::Estimate(kAll, kH200Sxm, kLlama70bTp8, p, chunk);
  EXPECT_EQ(all.forward, full.forward);
  EXPECT_EQ(all.Find("sliding_attention", Part::kDense)->cost.flops,
            full.Find("attention", Part::kDense)->cost.flops);
}

TEST(SlidingWindow, BeyondTheWindowItsAttentionIsFlatInContext) {
  const StepResult at16k = EstimateDecode(kHalf, kH200Sxm, kLlama70bTp8, Decode(16, 16384));
  const StepResult at64k = EstimateDecode(kHalf, kH200Sxm, kLlama70bTp8, Decode(16, 65536));
  const OpRow* s16 = at16k.Find("sliding_attention", Part::kDense);
  const OpRow* s64 = at64k.Find("sliding_attention", Part::kDense);
  EXPECT_EQ(s16->cost.kernel_time, s64->cost.kernel_time);
  // 16 requests x 1024 keys x 8 local heads x 128: FLOPs = 4 h pairs d.
  EXPECT_EQ(ToFlops(s16->cost.flops), 4.0 * 8 * (16.0 * kWindow) * 128);
  // The full layers' attention grows with the context.
  EXPECT_GT(at64k.Find("attention", Part::kDense)->cost.kernel_time,
            3.0 * at16k.Find("attention", Part::kDense)->cost.kernel_time);
}

TEST(SlidingWindow, PrefillCountsEachQuerysWindowExactly) {
  // One prompt's chunk of 3000 new tokens after 5000 cached: every query sees
  // kWindow keys; the two micro-batches of an odd split see their mean.
  WorkloadSpec p = Decode(1, 0);
  p.phase = Phase::kPrefill;
  const StepShape chunk = StepShape::Prefill(1, 3000, 5000, true);
  const StepResult r = GqaForward::Estimate(kHalf, kH200Sxm, kLlama70bTp8, p, chunk);
  const OpRow* s = r.Find("sliding_attention", Part::kDense);
  const double heads = 8, d = 128;
  EXPECT_EQ(ToFlops(s->cost.flops), 2.0 * heads * PairsByHand(3000, 5000, kWindow) * (d + d));
  EXPECT_EQ(ToFlops(s->cost.flops), 2.0 * heads * 3000.0 * kWindow * (d + d));
  // From an empty cache the first kWindow queries see fewer.
  const StepResult first =
      GqaForward::Estimate(kHalf, kH200Sxm, kLlama70bTp8, p, StepShape::Prefill(1, 3000, 0, true));
  EXPECT_EQ(ToFlops(first.Find("sliding_attention", Part::kDense)->cost.flops),
            2.0 * heads * PairsByHand(3000, 0, kWindow) * (d + d));
  // The full layers' rows are the model's without sliding layers.
  const StepResult full = GqaForward::Estimate(kLlama31_70b, kH200Sxm, kLlama70bTp8, p, chunk);
  EXPECT_EQ(r.Find("attention", Part::kDense)->cost.kernel_time,
            full.Find("attention", Part::kDense)->cost.kernel_time);
  EXPECT_EQ(r.Find("attention", Part::kDense)->count, 40);
}

TEST(SlidingWindow, MixedStepWindowsBothParts) {
  const ModelSpec m = kAll;
  StepPredictor window(m, kH200Sxm, kLlama70bTp8, Decode(8, 4096));
  StepPredictor full(kLlama31_70b, kH200Sxm, kLlama70bTp8, Decode(8, 4096));
  const RankLoad load{.requests = 8,
                      .mean_sum_context = TokenCount(8 * 4096),
                      .slowest_sum_context = TokenCount(8 * 4096)};
  const ChunkLoad chunks{.sequences = 1, .new_tokens = 2048, .cached_tokens = 8192};
  window.MixedStep(load, chunks);
  full.MixedStep(load, chunks);
  const OpRow* s = window.last().Find("sliding_attention", Part::kDense);
  ASSERT_NE(s, nullptr);
  // Decode: 8 x 1024 pairs per head; chunk: 2048 x 1024. 4 h pairs d each.
  EXPECT_EQ(ToFlops(s->cost.flops), 4.0 * 8 * (8.0 * kWindow + 2048.0 * kWindow) * 128);
  EXPECT_EQ(s->cost.kernels, 2);
  EXPECT_LT(s->cost.kernel_time, full.last().Find("attention", Part::kDense)->cost.kernel_time);
}

// A hardware file's per-op corrections: H200's description with `cs`.
constexpr HardwareSpec Corrected(std::initializer_list<OpCorrection> cs) {
  HardwareSpec h = kH200Sxm;
  for (const OpCorrection& c : cs) h.corrections[h.correction_count++] = c;
  return h;
}

// A correction of `attention` is also `sliding_attention`'s, in a part
// where none names `sliding_attention` itself (the same kernel over fewer
// keys); factors of every op ("*") multiply either way.
constexpr HardwareSpec kAttentionX2 = Corrected({{Name("attention"), Name(""), 2.0}});
static_assert(kAttentionX2.TimeFactor("attention", "dense") == 2.0);
static_assert(kAttentionX2.TimeFactor("sliding_attention", "dense") == 2.0);
static_assert(kAttentionX2.TimeFactor("o_proj", "dense") == 1.0);
static_assert(kAttentionX2.Corrects(0, "sliding_attention", "moe"));
constexpr HardwareSpec kOwnInMoe = Corrected({{Name("attention"), Name(""), 2.0},
                                              {Name("sliding_attention"), Name("moe"), 0.5},
                                              {Name("*"), Name(""), 3.0}});
static_assert(kOwnInMoe.TimeFactor("sliding_attention", "moe") == 0.5 * 3.0);
static_assert(kOwnInMoe.TimeFactor("sliding_attention", "dense") == 3.0 * 2.0);
static_assert(kOwnInMoe.TimeFactor("attention", "moe") == 2.0 * 3.0);
static_assert(!kOwnInMoe.Corrects(0, "sliding_attention", "moe"));
static_assert(kOwnInMoe.Corrects(0, "sliding_attention", "dense"));
static_assert(kOwnInMoe.Corrects(1, "sliding_attention", "moe"));
static_assert(!kOwnInMoe.Corrects(1, "attention", "moe"));
static_assert(kOwnInMoe.Corrects(2, "o_proj", "head"));
static_assert(!kOwnInMoe.Corrects(3, "o_proj", "head"));  // past correction_count
// Without corrections every factor is exactly 1.
static_assert(kH200Sxm.TimeFactor("sliding_attention", "dense") == 1.0);

TEST(SlidingWindow, AnAttentionCorrectionScalesTheSlidingLayersUnlessTheyHaveTheirOwn) {
  const WorkloadSpec w = Decode(16, 16384);
  const StepResult plain = EstimateDecode(kHalf, kH200Sxm, kLlama70bTp8, w);
  const Duration full = plain.Find("attention", Part::kDense)->cost.kernel_time;
  const Duration window = plain.Find("sliding_attention", Part::kDense)->cost.kernel_time;
  const StepResult borrowed = EstimateDecode(kHalf, kAttentionX2, kLlama70bTp8, w);
  EXPECT_EQ(borrowed.Find("attention", Part::kDense)->cost.kernel_time, full * 2.0);
  EXPECT_EQ(borrowed.Find("sliding_attention", Part::kDense)->cost.kernel_time, window * 2.0);
  // One of its own, for the part, replaces attention's there.
  const HardwareSpec own = Corrected(
      {{Name("attention"), Name(""), 2.0}, {Name("sliding_attention"), Name("dense"), 0.5}});
  const StepResult mine = EstimateDecode(kHalf, own, kLlama70bTp8, w);
  EXPECT_EQ(mine.Find("attention", Part::kDense)->cost.kernel_time, full * 2.0);
  EXPECT_EQ(mine.Find("sliding_attention", Part::kDense)->cost.kernel_time, window * 0.5);
  // In another part it does not: attention's still applies to the dense part.
  const HardwareSpec elsewhere = Corrected(
      {{Name("attention"), Name(""), 2.0}, {Name("sliding_attention"), Name("moe"), 0.5}});
  EXPECT_EQ(EstimateDecode(kHalf, elsewhere, kLlama70bTp8, w)
                .Find("sliding_attention", Part::kDense)
                ->cost.kernel_time,
            window * 2.0);
}

TEST(SlidingWindow, TheKvCacheHoldsTheWindow) {
  const Bytes layer = GqaAttention::KvCacheBytesPerToken(kLlama31_70b, kLlama70bTp8);
  const KvFootprint f = KvCache(kHalf, kLlama70bTp8);
  EXPECT_EQ(f.per_token, layer * 40.0);
  EXPECT_EQ(f.per_window_token, layer * 40.0);
  EXPECT_EQ(f.window_tokens, kWindow);
  EXPECT_EQ(KvBytesPerToken(kHalf, kLlama70bTp8), KvBytesPerToken(kLlama31_70b, kLlama70bTp8));

  // 16 requests of 16K (the step's own token included in the context).
  const WorkloadSpec w = Decode(16, 16384);
  const MemoryUse m = EstimateDecode(kHalf, kH200Sxm, kLlama70bTp8, w).memory;
  const double tokens = 16.0 * 16384 + 16;
  EXPECT_DOUBLE_EQ(ToBytes(m.kv_cache), ToBytes(layer) * (40.0 * tokens + 40.0 * 16.0 * kWindow));
  // Fewer bytes than the full model; the same within the window.
  EXPECT_LT(m.kv_cache, EstimateDecode(kLlama31_70b, kH200Sxm, kLlama70bTp8, w).memory.kv_cache);

  // The embedding API: admission counts the cap; a prompt's transfer sends
  // the sliding layers' window only; the capacity is the in-window floor.
  StepPredictor p(kHalf, kH200Sxm, kLlama70bTp8, w);
  EXPECT_EQ(p.KvBytesPerToken(), layer * 80.0);
  EXPECT_EQ(p.KvTransfer(TokenCount(8192)),
            KvTransferBytes(kH200Sxm, layer * (40.0 * 8192 + 40.0 * kWindow)));
  EXPECT_EQ(p.KvCache().Of(1, 8192), layer * (40.0 * 8192 + 40.0 * kWindow));
  const double capacity = ToTokens(p.KvCapacity());
  const RankLoad one_long{.requests = 1,
                          .mean_sum_context = TokenCount(capacity * 1.5),
                          .slowest_sum_context = TokenCount(capacity * 1.5)};
  EXPECT_GT(p.MemoryLeft(one_long), Bytes::Zero());  // beyond the window: half the bytes
}

TEST(AttentionSinks, OneMoreScorePerQueryAndHead) {
  ModelSpec m = kLlama31_70b;
  m.gqa.sinks = true;
  const WorkloadSpec w = Decode(16, 4096);
  const StepResult sinks = EstimateDecode(m, kH200Sxm, kLlama70bTp8, w);
  const OpRow* with = sinks.Find("attention", Part::kDense);
  const StepResult plain = EstimateDecode(kLlama31_70b, kH200Sxm, kLlama70bTp8, w);
  const OpRow* without = plain.Find("attention", Part::kDense);
  // 16 queries x 8 local heads, 4 FLOPs each; the 8 heads' FP32 logits read.
  EXPECT_EQ(ToFlops(with->cost.flops) - ToFlops(without->cost.flops),
            16.0 * 8 * kSinkFlopsPerScore);
  EXPECT_EQ(ToBytes(with->cost.bytes) - ToBytes(without->cost.bytes), 8.0 * 4);
  EXPECT_GT(with->cost.kernel_time, without->cost.kernel_time);
  EXPECT_LT(with->cost.kernel_time, without->cost.kernel_time * 1.001);  // tiny
  EXPECT_EQ(with->cost.kernels, without->cost.kernels);  // fused, no kernel of its own
  // In prefill: one score per new token and head.
  WorkloadSpec p = w;
  p.phase = Phase::kPrefill;
  const StepShape chunk = StepShape::Prefill(1, 1000, 0, true);
  const StepResult a = GqaForward::Estimate(m, kH200Sxm, kLlama70bTp8, p, chunk);
  const StepResult b = GqaForward::Estimate(kLlama31_70b, kH200Sxm, kLlama70bTp8, p, chunk);
  EXPECT_EQ(ToFlops(a.Find("attention", Part::kDense)->cost.flops) -
                ToFlops(b.Find("attention", Part::kDense)->cost.flops),
            1000.0 * 8 * kSinkFlopsPerScore);
}

// DeepSeek-V3 with V3.2's sparse attention (config.json index_*).
constexpr ModelSpec Sparse() {
  ModelSpec m = kDeepSeekV3;
  m.mla.index_topk = 2048;
  m.mla.index_heads = 64;
  m.mla.index_head_dim = 128;
  return m;
}
constexpr ModelSpec kV32 = Sparse();
constexpr StepResult kV32Step =
    DeepSeekForward::Estimate(kV32, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
static_assert(kV32Step.Find("indexer", Part::kMoe) != nullptr);
static_assert(kV32Step.row_count <= StepResult::kMaxRows);

WorkloadSpec SeedAt(int64_t context) {
  WorkloadSpec w = kSeedDecodeWorkload;
  w.context_tokens = context;
  return w;
}

TEST(SparseAttention, TheIndexerScoresEveryTokenOfTheContext) {
  // The seed's step: 24 requests x 3 query tokens (2 drafts) at 4096.
  const double queries = 24.0 * 3, pairs = queries * 4096;
  const StepResult r = EstimateDecode(kV32, kH200Sxm, kSeedDecode, SeedAt(4096));
  const OpRow* indexer = r.Find("indexer", Part::kMoe);
  ASSERT_NE(indexer, nullptr);
  // Logits: 2 x heads x head_dim per pair, and the heads' weighted sum
  // (2 x heads per pair); the top-k compares every score once; the new
  // keys' RoPE (6 FLOPs per element, as the latent's).
  EXPECT_EQ(ToFlops(indexer->cost.flops),
            2.0 * 64 * 128 * pairs + 2.0 * 64 * pairs + pairs + queries * 128 * 6);
  EXPECT_EQ(indexer->cost.kernels, 3);  // logits, top-k, the key's cache write
  // Its projections: q from the 1536 q LoRA to 64 x 128, k and the head
  // weights from the hidden state (the q latent quantised to FP8 first, 4
  // FLOPs per element).
  const OpRow* proj = r.Find("indexer_proj", Part::kMoe);
  ASSERT_NE(proj, nullptr);
  EXPECT_EQ(ToFlops(proj->cost.flops),
            2.0 * 72 * (1536.0 * 64 * 128 + 7168.0 * (128 + 64)) + 72.0 * 1536 * 4);
  // It grows with the context; sparse MLA does not beyond the top-k.
  const StepResult longer = EstimateDecode(kV32, kH200Sxm, kSeedDecode, SeedAt(32768));
  EXPECT_GT(longer.Find("indexer", Part::kMoe)->cost.kernel_time, 4.0 * indexer->cost.kernel_time);
  EXPECT_EQ(longer.Find("attention", Part::kMoe)->cost.kernel_time,
            r.Find("attention", Part::kMoe)->cost.kernel_time);
}

TEST(SparseAttention, AttentionFlopsAreTheTopKs) {
  const double queries = 24.0 * 3;
  const double per_pair = 2.0 * 128 * (576 + 512);
  for (const int64_t context : {int64_t{1024}, int64_t{2048}, int64_t{65536}}) {
    SCOPED_TRACE(context);
    const StepResult sparse = EstimateDecode(kV32, kH200Sxm, kSeedDecode, SeedAt(context));
    const StepResult dense = EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, SeedAt(context));
    const double attended = static_cast<double>(context < 2048 ? context : 2048);
    EXPECT_EQ(ToFlops(sparse.Find("attention", Part::kMoe)->cost.flops),
              per_pair * queries * attended);
    EXPECT_EQ(ToFlops(dense.Find("attention", Part::kMoe)->cost.flops),
              per_pair * queries * static_cast<double>(context));
    // Each query token gathers its own top-k: 72 x attended entries of 1152 B.
    EXPECT_EQ(ToBytes(sparse.Find("attention", Part::kMoe)->cost.bytes),
              queries * attended * 1152.0 + queries * 128 * 576 * 2 + queries * 128 * 512 * 2);
  }
  // Far beyond the top-k sparse attention is the cheaper.
  EXPECT_LT(EstimateDecode(kV32, kH200Sxm, kSeedDecode, SeedAt(65536)).forward,
            EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, SeedAt(65536)).forward);
}

TEST(SparseAttention, TheIndexerKeyAddsToTheKvCache) {
  EXPECT_EQ(ToBytes(MlaAttention::KvCacheBytesPerToken(kV32, kSeedDecode)) -
                ToBytes(MlaAttention::KvCacheBytesPerToken(kDeepSeekV3, kSeedDecode)),
            128.0 + 4.0);
  // 61 layers and the MTP module's.
  EXPECT_DOUBLE_EQ(ToBytes(KvBytesPerToken(kV32, kSeedDecode)) -
                       ToBytes(KvBytesPerToken(kDeepSeekV3, kSeedDecode)),
                   62.0 * 132.0);
}

TEST(SparseAttention, PrefillBeyondTheTopKRunsTheAbsorbedSparseKernel) {
  WorkloadSpec p = kSeedDecodeWorkload;
  p.phase = Phase::kPrefill;
  p.mtp_draft_tokens = 0;
  // One chunk of 4096 after 8192 cached: every query picks 2048 keys.
  const StepShape chunk = StepShape::Prefill(1, 4096, 8192, true);
  const StepResult r = DeepSeekForward::Estimate(kV32, kH200Sxm, kSeedDecode, p, chunk);
  EXPECT_EQ(r.Find("kv_b_proj", Part::kMoe), nullptr);
  ASSERT_NE(r.Find("bmm_q_uk", Part::kMoe), nullptr);
  EXPECT_EQ(ToFlops(r.Find("attention", Part::kMoe)->cost.flops),
            2.0 * 128 * (4096.0 * 2048) * (576 + 512));
  // The indexer scores the causal pairs.
  const double causal = CausalPairs(4096, 8192);
  EXPECT_EQ(ToFlops(r.Find("indexer", Part::kMoe)->cost.flops),
            2.0 * 64 * causal * (128 + 1) + causal + 4096.0 * 128 * 6);
  // A prompt within the top-k attends every key: the dense model's forms.
  const StepShape short_prompt = StepShape::Prefill(2, 1024, 0, true);
  const StepResult s = DeepSeekForward::Estimate(kV32, kH200Sxm, kSeedDecode, p, short_prompt);
  const StepResult d =
      DeepSeekForward::Estimate(kDeepSeekV3, kH200Sxm, kSeedDecode, p, short_prompt);
  EXPECT_EQ(s.Find("attention", Part::kMoe)->cost.kernel_time,
            d.Find("attention", Part::kMoe)->cost.kernel_time);
}

TEST(SparseAttention, TheDenseModelIsUnchanged) {
  const StepResult r = EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  EXPECT_EQ(r.Find("indexer", Part::kMoe), nullptr);
  EXPECT_EQ(r.Find("indexer_proj", Part::kMoe), nullptr);
}

TEST(SparseAttentionLoader, ErrorsNameTheField) {
  const std::string mla = R"(
name: "m" hidden_size: 1024 vocab_size: 1000
layer_groups { kind: DENSE count: 2 }
dense_mlp { intermediate_size: 4096 }
mtp_modules: 0
weight_dtype: BF16 activation_dtype: BF16 kv_cache_dtype: BF16 attention_dtype: BF16
head_dtype: BF16
mla { heads: 16 q_lora_rank: 256 kv_lora_rank: 128 qk_nope_head_dim: 32 qk_rope_head_dim: 16
      v_head_dim: 32 )";
  absl::StatusOr<ModelSpec> ok =
      ParseModel(absl::StrCat(mla, "sparse { topk: 64 heads: 4 head_dim: 32 } }"), "m");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->mla.index_topk, 64);
  EXPECT_THAT(
      ParseModel(absl::StrCat(mla, "sparse { topk: 0 heads: 4 head_dim: 32 } }"), "m.textproto"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("m.textproto: mla.sparse.topk: must be > 0")));
  EXPECT_THAT(ParseModel(absl::StrCat(mla, "sparse { topk: 64 head_dim: 32 } }"), "m"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mla.sparse.heads")));
  EXPECT_THAT(ParseModel(absl::StrCat(mla, "} sliding_window { window_tokens: 8 layers: 0 }"), "m"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("m: sliding_window: only with gqa attention")));
}

constexpr char kModel[] = R"(
name: "m"
hidden_size: 1024
vocab_size: 1000
gqa { heads: 16 kv_heads: 4 head_dim: 64 sinks: true }
dense_mlp { intermediate_size: 4096 }
moe { routed_experts: 8 experts_per_token: 2 shared_experts: 0 expert_intermediate_size: 256 }
layer_groups { kind: DENSE count: 2 }
layer_groups { kind: MOE count: 4 }
mtp_modules: 0
weight_dtype: BF16
activation_dtype: BF16
kv_cache_dtype: BF16
attention_dtype: BF16
head_dtype: BF16
)";

TEST(SlidingWindowLoader, CountsTheSlidingLayersByKind) {
  absl::StatusOr<ModelSpec> m = ParseModel(
      absl::StrCat(kModel, "sliding_window { window_tokens: 128 layers: [0, 2, 4, 5] }"), "m");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->sliding, (SlidingWindowSpec{128, 1, 3}));
  EXPECT_TRUE(m->gqa.sinks);
}

TEST(SlidingWindowLoader, ErrorsNameTheField) {
  auto parse = [](const std::string& sliding) {
    return ParseModel(absl::StrCat(kModel, sliding), "m.textproto");
  };
  EXPECT_THAT(parse("sliding_window { window_tokens: 0 layers: [0] }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("m.textproto: sliding_window.window_tokens: must be > 0")));
  EXPECT_THAT(parse("sliding_window { window_tokens: -5 layers: [0] }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("sliding_window.window_tokens: must be > 0")));
  EXPECT_THAT(parse("sliding_window { window_tokens: 128 layers: [0, 6] }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("m.textproto: sliding_window.layers[1]: layer 6 is not in [0, 6): "
                                 "the model has 6 decoder layers")));
  EXPECT_THAT(parse("sliding_window { window_tokens: 128 layers: [1, 1] }"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("sliding_window.layers[1]: layer 1 is listed twice")));
  EXPECT_THAT(parse("sliding_window { window_tokens: 128 }"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sliding_window.layers")));
}

}  // namespace
}  // namespace perfmodel

namespace perfmodel {
namespace {

// A model may keep its attention projections in another dtype than its other
// linear layers (gpt-oss: BF16 attention beside MXFP4 experts): their rows
// read those bytes, the memory holds them, and nothing else moves.
TEST(AttentionWeightDType, TheProjectionsReadTheirOwnBytes) {
  ModelSpec fp8 = kLlama31_70b;
  fp8.weight_dtype = DType::kFp8;
  ModelSpec split = fp8;
  split.attention_weight_dtype = DType::kBf16;
  EXPECT_EQ(fp8.AttentionWeightDType(), DType::kFp8);
  EXPECT_EQ(split.AttentionWeightDType(), DType::kBf16);
  const WorkloadSpec w = Decode(8, 4096);
  const StepResult a = EstimateDecode(fp8, kH200Sxm, kLlama70bTp8, w);
  const StepResult b = EstimateDecode(split, kH200Sxm, kLlama70bTp8, w);
  const OpRow* qkv_a = a.Find("qkv_proj", Part::kDense);
  const OpRow* qkv_b = b.Find("qkv_proj", Part::kDense);
  ASSERT_NE(qkv_a, nullptr);
  ASSERT_NE(qkv_b, nullptr);
  // q, k, v: hidden x (heads + 2 kv heads) x head_dim over the TP ranks, plus
  // the 8 tokens' activations; BF16 weights are 2 bytes where FP8 had 1 and
  // its block scales.
  const GqaSpec& g = kLlama31_70b.gqa;
  const double elements = static_cast<double>(kLlama31_70b.hidden_size) *
                          static_cast<double>((g.heads + 2 * g.kv_heads) * g.head_dim) /
                          static_cast<double>(kLlama70bTp8.parallel.attention_tp);
  EXPECT_GT(ToBytes(qkv_b->cost.bytes) - ToBytes(qkv_a->cost.bytes), 0.9 * elements);
  EXPECT_EQ(a.Find("mlp_up_gate", Part::kDense)->cost.bytes,
            b.Find("mlp_up_gate", Part::kDense)->cost.bytes);
  EXPECT_GT(b.memory.weights, a.memory.weights);
  EXPECT_GT(b.forward, a.forward);
}

TEST(AttentionWeightDType, LoaderReadsItAndDefaultsToWeightDType) {
  const std::string base = R"pb(
    name: "m"
    hidden_size: 1024
    vocab_size: 1000
    gqa { heads: 8 kv_heads: 8 head_dim: 128 }
    dense_mlp { intermediate_size: 4096 }
    layer_groups { kind: DENSE count: 2 }
    weight_dtype: FP4
    activation_dtype: BF16
    kv_cache_dtype: BF16
    attention_dtype: BF16
    head_dtype: BF16
  )pb";
  absl::StatusOr<ModelSpec> plain = ParseModel(base, "m.textproto");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE(plain->attention_weight_dtype.has_value());
  EXPECT_EQ(plain->AttentionWeightDType(), DType::kFp4);
  absl::StatusOr<ModelSpec> split =
      ParseModel(base + "attention_weight_dtype: BF16", "m.textproto");
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->AttentionWeightDType(), DType::kBf16);
  absl::StatusOr<ModelSpec> bad =
      ParseModel(base + "attention_weight_dtype: DTYPE_UNSPECIFIED", "m.textproto");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), ::testing::HasSubstr("attention_weight_dtype"));
}

}  // namespace
}  // namespace perfmodel
