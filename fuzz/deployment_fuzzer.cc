// File: fuzz/deployment_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A deployment textproto (deployments/*.textproto) through ParseDeployment():
// any bytes give a DeploymentSpec or an error naming the input; a parsed
// layout multiplies out to its GPU count.
//
// Seeds: fuzz/corpus/deployment_fuzzer/ (the repo's deployments and hand-written malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "loader/load.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/deployment_fuzzer.input";

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::StatusOr<LoadedDeployment> d = ParseDeployment(AsText(data, size), kOrigin);
  CheckErrorNames(d.status(), kOrigin);
  if (!d.ok()) return 0;
  const Parallelism& q = d->spec.parallel;
  Check(q.attention_dp * q.attention_tp == d->spec.gpus && q.moe_ep * q.moe_tp == d->spec.gpus,
        "deployment: the layout does not multiply out to gpus");
  Check(d->spec.gpus % q.dense_tp == 0, "deployment: dense_tp does not divide gpus");
  return 0;
}
