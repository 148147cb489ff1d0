// File: fuzz/rules_fuzzer.cc
// -----------------------------------------------------------------------------
//
// An nsys rules textproto (baselines/rules/*.textproto) through ParseRules():
// any bytes give compiled rules or an error naming the input; parsed rules
// have one compiled regex and one line per rule.
//
// Seeds: fuzz/corpus/rules_fuzzer/ (the repo's rules files and hand-written malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "profile/nsys_import.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/rules_fuzzer.input";

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::StatusOr<nsys::Rules> r = nsys::ParseRules(AsText(data, size), kOrigin);
  CheckErrorNames(r.status(), kOrigin);
  if (!r.ok()) return 0;
  Check(r->regex.size() == static_cast<size_t>(r->proto.rules_size()) &&
            r->line.size() == r->regex.size(),
        "rules: not one regex and one line per rule");
  return 0;
}
