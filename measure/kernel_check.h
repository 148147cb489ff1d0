// File: measure/kernel_check.h
// -----------------------------------------------------------------------------
//
// Lays perfmodel's op predictions beside the published kernel microbenchmarks
// of calibration/kernels_and_specs.csv (DeepGEMM, FlashMLA, DeepEP rows). The
// shapes are read from each row's id and conditions, the published figure from
// its value; nothing is copied into code.
//
//   absl::StatusOr<std::vector<KernelCheck>> rows =
//       CheckKernelTable("calibration/kernels_and_specs.csv", "hw");
//   for (const KernelCheck& r : *rows)
//     if (r.in_scope) ...  // r.Error() == predicted / published - 1
//
// A row is out of scope when perfmodel has no op for it (sparse decode
// attention, hierarchical all-to-all, training's backward pass, summaries of
// other rows); `reason` says why, so the table shows every row. A cell of two
// figures ("640 (H800) / 1450 (B200)", "1460 / 1000" fwd / bwd, EP dispatch /
// combine) becomes two rows, each id suffixed with its part.

#ifndef MEASURE_KERNEL_CHECK_H_
#define MEASURE_KERNEL_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace perfmodel {

struct KernelCheck final {
  std::string id;        // CSV row id; two-figure rows add their part: " dispatch"/" combine",
                         // " H800"/" B200" (FM-08), " fwd"/" bwd" (FM-09)
  std::string what;      // the op and shape as perfmodel runs it
  std::string hardware;  // hw/*.textproto used
  std::string unit;      // of published and predicted: "TFLOPS", "GB/s", "us", "ms", "h_q*s_q"
  double published = 0.0;
  double predicted = 0.0;
  bool in_scope = false;
  std::string reason;    // why out of scope

  // Error() is predicted / published - 1.
  double Error() const { return predicted / published - 1.0; }
};

// CheckKernelTable() reads the CSV at `csv_path`, the hardware files under
// `hw_dir` and the model whose shapes the kernels run (`model_path`: its MLA
// dimensions, hidden size and experts per token fill in what a row's
// conditions leave out). A missing column, an unparsable shape or figure in a
// row it handles, or a file that does not load is an error naming the file
// and the line.
[[nodiscard]] absl::StatusOr<std::vector<KernelCheck>> CheckKernelTable(
    absl::string_view csv_path, absl::string_view hw_dir,
    absl::string_view model_path = "models/deepseek_v3.textproto");

}  // namespace perfmodel

#endif  // MEASURE_KERNEL_CHECK_H_
