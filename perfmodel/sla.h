// File: perfmodel/sla.h
// -----------------------------------------------------------------------------
//
// SLA algebra for LLM serving, both ways: from targets to budgets, and from a
// measured (or simulated) forward time to the SLA it achieves. Everything is
// constexpr, so a service can check its own numbers in a `static_assert`.
//
// Two rates are easy to confuse, and the seed analysis did: the *machine* output
// rate (tokens/s summed over every user a machine serves) and the *per-user*
// output rate (tokens/s one user sees). Here they are always named apart:
// `machine_output_tps` and `user_output_tps`.
//
// Decode relations (one machine; `dp` attention data-parallel ranks, each with
// `batch_per_dp` concurrent requests; each step emits `accepted_tokens_per_step`
// tokens per request on average, 1 without speculative decoding):
//
//   concurrency        = dp * batch_per_dp
//   user_output_tps    = machine_output_tps / concurrency
//   tpot               = 1 / user_output_tps
//   step time          = forward + host_gap = accepted_tokens_per_step * tpot
//
// Example (the seed's target and measured rows):
//
//   constexpr DecodeShape kShape{.dp = 8, .batch_per_dp = 24,
//                                .accepted_tokens_per_step = 2.3};
//   constexpr DecodeSla target = DecodeFromMachineTps(TokensPerSec(11520), kShape);
//   // ToTokensPerSecond(target.user_output_tps) == 60
//   // ToMilliseconds(target.tpot) == 16.67, ToMilliseconds(target.forward) == 38.33
//   constexpr DecodeSla measured = DecodeFromForward(Milliseconds(28.5), kShape);
//   // ToMilliseconds(measured.tpot) == 12.39, user 80.70 tok/s, machine 15496 tok/s
//
// Preconditions (dp >= 1, batch_per_dp >= 1, accepted tokens > 0, positive
// rates and times) are checked by ValidateDecodeShape() / ValidatePrefillShape()
// at the boundary; the constexpr functions assume them.

#ifndef PERFMODEL_SLA_H_
#define PERFMODEL_SLA_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "perfmodel/units.h"

namespace perfmodel {

// The shape of a decode deployment as far as the SLA algebra cares.
struct DecodeShape final {
  int64_t dp = 1;                         // attention data-parallel ranks per machine
  int64_t batch_per_dp = 1;               // concurrent requests per DP rank
  double accepted_tokens_per_step = 1.0;  // tokens emitted per request per forward
};

// A decode SLA row: either a target with its budgets, or what a measured
// forward time achieves. `forward` is the forward-pass time (a budget for
// targets); `host_gap` is the idle time between two forwards, which counts in
// TPOT.
struct DecodeSla final {
  TokensPerSecond machine_output_tps;  // summed over all users of the machine
  TokensPerSecond user_output_tps;     // seen by one user
  Duration tpot;                       // time per output token, user view
  Duration forward;                    // one forward pass (budget or measured)
  Duration host_gap;                   // between forwards; part of each step
  DecodeShape shape;
  int64_t concurrency = 0;             // dp * batch_per_dp
};

// Concurrency() is the number of requests one machine serves at once.
constexpr int64_t Concurrency(const DecodeShape& s) { return s.dp * s.batch_per_dp; }

// DecodeFromUserTps() derives the row from a per-user output rate. The forward
// budget is what remains of a step after the host gap; it is negative when the
// gap alone exceeds the step (the target is then unreachable).
constexpr DecodeSla DecodeFromUserTps(TokensPerSecond user_tps, const DecodeShape& s,
                                      Duration host_gap = Duration::Zero()) {
  const Duration tpot = 1.0 / user_tps * TokenCount(1);
  const Duration step = s.accepted_tokens_per_step * tpot;
  return DecodeSla{
      .machine_output_tps = user_tps * static_cast<double>(Concurrency(s)),
      .user_output_tps = user_tps,
      .tpot = tpot,
      .forward = step - host_gap,
      .host_gap = host_gap,
      .shape = s,
      .concurrency = Concurrency(s),
  };
}

// DecodeFromMachineTps() derives the row from the machine's total output rate.
constexpr DecodeSla DecodeFromMachineTps(TokensPerSecond machine_tps, const DecodeShape& s,
                                         Duration host_gap = Duration::Zero()) {
  return DecodeFromUserTps(machine_tps / static_cast<double>(Concurrency(s)), s, host_gap);
}

// DecodeFromTpot() derives the row from a TPOT target.
constexpr DecodeSla DecodeFromTpot(Duration tpot, const DecodeShape& s,
                                   Duration host_gap = Duration::Zero()) {
  return DecodeFromUserTps(TokenCount(1) / tpot, s, host_gap);
}

// DecodeFromForward() is the reverse direction: the SLA achieved by a forward
// time (measured or simulated) plus the host gap between forwards.
constexpr DecodeSla DecodeFromForward(Duration forward, const DecodeShape& s,
                                      Duration host_gap = Duration::Zero()) {
  const Duration step = forward + host_gap;
  const Duration tpot = step / s.accepted_tokens_per_step;
  const TokensPerSecond user = TokenCount(1) / tpot;
  return DecodeSla{
      .machine_output_tps = user * static_cast<double>(Concurrency(s)),
      .user_output_tps = user,
      .tpot = tpot,
      .forward = forward,
      .host_gap = host_gap,
      .shape = s,
      .concurrency = Concurrency(s),
  };
}

// MeetsTpot() is true when the achieved TPOT is at or below the target.
constexpr bool MeetsTpot(const DecodeSla& achieved, Duration target_tpot) {
  return achieved.tpot <= target_tpot;
}

// MeetsUserTps() is true when each user gets at least `target` tokens/s.
constexpr bool MeetsUserTps(const DecodeSla& achieved, TokensPerSecond target) {
  return achieved.user_output_tps >= target;
}

// The shape of a prefill deployment: `batch_per_dp` prompts of
// `prompt_tokens` each are prefilled together by each of `dp` ranks.
struct PrefillShape final {
  int64_t dp = 1;
  int64_t batch_per_dp = 1;
  int64_t prompt_tokens = 1;
};

// A prefill SLA row. For a target, `forward` is the budget of one prefill
// forward (TTFT less the host gap) and the rates are what the node must
// sustain; from a measurement, TTFT = forward + host gap.
struct PrefillSla final {
  Duration ttft;
  Duration forward;
  Duration host_gap;
  TokensPerSecond rank_prefill_tps;     // prompt tokens/s one DP rank processes
  TokensPerSecond machine_prefill_tps;  // summed over the machine's DP ranks
  PrefillShape shape;
};

// PrefillFromTtft() gives the budget and the required prefill rates for a TTFT
// target, with the whole batch prefilled in one forward.
constexpr PrefillSla PrefillFromTtft(Duration ttft, const PrefillShape& s,
                                     Duration host_gap = Duration::Zero()) {
  const Duration forward = ttft - host_gap;
  const Tokens per_rank = TokenCount(static_cast<double>(s.batch_per_dp * s.prompt_tokens));
  const TokensPerSecond rank = per_rank / forward;
  return PrefillSla{
      .ttft = ttft,
      .forward = forward,
      .host_gap = host_gap,
      .rank_prefill_tps = rank,
      .machine_prefill_tps = rank * static_cast<double>(s.dp),
      .shape = s,
  };
}

// PrefillFromForward() is the SLA achieved by a measured prefill forward.
constexpr PrefillSla PrefillFromForward(Duration forward, const PrefillShape& s,
                                        Duration host_gap = Duration::Zero()) {
  const Tokens per_rank = TokenCount(static_cast<double>(s.batch_per_dp * s.prompt_tokens));
  const TokensPerSecond rank = per_rank / forward;
  return PrefillSla{
      .ttft = forward + host_gap,
      .forward = forward,
      .host_gap = host_gap,
      .rank_prefill_tps = rank,
      .machine_prefill_tps = rank * static_cast<double>(s.dp),
      .shape = s,
  };
}

// ValidateDecodeShape() returns InvalidArgument naming the first bad field.
inline absl::Status ValidateDecodeShape(const DecodeShape& s) {
  if (s.dp < 1) return absl::InvalidArgumentError(absl::StrCat("dp: must be >= 1, got ", s.dp));
  if (s.batch_per_dp < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_per_dp: must be >= 1, got ", s.batch_per_dp));
  }
  if (!(s.accepted_tokens_per_step > 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "accepted_tokens_per_step: must be > 0, got ", s.accepted_tokens_per_step));
  }
  return absl::OkStatus();
}

// ValidatePrefillShape() returns InvalidArgument naming the first bad field.
inline absl::Status ValidatePrefillShape(const PrefillShape& s) {
  if (s.dp < 1) return absl::InvalidArgumentError(absl::StrCat("dp: must be >= 1, got ", s.dp));
  if (s.batch_per_dp < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch_per_dp: must be >= 1, got ", s.batch_per_dp));
  }
  if (s.prompt_tokens < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("prompt_tokens: must be >= 1, got ", s.prompt_tokens));
  }
  return absl::OkStatus();
}

}  // namespace perfmodel

#endif  // PERFMODEL_SLA_H_
