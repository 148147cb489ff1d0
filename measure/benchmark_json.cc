#include "measure/benchmark_json.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "measure/json.h"
#include "loader/load.h"
#include "base/status_macros.h"

namespace perfmodel::bench {
namespace {

// Errors about a value already parsed: "origin: offset ... : field: reason".
class Where {
 public:
  Where(absl::string_view text, absl::string_view origin) : text_(text), origin_(origin) {}
  absl::Status Error(const JsonValue& at, absl::string_view field, absl::string_view reason) const {
    return absl::InvalidArgumentError(
        absl::StrCat(origin_, ": ", JsonPosition(text_, at.offset()), ": ", field, ": ", reason));
  }
  const std::string& origin() const { return origin_; }

 private:
  absl::string_view text_;
  std::string origin_;
};

std::string Quoted(const JsonValue& v) {
  if (v.is_string()) return absl::StrCat("\"", v.string(), "\"");
  if (v.is_number()) return absl::StrFormat("%g", v.number());
  return JsonValue::TypeName(v.type());
}

// Member `key` of `row` as a string; absent: `fallback` (nullptr: required).
absl::StatusOr<std::string> StringField(const Where& w, const JsonValue& row,
                                        absl::string_view field, absl::string_view key,
                                        const char* fallback) {
  const JsonValue* v = row.Find(key);
  if (v == nullptr) {
    if (fallback != nullptr) return std::string(fallback);
    return w.Error(row, absl::StrCat(field, ".", key), "required field is missing");
  }
  if (!v->is_string()) {
    return w.Error(*v, absl::StrCat(field, ".", key),
                   absl::StrCat("expected a string, got ", Quoted(*v)));
  }
  return v->string();
}

// Member `key` of `row` as a finite number >= 0.
absl::StatusOr<double> NonNegativeField(const Where& w, const JsonValue& row,
                                        absl::string_view field, absl::string_view key) {
  const JsonValue* v = row.Find(key);
  if (v == nullptr) {
    return w.Error(row, absl::StrCat(field, ".", key), "required field is missing");
  }
  if (!v->is_number() || !std::isfinite(v->number()) || v->number() < 0) {
    return w.Error(*v, absl::StrCat(field, ".", key),
                   absl::StrCat("expected a finite number >= 0, got ", Quoted(*v)));
  }
  return v->number();
}

absl::StatusOr<Duration> UnitOf(const Where& w, const JsonValue& row, absl::string_view field) {
  absl::StatusOr<std::string> unit = StringField(w, row, field, "time_unit", nullptr);
  if (!unit.ok()) return unit.status();
  if (*unit == "ns") return Nanoseconds(1);
  if (*unit == "us") return Microseconds(1);
  if (*unit == "ms") return Milliseconds(1);
  if (*unit == "s") return Seconds(1);
  return w.Error(*row.Find("time_unit"), absl::StrCat(field, ".time_unit"),
                 absl::StrCat("expected one of ns, us, ms, s, got \"", *unit, "\""));
}

Duration Median(std::vector<Duration> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

absl::Status AddRow(const Where& w, const JsonValue& row, int index, BenchmarkFile* file) {
  const std::string field = absl::StrCat("benchmarks[", index, "]");
  if (!row.is_object()) {
    return w.Error(row, field, absl::StrCat("expected an object, got ", Quoted(row)));
  }
  absl::StatusOr<std::string> name = StringField(w, row, field, "name", nullptr);
  if (!name.ok()) return name.status();
  absl::StatusOr<std::string> run_name = StringField(w, row, field, "run_name", name->c_str());
  if (!run_name.ok()) return run_name.status();
  absl::StatusOr<std::string> run_type = StringField(w, row, field, "run_type", "iteration");
  if (!run_type.ok()) return run_type.status();
  if (*run_type != "iteration" && *run_type != "aggregate") {
    return w.Error(*row.Find("run_type"), absl::StrCat(field, ".run_type"),
                   absl::StrCat("expected \"iteration\" or \"aggregate\", got \"", *run_type,
                                "\""));
  }

  BenchmarkSeries* s = nullptr;
  for (BenchmarkSeries& x : file->series) {
    if (x.run_name == *run_name) s = &x;
  }
  if (s == nullptr) {
    file->series.emplace_back();
    s = &file->series.back();
    s->run_name = *run_name;
  }
  const JsonValue* family = row.Find("family_index");
  const JsonValue* instance = row.Find("per_family_instance_index");
  if (family != nullptr && instance != nullptr && family->is_number() && instance->is_number()) {
    s->family_index = static_cast<int64_t>(family->number());
    s->instance_index = static_cast<int64_t>(instance->number());
  }
  if (const JsonValue* reps = row.Find("repetitions"); reps != nullptr) {
    if (!reps->is_number() || !(reps->number() >= 0)) {
      return w.Error(*reps, absl::StrCat(field, ".repetitions"),
                     absl::StrCat("expected a number >= 0, got ", Quoted(*reps)));
    }
    s->repetitions = std::max(s->repetitions, static_cast<int64_t>(reps->number()));
  }
  if (const JsonValue* err = row.Find("error_occurred"); err != nullptr && err->boolean()) {
    absl::StatusOr<std::string> message =
        StringField(w, row, field, "error_message", "(no message)");
    if (!message.ok()) return message.status();
    s->error = *message;
    return absl::OkStatus();
  }

  absl::StatusOr<Duration> unit = UnitOf(w, row, field);
  if (!unit.ok()) return unit.status();
  absl::StatusOr<double> real = NonNegativeField(w, row, field, "real_time");
  if (!real.ok()) return real.status();
  absl::StatusOr<double> cpu = NonNegativeField(w, row, field, "cpu_time");
  if (!cpu.ok()) return cpu.status();
  const Duration real_time = *real * *unit;
  const Duration cpu_time = *cpu * *unit;

  if (*run_type == "iteration") {
    s->real_times.push_back(real_time);
    s->cpu_times.push_back(cpu_time);
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> aggregate = StringField(w, row, field, "aggregate_name", nullptr);
  if (!aggregate.ok()) return aggregate.status();
  absl::StatusOr<std::string> agg_unit = StringField(w, row, field, "aggregate_unit", "time");
  if (!agg_unit.ok()) return agg_unit.status();
  if (*agg_unit != "time") return absl::OkStatus();  // cv is a ratio, not a time
  auto set = [&](Aggregates& a, Duration t) {
    if (*aggregate == "median") {
      a.has_median = true;
      a.median = t;
    } else if (*aggregate == "mean") {
      a.has_mean = true;
      a.mean = t;
    } else if (*aggregate == "stddev") {
      a.has_stddev = true;
      a.stddev = t;
    }  // others (user statistics, BigO) carry nothing this reader uses
  };
  set(s->real_aggregates, real_time);
  set(s->cpu_aggregates, cpu_time);
  if (*aggregate == "median") {
    static constexpr const char* kLibraryFields[] = {
        "family_index", "per_family_instance_index", "repetitions", "repetition_index",
        "threads",      "iterations",                "real_time",   "cpu_time"};
    s->median_counters.clear();
    for (const auto& [key, value] : row.object()) {
      if (!value.is_number()) continue;
      bool library = false;
      for (const char* f : kLibraryFields) library = library || key == f;
      if (!library) s->median_counters.emplace_back(key, value.number());
    }
  }
  return absl::OkStatus();
}

}  // namespace

const char* TimeKindName(TimeKind t) { return t == TimeKind::kReal ? "real_time" : "cpu_time"; }

Summary BenchmarkSeries::Summarize(TimeKind t) const {
  Summary out;
  if (!error.empty()) return out;
  const std::vector<Duration>& times = t == TimeKind::kReal ? real_times : cpu_times;
  if (!times.empty()) {
    out.typical = Median(times);
    out.repetitions = static_cast<int64_t>(times.size());
    if (times.size() >= 3) {
      std::vector<Duration> deviations;
      for (Duration x : times) deviations.push_back(x > out.typical ? x - out.typical : out.typical - x);
      out.spread = 1.4826 * Median(deviations);
    } else if (times.size() == 2) {
      const Duration d = times[0] > times[1] ? times[0] - times[1] : times[1] - times[0];
      out.spread = d / std::sqrt(2.0);  // sample stddev of two values
    }
    return out;
  }
  const Aggregates& a = t == TimeKind::kReal ? real_aggregates : cpu_aggregates;
  out.typical = a.has_median ? a.median : a.mean;
  out.spread = a.has_stddev ? a.stddev : Duration::Zero();
  out.repetitions = repetitions;
  return out;
}

const BenchmarkSeries* BenchmarkFile::Find(absl::string_view run_name) const {
  for (const BenchmarkSeries& s : series) {
    if (s.run_name == run_name) return &s;
  }
  return nullptr;
}

std::string BenchmarkFile::ContextValue(absl::string_view key) const {
  for (const auto& [k, v] : context) {
    if (k == key) return v;
  }
  return "";
}

absl::StatusOr<BenchmarkFile> ParseBenchmarkJson(absl::string_view text,
                                                 absl::string_view origin) {
  absl::StatusOr<JsonValue> root = ParseJson(text, origin);
  if (!root.ok()) return root.status();
  const Where w(text, origin);
  if (!root->is_object()) {
    return w.Error(*root, "(top level)", absl::StrCat("expected an object, got ", Quoted(*root)));
  }
  BenchmarkFile file;
  file.origin = std::string(origin);
  if (const JsonValue* context = root->Find("context"); context != nullptr) {
    if (!context->is_object()) {
      return w.Error(*context, "context",
                     absl::StrCat("expected an object, got ", Quoted(*context)));
    }
    for (const auto& [key, value] : context->object()) {
      if (value.is_string()) {
        file.context.emplace_back(key, value.string());
      } else if (value.is_number()) {
        file.context.emplace_back(key, absl::StrFormat("%g", value.number()));
      } else if (value.is_bool()) {
        file.context.emplace_back(key, value.boolean() ? "true" : "false");
      }
    }
    if (const JsonValue* kt = context->Find("kernel_time"); kt != nullptr) {
      if (kt->is_string() && kt->string() == "cpu_time") {
        file.kernel_time = TimeKind::kCpu;
      } else if (!(kt->is_string() && kt->string() == "real_time")) {
        return w.Error(*kt, "context.kernel_time",
                       absl::StrCat("expected \"real_time\" or \"cpu_time\", got ", Quoted(*kt)));
      }
    }
  }
  const JsonValue* rows = root->Find("benchmarks");
  if (rows == nullptr) return w.Error(*root, "benchmarks", "required field is missing");
  if (!rows->is_array()) {
    return w.Error(*rows, "benchmarks", absl::StrCat("expected an array, got ", Quoted(*rows)));
  }
  for (std::size_t i = 0; i < rows->array().size(); ++i) {
    PM_RETURN_IF_ERROR(AddRow(w, rows->array()[i], static_cast<int>(i), &file));
  }
  std::stable_sort(file.series.begin(), file.series.end(),
                   [](const BenchmarkSeries& a, const BenchmarkSeries& b) {
                     const bool ia = a.family_index >= 0, ib = b.family_index >= 0;
                     if (ia != ib) return ia;
                     if (!ia) return false;
                     return std::make_pair(a.family_index, a.instance_index) <
                            std::make_pair(b.family_index, b.instance_index);
                   });
  return file;
}

absl::StatusOr<BenchmarkFile> ReadBenchmarkJson(absl::string_view path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseBenchmarkJson(*text, path);
}

}  // namespace perfmodel::bench
