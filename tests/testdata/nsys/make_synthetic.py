#!/usr/bin/env python3
"""Writes the SYNTHETIC nsys CSV fixtures of this directory (see README.md).

Nothing here was measured: the per-launch durations come from
synthetic_program.csv, which spells out the seed's per-op table
(shared/seed/DIGEST.md section 2) as kernel launches. Run from this directory:
    python3 make_synthetic.py
"""
import csv
import io
import statistics

STEPS = 4
LAYERS = {"dense": 3, "moe": 58, "head": 1, "step": 1}  # DeepSeek-V3: 3 dense + 58 MoE layers

KERN_SUM_HEADER = ["Time (%)", "Total Time (ns)", "Instances", "Avg (ns)", "Med (ns)",
                   "Min (ns)", "Max (ns)", "StdDev (ns)", "Name"]
OLD_KERN_SUM_HEADER = ["Time(%)", "Total Time (ns)", "Instances", "Average", "Minimum",
                       "Maximum", "Name"]
TRACE_HEADER = ["Start (ns)", "Duration (ns)", "CorrId", "GrdX", "GrdY", "GrdZ", "BlkX", "BlkY",
                "BlkZ", "Reg/Trd", "StcSMem (MB)", "DymSMem (MB)", "Bytes (MB)",
                "Throughput (MB/s)", "SrcMemKd", "DstMemKd", "Device", "Ctx", "GreenCtx", "Strm",
                "Name"]
OLD_TRACE_HEADER = ["Start (ns)", "Duration (ns)", "CorrId", "GrdX", "GrdY", "GrdZ", "BlkX",
                    "BlkY", "BlkZ", "Reg/Trd", "StcSMem (MB)", "DymSMem (MB)", "Bytes (MB)",
                    "Throughput (MBps)", "SrcMemKd", "DstMemKd", "Device", "Ctx", "Strm", "Name"]


def read_program():
    with open("synthetic_program.csv", newline="") as f:
        return [(r["layer_kind"], r["op"], int(r["duration_ns"]), r["kernel"])
                for r in csv.DictReader(f)]


def one_step(program):
    """The launches of one step in order: (kernel, duration_ns)."""
    out = []
    for kind in ("dense", "moe", "head", "step"):
        rows = [(k, d) for lk, _, d, k in program if lk == kind]
        for _ in range(LAYERS[kind]):
            out.extend(rows)
    return out


def kern_sum_rows(program):
    """Per kernel: all launch durations over STEPS steps, with a jitter that
    cancels over each pair of steps so totals stay exact."""
    step = one_step(program)
    launches = {}
    order = []
    for s in range(STEPS):
        sign = 1 if s % 2 == 0 else -1
        for p, (k, d) in enumerate(step):
            jitter = round(d * 0.004 * ((p * 7919) % 5 + 1))
            if k not in launches:
                launches[k] = []
                order.append(k)
            launches[k].append(d + sign * jitter)
    grand = sum(sum(v) for v in launches.values())
    rows = []
    for k in order:
        v = launches[k]
        rows.append(dict(name=k, total=sum(v), n=len(v), avg=sum(v) / len(v),
                         med=statistics.median(v), min=min(v), max=max(v),
                         std=statistics.stdev(v) if len(v) > 1 else 0.0,
                         pct=100.0 * sum(v) / grand))
    rows.sort(key=lambda r: (-r["total"], r["n"], r["name"]))
    return rows


def write_kern_sum(program):
    rows = kern_sum_rows(program)
    with open("deepseek_decode_cuda_gpu_kern_sum.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(KERN_SUM_HEADER)
        for r in rows:
            w.writerow([f"{r['pct']:.1f}", r["total"], r["n"], f"{r['avg']:.1f}",
                        f"{r['med']:.1f}", r["min"], r["max"], f"{r['std']:.1f}", r["name"]])
    # Older nsys (gpukernsum), its stdout captured: chatter before the header,
    # every field quoted, CRLF line ends.
    buf = io.StringIO()
    buf.write("Using deepseek_decode.sqlite for SQL queries.\r\n")
    buf.write("Running [/opt/nvidia/nsight-systems/2021.2.4/target-linux-x64/reports/"
              "gpukernsum.py deepseek_decode.sqlite]... \r\n\r\n")
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(OLD_KERN_SUM_HEADER)
    for r in rows:
        w.writerow([f"{r['pct']:.1f}", r["total"], r["n"], f"{r['avg']:.1f}", r["min"], r["max"],
                    r["name"]])
    with open("deepseek_decode_gpukernsum_old.csv", "w", newline="") as f:
        f.write(buf.getvalue())


def toy_step(program, scale):
    """A toy model: 2 dense layers of (norm, attention, o_proj gemm, norm), then
    an MTP module whose kernels reuse the dense layer's names, then a
    device-to-host copy and an NCCL kernel that no rule maps."""
    name = {op: k for lk, op, _, k in program if lk == "dense"}
    rms = name["attn_norm"]
    mla = next(k for lk, op, _, k in program if op == "attention" and "splitkv_mla_kernel" in k)
    gemm = next(k for lk, op, _, k in program if op == "o_proj" and "fp8_gemm" in k)
    nccl = next(k for lk, op, _, k in program if k.startswith("ncclDevKernel"))
    layer = [(rms, 8000), (mla, 150000), (gemm, 30000), (rms, 3000)]
    step = layer * 2 + [(rms, 5000), (mla, 60000), ("[CUDA memcpy Device-to-Host]", 2000),
                        (nccl, 21000)]
    return [(k, round(d * scale)) for k, d in step]


def write_toy_traces(program):
    devices = [("NVIDIA H800 (0)", 1.0), ("NVIDIA H800 (1)", 1.1)]
    rows = []
    corr = 100
    for dev_index, (device, scale) in enumerate(devices):
        t = 1_000_000_000 + 700 * dev_index
        for _ in range(2):  # steps
            for k, d in toy_step(program, scale):
                corr += 1
                if k.startswith("[CUDA memcpy"):
                    rows.append([t, d, corr, "", "", "", "", "", "", "", "", "", "0.001",
                                 "1.536", "Device", "Pinned", device, 1, "", 20, k])
                else:
                    rows.append([t, d, corr, 132, 1, 1, 128, 1, 1, 168, "0.000", "0.213", "", "",
                                 "", "", device, 1, "", 7, k])
                t += d + 1500
            t += 1_300_000  # host gap between forwards
    rows.sort(key=lambda r: r[0])
    with open("toy_cuda_gpu_trace.csv", "w", newline="") as f:
        f.write("Generating SQLite file toy.sqlite from toy.nsys-rep\n")
        f.write("Processing [toy.sqlite] with [/opt/nvidia/nsight-systems/2024.5.1/host-linux-x64/"
                "reports/cuda_gpu_trace.py]... \n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(TRACE_HEADER)
        w.writerows(rows)
    # Older nsys (gputrace): no GreenCtx column, "Throughput (MBps)", one GPU.
    with open("toy_gputrace_old.csv", "w", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(OLD_TRACE_HEADER)
        for r in rows:
            if r[16] == devices[0][0]:
                w.writerow(r[:18] + r[19:])


if __name__ == "__main__":
    program = read_program()
    write_kern_sum(program)
    write_toy_traces(program)
