// File: fuzz/hf_config_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A Hugging Face config.json through ImportConfig() (hf/import.h), what
// //tools:import_hf runs on a file: any bytes give a model or an
// InvalidArgument error whose message starts with the input's name, never a
// crash. An imported model maps a supported architecture; each assumption
// and warning names a key and says something; ModelTextproto() (the file the
// tool writes) parses back to exactly the model returned, comments and all,
// and loads with ParseModel(); importing again with a name and a KV-cache
// dtype given (the tool's --name and --kv_cache_dtype) succeeds and keeps
// both.
//
// Seeds: fuzz/corpus/hf_config_fuzzer/ (hf/testdata/*/config.json, one per
// family, and malformed and quantised ones); the inputs of its fixed
// findings: fuzz/regressions/hf_config_fuzzer/ (fuzz/RECORD.md).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "fuzz/check.h"
#include "hf/import.h"
#include "loader/load.h"
#include "loader/textproto_errors.h"
#include "proto/model.pb.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/hf_config_fuzzer/config.json";

void CheckImported(const hf::ImportResult& r) {
  bool supported = false;
  for (const hf::Architecture& a : hf::SupportedArchitectures()) {
    supported = supported || a.name == r.architecture;
  }
  Check(supported, "ImportConfig: an architecture it does not list: " + r.architecture);
  for (const auto* notes : {&r.assumptions, &r.warnings}) {
    for (const hf::ImportNote& n : *notes) {
      Check(!n.key.empty() && !n.text.empty(), "ImportConfig: a note without a key or a text");
    }
  }
  const std::string text = hf::ModelTextproto(r, kOrigin);
  const absl::StatusOr<pb::Model> back = ParseTextproto<pb::Model>(text, kOrigin);
  Check(back.ok(), "ModelTextproto: does not parse: " + back.status().ToString() + "\n" + text);
  Check(back->SerializeAsString() == r.model.SerializeAsString(),
        "ModelTextproto: parses to another model than the one imported:\n" + text);
  const absl::StatusOr<ModelSpec> m = ParseModel(text, kOrigin);
  Check(m.ok(), "ModelTextproto: does not load: " + m.status().ToString());
}

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::string_view json = AsText(data, size);
  const absl::StatusOr<hf::ImportResult> r = hf::ImportConfig(json, kOrigin);
  CheckRejected(r.status(), kOrigin);
  if (!r.ok()) return 0;
  CheckImported(*r);
  const absl::StatusOr<hf::ImportResult> named =
      hf::ImportConfig(json, kOrigin, {.name = "fuzz", .kv_cache_dtype = pb::FP8});
  Check(named.ok(),
        "ImportConfig: fails with --name and --kv_cache_dtype on a config it imports: " +
            named.status().ToString());
  Check(named->model.name() == "fuzz" && named->model.kv_cache_dtype() == pb::FP8,
        "ImportConfig: the name or KV-cache dtype given is not the model's");
  CheckImported(*named);
  return 0;
}
