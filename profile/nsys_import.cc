#include "profile/nsys_import.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "loader/load.h"
#include "loader/textproto_errors.h"
#include "perfmodel/names.h"

// Where the CSV layouts come from (read, not copied): the report scripts that
// ship with Nsight Systems (Target-<arch>/reports/, described in the
// Post-Collection Analysis Guide, https://docs.nvidia.com/nsight-systems/AnalysisGuide/index.html):
//   cuda_gpu_kern_sum.py: columns "Time (%)", "Total Time (ns)", "Instances",
//     "Avg (ns)", "Med (ns)", "Min (ns)", "Max (ns)", "StdDev (ns)", "Name";
//     the older gpukernsum.py: "Time(%)", "Total Time (ns)", "Instances",
//     "Average", "Minimum", "Maximum", "Name" (nsys 2022.4 also had GridXYZ,
//     BlockXYZ before Name).
//   cuda_gpu_trace.py: "Start (ns)", "Duration (ns)", "CorrId", "GrdX", "GrdY",
//     "GrdZ", "BlkX", "BlkY", "BlkZ", "Reg/Trd", "StcSMem (MB)", "DymSMem (MB)",
//     "Bytes (MB)", "Throughput (MB/s)", "SrcMemKd", "DstMemKd", "Device", "Ctx",
//     "GreenCtx", "Strm", "Name"; older gputrace.py has no GreenCtx.
// Real outputs with these headers, and nsys's "Processing [...]" lines before
// the header when the CSV goes to stdout, appear in public repositories, e.g.
// ayush-os/nsight-systems-deep-dive README.md and
// YKTian-x2b/AI4Materials_EvaluationTool CodeInstrumentation/README.md.
// Only the Total Time/Instances/Name and Start/Duration/Name/Device columns
// are read, found by their header text.

namespace perfmodel::nsys {
namespace {

absl::Status LineError(absl::string_view origin, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(origin, ":", line, ": ", what));
}

std::string Quoted(absl::string_view s) {
  constexpr std::size_t kMax = 60;
  if (s.size() <= kMax) return absl::StrCat("'", s, "'");
  return absl::StrCat("'", s.substr(0, kMax), "...'");
}

bool IsBlank(const CsvRecord& r) {
  return r.fields.size() == 1 && absl::StripAsciiWhitespace(r.fields[0]).empty();
}

// ---- columns and numbers ---------------------------------------------------

int FindColumn(const CsvRecord& header, absl::string_view name) {
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    if (absl::StripAsciiWhitespace(header.fields[i]) == name) return static_cast<int>(i);
  }
  return -1;
}

struct TimeColumn {
  int index = -1;
  std::string header;
  Duration unit;
};

// Finds "<base> (<unit>)" (or "<base>(<unit>)"); NotFound if there is none,
// InvalidArgument for an unknown unit.
absl::StatusOr<TimeColumn> FindTimeColumn(const CsvRecord& header, absl::string_view base,
                                          absl::string_view origin) {
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    absl::string_view f = absl::StripAsciiWhitespace(header.fields[i]);
    if (!absl::StartsWith(f, base)) continue;
    absl::string_view rest = absl::StripLeadingAsciiWhitespace(f.substr(base.size()));
    if (!absl::StartsWith(rest, "(") || !absl::EndsWith(rest, ")")) continue;
    const absl::string_view unit = rest.substr(1, rest.size() - 2);
    TimeColumn c;
    c.index = static_cast<int>(i);
    c.header = std::string(f);
    if (unit == "ns" || unit == "nsec") {
      c.unit = Nanoseconds(1);
    } else if (unit == "us" || unit == "usec") {
      c.unit = Microseconds(1);
    } else if (unit == "ms" || unit == "msec") {
      c.unit = Milliseconds(1);
    } else if (unit == "s" || unit == "sec") {
      c.unit = Seconds(1);
    } else {
      return LineError(origin, header.line,
                       absl::StrCat("column '", f, "': unknown time unit '", unit,
                                    "' (expected ns, us, ms or s)"));
    }
    return c;
  }
  return absl::NotFoundError(base);
}

// Drops thousands separators from "1,234,567.5" (nsys's table format; a CSV
// cell may carry them when quoted). Leaves anything else alone.
std::string WithoutThousands(absl::string_view s) {
  static const RE2 kGrouped("[0-9]{1,3}(?:,[0-9]{3})+(?:\\.[0-9]*)?");
  std::string t(s);
  if (RE2::FullMatch(t, kGrouped)) t = absl::StrReplaceAll(t, {{",", ""}});
  return t;
}

absl::StatusOr<double> ParseNonNegative(absl::string_view cell, absl::string_view column,
                                        absl::string_view origin, int line) {
  const std::string t = WithoutThousands(absl::StripAsciiWhitespace(cell));
  double v = 0;
  if (!absl::SimpleAtod(t, &v) || !std::isfinite(v)) {
    return LineError(origin, line,
                     absl::StrCat("column '", column, "': not a number: ", Quoted(cell)));
  }
  if (v < 0) {
    return LineError(origin, line, absl::StrCat("column '", column, "': must be >= 0, got ", t));
  }
  return v;
}

absl::StatusOr<int64_t> ParseCount(absl::string_view cell, absl::string_view column,
                                   absl::string_view origin, int line) {
  const std::string t = WithoutThousands(absl::StripAsciiWhitespace(cell));
  int64_t v = 0;
  if (!absl::SimpleAtoi(t, &v)) {
    return LineError(origin, line,
                     absl::StrCat("column '", column, "': not a whole number: ", Quoted(cell)));
  }
  if (v <= 0) {
    return LineError(origin, line, absl::StrCat("column '", column, "': must be > 0, got ", v));
  }
  return v;
}

// AddRow() adds one row's time and launches to its kernel's sums. Errors
// (naming the line and the column) when a sum leaves its type's range: a
// total time past double's (1e308 s), more launches than int64_t holds.
absl::Status AddRow(KernelStats& k, Duration time, absl::string_view time_column, int64_t launches,
                    absl::string_view launches_column, absl::string_view origin, int line) {
  const Duration total = k.total + time;
  if (!std::isfinite(total.base())) {
    return LineError(origin, line,
                     absl::StrCat("column '", time_column, "': the total time of kernel ",
                                  Quoted(k.name), " is not a finite number of seconds"));
  }
  if (launches > std::numeric_limits<int64_t>::max() - k.launches) {
    return LineError(
        origin, line,
        absl::StrCat("column '", launches_column, "': the launches of kernel ", Quoted(k.name),
                     " add up to more than ", std::numeric_limits<int64_t>::max()));
  }
  k.total = total;
  k.launches += launches;
  return absl::OkStatus();
}

// The header (first record with a "Name" field) and the rows after it.
struct Table {
  const CsvRecord* header = nullptr;
  std::vector<const CsvRecord*> rows;
};

absl::StatusOr<Table> SplitTable(const std::vector<CsvRecord>& records, absl::string_view origin,
                                 absl::string_view text, absl::string_view report,
                                 absl::string_view columns) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": file is empty"));
  }
  Table t;
  for (const CsvRecord& r : records) {
    if (t.header == nullptr) {
      if (FindColumn(r, "Name") >= 0) t.header = &r;
      continue;
    }
    if (!IsBlank(r)) t.rows.push_back(&r);
  }
  if (t.header == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": no ", report, " header found (a CSV line with columns ", columns,
                     "); is this `nsys stats --report ", report, " --format csv` output?"));
  }
  return t;
}

std::string HeaderList(const CsvRecord& header) {
  std::vector<std::string> f;
  for (const std::string& s : header.fields) {
    f.push_back(std::string(absl::StripAsciiWhitespace(s)));
  }
  return absl::StrJoin(f, ", ");
}

absl::Status MissingColumn(absl::string_view origin, const CsvRecord& header,
                           absl::string_view column, absl::string_view report,
                           absl::string_view hint) {
  return LineError(origin, header.line,
                   absl::StrCat("missing column '", column, "' in the ", report,
                                " header (it has: ", HeaderList(header), ")", hint));
}

absl::Status CheckWidth(const CsvRecord& row, const CsvRecord& header, absl::string_view origin) {
  if (row.fields.size() == header.fields.size()) return absl::OkStatus();
  return LineError(origin, row.line,
                   absl::StrCat("has ", row.fields.size(), " fields, but the header (line ",
                                header.line, ") has ", header.fields.size(),
                                " (a kernel name with commas must be in double quotes; one "
                                "report per file)"));
}

absl::StatusOr<std::string> NameCell(const CsvRecord& row, int col, absl::string_view origin) {
  std::string name(absl::StripAsciiWhitespace(row.fields[col]));
  if (name.empty()) return LineError(origin, row.line, "column 'Name': empty");
  if (name == "Name") {
    return LineError(origin, row.line,
                     "a second header: give one report per file (nsys stats --output writes "
                     "one file per report)");
  }
  return name;
}

// ---- rules -----------------------------------------------------------------

// A rule maps kernels to an op of the step graph (perfmodel/names.h), or to
// "mtp": a whole MTP pass, for profiles that do not split it.
constexpr absl::string_view kWholeMtpPass = "mtp";

// The layer kinds a rule or a layer count may name: the step's parts, and
// "step" for kernels that run once per step.
bool IsLayerKind(absl::string_view kind) {
  return PartFromName(std::string_view(kind.data(), kind.size())).has_value() || kind == "step";
}

std::string CanonicalOpList() {
  std::string list;
  for (std::string_view op : kOpNames) absl::StrAppend(&list, std::string(op), ", ");
  absl::StrAppend(&list, kWholeMtpPass);
  return list;
}

constexpr int64_t kMaxOccurrences = 1000000;


// Locates fields of the parsed rules for messages "origin:line:col: field: reason".
class RuleErrors final {
 public:
  RuleErrors(absl::string_view origin, const google::protobuf::TextFormat::ParseInfoTree& tree)
      : origin_(origin), tree_(tree) {}

  // Line (1-based) of element `index` of the repeated top-level field `list`.
  int Line(absl::string_view list, int index) const { return Where(list, index, "").first; }

  absl::Status Error(absl::string_view list, int index, absl::string_view field,
                     absl::string_view reason) const {
    const auto [line, col] = Where(list, index, field);
    return absl::InvalidArgumentError(absl::StrCat(origin_, ":", line, ":", col, ": ", list, "[",
                                                   index, "]", field.empty() ? "" : ".", field,
                                                   ": ", reason));
  }
  absl::Status TopError(absl::string_view field, absl::string_view reason) const {
    return absl::InvalidArgumentError(absl::StrCat(origin_, ": ", field, ": ", reason));
  }

 private:
  // The field's position if it was written, else its message's.
  std::pair<int, int> Where(absl::string_view list, int index, absl::string_view field) const {
    const google::protobuf::Descriptor* top = pb::NsysRules::descriptor();
    const google::protobuf::FieldDescriptor* lf = top->FindFieldByName(std::string(list));
    google::protobuf::TextFormat::ParseLocation at = tree_.GetLocation(lf, index);
    if (!field.empty()) {
      const google::protobuf::TextFormat::ParseInfoTree* sub = tree_.GetTreeForNested(lf, index);
      const google::protobuf::FieldDescriptor* ff =
          lf->message_type()->FindFieldByName(std::string(field));
      if (sub != nullptr && ff != nullptr) {
        const google::protobuf::TextFormat::ParseLocation f = sub->GetLocation(ff, -1);
        if (f.line >= 0) at = f;
      }
    }
    return {at.line + 1, at.column + 1};
  }

  std::string origin_;
  const google::protobuf::TextFormat::ParseInfoTree& tree_;
};

std::string RuleLabel(const pb::NsysRule& r) {
  return absl::StrCat(r.op(), "/", r.layer_kind(), " ", r.occurrences_per_step());
}

}  // namespace


// ---- nsys reports ----------------------------------------------------------

absl::StatusOr<KernelTable> ParseKernSum(absl::string_view text, absl::string_view origin) {
  constexpr absl::string_view kReport = "cuda_gpu_kern_sum";
  PM_ASSIGN_OR_RETURN(const std::vector<CsvRecord> records, ParseCsv(text, origin));
  PM_ASSIGN_OR_RETURN(const Table t, SplitTable(records, origin, text, kReport,
                                                "'Total Time (ns)', 'Instances' and 'Name'"));
  const CsvRecord& header = *t.header;
  const std::string hint = FindColumn(header, "CorrId") >= 0
                               ? "; this looks like a cuda_gpu_trace CSV: import it as a trace"
                               : "";
  absl::StatusOr<TimeColumn> total = FindTimeColumn(header, "Total Time", origin);
  if (absl::IsNotFound(total.status())) {
    return MissingColumn(origin, header, "Total Time (ns)", kReport, hint);
  }
  if (!total.ok()) return total.status();
  const int instances = FindColumn(header, "Instances");
  if (instances < 0) return MissingColumn(origin, header, "Instances", kReport, hint);
  const int name_col = FindColumn(header, "Name");
  if (t.rows.empty()) {
    return LineError(origin, header.line,
                     absl::StrCat("no data rows after the ", kReport, " header"));
  }
  KernelTable out;
  out.origin = std::string(origin);
  out.kind = ReportKind::kKernSum;
  std::map<std::string, std::size_t> index;
  for (const CsvRecord* row : t.rows) {
    PM_RETURN_IF_ERROR(CheckWidth(*row, header, origin));
    PM_ASSIGN_OR_RETURN(const std::string name, NameCell(*row, name_col, origin));
    PM_ASSIGN_OR_RETURN(const double v, ParseNonNegative(row->fields[total->index], total->header,
                                                         origin, row->line));
    PM_ASSIGN_OR_RETURN(const int64_t n,
                        ParseCount(row->fields[instances], "Instances", origin, row->line));
    auto [it, added] = index.emplace(name, out.kernels.size());
    if (added) {
      KernelStats k;
      k.name = name;
      k.line = row->line;
      out.kernels.push_back(std::move(k));
    }
    PM_RETURN_IF_ERROR(AddRow(out.kernels[it->second], v * total->unit, total->header, n,
                              "Instances", origin, row->line));
  }
  return out;
}

absl::StatusOr<KernelTable> ParseTrace(absl::string_view text, absl::string_view origin,
                                       absl::string_view device) {
  constexpr absl::string_view kReport = "cuda_gpu_trace";
  PM_ASSIGN_OR_RETURN(const std::vector<CsvRecord> records, ParseCsv(text, origin));
  PM_ASSIGN_OR_RETURN(
      const Table t,
      SplitTable(records, origin, text, kReport, "'Start (ns)', 'Duration (ns)' and 'Name'"));
  const CsvRecord& header = *t.header;
  const std::string hint = FindColumn(header, "Instances") >= 0
                               ? "; this looks like a cuda_gpu_kern_sum CSV: import it as a "
                                 "kernel summary"
                               : "";
  absl::StatusOr<TimeColumn> start = FindTimeColumn(header, "Start", origin);
  if (absl::IsNotFound(start.status())) {
    return MissingColumn(origin, header, "Start (ns)", kReport, hint);
  }
  if (!start.ok()) return start.status();
  absl::StatusOr<TimeColumn> dur = FindTimeColumn(header, "Duration", origin);
  if (absl::IsNotFound(dur.status())) {
    return MissingColumn(origin, header, "Duration (ns)", kReport, hint);
  }
  if (!dur.ok()) return dur.status();
  const int name_col = FindColumn(header, "Name");
  const int device_col = FindColumn(header, "Device");
  if (!device.empty() && device_col < 0) {
    return LineError(origin, header.line,
                     absl::StrCat("a device was given, but the header has no 'Device' column "
                                  "(it has: ",
                                  HeaderList(header), ")"));
  }
  if (t.rows.empty()) {
    return LineError(origin, header.line,
                     absl::StrCat("no data rows after the ", kReport, " header"));
  }
  KernelTable out;
  out.origin = std::string(origin);
  out.kind = ReportKind::kTrace;
  std::map<std::string, std::size_t> index;
  std::vector<std::string> devices;
  for (const CsvRecord* row : t.rows) {
    PM_RETURN_IF_ERROR(CheckWidth(*row, header, origin));
    PM_ASSIGN_OR_RETURN(const std::string name, NameCell(*row, name_col, origin));
    PM_ASSIGN_OR_RETURN(const double s, ParseNonNegative(row->fields[start->index], start->header,
                                                         origin, row->line));
    PM_ASSIGN_OR_RETURN(const double d, ParseNonNegative(row->fields[dur->index], dur->header,
                                                         origin, row->line));
    if (device_col >= 0) {
      const std::string dev(absl::StripAsciiWhitespace(row->fields[device_col]));
      if (std::find(devices.begin(), devices.end(), dev) == devices.end()) devices.push_back(dev);
      if (!device.empty() && dev != device) continue;
    }
    auto [it, added] = index.emplace(name, out.kernels.size());
    if (added) {
      KernelStats k;
      k.name = name;
      k.line = row->line;
      out.kernels.push_back(std::move(k));
    }
    KernelStats& k = out.kernels[it->second];
    const Launch l{s * start->unit, d * dur->unit};
    PM_RETURN_IF_ERROR(AddRow(k, l.duration, dur->header, 1, "Name", origin, row->line));
    k.each.push_back(l);
  }
  const std::string listed = absl::StrJoin(devices, "', '");
  if (device.empty() && devices.size() > 1) {
    return LineError(origin, header.line,
                     absl::StrCat("column 'Device': the trace holds ", devices.size(),
                                  " devices ('", listed, "'); pick one device"));
  }
  if (!device.empty() && out.kernels.empty()) {
    return LineError(origin, header.line,
                     absl::StrCat("column 'Device': no row is on device '", device,
                                  "' (devices: '", listed, "')"));
  }
  for (KernelStats& k : out.kernels) {
    std::stable_sort(k.each.begin(), k.each.end(),
                     [](const Launch& a, const Launch& b) { return a.start < b.start; });
  }
  return out;
}

// ---- rules -----------------------------------------------------------------

bool IsCanonicalOp(absl::string_view op) {
  return OpFromName(std::string_view(op.data(), op.size())).has_value() || op == kWholeMtpPass;
}

absl::StatusOr<Rules> ParseRules(absl::string_view text, absl::string_view origin) {
  Rules out;
  out.origin = std::string(origin);
  TextprotoErrors collector(origin);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  google::protobuf::TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), &out.proto)) {
    return absl::InvalidArgumentError(collector.Joined());
  }
  const RuleErrors err(origin, tree);
  const pb::NsysRules& p = out.proto;
  if (p.layers_size() == 0) return err.TopError("layers", "required field is missing");
  if (p.rules_size() == 0) return err.TopError("rules", "required field is missing");

  std::map<std::string, int64_t> layer_count;
  for (int i = 0; i < p.layers_size(); ++i) {
    const pb::NsysLayerCount& l = p.layers(i);
    if (!l.has_layer_kind() || l.layer_kind().empty()) {
      return err.Error("layers", i, "layer_kind", "required field is missing");
    }
    if (!IsLayerKind(l.layer_kind())) {
      return err.Error("layers", i, "layer_kind",
                       absl::StrCat("unknown layer kind '", l.layer_kind(),
                                    "' (dense, moe, mtp, head or step)"));
    }
    if (!l.has_count()) return err.Error("layers", i, "count", "required field is missing");
    if (l.count() <= 0) {
      return err.Error("layers", i, "count", absl::StrCat("must be > 0, got ", l.count()));
    }
    if (!layer_count.emplace(l.layer_kind(), l.count()).second) {
      return err.Error("layers", i, "layer_kind",
                       absl::StrCat("'", l.layer_kind(), "' is listed twice"));
    }
  }

  for (int i = 0; i < p.rules_size(); ++i) {
    const pb::NsysRule& r = p.rules(i);
    out.line.push_back(err.Line("rules", i));
    if (!r.has_regex() || r.regex().empty()) {
      return err.Error("rules", i, "regex", "required field is missing");
    }
    // Quiet: RE2 would also log the error to stderr, and a tool's error is one line.
    auto re = std::make_unique<const RE2>(r.regex(), RE2::Quiet);
    if (!re->ok()) {
      return err.Error("rules", i, "regex",
                       absl::StrCat("not a valid RE2 regex: ",
                                    absl::StrReplaceAll(re->error(), {{"\n", "\\n"}})));
    }
    out.regex.push_back(std::move(re));
    if (!r.has_op() || r.op().empty()) return err.Error("rules", i, "op", "required field is missing");
    if (!IsCanonicalOp(r.op())) {
      return err.Error("rules", i, "op",
                       absl::StrCat("'", r.op(), "' is not a canonical op (one of: ",
                                    CanonicalOpList(), ")"));
    }
    if (!r.has_layer_kind() || r.layer_kind().empty()) {
      return err.Error("rules", i, "layer_kind", "required field is missing");
    }
    if (layer_count.count(r.layer_kind()) == 0) {
      return err.Error("rules", i, "layer_kind",
                       absl::StrCat("'", r.layer_kind(), "' has no entry in `layers`"));
    }
    if (!r.has_occurrences_per_step()) {
      return err.Error("rules", i, "occurrences_per_step", "required field is missing");
    }
    if (r.occurrences_per_step() <= 0 || r.occurrences_per_step() > kMaxOccurrences) {
      return err.Error("rules", i, "occurrences_per_step",
                       absl::StrCat("must be in 1 .. ", kMaxOccurrences, ", got ",
                                    r.occurrences_per_step()));
    }
    if (r.has_first() && (r.first() < 0 || r.first() >= kMaxOccurrences)) {
      return err.Error("rules", i, "first",
                       absl::StrCat("must be in 0 .. ", kMaxOccurrences - 1, ", got ", r.first()));
    }
    if (r.has_stride() && !r.has_first()) {
      return err.Error("rules", i, "stride", "is set but `first` is not");
    }
    if (r.has_stride() && (r.stride() < 1 || r.stride() > kMaxOccurrences)) {
      return err.Error("rules", i, "stride",
                       absl::StrCat("must be in 1 .. ", kMaxOccurrences, ", got ", r.stride()));
    }
  }

  // Rules sharing a regex: all or none have selectors, and those partition
  // the launch positions of a step.
  std::map<std::string, std::vector<int>> groups;
  for (int i = 0; i < p.rules_size(); ++i) groups[p.rules(i).regex()].push_back(i);
  for (const auto& [regex, members] : groups) {
    const int lead = members.front();
    int64_t per_step = 0;
    for (int i : members) {
      per_step += p.rules(i).occurrences_per_step();
      if (p.rules(i).has_first() != p.rules(lead).has_first()) {
        const int without = p.rules(i).has_first() ? lead : i;
        const int with = p.rules(i).has_first() ? i : lead;
        return err.Error("rules", without, "regex",
                         absl::StrCat("shares its regex with rules[", with, "] (line ",
                                      out.line[with],
                                      "), which has `first`; give every rule sharing a regex "
                                      "a `first`, or none"));
      }
    }
    if (per_step > kMaxOccurrences) {
      return err.Error("rules", lead, "occurrences_per_step",
                       absl::StrCat("the rules sharing this regex add up to ", per_step,
                                    " launches per step, more than ", kMaxOccurrences));
    }
    if (!p.rules(lead).has_first()) continue;
    std::vector<int> owner(static_cast<std::size_t>(per_step), -1);
    for (int i : members) {
      const pb::NsysRule& r = p.rules(i);
      const int64_t stride = r.has_stride() ? r.stride() : 1;
      for (int64_t k = 0; k < r.occurrences_per_step(); ++k) {
        const int64_t pos = r.first() + stride * k;
        if (pos >= per_step) {
          return err.Error("rules", i, "first",
                           absl::StrCat("selects launch ", pos, " of a step, but the rules "
                                        "sharing this regex have ", per_step,
                                        " launches per step (0 .. ", per_step - 1, ")"));
        }
        if (owner[pos] >= 0) {
          return err.Error("rules", i, "first",
                           absl::StrCat("selects launch ", pos, " of a step, which rules[",
                                        owner[pos], "] (line ", out.line[owner[pos]],
                                        ") selects too"));
        }
        owner[pos] = i;
      }
    }
    // Sizes add up and nothing overlaps, so every position is taken.
  }
  return out;
}

absl::StatusOr<Rules> LoadRules(absl::string_view path) {
  PM_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return ParseRules(text, path);
}

// ---- import ----------------------------------------------------------------

std::string ShortKernelName(absl::string_view name) {
  absl::string_view s = absl::StripAsciiWhitespace(name);
  if (absl::StartsWith(s, "void ")) s.remove_prefix(5);
  // Cut the argument list: the first '(' outside template brackets.
  int depth = 0;
  std::size_t args = s.size();
  std::size_t open = std::string::npos;
  constexpr absl::string_view kAnon = "(anonymous namespace)";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, kAnon.size()) == kAnon) {
      i += kAnon.size() - 1;
      continue;
    }
    if (s[i] == '<') {
      if (depth == 0 && open == std::string::npos) open = i;
      ++depth;
    } else if (s[i] == '>' && depth > 0) {
      --depth;
    } else if (s[i] == '(' && depth == 0 && i > 0) {
      args = i;
      break;
    }
  }
  std::string out(s.substr(0, args));
  if (out.size() > 100 && open != std::string::npos && open < out.size()) {
    out = absl::StrCat(out.substr(0, open), "<...>");
  }
  return out;
}

namespace {

double RoundUs(Duration d) { return std::round(d / Microseconds(1) * 1000.0) / 1000.0; }

std::string Us(Duration d) { return absl::StrFormat("%.3f", d / Microseconds(1)); }

struct Group {
  std::vector<int> rules;
  int64_t per_step = 0;
  bool selectors = false;
  std::vector<int> owner;  // launch position in a step -> rule
  std::vector<const KernelStats*> kernels;
};

}  // namespace

absl::StatusOr<ImportResult> Import(const KernelTable& table, const Rules& rules,
                                    const ImportOptions& options) {
  const pb::NsysRules& p = rules.proto;
  constexpr int64_t kMaxSteps = 1000000000;
  if (options.steps <= 0 || options.steps > kMaxSteps) {
    return absl::InvalidArgumentError(
        absl::StrCat("steps: must be in 1 .. ", kMaxSteps, ", got ", options.steps,
                     " (the number of decode steps the profile holds)"));
  }
  const double steps = static_cast<double>(options.steps);
  std::map<std::string, int64_t> layer_count;
  for (const pb::NsysLayerCount& l : p.layers()) layer_count[l.layer_kind()] = l.count();

  // Groups, in the order of their first rule.
  std::vector<Group> groups;
  std::vector<int> group_of(p.rules_size(), -1);
  {
    std::map<std::string, int> by_regex;
    for (int i = 0; i < p.rules_size(); ++i) {
      auto [it, added] = by_regex.emplace(p.rules(i).regex(), static_cast<int>(groups.size()));
      if (added) groups.emplace_back();
      Group& g = groups[it->second];
      g.rules.push_back(i);
      g.per_step += p.rules(i).occurrences_per_step();
      g.selectors = p.rules(i).has_first();
      group_of[i] = it->second;
    }
    for (Group& g : groups) {
      if (!g.selectors) continue;
      g.owner.assign(static_cast<std::size_t>(g.per_step), -1);
      for (int i : g.rules) {
        const int64_t stride = p.rules(i).has_stride() ? p.rules(i).stride() : 1;
        for (int64_t k = 0; k < p.rules(i).occurrences_per_step(); ++k) {
          g.owner[p.rules(i).first() + stride * k] = i;
        }
      }
    }
  }

  ImportResult out;
  for (const KernelStats& k : table.kernels) {
    int match = -1;
    for (int i = 0; i < p.rules_size() && match < 0; ++i) {
      if (RE2::PartialMatch(k.name, *rules.regex[i])) match = i;
    }
    if (match < 0) {
      out.unmapped.push_back({k.name, k.total, k.launches, k.total / steps});
      out.unmapped_per_step += k.total / steps;
    } else {
      groups[group_of[match]].kernels.push_back(&k);
    }
  }
  std::sort(out.unmapped.begin(), out.unmapped.end(),
            [](const UnmappedKernel& a, const UnmappedKernel& b) {
              return a.total != b.total ? a.total > b.total : a.name < b.name;
            });

  // Per rule, per kernel name: the time attributed over the whole profile.
  std::vector<std::vector<std::pair<std::string, Duration>>> attributed(p.rules_size());
  std::vector<std::string> split_by_count;
  bool any = false;
  for (const Group& g : groups) {
    const pb::NsysRule& lead = p.rules(g.rules.front());
    std::vector<std::string> uses;
    for (int i : g.rules) uses.push_back(RuleLabel(p.rules(i)));
    if (g.kernels.empty()) {
      out.notes.push_back(absl::StrCat(rules.origin, ":", rules.line[g.rules.front()],
                                       ": regex ", Quoted(lead.regex()), " (",
                                       absl::StrJoin(uses, " + "), ") matched no kernel"));
      continue;
    }
    any = true;
    int64_t launches = 0;
    for (const KernelStats* k : g.kernels) launches += k->launches;
    if (launches != options.steps * g.per_step) {
      const KernelStats& k = *g.kernels.front();
      const std::string others =
          g.kernels.size() > 1 ? absl::StrCat(" (with ", g.kernels.size() - 1,
                                               " other kernel names matching the same regex)")
                               : "";
      return LineError(
          table.origin, k.line,
          absl::StrCat("kernel ", Quoted(ShortKernelName(k.name)), others, " ran ", launches,
                       " times, but ", rules.origin, ":", rules.line[g.rules.front()],
                       " and the rules sharing its regex expect ", g.per_step, " per step (",
                       absl::StrJoin(uses, " + "), ") x ", options.steps, " steps = ",
                       options.steps * g.per_step,
                       "; check steps, the rules' occurrences_per_step, and that the profile "
                       "holds only whole decode steps of one GPU"));
    }
    if (table.kind == ReportKind::kTrace && g.selectors) {
      struct Item {
        Launch l;
        const KernelStats* k;
      };
      std::vector<Item> seq;
      for (const KernelStats* k : g.kernels) {
        for (const Launch& l : k->each) seq.push_back({l, k});
      }
      std::stable_sort(seq.begin(), seq.end(),
                       [](const Item& a, const Item& b) { return a.l.start < b.l.start; });
      std::map<std::pair<int, const KernelStats*>, Duration> sums;
      for (std::size_t n = 0; n < seq.size(); ++n) {
        const int rule = g.owner[n % static_cast<std::size_t>(g.per_step)];
        sums[{rule, seq[n].k}] += seq[n].l.duration;
      }
      for (int i : g.rules) {
        for (const KernelStats* k : g.kernels) {
          auto it = sums.find({i, k});
          if (it != sums.end()) attributed[i].push_back({k->name, it->second});
        }
      }
    } else {
      for (int i : g.rules) {
        const double share = static_cast<double>(p.rules(i).occurrences_per_step()) /
                             static_cast<double>(g.per_step);
        for (const KernelStats* k : g.kernels) attributed[i].push_back({k->name, k->total * share});
      }
      if (g.rules.size() > 1) {
        split_by_count.push_back(absl::StrCat(ShortKernelName(g.kernels.front()->name), " (",
                                              absl::StrJoin(uses, " + "), ")"));
      }
    }
    for (const KernelStats* k : g.kernels) out.mapped_per_step += k->total / steps;
  }
  if (!any) {
    return absl::InvalidArgumentError(absl::StrCat(table.origin, ": no kernel matches any rule of ",
                                                   rules.origin));
  }
  if (!split_by_count.empty()) {
    out.notes.push_back(absl::StrCat(
        split_by_count.size(), " kernels shared by several ops were split by launch count",
        table.kind == ReportKind::kKernSum
            ? " (a summary has no per-launch times; import a trace for an exact split):"
            : " (their rules have no `first` selectors):",
        "\n    ", absl::StrJoin(split_by_count, "\n    ")));
  }

  // Ops, one per (op, layer_kind): layer kinds in the order of `layers`, ops
  // in the canonical order.
  struct OpKey {
    int kind = 0;
    int op = 0;
    auto operator<=>(const OpKey&) const = default;
  };
  auto kind_index = [&](const std::string& kind) {
    for (int i = 0; i < p.layers_size(); ++i) {
      if (p.layers(i).layer_kind() == kind) return i;
    }
    return p.layers_size();
  };
  auto op_index = [](const std::string& op) {
    const std::optional<Op> o = OpFromName(op);
    return o.has_value() ? static_cast<int>(*o) : static_cast<int>(kOpCount);
  };
  struct OpSum {
    const pb::NsysRule* rule = nullptr;
    Duration per_layer;
    std::vector<std::string> kernels;
  };
  std::map<OpKey, OpSum> ops;
  for (int i = 0; i < p.rules_size(); ++i) {
    if (attributed[i].empty()) continue;
    const pb::NsysRule& r = p.rules(i);
    const double count = static_cast<double>(layer_count.at(r.layer_kind()));
    OpSum& o = ops[OpKey{kind_index(r.layer_kind()), op_index(r.op())}];
    o.rule = &r;
    for (const auto& [name, total] : attributed[i]) {
      const Duration per_layer = total / steps / count;
      o.per_layer += per_layer;
      o.kernels.push_back(absl::StrCat(ShortKernelName(name), " ", Us(per_layer), " us"));
    }
  }
  out.baseline = options.header;
  out.baseline.clear_ops();
  out.baseline.set_simulated(false);
  for (const auto& [key, sum] : ops) {
    pb::OpTime* o = out.baseline.add_ops();
    o->set_op(sum.rule->op());
    o->set_layer_kind(sum.rule->layer_kind());
    o->set_time_us(RoundUs(sum.per_layer));
    o->set_count(layer_count.at(sum.rule->layer_kind()));
    o->set_kernels(absl::StrJoin(sum.kernels, " + "));
  }

  std::string source = absl::StrCat(
      "nsys ", table.kind == ReportKind::kKernSum ? "cuda_gpu_kern_sum" : "cuda_gpu_trace", " ",
      table.origin, ", ", options.steps, " steps, mapped by ", rules.origin,
      "; kernel time per step: ", Us(out.mapped_per_step), " us in ops, ",
      Us(out.unmapped_per_step), " us unmapped");
  if (!out.unmapped.empty()) {
    std::vector<std::string> u;
    for (const UnmappedKernel& k : out.unmapped) {
      u.push_back(absl::StrCat(ShortKernelName(k.name), " ", Us(k.per_step), " us/step"));
    }
    absl::StrAppend(&source, " (", out.unmapped.size(), " kernels in no op: ",
                    absl::StrJoin(u, "; "), ")");
  }
  if (options.header.has_source() && !options.header.source().empty()) {
    source = absl::StrCat(options.header.source(), "; ", source);
  }
  out.baseline.set_source(source);
  return out;
}

std::string BaselineTextproto(const ImportResult& r, absl::string_view generated_by) {
  auto comment = [](absl::string_view text) {
    std::string s;
    for (absl::string_view line : absl::StrSplit(text, '\n')) absl::StrAppend(&s, "# ", line, "\n");
    return s;
  };
  std::string s = comment(absl::StrCat("Generated by ", generated_by));
  absl::StrAppend(&s, comment(absl::StrCat("Kernel time per step: ", Us(r.mapped_per_step),
                                           " us in the ops below, ", Us(r.unmapped_per_step),
                                           " us in kernels no rule maps.")));
  if (!r.unmapped.empty()) {
    absl::StrAppend(&s, "#\n# Unmapped kernels (us per step, launches, name):\n");
    for (const UnmappedKernel& k : r.unmapped) {
      absl::StrAppend(&s, comment(absl::StrCat("  ", Us(k.per_step), "  ", k.launches, "  ",
                                               k.name)));
    }
  }
  if (!r.notes.empty()) {
    absl::StrAppend(&s, "#\n# Notes:\n");
    for (const std::string& n : r.notes) absl::StrAppend(&s, comment(absl::StrCat("  ", n)));
  }
  std::string body;
  google::protobuf::TextFormat::PrintToString(r.baseline, &body);
  absl::StrAppend(&s, body);
  return s;
}


}  // namespace perfmodel::nsys
