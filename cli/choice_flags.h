// File: cli/choice_flags.h
// -----------------------------------------------------------------------------
//
// Abseil flag support for the libraries' choices, by the name tables that
// live beside each enum (cli/ sits above the libraries, so the parsing of a
// command line stays here and the libraries take the enum):
//
//   --op=gemm             perfmodel::OpKind        (report/op_report.h, OpKindName())
//   --imbalance=analytic  perfmodel::ImbalanceModel (workload/sweep.h, ImbalanceModelName())
//   --search=bisection    perfmodel::SlaSearch      (workload/sweep.h, SlaSearchName())
//   --time=cpu            perfmodel::bench::CompareClock (measure/bench_compare.h)
//
// Each overload is in its enum's namespace, where Abseil's argument-dependent
// lookup finds it. An unknown name lists the known ones: "unknown op 'conv';
// expected one of gemm, grouped_gemm, ...".

#ifndef CLI_CHOICE_FLAGS_H_
#define CLI_CHOICE_FLAGS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "measure/bench_compare.h"
#include "report/op_report.h"
#include "workload/sweep.h"

namespace perfmodel {

bool AbslParseFlag(absl::string_view text, OpKind* k, std::string* error);
std::string AbslUnparseFlag(OpKind k);
bool AbslParseFlag(absl::string_view text, ImbalanceModel* m, std::string* error);
std::string AbslUnparseFlag(ImbalanceModel m);
bool AbslParseFlag(absl::string_view text, SlaSearch* s, std::string* error);
std::string AbslUnparseFlag(SlaSearch s);

namespace bench {
bool AbslParseFlag(absl::string_view text, CompareClock* c, std::string* error);
std::string AbslUnparseFlag(CompareClock c);
}  // namespace bench

}  // namespace perfmodel

#endif  // CLI_CHOICE_FLAGS_H_
