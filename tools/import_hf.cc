// File: tools/import_hf.cc
// -----------------------------------------------------------------------------
//
// import_hf: writes a model textproto (proto/model.proto) from a Hugging Face
// config.json (hf/import.h has the mapping).
//
//   bazel run //tools:import_hf -- --config=config.json --out=models/x.textproto
//   bazel run //tools:import_hf -- --config=hf/testdata/deepseek_v3/config.json
//       --out=/tmp/deepseek_v3.textproto --name=DeepSeek-V3 --format=json   (one line)
//
// On success (exit 0) the textproto is written atomically (a temporary file
// renamed over --out) and stdout holds a summary: what was imported, then one
// row per assumption (what the config does not say and was filled in) and per
// warning (what the config says and perfmodel does not model); the same notes
// head the textproto as comments. stderr stays empty, as for every tool.
// --fail_on_warning makes a run with warnings exit 1 (the file is still
// written and the summary printed: the check asked for failed). Bad flags or
// input: one line "import_hf: <message>" on stderr naming the flag or the file
// and key, exit 2, and --out is left as it was (cli/cli.h).

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "hf/import.h"
#include "loader/load.h"
#include "loader/proto_enums.h"
#include "perfmodel/spec.h"
#include "report/render.h"

ABSL_FLAG(std::string, config, "", "the Hugging Face config.json to import (required)");
ABSL_FLAG(std::string, out, "", "the model textproto to write, e.g. models/x.textproto (required)");
ABSL_FLAG(std::string, name, "", "the model's name (default: --out's file name without extension)");
ABSL_FLAG(std::optional<perfmodel::DType>, kv_cache_dtype, std::nullopt,
          "the KV cache's dtype, e.g. fp8 (default: the model's dtype, an assumption)");
ABSL_FLAG(bool, fail_on_warning, false,
          "exit 1 when the config has keys perfmodel does not model (the file is still written)");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

std::string Layers(const pb::Model& m) {
  std::string s;
  for (const pb::LayerGroup& g : m.layer_groups()) {
    absl::StrAppend(&s, s.empty() ? "" : " + ", g.count(), " ", pb::LayerKind_Name(g.kind()));
  }
  return s;
}

render::Document ImportDocument(const hf::ImportResult& r, const std::string& config,
                                const std::string& out) {
  const pb::Model& m = r.model;
  render::Record summary{.name = "model", .title = "Imported model"};
  summary.Add("name", m.name())
      .Add("architecture", r.architecture)
      .Add("config", config)
      .Add("out", out)
      .Add("attention", m.has_mla() ? "MLA" : "GQA")
      .Add("layers", Layers(m))
      .Add("routed_experts", m.has_moe() ? m.moe().routed_experts() : 0)
      .Add("mtp_modules", m.mtp_modules())
      .Add("weight_dtype", pb::DType_Name(m.weight_dtype()))
      .Add("assumptions", static_cast<int64_t>(r.assumptions.size()))
      .Add("warnings", static_cast<int64_t>(r.warnings.size()), "keys not modelled");
  render::Table notes{.name = "notes",
                      .title = "Assumed (not in the config) and not modelled (in the config)",
                      .columns = {"kind", "key", "note"}};
  for (const hf::ImportNote& n : r.assumptions) notes.rows.push_back({"assumed", n.key, n.text});
  for (const hf::ImportNote& n : r.warnings) notes.rows.push_back({"not modelled", n.key, n.text});
  render::Document doc;
  doc.Add(std::move(summary));
  doc.Add(std::move(notes));
  return doc;
}

absl::Status Run(const ToolContext&, ToolOutput& output) {
  const std::string config = absl::GetFlag(FLAGS_config);
  const std::string out = absl::GetFlag(FLAGS_out);
  PM_RETURN_IF_ERROR(RequiredFlag({"config", !config.empty()}, "(the config.json to import)"));
  PM_RETURN_IF_ERROR(RequiredFlag({"out", !out.empty()}, "(the model textproto to write)"));
  PM_ASSIGN_OR_RETURN(const std::string text, ReadFile(ResolveInput(config)));
  std::string name = absl::GetFlag(FLAGS_name);
  if (name.empty()) name = std::filesystem::path(out).stem().string();
  hf::ImportOptions options{.name = name};
  if (const std::optional<DType> kv = absl::GetFlag(FLAGS_kv_cache_dtype)) {
    const pb::DType p = DTypeToProto(*kv);
    if (p == pb::DTYPE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--kv_cache_dtype: ", std::string(DTypeName(*kv)), " has no model-schema dtype"));
    }
    options.kv_cache_dtype = p;
  }
  PM_ASSIGN_OR_RETURN(const hf::ImportResult r, hf::ImportConfig(text, config, options));
  const std::string out_path = ResolveOutput(out);
  std::string textproto = hf::ModelTextproto(r, config);
  // What we write must load as a model (ImportConfig() checked it; the
  // header comments must not break it either).
  PM_RETURN_IF_ERROR(ParseModel(textproto, out).status());
  output.WriteFile("out", out_path, std::move(textproto));
  output.Print(render::Render(ImportDocument(r, config, out), absl::GetFlag(FLAGS_format)));
  if (absl::GetFlag(FLAGS_fail_on_warning) && !r.warnings.empty()) output.SetCheckFailed();
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(
    perfmodel::Run,
    {.name = "import_hf",
     .usage = "Writes a model textproto from a Hugging Face config.json.\n"
              "  bazel run //tools:import_hf -- --config=config.json --out=models/x.textproto "
              "[--name=NAME] [--kv_cache_dtype=fp8] [--fail_on_warning] "
              "[--format=text|markdown|csv|json]"})
