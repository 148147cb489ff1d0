#!/usr/bin/env python3
# File: benchmarks/gpu/measure_kernels.py
# -----------------------------------------------------------------------------
#
# The GPU side of the kernel suite: times DeepSeek-V3 decode and prefill kernels on
# one NVIDIA GPU (H100/H200) with PyTorch, and writes the result in Google
# Benchmark's JSON layout with the same benchmark names as the CPU suite, so
# that measure/kernel_baseline.h, tools/bench_compare and the cost model's
# model-vs-measurement check read it unchanged.
#
#   python3 benchmarks/gpu/measure_kernels.py --out=baselines/gpu/h100_sxm.json
#   # ~1 minute on an H100; prints one line per benchmark to stderr
#   python3 benchmarks/gpu/measure_kernels.py --dry_run --out=/tmp/layout.json
#   # no torch needed: the same rows with placeholder times (layout check)
#   python3 benchmarks/gpu/measure_kernels.py --prefill --out=/tmp/prefill.json
#   # only the prefill-shaped rows (GEMMs at M >= 4096, contiguous grouped GEMMs,
#   # prefill attention): ~1 minute, sized for one 15-minute GPU session
#
# Rows (names: see measure/kernel_baseline.h):
#   gemm_bf16/M:m/N:n/K:k     torch.matmul, M in {64, 128} (decode) and 4096,
#                             8192, 16384 (prefill: one to four 4K prompts per
#                             rank), (N, K) the six DeepSeek-V3 projections
#   gemm_fp8/M:m/N:n/K:k      torch._scaled_mm (e4m3 inputs, per-tensor scales,
#                             bf16 output); rows are written as skipped (with
#                             the exception) where it is unavailable
#   grouped_gemm_bf16/groups:8/M:m/N:n/K:k
#                             torch.bmm over 8 experts with M tokens each (a
#                             balanced EP rank: 256 experts / EP32), expert
#                             up+gate (4096 x 7168) and down (7168 x 2048)
#   grouped_gemm_fp8/...      the same through torch._scaled_grouped_mm (e4m3,
#                             row-wise scales, bf16 out); skipped where missing
#   grouped_gemm_<dtype>/groups:g/M:m/... with (g, m) in PREFILL_GROUPED
#                             prefill's contiguous layout: the g experts' rows
#                             one 2-D tensor with offsets (torch._grouped_mm,
#                             torch._scaled_grouped_mm with offs): 32 experts of
#                             128 or 512 rows (the seed's P node, EP8, one or four
#                             4K prompts per rank) and DeepGEMM's contiguous
#                             DG-C shape (8 x 4096); the same FLOP and bytes as
#                             the batched layout
#   attention_bf16/batch:64/heads:128/q_tokens:q/context:L/head_dim:576/v_head_dim:512
#                             absorbed-MLA decode as plain bmm -> softmax ->
#                             bmm (scores materialised in HBM; NOT FlashMLA),
#                             q in 1..3 (MTP), L in 4K/6K/8K; keys are the 576
#                             latent+rope columns, values their first 512
#   prefill_attention_bf16/batch:1/heads:128/tokens:t/head_dim:d/v_head_dim:dv
#                             causal self-attention over one fresh prompt of t in
#                             4K/8K/16K tokens, 128 heads, through
#                             torch.nn.functional.scaled_dot_product_attention
#                             with the first fused backend that runs (cuDNN,
#                             flash, memory-efficient; never the math one, which
#                             would hold the scores; context.prefill_attention_
#                             backends says which ran): d/dv = 128/128, DeepSeek's
#                             MHA form 192/128 (where a backend takes a narrower
#                             v) and 192/192 (v padded to 192: its FLOP counted,
#                             the model run at 192/192 to compare)
#   memory_copy/bytes:2147483648  dst.copy_(src) of 1 GiB of float32: bytes read + written
#   memory_read/bytes:2147483648  torch.sum over 2 GiB of float32: bytes read
#   elementwise_<op>/tokens:t/width:w
#                             one fused Triton kernel per op, t in 64..32768:
#                             rms_norm (bf16 in/out, w = 7168), add_rms_norm
#                             (also reads and writes the residual), silu_and_mul
#                             (reads gate and up, writes w = 18432 bf16 outputs),
#                             quant_fp8 (per-token 1x128 groups: e4m3 + fp32
#                             scale per group, w = 7168); inputs rotate past 4x L2
#   launch_empty/kernels:1    one Triton kernel of one program that stores one
#                             word: the fixed cost of a kernel inside a CUDA graph
#
# Timing: CUDA events around R = 5 repetitions of n back-to-back calls
# (n sized to ~20 ms, calls captured in one CUDA graph when capture works, so
# launch overhead is not timed); one repetition's time is the elapsed time / n.
# Weights rotate through enough copies to exceed 4x the L2 cache, as decode
# weights do not stay in L2. JSON: median, mean, stddev and cv aggregates per
# benchmark (like --benchmark_report_aggregates_only), real_time = cpu_time =
# the GPU time, context.kernel_time = "real_time". FLOP/s and bytes/s counters
# use KernelFlops() / KernelBytes() of measure/kernel_baseline.h.
#
# Exit codes: 0 written (skipped rows included), 2 bad arguments or no GPU.

import argparse
import datetime
import json
import math
import os
import platform
import socket
import statistics
import sys
import time

PROJECTIONS = [(2112, 7168), (24576, 1536), (32768, 512), (7168, 16384), (4096, 7168),
               (7168, 2048)]
DECODE_M = [64, 128]
PREFILL_M = [4096, 8192, 16384]
EXPERTS = 8
EXPERT_SHAPES = [(4096, 7168), (7168, 2048)]  # (N, K): up+gate, down
# Prefill's contiguous grouped GEMMs: (experts, rows per expert).
PREFILL_GROUPED = [(32, 128), (32, 512), (8, 4096)]
PREFILL_HEADS = 128
PREFILL_TOKENS = [4096, 8192, 16384]
PREFILL_HEAD_DIMS = [(128, 128), (192, 128), (192, 192)]  # (qk, v)
ATTENTION_BATCH = 64
ATTENTION_HEADS = 128
ATTENTION_Q_TOKENS = [1, 2, 3]
ATTENTION_CONTEXT = [4096, 6144, 8192]
HEAD_DIM, V_HEAD_DIM = 576, 512
COPY_BYTES = 1 << 30
ELEMENTWISE_TOKENS = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]
HIDDEN, INTERMEDIATE = 7168, 18432
# op: (width, bytes read per element, bytes written per element, bytes per column
# read once per kernel: the norm's BF16 weight). The same rules as ElementwiseRule
# in measure/kernel_baseline.h; kernel_baseline_test holds the counters to them.
ELEMENTWISE = {
    "rms_norm": (HIDDEN, 2.0, 2.0, 2.0),
    "add_rms_norm": (HIDDEN, 4.0, 4.0, 2.0),
    "silu_and_mul": (INTERMEDIATE, 4.0, 2.0, 0.0),
    "quant_fp8": (HIDDEN, 2.0, 1.0 + 4.0 / 128.0, 0.0),
}
REPETITIONS = 5
TARGET_MS = 20.0
BUDGET_S = 200.0  # stop measuring (rows written as skipped) well inside 4 minutes
BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1}


def gemm_name(dtype, m, n, k):
    return f"gemm_{dtype}/M:{m}/N:{n}/K:{k}"


def grouped_name(dtype, g, m, n, k):
    return f"grouped_gemm_{dtype}/groups:{g}/M:{m}/N:{n}/K:{k}"


def attention_name(dtype, b, h, q, ctx):
    return (f"attention_{dtype}/batch:{b}/heads:{h}/q_tokens:{q}/context:{ctx}"
            f"/head_dim:{HEAD_DIM}/v_head_dim:{V_HEAD_DIM}")


def prefill_attention_name(dtype, b, h, t, d, dv):
    return (f"prefill_attention_{dtype}/batch:{b}/heads:{h}/tokens:{t}/head_dim:{d}"
            f"/v_head_dim:{dv}")


def elementwise_name(op, t, w):
    return f"elementwise_{op}/tokens:{t}/width:{w}"


def elementwise_work(op, t):
    """FLOP (not counted: 0) and HBM bytes of one call; norms also read their weight."""
    w, rd, wr, per_column = ELEMENTWISE[op]
    return 0.0, t * w * (rd + wr) + w * per_column


def out_bytes(dtype):
    return 4 if dtype == "fp32" else 2


# FLOP and bytes per call: the rules of KernelFlops()/KernelBytes().
def gemm_work(dtype, m, n, k, groups=1):
    flop = 2.0 * groups * m * n * k
    nbytes = groups * (BYTES[dtype] * (m * k + k * n) + out_bytes(dtype) * m * n)
    return flop, nbytes


def attention_work(dtype, b, h, q, ctx):
    rows = q * h
    flop = 2.0 * b * rows * ctx * (HEAD_DIM + V_HEAD_DIM)
    nbytes = b * (BYTES[dtype] * (ctx * HEAD_DIM + rows * HEAD_DIM) +
                  out_bytes(dtype) * rows * V_HEAD_DIM)
    return flop, nbytes


def prefill_attention_work(dtype, b, h, t, d, dv):
    """Causal: t (t + 1) / 2 query-key pairs per head (the diagonal included)."""
    flop = 2.0 * b * h * (t * (t + 1) / 2.0) * (d + dv)
    nbytes = b * t * h * (BYTES[dtype] * (2 * d + dv) + out_bytes(dtype) * dv)
    return flop, nbytes


def is_prefill(row):
    """The rows --prefill keeps: GEMMs at prefill M, contiguous grouped GEMMs, prefill
    attention."""
    _, _, _, key, args = row
    return ((key.startswith("gemm_") and args[0] in PREFILL_M) or
            key.startswith("grouped_contig_") or key.startswith("prefill_attention_"))


def plan():
    """Every row: (name, flop, bytes, builder key, args), in output order (the cheap
    elementwise rows first: they set the hardware's elementwise factors)."""
    rows = [("launch_empty/kernels:1", 0.0, 0.0, "launch_empty", ())]
    for op in ELEMENTWISE:
        for t in ELEMENTWISE_TOKENS:
            flop, nbytes = elementwise_work(op, t)
            rows.append((elementwise_name(op, t, ELEMENTWISE[op][0]), flop, nbytes,
                         "elementwise_" + op, (t, ELEMENTWISE[op][0])))
    for dtype in ("bf16", "fp8"):
        for m in DECODE_M + PREFILL_M:
            for n, k in PROJECTIONS:
                flop, nbytes = gemm_work(dtype, m, n, k)
                rows.append((gemm_name(dtype, m, n, k), flop, nbytes, "gemm_" + dtype, (m, n, k)))
    for dtype in ("bf16", "fp8"):
        for m in DECODE_M:
            for n, k in EXPERT_SHAPES:
                flop, nbytes = gemm_work(dtype, m, n, k, EXPERTS)
                rows.append((grouped_name(dtype, EXPERTS, m, n, k), flop, nbytes,
                             "grouped_" + dtype, (EXPERTS, m, n, k)))
        for g, m in PREFILL_GROUPED:
            for n, k in EXPERT_SHAPES:
                flop, nbytes = gemm_work(dtype, m, n, k, g)
                rows.append((grouped_name(dtype, g, m, n, k), flop, nbytes,
                             "grouped_contig_" + dtype, (g, m, n, k)))
    for q in ATTENTION_Q_TOKENS:
        for ctx in ATTENTION_CONTEXT:
            flop, nbytes = attention_work("bf16", ATTENTION_BATCH, ATTENTION_HEADS, q, ctx)
            rows.append((attention_name("bf16", ATTENTION_BATCH, ATTENTION_HEADS, q, ctx), flop,
                         nbytes, "attention_bf16", (ATTENTION_BATCH, ATTENTION_HEADS, q, ctx)))
    for t in PREFILL_TOKENS:
        for d, dv in PREFILL_HEAD_DIMS:
            flop, nbytes = prefill_attention_work("bf16", 1, PREFILL_HEADS, t, d, dv)
            rows.append((prefill_attention_name("bf16", 1, PREFILL_HEADS, t, d, dv), flop, nbytes,
                         "prefill_attention_bf16", (1, PREFILL_HEADS, t, d, dv)))
    rows.append((f"memory_copy/bytes:{2 * COPY_BYTES}", 0.0, 2 * COPY_BYTES, "copy",
                 (COPY_BYTES,)))
    rows.append((f"memory_read/bytes:{2 * COPY_BYTES}", 0.0, 2 * COPY_BYTES, "read",
                 (2 * COPY_BYTES,)))
    return rows


# --- measuring (torch is imported only here) -----------------------------------------------


def rotating(make, nbytes, l2_bytes, limit=64):
    """Enough copies of a tensor (from make()) to exceed 4x the L2 cache."""
    copies = max(1, min(limit, math.ceil(4 * l2_bytes / max(1, nbytes))))
    return [make() for _ in range(copies)]


def build(torch, key, args, l2_bytes):
    """Returns fn(i) that runs the kernel once (i picks the weight copy)."""
    dev = "cuda"
    if key == "gemm_bf16":
        m, n, k = args
        a = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
        ws = rotating(lambda: torch.randn(k, n, device=dev, dtype=torch.bfloat16), 2 * k * n,
                      l2_bytes)
        c = torch.empty(m, n, device=dev, dtype=torch.bfloat16)
        return lambda i: torch.matmul(a, ws[i % len(ws)], out=c)
    if key == "gemm_fp8":
        m, n, k = args
        if not hasattr(torch, "_scaled_mm") or not hasattr(torch, "float8_e4m3fn"):
            raise RuntimeError("torch._scaled_mm / float8_e4m3fn unavailable in this PyTorch")
        f8 = torch.float8_e4m3fn
        a = torch.randn(m, k, device=dev).to(f8)
        # _scaled_mm wants the second operand column-major: the transpose of (n, k).
        ws = rotating(lambda: torch.randn(n, k, device=dev).to(f8).t(), k * n, l2_bytes)
        one = torch.ones((), device=dev, dtype=torch.float32)

        def run(i):
            r = torch._scaled_mm(a, ws[i % len(ws)], scale_a=one, scale_b=one,
                                 out_dtype=torch.bfloat16)
            return r[0] if isinstance(r, tuple) else r  # torch < 2.4 returned (out, amax)

        return run
    if key == "grouped_bf16":
        g, m, n, k = args
        a = torch.randn(g, m, k, device=dev, dtype=torch.bfloat16)
        ws = rotating(lambda: torch.randn(g, k, n, device=dev, dtype=torch.bfloat16),
                      2 * g * k * n, l2_bytes)
        c = torch.empty(g, m, n, device=dev, dtype=torch.bfloat16)
        return lambda i: torch.bmm(a, ws[i % len(ws)], out=c)
    if key == "grouped_fp8":
        g, m, n, k = args
        if not hasattr(torch, "_scaled_grouped_mm"):
            raise RuntimeError("torch._scaled_grouped_mm unavailable in this PyTorch")
        f8 = torch.float8_e4m3fn
        a = torch.randn(g, m, k, device=dev).to(f8)
        ws = rotating(lambda: torch.randn(g, n, k, device=dev).to(f8).transpose(-2, -1),
                      g * k * n, l2_bytes)
        sa = torch.ones(g, m, device=dev, dtype=torch.float32)
        sb = torch.ones(g, n, device=dev, dtype=torch.float32)
        return lambda i: torch._scaled_grouped_mm(a, ws[i % len(ws)], sa, sb,
                                                  out_dtype=torch.bfloat16)
    if key == "grouped_contig_bf16":
        g, m, n, k = args
        if not hasattr(torch, "_grouped_mm"):
            raise RuntimeError("torch._grouped_mm unavailable in this PyTorch")
        a = torch.randn(g * m, k, device=dev, dtype=torch.bfloat16)
        ws = rotating(lambda: torch.randn(g, n, k, device=dev, dtype=torch.bfloat16)
                      .transpose(-2, -1), 2 * g * k * n, l2_bytes)
        offs = torch.arange(m, g * m + 1, m, device=dev, dtype=torch.int32)
        return lambda i: torch._grouped_mm(a, ws[i % len(ws)], offs=offs,
                                           out_dtype=torch.bfloat16)
    if key == "grouped_contig_fp8":
        g, m, n, k = args
        if not hasattr(torch, "_scaled_grouped_mm"):
            raise RuntimeError("torch._scaled_grouped_mm unavailable in this PyTorch")
        f8 = torch.float8_e4m3fn
        a = torch.randn(g * m, k, device=dev).to(f8)
        ws = rotating(lambda: torch.randn(g, n, k, device=dev).to(f8).transpose(-2, -1),
                      g * k * n, l2_bytes)
        sa = torch.ones(g * m, device=dev, dtype=torch.float32)
        sb = torch.ones(g, n, device=dev, dtype=torch.float32)
        offs = torch.arange(m, g * m + 1, m, device=dev, dtype=torch.int32)
        return lambda i: torch._scaled_grouped_mm(a, ws[i % len(ws)], sa, sb, offs=offs,
                                                  out_dtype=torch.bfloat16)
    if key == "prefill_attention_bf16":
        return build_sdpa(torch, args)
    if key == "attention_bf16":
        b, h, q, ctx = args
        rows = q * h
        qv = torch.randn(b, rows, HEAD_DIM, device=dev, dtype=torch.bfloat16)
        kv = torch.randn(b, ctx, HEAD_DIM, device=dev, dtype=torch.bfloat16)
        scale = 1.0 / math.sqrt(HEAD_DIM)

        def run(_):
            s = torch.bmm(qv, kv.transpose(1, 2))
            p = torch.softmax(s.float() * scale, dim=-1).to(torch.bfloat16)
            return torch.bmm(p, kv[:, :, :V_HEAD_DIM])

        return run
    if key == "copy":
        (nbytes,) = args
        src = torch.randn(nbytes // 4, device=dev, dtype=torch.float32)
        dst = torch.empty_like(src)
        return lambda i: dst.copy_(src)
    if key == "read":
        (nbytes,) = args
        src = torch.randn(nbytes // 4, device=dev, dtype=torch.float32)
        total = torch.empty((), device=dev, dtype=torch.float32)
        return lambda i: torch.sum(src, dim=0, out=total)
    if key == "launch_empty" or key.startswith("elementwise_"):
        return build_triton(torch, key, args, l2_bytes)
    raise ValueError(key)


# Which SDPA backend each prefill_attention row ran on (for the JSON context).
SDPA_BACKENDS = {}


def build_sdpa(torch, args):
    """Causal SDPA over (batch, heads, tokens, dim) BF16 tensors on the first fused
    backend that accepts the shape; the math backend is never allowed."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    b, h, t, d, dv = args
    dev, bf16 = "cuda", torch.bfloat16
    q = torch.randn(b, h, t, d, device=dev, dtype=bf16)
    k = torch.randn(b, h, t, d, device=dev, dtype=bf16)
    v = torch.randn(b, h, t, dv, device=dev, dtype=bf16)
    sdpa = torch.nn.functional.scaled_dot_product_attention
    errors = []
    for backend in (SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION,
                    SDPBackend.EFFICIENT_ATTENTION):
        try:
            with sdpa_kernel([backend]):
                out = sdpa(q, k, v, is_causal=True)
            torch.cuda.synchronize()
            if out.shape != (b, h, t, dv) or not torch.isfinite(out).all().item():
                raise RuntimeError(f"bad output {tuple(out.shape)}")
            # Causal: the first 512 queries see only the first 512 keys, so a float32
            # reference over that corner (8 heads) checks the kernel at full size.
            c, hh = min(t, 512), min(h, 8)
            with sdpa_kernel([SDPBackend.MATH]):
                ref = sdpa(q[:, :hh, :c].float(), k[:, :hh, :c].float(), v[:, :hh, :c].float(),
                           is_causal=True)
            err = ((out[:, :hh, :c].float() - ref).norm() / ref.norm()).item()
            if not err < 0.02:
                raise RuntimeError(f"relative error {err:.3g} vs a float32 reference")
        except Exception as e:  # this backend does not take the shape: try the next
            errors.append(f"{backend.name}: {type(e).__name__}: {e}".splitlines()[0])
            continue
        del out
        name = prefill_attention_name("bf16", b, h, t, d, dv)
        SDPA_BACKENDS[name] = backend.name

        def run(_, backend=backend):
            with sdpa_kernel([backend]):
                return sdpa(q, k, v, is_causal=True)

        return run
    raise RuntimeError("no fused SDPA backend takes this shape: " + "; ".join(errors))


_TRITON = {}


def triton_kernels():
    """The Triton kernels of the elementwise rows (compiled on first use)."""
    if _TRITON:
        return _TRITON
    import triton
    import triton.language as tl

    @triton.jit
    def empty(out):
        tl.store(out, 1)

    @triton.jit
    def rms_norm(x, w, y, width, eps, BLOCK: tl.constexpr):
        row = tl.program_id(0).to(tl.int64)
        cols = tl.arange(0, BLOCK)
        mask = cols < width
        v = tl.load(x + row * width + cols, mask=mask, other=0.0).to(tl.float32)
        r = tl.rsqrt(tl.sum(v * v, axis=0) / width + eps)
        g = tl.load(w + cols, mask=mask, other=0.0).to(tl.float32)
        tl.store(y + row * width + cols, (v * r * g).to(tl.bfloat16), mask=mask)

    @triton.jit
    def add_rms_norm(x, res, w, y, width, eps, BLOCK: tl.constexpr):
        row = tl.program_id(0).to(tl.int64)
        cols = tl.arange(0, BLOCK)
        mask = cols < width
        v = (tl.load(x + row * width + cols, mask=mask, other=0.0).to(tl.float32) +
             tl.load(res + row * width + cols, mask=mask, other=0.0).to(tl.float32))
        tl.store(res + row * width + cols, v.to(tl.bfloat16), mask=mask)
        r = tl.rsqrt(tl.sum(v * v, axis=0) / width + eps)
        g = tl.load(w + cols, mask=mask, other=0.0).to(tl.float32)
        tl.store(y + row * width + cols, (v * r * g).to(tl.bfloat16), mask=mask)

    @triton.jit
    def silu_and_mul(x, y, width, BLOCK: tl.constexpr):
        row = tl.program_id(0).to(tl.int64)
        cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
        mask = cols < width
        gate = tl.load(x + row * 2 * width + cols, mask=mask, other=0.0).to(tl.float32)
        up = tl.load(x + row * 2 * width + width + cols, mask=mask, other=0.0).to(tl.float32)
        act = gate / (1.0 + tl.exp(-gate)) * up
        tl.store(y + row * width + cols, act.to(tl.bfloat16), mask=mask)

    @triton.jit
    def quant_fp8(x, y, scales, width, GROUPS: tl.constexpr):
        # one program: GROUPS consecutive 128-wide groups of one token
        row = tl.program_id(0).to(tl.int64)
        g0 = tl.program_id(1) * GROUPS
        gs = g0 + tl.arange(0, GROUPS)
        offs = gs[:, None] * 128 + tl.arange(0, 128)[None, :]
        mask = offs < width
        v = tl.load(x + row * width + offs, mask=mask, other=0.0).to(tl.float32)
        amax = tl.maximum(tl.max(tl.abs(v), axis=1), 1e-4)
        scale = amax / 448.0
        tl.store(y + row * width + offs, (v / scale[:, None]).to(tl.float8e4nv), mask=mask)
        tl.store(scales + row * (width // 128) + gs, scale, mask=gs < width // 128)

    _TRITON.update(empty=empty, rms_norm=rms_norm, add_rms_norm=add_rms_norm,
                   silu_and_mul=silu_and_mul, quant_fp8=quant_fp8, triton=triton)
    return _TRITON


def build_triton(torch, key, args, l2_bytes):
    k = triton_kernels()
    dev = "cuda"
    if key == "launch_empty":
        word = torch.zeros(1, device=dev, dtype=torch.int32)
        return lambda i: k["empty"][(1,)](word)
    op = key[len("elementwise_"):]
    t, w = args
    block = k["triton"].next_power_of_2(w)
    bf16 = torch.bfloat16
    per_row_in = {"rms_norm": w, "add_rms_norm": w, "silu_and_mul": 2 * w, "quant_fp8": w}[op]
    xs = rotating(lambda: torch.randn(t, per_row_in, device=dev, dtype=bf16),
                  2 * t * per_row_in, l2_bytes)
    if op == "rms_norm":
        g = torch.randn(w, device=dev, dtype=bf16)
        y = torch.empty(t, w, device=dev, dtype=bf16)
        return lambda i: k["rms_norm"][(t,)](xs[i % len(xs)], g, y, w, 1e-6, BLOCK=block,
                                             num_warps=8)
    if op == "add_rms_norm":
        g = torch.randn(w, device=dev, dtype=bf16)
        res = rotating(lambda: torch.randn(t, w, device=dev, dtype=bf16), 2 * t * w, l2_bytes)
        y = torch.empty(t, w, device=dev, dtype=bf16)
        return lambda i: k["add_rms_norm"][(t,)](xs[i % len(xs)], res[i % len(res)], g, y, w,
                                                 1e-6, BLOCK=block, num_warps=8)
    if op == "silu_and_mul":
        y = torch.empty(t, w, device=dev, dtype=bf16)
        blk = 1024
        grid = (t, (w + blk - 1) // blk)
        return lambda i: k["silu_and_mul"][grid](xs[i % len(xs)], y, w, BLOCK=blk, num_warps=4)
    if op == "quant_fp8":
        y = torch.empty(t, w, device=dev, dtype=torch.float8_e4m3fn)
        scales = torch.empty(t, w // 128, device=dev, dtype=torch.float32)
        groups = 8
        grid = (t, (w // 128 + groups - 1) // groups)
        return lambda i: k["quant_fp8"][grid](xs[i % len(xs)], y, scales, w, GROUPS=groups,
                                              num_warps=4)
    raise ValueError(key)


def check_triton(torch):
    """Each elementwise kernel against a float32 reference once, on fresh random
    inputs with the output poisoned first: ({op: relative error}, {op: why it is
    not timed}). Errors: bf16 outputs ~4e-3, e4m3 ~3 %; NaN fails."""
    dev = "cuda"
    t, w, wi = 37, HIDDEN, INTERMEDIATE
    bf16 = torch.bfloat16

    def rel(out, ref):
        return ((out.float() - ref).norm() / ref.norm()).item()

    def norm_ref(v, g):
        return v * torch.rsqrt((v * v).mean(-1, keepdim=True) + 1e-6) * g.float()

    def rms(k):
        x, g = torch.randn(t, w, device=dev, dtype=bf16), torch.randn(w, device=dev, dtype=bf16)
        y = torch.full((t, w), float("nan"), device=dev, dtype=bf16)
        k["rms_norm"][(t,)](x, g, y, w, 1e-6, BLOCK=8192, num_warps=8)
        return rel(y, norm_ref(x.float(), g))

    def add_rms(k):
        x, g = torch.randn(t, w, device=dev, dtype=bf16), torch.randn(w, device=dev, dtype=bf16)
        res = torch.randn(t, w, device=dev, dtype=bf16)
        s = x.float() + res.float()
        y = torch.full((t, w), float("nan"), device=dev, dtype=bf16)
        k["add_rms_norm"][(t,)](x, res, g, y, w, 1e-6, BLOCK=8192, num_warps=8)
        return max(rel(y, norm_ref(s, g)), rel(res, s))

    def silu(k):
        x = torch.randn(t, 2 * wi, device=dev, dtype=bf16)
        y = torch.full((t, wi), float("nan"), device=dev, dtype=bf16)
        k["silu_and_mul"][(t, (wi + 1023) // 1024)](x, y, wi, BLOCK=1024, num_warps=4)
        ref = torch.nn.functional.silu(x.float()[:, :wi]) * x.float()[:, wi:]
        return rel(y, ref)

    def quant(k):
        x = torch.randn(t, w, device=dev, dtype=bf16)
        y = torch.empty(t, w, device=dev, dtype=torch.float8_e4m3fn)
        sc = torch.full((t, w // 128), float("nan"), device=dev, dtype=torch.float32)
        k["quant_fp8"][(t, (w // 128 + 7) // 8)](x, y, sc, w, GROUPS=8, num_warps=4)
        deq = (y.float().view(t, w // 128, 128) * sc[:, :, None]).view(t, w)
        return rel(deq, x.float())

    def empty(k):
        word = torch.zeros(1, device=dev, dtype=torch.int32)
        k["empty"][(1,)](word)
        return 0.0 if word.item() == 1 else float("nan")

    errs, bad = {}, {}
    try:
        k = triton_kernels()
    except Exception as e:
        why = f"{type(e).__name__}: {e}".splitlines()[0]
        return errs, {op: why for op in list(ELEMENTWISE) + ["launch_empty"]}
    for op, check in (("launch_empty", empty), ("rms_norm", rms), ("add_rms_norm", add_rms),
                      ("silu_and_mul", silu), ("quant_fp8", quant)):
        try:
            errs[op] = check(k)
            torch.cuda.synchronize()
            if not errs[op] < 0.07:
                bad[op] = f"relative error {errs[op]:.3g} vs a float32 reference"
        except Exception as e:
            bad[op] = f"{type(e).__name__}: {e}".splitlines()[0]
    return errs, bad


def measure(torch, fn):
    """Per-call milliseconds of REPETITIONS repetitions, calls per repetition, method."""
    for i in range(3):
        fn(i)
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    for i in range(3):
        fn(i)
    end.record()
    end.synchronize()
    one = max(start.elapsed_time(end) / 3, 1e-3)
    n = max(1, min(2000, int(TARGET_MS / one)))

    def eager():
        for i in range(n):
            fn(i)

    run, method = eager, "eager"
    try:
        graph = torch.cuda.CUDAGraph()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            fn(0)
        torch.cuda.current_stream().wait_stream(side)
        with torch.cuda.graph(graph):
            for i in range(n):
                fn(i)
        graph.replay()
        torch.cuda.synchronize()
        run, method = graph.replay, "cuda_graph"
    except Exception:  # capture is not supported by every op / version: time eagerly
        torch.cuda.synchronize()
    times = []
    for _ in range(REPETITIONS):
        start.record()
        run()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / n)
    return times, n, method


# --- JSON in Google Benchmark's layout ---------------------------------------------------------


def aggregate_rows(index, name, times_us, flop, nbytes):
    mean = statistics.fmean(times_us)
    median = statistics.median(times_us)
    stddev = statistics.stdev(times_us) if len(times_us) > 1 else 0.0
    rows = []
    for agg, value, unit in (("mean", mean, "time"), ("median", median, "time"),
                             ("stddev", stddev, "time"),
                             ("cv", stddev / mean if mean > 0 else 0.0, "percentage")):
        row = {
            "name": f"{name}_{agg}",
            "family_index": index,
            "per_family_instance_index": 0,
            "run_name": name,
            "run_type": "aggregate",
            "repetitions": len(times_us),
            "threads": 1,
            "aggregate_name": agg,
            "aggregate_unit": unit,
            "iterations": len(times_us),
            "real_time": value,
            "cpu_time": value,
            "time_unit": "us",
        }
        if unit == "time" and agg != "stddev" and value > 0:
            row["FLOP/s"] = flop / (value * 1e-6)
            row["bytes/s"] = nbytes / (value * 1e-6)
        rows.append(row)
    return rows


def error_row(index, name, message):
    return {
        "name": name,
        "family_index": index,
        "per_family_instance_index": 0,
        "run_name": name,
        "run_type": "iteration",
        "repetitions": REPETITIONS,
        "repetition_index": 0,
        "threads": 1,
        "iterations": 0,
        "real_time": 0.0,
        "cpu_time": 0.0,
        "time_unit": "us",
        "error_occurred": True,
        "error_message": message,
    }


def context(extra):
    ctx = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host_name": socket.gethostname(),
        "executable": "benchmarks/gpu/measure_kernels.py",
        "num_cpus": os.cpu_count() or 0,
        "mhz_per_cpu": 0,
        "cpu_scaling_enabled": False,
        "caches": [],
        "load_avg": list(os.getloadavg()) if hasattr(os, "getloadavg") else [],
        "library_build_type": "release",
        "kernel_time": "real_time",
        "timing": (f"CUDA events around {REPETITIONS} repetitions of n calls (CUDA graph when "
                   "capture works); per-call time; weights rotate past 4x L2"),
        "attention_impl": "bmm -> fp32 softmax -> bmm, bf16, scores in HBM (not FlashMLA)",
        "prefill_attention_impl": ("torch.nn.functional.scaled_dot_product_attention, "
                                   "is_causal=True, bf16, the first of cuDNN / flash / "
                                   "memory-efficient that runs (prefill_attention_backends); "
                                   "not FlashMLA"),
        "grouped_gemm_impl": ("bf16: torch.bmm; fp8: torch._scaled_grouped_mm (row-wise "
                              "scales); equal M per expert; prefill rows (PREFILL_GROUPED) "
                              "in the contiguous layout: torch._grouped_mm / "
                              "torch._scaled_grouped_mm over 2-D rows with offsets"),
        "elementwise_impl": ("one fused Triton kernel per op (see measure_kernels.py), checked "
                             "against float32 before timing"),
        "python": platform.python_version(),
    }
    ctx.update(extra)
    return ctx


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", default="gpu_kernels.json", help="JSON file to write")
    parser.add_argument("--dry_run", action="store_true",
                        help="no GPU: write every row with placeholder times (layout check)")
    parser.add_argument("--filter", default="", help="only rows whose name contains one of these (comma-separated)")
    parser.add_argument("--prefill", action="store_true",
                        help="only the prefill-shaped rows (GEMMs at M >= 4096, contiguous "
                             "grouped GEMMs, prefill attention)")
    args = parser.parse_args(argv)

    wanted = args.filter.split(",")
    rows = [r for r in plan() if any(f in r[0] for f in wanted)]
    if args.prefill:
        rows = [r for r in rows if is_prefill(r)]
    if not rows:
        print("measure_kernels: no rows match --filter / --prefill", file=sys.stderr)
        return 2
    out = []
    if args.dry_run:
        extra = {"dry_run": "true: placeholder times, not measurements"}
        for i, (name, flop, nbytes, _, _) in enumerate(rows):
            base = float(i + 1)
            out += aggregate_rows(i, name, [base, base * 1.01, base * 0.99], flop, nbytes)
    else:
        try:
            import torch
        except ImportError as e:
            print(f"measure_kernels: PyTorch is needed (or use --dry_run): {e}", file=sys.stderr)
            return 2
        if not torch.cuda.is_available():
            print("measure_kernels: no CUDA device visible", file=sys.stderr)
            return 2
        props = torch.cuda.get_device_properties(0)
        l2_bytes = getattr(props, "L2_cache_size", 50 << 20)
        extra = {
            "device": props.name,
            "device_memory_bytes": str(props.total_memory),
            "device_sm_count": str(props.multi_processor_count),
            "device_l2_bytes": str(l2_bytes),
            "torch": torch.__version__,
            "cuda": str(torch.version.cuda),
        }
        torch.backends.cuda.matmul.allow_tf32 = False
        errs, unusable = check_triton(torch)
        extra["triton_check_relative_error"] = ",".join(f"{k}:{v:.2e}" for k, v in errs.items())
        print(f"triton kernels checked: {extra['triton_check_relative_error']}; "
              f"unusable: {unusable}", file=sys.stderr)
        began = time.monotonic()
        methods = set()
        for i, (name, flop, nbytes, key, shape) in enumerate(rows):
            if time.monotonic() - began > BUDGET_S:
                out.append(error_row(i, name, f"skipped: past the {BUDGET_S:.0f} s budget"))
                continue
            op = key[len("elementwise_"):] if key.startswith("elementwise_") else key
            if op in unusable:
                out.append(error_row(i, name, "skipped: " + unusable[op]))
                continue
            fn = None
            try:
                fn = build(torch, key, shape, l2_bytes)
                times_ms, n, method = measure(torch, fn)
                methods.add(method)
            except Exception as e:  # e.g. FP8 unsupported: record the row as skipped
                out.append(error_row(i, name, f"{type(e).__name__}: {e}".splitlines()[0]))
                print(f"{name}: skipped: {e}".splitlines()[0], file=sys.stderr)
                continue
            finally:
                fn = None
                torch.cuda.empty_cache()
            times_us = [t * 1e3 for t in times_ms]
            med = statistics.median(times_us)
            print(f"{name}: {med:.2f} us ({n} calls x {REPETITIONS}, {method}) "
                  f"{flop / med * 1e-6:.1f} TFLOP/s {nbytes / med * 1e-3:.1f} GB/s",
                  file=sys.stderr)
            out += aggregate_rows(i, name, times_us, flop, nbytes)
        extra["timing_methods"] = ",".join(sorted(methods))
        if SDPA_BACKENDS:
            extra["prefill_attention_backends"] = ",".join(
                f"{name}:{backend}" for name, backend in SDPA_BACKENDS.items())
        extra["seconds"] = f"{time.monotonic() - began:.1f}"
    doc = {"context": context(extra), "benchmarks": out}
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"measure_kernels: wrote {args.out} ({len(rows)} benchmarks)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
