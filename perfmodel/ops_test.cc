// Op costs against hand calculations. Shapes are DeepSeek-V3's (hidden 7168,
// q_lora 1536, kv_lora 512, rope 64, 128 heads, experts 256 x 2048, top-8)
// for the seed's decode step: 24 requests x 3 query tokens = 72 tokens/rank.
// A synthetic GPU with round peaks makes the times easy to check by hand.

#include "perfmodel/ops.h"

#include "gtest/gtest.h"

namespace perfmodel {
namespace {

// 1000 TFLOP/s at every dtype, 1 TB/s HBM, 100 GB/s NVLink, 10 GB/s NIC, no
// latency or launch overhead, every efficiency 1, 100 SMs.
constexpr HardwareSpec RoundGpu() {
  HardwareSpec h;
  h.name = Name("round");
  h.bf16_dense = TeraflopsPerSecond(1000);
  h.fp8_dense = TeraflopsPerSecond(1000);
  h.fp32 = TeraflopsPerSecond(1000);
  h.hbm_capacity = Gigabytes(100);
  h.hbm_bandwidth = TerabytesPerSecond(1);
  h.scale_up_bandwidth = GigabytesPerSecond(100);
  h.scale_out_bandwidth = GigabytesPerSecond(10);
  h.gpus_per_node = 8;
  h.sm_count = 100;
  return h;
}
constexpr HardwareSpec kGpu = RoundGpu();
constexpr double kFp8Act = 1.0 + 4.0 / 128.0;      // FP8 + one FP32 scale per 128
constexpr double kFp8W = 1.0 + 4.0 / (128 * 128);  // FP8 + one FP32 scale per 128x128

TEST(AttentionTest, MlaKvCacheEntryFollowsItsDtype) {
  MlaSpec mla;
  mla.kv_lora_rank = 512;
  mla.qk_rope_head_dim = 64;
  // BF16: latent and RoPE key, 2 bytes each.
  EXPECT_DOUBLE_EQ(MlaKvBytesPerToken(mla, DType::kBf16), (512.0 + 64.0) * 2.0);
  // FP8 (FlashMLA's layout, FM-06's 656 B): FP8 latent, 4 FP32 scales, BF16 RoPE key.
  EXPECT_DOUBLE_EQ(MlaKvBytesPerToken(mla, DType::kFp8), 512.0 + 4.0 * 4.0 + 64.0 * 2.0);
}

TEST(GemmTest, DeepSeekQaKvaShape) {
  // q_a_kv_a: [72 x 7168] x [7168 x (1536 + 512 + 64)].
  const OpCost c = Gemm({.m = 72, .n = 2112, .k = 7168}, GemmTypes::Fp8(), kGpu);
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 2.0 * 72 * 2112 * 7168);
  const double read = 7168.0 * 2112 * kFp8W + 72.0 * 7168 * kFp8Act;
  const double written = 72.0 * 2112 * 2;  // BF16 out
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), read + written);
  // Tiles of 64 x 128: 2 x 17 = 34 on 100 SMs (one wave, 0.34 of it busy),
  // each filled 72 x 2112 / (128 x 2176): utilisation 0.34 x 0.546.
  const double utilisation = 0.34 * (72.0 * 2112) / (128.0 * 2176);
  const double compute_s = 2.0 * 72 * 2112 * 7168 / (1000e12 * utilisation);
  const double read_s = read / 1e12;
  EXPECT_NEAR(ToSeconds(c.kernel_time), std::max(compute_s, read_s) + written / 1e12, 1e-15);
  EXPECT_EQ(c.bound, compute_s > read_s ? Bound::kCompute : Bound::kMemory);
}

TEST(GemmTest, RooflineByHand) {
  // 1024^3 BF16: 2.147 GFLOP -> 2.147 us; reads 4 MiB -> 4.19 us; writes 2 MiB
  // -> 2.10 us after the main loop. 64 tiles on 100 SMs: 0.64 utilisation.
  const OpCost c = Gemm({.m = 1024, .n = 1024, .k = 1024}, GemmTypes::Bf16(), kGpu);
  const double compute_us = 2.0 * 1024 * 1024 * 1024 / 1000e12 / 0.64 * 1e6;
  EXPECT_NEAR(ToMicroseconds(c.kernel_time), 4.194304 + 2.097152, 1e-9);
  EXPECT_EQ(c.bound, Bound::kMemory);
  EXPECT_EQ(c.overhead, Duration::Zero());
  // With HBM 10x faster the tiles' 3.355 us of compute bind, then the writes.
  HardwareSpec fast = kGpu;
  fast.hbm_bandwidth = TerabytesPerSecond(10);
  const OpCost f = Gemm({.m = 1024, .n = 1024, .k = 1024}, GemmTypes::Bf16(), fast);
  EXPECT_EQ(f.bound, Bound::kCompute);
  EXPECT_NEAR(ToMicroseconds(f.kernel_time), compute_us + 0.2097152, 1e-9);
}

TEST(GemmTest, BatchedAbsorbedBmm) {
  // q_nope x W_uk per head: 128 heads of [72 x 128] x [128 x 512], BF16.
  const OpCost c = Gemm({.m = 72, .n = 512, .k = 128, .batch = 128}, GemmTypes::Bf16(), kGpu);
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 2.0 * 72 * 512 * 128 * 128);
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), 128.0 * (128 * 512 * 2 + 72 * 128 * 2 + 72 * 512 * 2));
  // 19.1 MB of weights and queries read at 1 TB/s bind (the tiles' compute is
  // 2.3 us): reads, then the 9.4 MB written.
  EXPECT_EQ(c.bound, Bound::kMemory);
  EXPECT_NEAR(ToSeconds(c.kernel_time), ToBytes(c.bytes) / 1e12, 1e-18);
  // With HBM 100x faster the tiles bind: per head 2 x 4 tiles of 64 x 128 (72
  // rows pad to 128), 1024 in all on 100 SMs: 11 waves of 100 tiles over
  // depth 128, then the writes.
  HardwareSpec fast = kGpu;
  fast.hbm_bandwidth = TerabytesPerSecond(100);
  const OpCost f = Gemm({.m = 72, .n = 512, .k = 128, .batch = 128}, GemmTypes::Bf16(), fast);
  const double occupied = 2.0 * 128 * (64 * 128) * (100 * 11);
  EXPECT_EQ(f.bound, Bound::kCompute);
  EXPECT_NEAR(ToSeconds(f.kernel_time), occupied / 1000e12 + 128.0 * 72 * 512 * 2 / 100e12, 1e-18);
}

TEST(GroupedGemmTest, RoutedExpertsUpGate) {
  // EP64: 256 / 64 = 4 experts per GPU; 72 tokens x 64 ranks x 8 / 256 = 144
  // tokens per expert; up/gate [144 x 7168] x [7168 x 4096] each.
  const OpCost c = GroupedGemm(144, 4, 4096, 7168, GemmTypes::Fp8(), kGpu);
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 2.0 * 144 * 4 * 4096 * 7168);
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes),
                   4.0 * 7168 * 4096 * kFp8W + 576.0 * 7168 * kFp8Act + 576.0 * 4096 * 2);
  EXPECT_EQ(c.op_class, OpClass::kGroupedGemm);
  // 121.7 MB read at 1 TB/s binds (the tiles' compute is 70.5 us).
  EXPECT_EQ(c.bound, Bound::kMemory);
  EXPECT_NEAR(ToSeconds(c.kernel_time), ToBytes(c.bytes) / 1e12, 1e-18);
  // With HBM 100x faster the tiles bind: each expert's 144 rows take two
  // 128-row tiles by 32 columns, 4 x 64 = 256 tiles on 100 SMs: 3 waves over
  // depth 7168 at the FP8 peak, then the 4.7 MB written.
  HardwareSpec fast = kGpu;
  fast.hbm_bandwidth = TerabytesPerSecond(100);
  const OpCost f = GroupedGemm(144, 4, 4096, 7168, GemmTypes::Fp8(), fast);
  const double occupied = 2.0 * 7168 * (128 * 128) * (100 * 3);
  EXPECT_EQ(f.bound, Bound::kCompute);
  EXPECT_NEAR(ToSeconds(f.kernel_time), occupied / 1000e12 + 576.0 * 4096 * 2 / 100e12, 1e-18);
  // An expected 3.5 active experts round their tiles up: 224 tiles, still 3
  // waves, the same time; 4.7 experts take 301 tiles, 4 waves.
  const OpCost fewer = GroupedGemm(144 * 4 / 3.5, 3.5, 4096, 7168, GemmTypes::Fp8(), fast);
  EXPECT_EQ(fewer.bound, Bound::kCompute);
  EXPECT_NEAR(ToSeconds(fewer.kernel_time), ToSeconds(f.kernel_time), 1e-15);
  const OpCost more = GroupedGemm(144, 4.7, 4096, 7168, GemmTypes::Fp8(), fast);
  EXPECT_NEAR(ToSeconds(more.kernel_time),
              2.0 * 7168 * (128 * 128) * (100 * 4) / 1000e12 + 144 * 4.7 * 4096 * 2 / 100e12,
              1e-18);
}

TEST(AttentionTest, MlaDecodeByHand) {
  // 24 requests x 3 query tokens, 128 heads, 4096 context each.
  const MlaSpec mla{128, 1536, 512, 128, 64, 128};
  const double sum_context = 3.0 * 24 * 4096;  // Σ over query tokens
  const double cached = 24.0 * 4096;           // distinct KV entries
  const OpCost c =
      MlaDecodeAttention(72, 128, sum_context, cached, mla, DType::kBf16, DType::kBf16, kGpu);
  // FLOPs = 2 * heads * Σcontext * (d_qk + d_v) = 2 * 128 * 294912 * (576 + 512)
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 2.0 * 128 * 294912 * 1088);
  // Bytes: the latent cache (576 BF16 per token) + q (72 x 128 x 576 BF16) + out (x 512).
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), 98304.0 * 576 * 2 + 72.0 * 128 * 576 * 2 + 72.0 * 128 * 512 * 2);
  // 82.1 GFLOP over 0.133 GB is 616 FLOP/B, below this GPU's balance of
  // 1000 FLOP/B: memory-bound here (an H800's balance is ~220: compute-bound).
  EXPECT_NEAR(ToFlops(c.flops) / ToBytes(c.bytes), 616.2, 0.1);
  EXPECT_EQ(c.bound, Bound::kMemory);
  EXPECT_NEAR(ToSeconds(c.kernel_time), ToBytes(c.bytes) / 1e12, 1e-18);
  // On a GPU with a quarter of the peak (balance 250 FLOP/B) the FLOPs bind:
  // 328 us of compute (the 124 MB read take 124 us under it), then the
  // output's writes.
  HardwareSpec slow = kGpu;
  slow.bf16_dense = TeraflopsPerSecond(250);
  const OpCost s =
      MlaDecodeAttention(72, 128, sum_context, cached, mla, DType::kBf16, DType::kBf16, slow);
  EXPECT_EQ(s.bound, Bound::kCompute);
  EXPECT_NEAR(ToSeconds(s.kernel_time), ToFlops(c.flops) / 250e12 + 72.0 * 128 * 512 * 2 / 1e12,
              1e-18);
  // FP8 math runs at the FP8 peak times the attention class's FP8 share.
  slow.fp8_dense = TeraflopsPerSecond(500);
  slow.efficiency[static_cast<std::size_t>(OpClass::kAttention)].compute_fp8 = 0.5;
  const OpCost fp8 =
      MlaDecodeAttention(72, 128, sum_context, cached, mla, DType::kBf16, DType::kFp8, slow);
  EXPECT_NEAR(ToSeconds(fp8.kernel_time), ToSeconds(s.kernel_time), 1e-18);
}

TEST(AttentionTest, GqaDecodeByHand) {
  // Llama-3.1-70B on 8-way TP: 8 q heads, 1 kv head of 128 per GPU.
  const OpCost c = GqaDecodeAttention(32, 8, 1, 128, 32.0 * 8192, 32.0 * 8192, DType::kBf16,
                                      DType::kBf16, kGpu);
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 4.0 * 8 * 32 * 8192 * 128);
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), 32.0 * 8192 * 2 * 128 * 2 + 32.0 * 8 * 128 * 2 * 2);
  EXPECT_EQ(c.bound, Bound::kMemory);
  // 134 MB of K and V at 1 TB/s (0.9 memory efficiency on this copy).
  HardwareSpec h = kGpu;
  h.efficiency[static_cast<std::size_t>(OpClass::kAttention)].memory = 0.9;
  const OpCost e =
      GqaDecodeAttention(32, 8, 1, 128, 32.0 * 8192, 32.0 * 8192, DType::kBf16, DType::kBf16, h);
  EXPECT_NEAR(ToSeconds(e.kernel_time), ToBytes(c.bytes) / 0.9e12, 1e-18);
}

TEST(AttentionTest, PrefillMhaByHand) {
  // MLA's MHA form over one 4096-token prompt: 128 heads, keys 192, values
  // 128; K and V of every head read once (128 x 320 BF16 per token).
  const double pairs = CausalPairs(4096, 0);  // 8,390,656
  const OpCost c = PrefillAttention(4096, 128, pairs, 192, 128, 4096, 128.0 * 320 * 2,
                                    DType::kBf16, kGpu);
  // FLOPs = 2 x heads x pairs x (d_qk + d_v) = 687.3 GFLOP.
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 2.0 * 128 * 8390656 * 320);
  // Read q (4096 x 128 x 192) and K, V; write out (4096 x 128 x 128), BF16.
  const double read = 4096.0 * 128 * 192 * 2 + 4096.0 * 128 * 320 * 2;
  const double written = 4096.0 * 128 * 128 * 2;
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), read + written);
  // 687 us of compute at 1000 TFLOP/s against 537 us of reads (0.537 GB at
  // 1 TB/s): compute-bound; the output's 134 us follow the main loop.
  EXPECT_EQ(c.bound, Bound::kCompute);
  EXPECT_NEAR(ToMicroseconds(c.kernel_time), 687.36 + 134.22, 0.01);
}

TEST(AttentionTest, SparsePrefillHasNoTriangle) {
  // FlashMLA's sparse prefill: each of 4096 queries attends its own 2048
  // selected latent rows (of 8192), 128 heads of 576 / 512.
  const OpCost c = PrefillAttention(4096, 128, 4096.0 * 2048, 576, 512, 8192, 576.0 * 2,
                                    DType::kBf16, kGpu);
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 2.0 * 128 * 4096 * 2048 * 1088);
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes),
                   4096.0 * 128 * 576 * 2 + 8192.0 * 576 * 2 + 4096.0 * 128 * 512 * 2);
  EXPECT_EQ(c.bound, Bound::kCompute);
  // 2.34 ms of compute (2.34 TFLOP at 1000 TFLOP/s; the 0.61 GB read take
  // 0.61 ms under it), then the output's 0.54 ms.
  EXPECT_NEAR(ToSeconds(c.kernel_time),
              2.0 * 128 * 4096 * 2048 * 1088 / 1000e12 + 4096.0 * 128 * 512 * 2 / 1e12, 1e-15);
}

TEST(ElementwiseTest, RmsNormLike) {
  const OpCost c = Elementwise(72.0 * 7168, 4.0, 4.0, 5.0, kGpu, 1, ByteCount(7168 * 2));
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), 72.0 * 7168 * 8 + 7168 * 2);
  EXPECT_NEAR(ToSeconds(c.kernel_time), ToBytes(c.bytes) / 1e12, 1e-18);
}

// The fused elementwise kernels of the step (RMSNorm, SiLU-and-mul,
// activation quantisation): bytes moved per element from their dtypes, time
// = bytes / (HBM x the ELEMENTWISE memory share), memory-bound at any size.
HardwareSpec ElementwiseGpu() {
  HardwareSpec h = kGpu;
  h.efficiency[static_cast<std::size_t>(OpClass::kElementwise)] = {.compute = 0.5, .memory = 0.8};
  return h;
}

TEST(ElementwiseTest, RmsNorm) {
  const HardwareSpec h = ElementwiseGpu();
  // 72 tokens x 7168, BF16 in and out, the BF16 weight read once.
  const OpCost c = RmsNorm(72, 7168, false, h);
  const double elements = 72.0 * 7168;
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), elements * 2 + 7168 * 2 + elements * 2);
  EXPECT_EQ(c.op_class, OpClass::kElementwise);
  EXPECT_EQ(c.bound, Bound::kMemory);
  EXPECT_NEAR(ToSeconds(c.kernel_time), ToBytes(c.bytes) / 0.8e12, 1e-18);
  // Fused with the residual add: the residual read and written too.
  const OpCost fused = RmsNorm(72, 7168, true, h);
  EXPECT_DOUBLE_EQ(ToBytes(fused.bytes), elements * 4 + 7168 * 2 + elements * 4);
  EXPECT_NEAR(ToSeconds(fused.kernel_time), ToBytes(fused.bytes) / 0.8e12, 1e-18);
  // A few FP32 FLOPs per element: x^2, the sum, the scale, the weight (5);
  // compute-bound only on a GPU without FP32 throughput (1 GFLOP/s here),
  // where the reads hide behind them and the writes follow.
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 5.0 * elements);
  HardwareSpec no_fp32 = h;
  no_fp32.fp32 = TeraflopsPerSecond(1e-3);
  const OpCost slow = RmsNorm(72, 7168, false, no_fp32);
  EXPECT_EQ(slow.bound, Bound::kCompute);
  EXPECT_NEAR(ToSeconds(slow.kernel_time), 5.0 * elements / (1e9 * 0.5) + elements * 2 / 0.8e12,
              1e-15);
}

TEST(ElementwiseTest, SiluAndMul) {
  const HardwareSpec h = ElementwiseGpu();
  // DeepSeek-V3's shared expert in the seed's step: 72 tokens x 2048 outputs,
  // gate and up read in BF16 (4 B), the output FP8 with its 1x128 scales.
  const double elements = 72.0 * 2048;
  const OpCost c = SiluAndMul(elements, DType::kFp8, h);
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), elements * 4 + elements * kFp8Act);
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 6.0 * elements);  // sigmoid, x·σ, x up
  EXPECT_EQ(c.bound, Bound::kMemory);
  EXPECT_NEAR(ToSeconds(c.kernel_time), ToBytes(c.bytes) / 0.8e12, 1e-18);
  // A BF16 output writes 2 B per element, no scales.
  const OpCost bf16 = SiluAndMul(elements, DType::kBf16, h);
  EXPECT_DOUBLE_EQ(ToBytes(bf16.bytes), elements * 4 + elements * 2);
  EXPECT_NEAR(ToSeconds(bf16.kernel_time), elements * 6 / 0.8e12, 1e-18);
}

TEST(ElementwiseTest, QuantizeActivations) {
  const HardwareSpec h = ElementwiseGpu();
  // q_b's input: 72 tokens x 1536 BF16 to FP8 with one FP32 scale per 128.
  const double elements = 72.0 * 1536;
  const OpCost c = QuantizeActivations(elements, DType::kFp8, h);
  EXPECT_DOUBLE_EQ(ToBytes(c.bytes), elements * 2 + elements * (1 + 4.0 / 128));
  EXPECT_DOUBLE_EQ(ToFlops(c.flops), 4.0 * elements);
  EXPECT_EQ(c.bound, Bound::kMemory);
  EXPECT_NEAR(ToSeconds(c.kernel_time), ToBytes(c.bytes) / 0.8e12, 1e-18);
  // To FP4: half a byte plus the same scales.
  EXPECT_DOUBLE_EQ(ToBytes(QuantizeActivations(elements, DType::kFp4, h).bytes),
                   elements * 2 + elements * (0.5 + 4.0 / 128));
  // One kernel: one launch overhead.
  HardwareSpec launched = h;
  launched.kernel_launch_overhead = Microseconds(2);
  EXPECT_EQ(QuantizeActivations(elements, DType::kFp8, launched).time(),
            c.kernel_time + Microseconds(2));
}

TEST(CommTest, DispatchAcrossNodes) {
  // 72 tokens x top-8 x 7168 FP8 (+ scales) = 4.26 MB per rank; EP64 over
  // 8-GPU nodes: 8/64 of it stays on NVLink, 56/64 crosses the NIC.
  // The normal (bulk) kernels drive both paths at once: the slower bounds.
  const OpCost c =
      EpDispatch(72, 8, 7168, DType::kFp8, 64, Transport::kAuto, kGpu, 1.0, EpKernels::kNormal);
  const double sent = 72.0 * 8 * 7168 * kFp8Act;
  EXPECT_DOUBLE_EQ(ToBytes(c.link_bytes), sent);
  const double nic_s = sent * 56 / 64 / 10e9, nvl_s = sent * 8 / 64 / 100e9;
  EXPECT_NEAR(ToSeconds(c.kernel_time), std::max(nic_s, nvl_s), 1e-15);
  EXPECT_EQ(c.op_class, OpClass::kScaleOut);
  // The NIC path bounds it: its latency is the row's latency, the rest wire.
  EXPECT_EQ(c.latency, kGpu.scale_out_latency);
  EXPECT_NEAR(ToSeconds(c.kernel_time - c.latency), nic_s - ToSeconds(kGpu.scale_out_latency),
              1e-15);
  // The low-latency kernels (the default) send every copy from the same
  // warps: the paths add, and each NVLink copy costs the class's per-message
  // time beside its bytes (576 copies, 8/64 of them in the node).
  HardwareSpec per_copy = kGpu;
  per_copy.efficiency[static_cast<std::size_t>(OpClass::kScaleUpLowLatency)].per_message =
      Nanoseconds(30);
  per_copy.scale_up_latency = Microseconds(3);
  per_copy.scale_out_latency = Microseconds(5);
  const OpCost ll_mixed = EpDispatch(72, 8, 7168, DType::kFp8, 64, Transport::kAuto, per_copy);
  const double ll_nvl_s = sent * 8 / 64 / 100e9 + 576.0 * 8 / 64 * 30e-9;
  EXPECT_NEAR(ToSeconds(ll_mixed.kernel_time), nic_s + ll_nvl_s + 5e-6, 1e-15);
  EXPECT_EQ(ll_mixed.latency, Microseconds(5));  // one latency: the NIC's
  // In the node alone: the NVLink path and its latency.
  const OpCost ll_node = EpDispatch(72, 8, 7168, DType::kFp8, 8, Transport::kAuto, per_copy);
  EXPECT_NEAR(ToSeconds(ll_node.kernel_time), sent / 100e9 + 576.0 * 30e-9 + 3e-6, 1e-15);
  EXPECT_EQ(ll_node.latency, Microseconds(3));
  // Over the NIC alone there are no NVLink copies: the same as the bulk kernels.
  EXPECT_EQ(
      EpDispatch(72, 8, 7168, DType::kFp8, 64, Transport::kRdma, per_copy).kernel_time,
      EpDispatch(72, 8, 7168, DType::kFp8, 64, Transport::kRdma, per_copy, 1.0, EpKernels::kNormal)
          .kernel_time);
  // Combine returns BF16.
  EXPECT_DOUBLE_EQ(ToBytes(EpCombine(72, 8, 7168, 64, Transport::kAuto, kGpu).link_bytes),
                   72.0 * 8 * 7168 * 2);
  // Over NVLink the low-latency kernels (the default) and the normal ones use
  // their own classes' link efficiencies.
  HardwareSpec h = kGpu;
  h.efficiency[static_cast<std::size_t>(OpClass::kScaleUp)].link = 0.8;
  h.efficiency[static_cast<std::size_t>(OpClass::kScaleUpLowLatency)].link = 0.5;
  const OpCost ll = EpDispatch(72, 8, 7168, DType::kFp8, 8, Transport::kNvlink, h);
  const OpCost bulk =
      EpDispatch(72, 8, 7168, DType::kFp8, 8, Transport::kNvlink, h, 1.0, EpKernels::kNormal);
  EXPECT_NEAR(ToSeconds(ll.kernel_time), sent / (100e9 * 0.5), 1e-15);
  EXPECT_NEAR(ToSeconds(bulk.kernel_time), sent / (100e9 * 0.8), 1e-15);
  EXPECT_EQ(ll.op_class, OpClass::kScaleUpLowLatency);
  EXPECT_EQ(bulk.op_class, OpClass::kScaleUp);
  // Forced transports.
  EXPECT_DOUBLE_EQ(AllToAllNvlinkShare(64, Transport::kRdma, kGpu), 0.0);
  EXPECT_DOUBLE_EQ(AllToAllNvlinkShare(8, Transport::kAuto, kGpu), 1.0);
}

TEST(CommTest, RingCollectives) {
  // Ring all-reduce of 1 MB over 8 GPUs: each sends 2 * 7/8 MB over NVLink.
  const OpCost ar = AllReduce(Megabytes(1), 8, kGpu);
  EXPECT_DOUBLE_EQ(ToBytes(ar.link_bytes), 2.0 * 7 / 8 * 1e6);
  EXPECT_NEAR(ToMicroseconds(ar.kernel_time), 2.0 * 7 / 8 * 1e6 / 100e9 * 1e6, 1e-9);
  EXPECT_DOUBLE_EQ(ToBytes(AllGather(Megabytes(1), 4, kGpu).link_bytes), 0.75e6);
  EXPECT_EQ(AllReduce(Megabytes(1), 1, kGpu).kernels, 0);
  EXPECT_EQ(AllReduce(Megabytes(1), 1, kGpu).time(), Duration::Zero());
}

TEST(OpsTest, OccupiedFlops) {
  HardwareSpec h = kGpu;
  h.sm_count = 132;
  const double k = 7168;
  // One wave of 132 full 128 x 128 tiles: every SM busy, no padding.
  EXPECT_DOUBLE_EQ(ToFlops(ops_internal::OccupiedFlops(256, 66 * 128, 7168, 1, h.gemm_kernels, h)),
                   2.0 * k * 128 * 128 * 132);
  // 133 tiles need a second wave: the SMs are held for two.
  EXPECT_DOUBLE_EQ(
      ToFlops(ops_internal::OccupiedFlops(256, 66 * 128, 7168, 1, h.gemm_kernels, h)) * 2,
      ToFlops(ops_internal::OccupiedFlops(256 + 1, 66 * 128, 7168, 1, h.gemm_kernels, h)));
  // Padding: m = 65 fills two 64-row tiles (m <= 128 uses 64-row tiles), one
  // 128-column tile, one wave: utilisation 65 x 128 / (132 x 64 x 128).
  const double useful = 2.0 * 65 * 128 * k;
  EXPECT_DOUBLE_EQ(
      useful / ToFlops(ops_internal::OccupiedFlops(65, 128, 7168, 1, h.gemm_kernels, h)),
      65.0 / 128.0 * 2.0 / 132.0);
  // A fractional row count (hottest expert's mean tokens) rounds up to a row.
  EXPECT_EQ(ops_internal::OccupiedFlops(64.5, 128, 7168, 1, h.gemm_kernels, h),
            ops_internal::OccupiedFlops(65, 128, 7168, 1, h.gemm_kernels, h));
  EXPECT_EQ(ops_internal::OccupiedFlops(0, 128, 7168, 1, h.gemm_kernels, h), Flops::Zero());
  // One-element tiles on one core: no padding, one tile at a time.
  h.gemm_kernels = GemmKernels(GemmTileRule::kFixed, {1}, {1});
  h.sm_count = 1;
  EXPECT_DOUBLE_EQ(ToFlops(ops_internal::OccupiedFlops(1, 512, 7168, 1, h.gemm_kernels, h)),
                   2.0 * k * 512);
}

TEST(OpsTest, GemmTimeNeverFallsAsRowsGrow) {
  // A wave-bound GEMM: more rows never make it faster, across the 64-row to
  // 128-row tile switch too.
  const HardwareSpec hw = kGpu;
  Duration last;
  for (int64_t m = 1; m <= 600; ++m) {
    const Duration t = Gemm({.m = m, .n = 4096, .k = 7168}, GemmTypes::Fp8(), hw).kernel_time;
    EXPECT_GE(t, last) << "m = " << m;
    last = t;
  }
}

TEST(OpsTest, LaunchOverheadPerKernel) {
  HardwareSpec h = kGpu;
  h.kernel_launch_overhead = Microseconds(2);
  const OpCost c = Gemm({.m = 64, .n = 64, .k = 64}, GemmTypes::Bf16(), h, OpClass::kGemm, 2);
  EXPECT_EQ(c.overhead, Microseconds(4));
  EXPECT_EQ(c.time(), c.kernel_time + Microseconds(4));
}

}  // namespace
}  // namespace perfmodel
