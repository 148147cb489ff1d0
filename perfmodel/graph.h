// File: perfmodel/graph.h
// -----------------------------------------------------------------------------
//
// The decode-step layer graph (this header includes its pieces:
// step_context.h, attention_blocks.h, mlp_blocks.h, layers.h, forward_step.h). The *structure* of a
// model family is a type, composed at compile time from named layer and block types; the
// *dimensions* are values (ModelSpec, HardwareSpec, DeploymentSpec, WorkloadSpec), constexpr or
// loaded at run time. The same Estimate() serves both paths, so they agree bit for bit.
//
//   using DeepSeekForward =
//       ForwardStep<Layers<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>,
//                   Mtp<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>, LmHead>;
//   static_assert(DeepSeekForward::Estimate(kModel, kHw, kDeployment, kWorkload).sla.tpot <
//                 Milliseconds(16.6));
//
// Each block emits its ops as rows (perfmodel/step.h), costed by the functions
// of perfmodel/ops.h. Modelling choices, each visible in a row:
// - A request feeds 1 + mtp_draft_tokens query tokens to the main model; every
//   query attends the request's whole context.
// - GEMMs whose activations are FP8 include the per-token quantisation kernel
//   (the seed's "2 + 14 us" q_b row is quant + GEMM).
// - Two-micro-batch overlap splits a rank's requests in two: every op runs
//   twice on half the tokens (so memory-bound GEMMs read their weights twice),
//   and micro-batch A's dispatch hides behind B's attention block, A's combine
//   behind B's expert GEMMs; a row's `visible` time is what is left.
// - Receive-hook overlap (DeepEP low-latency hooks, one micro-batch): dispatch
//   hides behind the shared expert, combine behind the next layer's attention.
// - MTP runs mtp_draft_tokens sequential passes of one token per request:
//   embedding/hidden projection, one decoder layer, the shared LM head.

#ifndef PERFMODEL_GRAPH_H_
#define PERFMODEL_GRAPH_H_

#include "perfmodel/attention_blocks.h"  // IWYU pragma: export
#include "perfmodel/forward_step.h"      // IWYU pragma: export
#include "perfmodel/layers.h"            // IWYU pragma: export
#include "perfmodel/mlp_blocks.h"        // IWYU pragma: export
#include "perfmodel/step.h"              // IWYU pragma: export
#include "perfmodel/step_context.h"      // IWYU pragma: export

#endif  // PERFMODEL_GRAPH_H_
