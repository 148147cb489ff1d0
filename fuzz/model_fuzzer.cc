// File: fuzz/model_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A model textproto (models/*.textproto) through ParseModel(): any bytes give
// a ModelSpec or an error naming the input, never a crash; a parsed model
// has the shape the cost model relies on.
//
// Seeds: fuzz/corpus/model_fuzzer/ (the repo's models and hand-written malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "loader/load.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/model_fuzzer.input";

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::StatusOr<ModelSpec> m = ParseModel(AsText(data, size), kOrigin);
  CheckErrorNames(m.status(), kOrigin);
  if (!m.ok()) return 0;
  Check(m->hidden_size > 0 && m->vocab_size > 0, "model: width or vocabulary not positive");
  Check(m->layer_group_count >= 1 && m->layer_group_count <= ModelSpec::kMaxLayerGroups,
        "model: layer group count out of range");
  for (std::size_t i = 0; i < m->layer_group_count; ++i) {
    Check(m->layer_groups[i].count > 0, "model: empty layer group");
  }
  Check(m->mtp_modules >= 0, "model: negative mtp_modules");
  return 0;
}
