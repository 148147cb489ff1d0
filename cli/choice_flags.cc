// The libraries' choices as flags; see cli/choice_flags.h.

#include "cli/choice_flags.h"

#include "cli/enum_flag.h"

namespace perfmodel {

bool AbslParseFlag(absl::string_view text, OpKind* k, std::string* error) {
  return ParseEnumFlag(text, kOpKinds, OpKindName, "op", k, error);
}
std::string AbslUnparseFlag(OpKind k) { return UnparseEnumFlag(k, OpKindName); }

bool AbslParseFlag(absl::string_view text, ImbalanceModel* m, std::string* error) {
  return ParseEnumFlag(text, kImbalanceModels, ImbalanceModelName, "imbalance model", m, error);
}
std::string AbslUnparseFlag(ImbalanceModel m) { return UnparseEnumFlag(m, ImbalanceModelName); }

bool AbslParseFlag(absl::string_view text, SlaSearch* s, std::string* error) {
  return ParseEnumFlag(text, kSlaSearches, SlaSearchName, "search", s, error);
}
std::string AbslUnparseFlag(SlaSearch s) { return UnparseEnumFlag(s, SlaSearchName); }

namespace bench {

bool AbslParseFlag(absl::string_view text, CompareClock* c, std::string* error) {
  return ParseEnumFlag(text, kCompareClocks, CompareClockName, "clock", c, error);
}
std::string AbslUnparseFlag(CompareClock c) { return UnparseEnumFlag(c, CompareClockName); }

}  // namespace bench
}  // namespace perfmodel
