// An import as a document; see profile/nsys_import_report.h.

#include "profile/nsys_import_report.h"

#include <string>
#include <utility>

#include "absl/strings/str_split.h"
#include "perfmodel/units.h"

namespace perfmodel::nsys {
namespace {

using render::Value;

// Times to 1 ns, as the baseline records them.
constexpr int kUsDecimals = 3;

Value Us(Duration d) { return Value::Number(ToMicroseconds(d), kUsDecimals); }

}  // namespace

render::Document ImportDocument(const ImportResult& r, absl::string_view out_path) {
  render::Table ops{.name = "ops",
                    .title = "Ops of the baseline (per layer and per step)",
                    .columns = {"op", "layer_kind", "count", "layer_us", "step_us", "kernels"}};
  for (const pb::OpTime& o : r.baseline.ops()) {
    ops.rows.push_back({o.op(), o.layer_kind(), o.count(), Value::Number(o.time_us(), kUsDecimals),
                        Value::Number(o.time_us() * static_cast<double>(o.count()), kUsDecimals),
                        o.kernels()});
  }
  render::Record summary{.name = "summary", .title = "Kernel time per step"};
  summary.Add("in_ops_us", Us(r.mapped_per_step), "in the ops above")
      .Add("unmapped_us", Us(r.unmapped_per_step), "in kernels no rule maps");
  render::Table unmapped{.name = "unmapped",
                         .title =
                             "Unmapped kernels (in no op; add rules for them or check they "
                             "belong outside the step)",
                         .columns = {"step_us", "launches", "total_us", "name"}};
  for (const UnmappedKernel& k : r.unmapped) {
    unmapped.rows.push_back({Us(k.per_step), k.launches, Us(k.total), k.name});
  }
  // One row per line: a note may list kernels on the lines after its first.
  render::Table notes{.name = "notes", .title = "Notes", .columns = {"note"}};
  for (const std::string& n : r.notes) {
    for (absl::string_view line : absl::StrSplit(n, '\n')) notes.rows.push_back({line});
  }
  render::Record written{.name = "baseline", .title = "Baseline written"};
  written.Add("out", std::string(out_path));  // alone: a path's width pads nothing else
  render::Document doc;
  doc.Add(std::move(ops))
      .Add(std::move(summary))
      .Add(std::move(unmapped))
      .Add(std::move(notes))
      .Add(std::move(written));
  return doc;
}

}  // namespace perfmodel::nsys
