// File: measure/cpu_kernels.h
// -----------------------------------------------------------------------------
//
// Single-threaded FP32 kernels that stand in for an LLM decode step's GPU
// kernels on the host CPU, so that the cost model's roofline can be checked
// against measurements on a machine we always have. They are written for the
// compiler's baseline target (x86-64: SSE2, no FMA; no -march flags, since CI
// may run on another CPU) with GCC vector extensions of one 16-byte register,
// so the compiler never has to guess at vectorisation.
//
//   Gemm            C[M,N] = A[M,K] . B[K,N], B pre-packed in 8-column panels
//                   (as an inference engine packs its weights once at load).
//   GroupedGemm     `groups` independent GEMMs of one shape (MoE experts).
//   MlaDecodeAttention  absorbed-MLA decode attention: q_tokens x heads query
//                   rows against one shared latent KV row per context token
//                   (keys are the head_dim-wide rows, values their first
//                   v_head_dim columns), online softmax in chunks.
//   ReadSum / Triad memory streams.
//   PeakMulAdd      independent multiply-adds in registers: the FLOP ceiling
//                   that the kernels above can reach with the same compiler.
//
// Example:
//
//   std::vector<float> a(1 * 64), b(64 * 16), packed(64 * 16), c(1 * 16);
//   PackWeights(b.data(), 64, 16, packed.data());   // 16 % kPanelWidth == 0
//   Gemm(a.data(), packed.data(), c.data(), 1, 16, 64);
//   // c[j] == sum_k a[k] * b[k * 16 + j] (up to rounding)
//
// Nothing here allocates or keeps state; callers own every buffer.

#ifndef MEASURE_CPU_KERNELS_H_
#define MEASURE_CPU_KERNELS_H_

#include <cstdint>

namespace perfmodel::bench {

// Columns of one packed weight panel: two 4-float registers.
inline constexpr int64_t kPanelWidth = 8;

// PackWeights() copies row-major b[k, n] (K x N) into the panel layout Gemm()
// reads: panel p holds columns [8p, 8p + 8) as K consecutive rows of 8 floats.
// Requires n % kPanelWidth == 0.
void PackWeights(const float* b, int64_t k, int64_t n, float* packed);

// Gemm() computes c = a . b for row-major a (m x k) and c (m x n) and b packed
// by PackWeights(). FLOP: 2mnk. Requires n % kPanelWidth == 0; m, k >= 1.
void Gemm(const float* a, const float* packed_b, float* c, int64_t m, int64_t n, int64_t k);

// GroupedGemm() runs Gemm() for each of `groups` experts: a and c hold the
// groups' m-row blocks back to back, packed_b their k x n weights back to back.
void GroupedGemm(const float* a, const float* packed_b, float* c, int64_t groups, int64_t m,
                 int64_t n, int64_t k);

// Shape of one MlaDecodeAttention() call.
struct AttentionShape {
  int64_t rows = 0;        // q_tokens x heads query rows sharing one KV
  int64_t context = 0;     // KV rows (tokens)
  int64_t head_dim = 0;    // key width (latent + rope); multiple of 4
  int64_t v_head_dim = 0;  // value width = first v_head_dim key columns; multiple of 8
};

// Scratch floats MlaDecodeAttention() needs for `shape`.
int64_t AttentionScratchFloats(const AttentionShape& shape);

// MlaDecodeAttention() computes out[r, :] = softmax(q[r] . kv^T / sqrt(head_dim))
// . kv[:, :v_head_dim] for each of shape.rows query rows. q: rows x head_dim,
// kv: context x head_dim, out: rows x v_head_dim, scratch:
// AttentionScratchFloats(shape) floats. Reads the KV once (chunks of 64 rows),
// rescaling the running output as each chunk raises a row's maximum.
// FLOP (exp and the scaling not counted): 2 rows context (head_dim + v_head_dim).
void MlaDecodeAttention(const float* q, const float* kv, float* out, float* scratch,
                        const AttentionShape& shape);

// ReadSum() returns the sum of x[0, n), read as four concurrent streams (one
// per quarter), the way Gemm() reads four weight panels. Requires n % 32 == 0.
float ReadSum(const float* x, int64_t n);

// Triad() sets a[i] = b[i] + s c[i] for i in [0, n). Requires n % 4 == 0.
void Triad(float* a, const float* b, const float* c, float s, int64_t n);

// Independent chains in PeakMulAdd(): the most that fit in x86-64's 16 SSE
// registers beside x and y. Each chain is a multiply then an add, so 12 of
// them barely cover the latency, and 13 measure ~3% more here.
inline constexpr int kPeakChains = 13;

// FLOP done by one PeakMulAdd() loop iteration: 13 registers x 4 lanes x
// (one multiply + one add).
inline constexpr int64_t kPeakFlopPerLoop = kPeakChains * 4 * 2;

// PeakMulAdd() runs `loops` iterations of v = v * x + y on kPeakChains
// independent 4-float registers and returns the sum of the lanes (so nothing
// is dead).
// Pass x = 1 and y = 0 through an optimisation barrier: the values then never
// change, so no denormal or overflow slows the loop, and the compiler cannot
// fold the work away. The compiler may contract each pair into an FMA when the
// target has one; Gemm() then does too, so their ratio stays meaningful.
float PeakMulAdd(int64_t loops, float x, float y);

}  // namespace perfmodel::bench

#endif  // MEASURE_CPU_KERNELS_H_
