// File: perfmodel/acceptance.h
// -----------------------------------------------------------------------------
//
// The acceptance model of multi-token prediction (speculative decoding with
// MTP drafts): how many tokens a request emits per verifying forward when it
// feeds `drafts` draft tokens.
//
// Draft k (k = 1 .. drafts) is accepted only if every draft before it was; its
// *conditional* acceptance is p_k = P(draft k accepted | drafts 1..k-1
// accepted). A step always emits the verified token, plus each draft of the
// accepted prefix:
//
//   E[tokens per step] = 1 + Σ_{k=1..drafts} Π_{j=1..k} p_j
//
// so more drafts never lower the expectation, but each adds less (and costs a
// full MTP pass and a wider verification). The per-position rates are data
// with a source (a search textproto's `acceptance`, proto/search.proto); e.g.
// DeepSeek-V3's report measures 85-90 % for the first draft (section 5.4.3).
//
//   constexpr MtpAcceptance a = MtpAcceptance::Of({0.85, 0.53});
//   a.ExpectedTokens(0)   // == 1
//   a.ExpectedTokens(1)   // == 1.85
//   a.ExpectedTokens(2)   // == 1 + 0.85 + 0.85 x 0.53 = 2.3005

#ifndef PERFMODEL_ACCEPTANCE_H_
#define PERFMODEL_ACCEPTANCE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace perfmodel {

struct MtpAcceptance final {
  // The most draft positions a model describes (DeepSeek-V3 has 1 MTP module,
  // reused autoregressively; engines run up to ~7 drafts).
  static constexpr std::size_t kMaxPositions = 16;

  std::array<double, kMaxPositions> per_position{};  // p_1, p_2, ...; each in [0, 1]
  std::size_t positions = 0;

  // Of() is the model with the given per-position rates (at most
  // kMaxPositions; the rest are dropped).
  static constexpr MtpAcceptance Of(std::initializer_list<double> rates) {
    MtpAcceptance a;
    for (const double p : rates) {
      if (a.positions == kMaxPositions) break;
      a.per_position[a.positions++] = p;
    }
    return a;
  }

  // ExpectedTokens() is E[tokens emitted per step] with `drafts` drafts, for
  // 0 <= drafts <= positions (drafts beyond the described positions count
  // nothing: they are never accepted as far as the model knows).
  constexpr double ExpectedTokens(int64_t drafts) const {
    double expected = 1.0;
    double all_accepted = 1.0;
    for (int64_t k = 0; k < drafts && static_cast<std::size_t>(k) < positions; ++k) {
      all_accepted *= per_position[static_cast<std::size_t>(k)];
      expected += all_accepted;
    }
    return expected;
  }

  friend constexpr bool operator==(const MtpAcceptance&, const MtpAcceptance&) = default;
};

}  // namespace perfmodel

#endif  // PERFMODEL_ACCEPTANCE_H_
