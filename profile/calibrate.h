// File: profile/calibrate.h
// -----------------------------------------------------------------------------
//
// Fits a hardware description's achieved-efficiency factors to a baseline, so
// the model predicts the next batch size or context length from what one
// profile measured. First the op-class factors (compute, memory and link
// efficiency of each class, and the per-kernel launch overhead) by minimising
// the time-weighted squared log error of every op in the baseline plus the
// forward time; then, only where a class cannot explain an op, a per-op time
// correction. Every change is explainable: a factor that would have to exceed
// the peak, or a correction that would make an op faster than its roofline at
// 100 % efficiency, is reported and not written.
//
//   absl::StatusOr<DiffInputs> in = LoadDiffInputs({.baseline = "baselines/seed_measured.textproto"});
//   absl::StatusOr<CalibrateResult> r = Calibrate(*in, {});
//   r->mape_before, r->mape_after        // per-op mean absolute % error
//   r->forward_error_after               // simulated / baseline forward - 1
//   CalibratedTextproto(*in, *r)         // a hardware textproto to write

#ifndef PROFILE_CALIBRATE_H_
#define PROFILE_CALIBRATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "loader/load.h"
#include "profile/diff.h"
#include "report/render.h"

namespace perfmodel {

struct CalibrateOptions final {
  // Ops whose error after the class fit exceeds this get a per-op correction;
  // 0 disables corrections.
  double per_op_threshold = 0.05;
  int rounds = 4;  // coordinate-descent sweeps over the class factors
};

struct OpFit final {
  std::string op;
  std::string part;
  Duration baseline, before, after;
};

struct CalibrateResult final {
  LoadedHardware hardware;            // the calibrated description
  std::vector<std::string> changes;   // "GEMM memory: 0.700 -> 0.812"
  std::vector<std::string> rejected;  // impossible factors, reported not written
  std::vector<std::string> corrections;  // per-op corrections written
  std::vector<OpFit> ops;
  double mape_before = 0, mape_after = 0;
  double forward_error_before = 0, forward_error_after = 0;
};

// Calibrate() fits `in.setup.hardware` to `in.baseline`. A baseline without a
// single op that the step also has is FailedPrecondition naming the file.
[[nodiscard]] absl::StatusOr<CalibrateResult> Calibrate(const DiffInputs& in,
                                                        const CalibrateOptions& options);

// CalibratedTextproto() is the calibrated hardware as a textproto: the
// original file's fields with the fitted factors, each source saying what it
// was fitted to, and a header comment with the fit's before/after errors.
[[nodiscard]] absl::StatusOr<std::string> CalibratedTextproto(const DiffInputs& in,
                                                              const CalibrateResult& r);

// CalibrateDocument() renders sections "fit" (errors before and after),
// "changes" and "ops" (per op: baseline, before, after).
render::Document CalibrateDocument(const DiffInputs& in, const CalibrateResult& r);

}  // namespace perfmodel

#endif  // PROFILE_CALIBRATE_H_
