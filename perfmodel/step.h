// File: perfmodel/step.h
// -----------------------------------------------------------------------------
//
// The one result type every tool renders: a decode step or a prefill as rows
// of (op, part, count, cost), with the forward time, the host gap, the SLA it
// achieves and the memory it needs per GPU. perfmodel/graph.h fills it.
//
//   StepResult r = EstimateDecode(model, hw, deployment);
//   r.PartLayerTime(Part::kMoe)   // one MoE layer, e.g. 0.44 ms
//   r.forward                     // Σ over rows of time x count
//   r.sla.tpot                    // (forward + host gap) / accepted tokens
//
// Fixed capacity (kMaxRows), no allocation: a scheduler can hold one on the stack
// and the whole estimate can run inside a constant expression.

#ifndef PERFMODEL_STEP_H_
#define PERFMODEL_STEP_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "perfmodel/names.h"
#include "perfmodel/ops.h"
#include "perfmodel/routing.h"
#include "perfmodel/sla.h"
#include "perfmodel/spec.h"
#include "perfmodel/units.h"

namespace perfmodel {

// One op of one part: `cost` is one occurrence (one layer), `visible` the time
// it adds to the step after overlap (equal to cost.time() unless hidden behind
// another micro-batch's compute), `count` its occurrences per step. A
// communication row's time splits into Wire(), cost.latency and launch
// overhead; `wait` is beside them.
struct OpRow final {
  std::string_view op;
  Part part = Part::kDense;
  int64_t count = 0;
  OpCost cost;
  Duration visible;
  // Of a communication row after attention (dispatch, or a dense MLP's
  // all-gather across DP ranks): the slowest sender's lag, i.e. how much
  // longer its attention ran than a balanced rank's. The forward already
  // holds it (attention is costed on the slowest rank); a balanced rank's
  // profile shows it inside this op instead.
  Duration wait;

  // Wire() is the transfer time of the bytes (the hottest receiver's) over
  // the bounding link, without its latency.
  constexpr Duration Wire() const { return cost.kernel_time - cost.latency; }

  constexpr Duration Total() const { return visible * static_cast<double>(count); }
};

// One GPU's KV cache as a function of what it holds. Per-token bytes alone
// cannot say it once some layers slide: a full-attention layer keeps every
// token of a request (`per_token`, summed over those layers), a sliding
// layer at most the request's last `window_tokens` (`per_window_token`).
//
//   KvFootprint f{ByteCount(100), ByteCount(50), 128};
//   f.Of(1, 1000)          // == 100 x 1000 + 50 x 128 bytes
//   f.PerTokenInWindow()   // == 150 bytes: a token of a request within the window
struct KvFootprint final {
  Bytes per_token = {};
  Bytes per_window_token = {};
  int64_t window_tokens = 0;  // 0: no sliding layers

  // Windowed() is the tokens the sliding layers keep of `requests` requests
  // holding `tokens` in all: min(tokens, requests x window), each request
  // at the mean. Σ min(context, w) is at most that (min is concave), and
  // equal when every request is within the window or every one beyond it.
  constexpr double Windowed(double requests, double tokens) const {
    const double cap = requests * static_cast<double>(window_tokens);
    return tokens < cap ? tokens : cap;
  }
  // Of() is the KV cache of `requests` requests holding `tokens` tokens.
  constexpr Bytes Of(double requests, double tokens) const {
    Bytes b = per_token * tokens;
    if (window_tokens > 0) b += per_window_token * Windowed(requests, tokens);
    return b;
  }
  // PerTokenInWindow() is one token's bytes while its request is within the
  // window: every layer's.
  constexpr Bytes PerTokenInWindow() const { return per_token + per_window_token; }

  friend constexpr KvFootprint operator+(const KvFootprint& a, const KvFootprint& b) {
    return {a.per_token + b.per_token, a.per_window_token + b.per_window_token,
            a.window_tokens > b.window_tokens ? a.window_tokens : b.window_tokens};
  }
};

// Memory per GPU. `activations` is a prefill forward's workspace (its
// largest live buffers, ForwardStep::Workspace()); a decode step's small,
// CUDA-graph-captured buffers are within the deployment's reserve.
struct MemoryUse final {
  Bytes weights;
  Bytes kv_cache;
  Bytes reserve;
  Bytes capacity;
  Bytes activations;

  constexpr Bytes Total() const { return weights + kv_cache + reserve + activations; }
  constexpr bool Fits() const { return Total() <= capacity; }
  constexpr Bytes Headroom() const { return capacity - Total(); }  // negative: over
};

// One MoE part's routing (perfmodel/routing.h) and the tokens it routed per
// micro-batch (all attention DP ranks' tokens).
struct PartRouting final {
  double tokens = 0.0;
  RoutingLoad load;
};

struct StepResult final {
  static constexpr std::size_t kMaxRows = 104;  // DeepSeekForward with sparse attention: 100

  std::array<OpRow, kMaxRows> rows{};
  std::size_t row_count = 0;
  Phase phase = Phase::kDecode;
  // Forwards the rows sum over: 1 for a step; a chunked prefill's chunks.
  int64_t forwards = 1;
  Duration forward;   // Σ rows' visible time x count
  Duration host_gap;  // idle between forwards (all `forwards` of them): workload + host model
  DecodeSla sla;      // decode: per machine, from forward + host gap
  PrefillSla prefill;  // prefill: TTFT of the batch and prompt tokens/s
  MemoryUse memory;
  int64_t tokens_per_rank = 0;  // query tokens one DP rank feeds the main model per forward
  int64_t dp_per_machine = 1;   // attention DP ranks on one node
  // Routing per part (indexed by Part; zero where the part has no MoE).
  std::array<PartRouting, kPartCount> routing{};


  // PartLayerTime() is one occurrence of `part` (one layer, one MTP pass...):
  // the Σ of its rows' visible time.
  constexpr Duration PartLayerTime(Part part) const {
    Duration t;
    for (std::size_t i = 0; i < row_count; ++i) {
      if (rows[i].part == part) t += rows[i].visible;
    }
    return t;
  }
  // Kernels() is the kernels the step launches: Σ rows' kernels x count.
  constexpr int64_t Kernels() const {
    int64_t k = 0;
    for (std::size_t i = 0; i < row_count; ++i) k += rows[i].cost.kernels * rows[i].count;
    return k;
  }
  // PartCount() is how many times `part` runs per step (0 if absent).
  constexpr int64_t PartCount(Part part) const {
    for (std::size_t i = 0; i < row_count; ++i) {
      if (rows[i].part == part) return rows[i].count;
    }
    return 0;
  }
  // PartTotal() is the step time spent in `part`.
  constexpr Duration PartTotal(Part part) const {
    Duration t;
    for (std::size_t i = 0; i < row_count; ++i) {
      if (rows[i].part == part) t += rows[i].Total();
    }
    return t;
  }
  // Find() returns the row of `op` in `part`, or nullptr.
  constexpr const OpRow* Find(std::string_view op, Part part) const {
    for (std::size_t i = 0; i < row_count; ++i) {
      if (rows[i].op == op && rows[i].part == part) return &rows[i];
    }
    return nullptr;
  }
};

}  // namespace perfmodel

#endif  // PERFMODEL_STEP_H_
