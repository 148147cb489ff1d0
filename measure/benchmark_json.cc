#include "measure/benchmark_json.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/stats.h"
#include "base/status_macros.h"
#include "loader/load.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"

namespace perfmodel::bench {
namespace {

using JsonValue = rapidjson::Value;

// Google Benchmark prints non-finite doubles as bare NaN / Infinity /
// -Infinity. Numbers reach the handler as text and are converted by
// Recorder::RawNumber() (absl::SimpleAtod(): the correctly rounded double),
// not by RapidJSON 1.1.0's full-precision strtod, which passes 0 to
// __builtin_clz() (undefined) for a zero with a large exponent such as
// "-0e308" (found by //fuzz:benchmark_json_fuzzer).
constexpr unsigned kParseFlags =
    rapidjson::kParseNanAndInfFlag | rapidjson::kParseNumbersAsStringsFlag;
// Far deeper than any Google Benchmark file; it bounds the recursion of the
// parse and of the walks over the tree.
constexpr int kMaxDepth = 64;

// LineColumn() is byte `offset` of `text` as "LINE:COLUMN", both 1-based.
std::string LineColumn(absl::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat(line, ":", column);
}

// A JSON text parsed by RapidJSON, with where each value and key starts, so
// that errors about a value found later point at it:
// "origin:LINE:COLUMN: field: reason".
class LocatedJson final {
 public:
  LocatedJson(absl::string_view text, absl::string_view origin) : text_(text), origin_(origin) {}
  LocatedJson(const LocatedJson&) = delete;
  LocatedJson& operator=(const LocatedJson&) = delete;

  // Parse() parses the text; a syntax error is "origin:LINE:COLUMN: " and
  // RapidJSON's message. Repeated keys in one object are an error too.
  absl::Status Parse();

  const JsonValue& root() const { return doc_; }

  absl::Status Error(const JsonValue& at, absl::string_view field,
                     absl::string_view reason) const {
    const auto it = offsets_.find(&at);
    return ErrorAt(it == offsets_.end() ? 0 : it->second,
                   absl::StrCat(field, field.empty() ? "" : ": ", reason));
  }

 private:
  // Forwards RapidJSON's parse events to the document and records the offset
  // at which each value and key starts, in document order.
  class Recorder final {
   public:
    Recorder(absl::string_view text, const rapidjson::MemoryStream& stream,
             rapidjson::Document& doc)
        : text_(text), stream_(stream), doc_(doc) {}

    bool Null() { return Token() && doc_.Null(); }
    bool Bool(bool b) { return Token() && doc_.Bool(b); }
    bool Int(int i) { return Token() && doc_.Int(i); }
    bool Uint(unsigned u) { return Token() && doc_.Uint(u); }
    bool Int64(int64_t i) { return Token() && doc_.Int64(i); }
    bool Uint64(uint64_t u) { return Token() && doc_.Uint64(u); }
    bool Double(double d) { return Token() && doc_.Double(d); }
    // RawNumber() gets every number as its text (kParseNumbersAsStringsFlag)
    // and gives the document the value RapidJSON's own conversion would:
    // an integer when it is one that fits 64 bits, else a double; NaN and
    // (-)Inf(inity) as such. A finite number past double's range stops the
    // parse (number_too_big()), as RapidJSON's kParseErrorNumberTooBig does.
    bool RawNumber(const char* s, rapidjson::SizeType n, bool /*copy*/) {
      const std::size_t start = NextStart();
      if (!Token()) return false;
      const absl::string_view text(s, n);
      const bool minus = absl::StartsWith(text, "-");
      const absl::string_view magnitude = text.substr(minus ? 1 : 0);
      if (magnitude == "NaN") return doc_.Double(std::numeric_limits<double>::quiet_NaN());
      if (magnitude == "Inf" || magnitude == "Infinity") {
        const double inf = std::numeric_limits<double>::infinity();
        return doc_.Double(minus ? -inf : inf);
      }
      if (magnitude.find_first_of(".eE") == absl::string_view::npos) {
        int64_t i = 0;
        uint64_t u = 0;
        if (minus && absl::SimpleAtoi(text, &i)) return doc_.Int64(i);
        if (!minus && absl::SimpleAtoi(text, &u)) return doc_.Uint64(u);
      }
      double d = 0.0;
      if (!absl::SimpleAtod(text, &d) || !std::isfinite(d)) {
        number_too_big_ = true;
        number_too_big_at_ = start;
        return false;
      }
      return doc_.Double(d);
    }
    bool String(const char* s, rapidjson::SizeType n, bool copy) {
      return Token() && doc_.String(s, n, copy);
    }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) {
      return Token() && doc_.Key(s, n, copy);
    }
    bool StartObject() { return Open() && doc_.StartObject(); }
    bool StartArray() { return Open() && doc_.StartArray(); }
    bool EndObject(rapidjson::SizeType n) { return Close() && doc_.EndObject(n); }
    bool EndArray(rapidjson::SizeType n) { return Close() && doc_.EndArray(n); }

    std::vector<std::size_t>& starts() { return starts_; }
    // The offset of the bracket that went deeper than kMaxDepth, if any.
    std::size_t too_deep_at() const { return too_deep_at_; }
    bool too_deep() const { return too_deep_; }
    // The offset of a number too big for a double, if any.
    std::size_t number_too_big_at() const { return number_too_big_at_; }
    bool number_too_big() const { return number_too_big_; }

   private:
    // A token ends where the stream stands when its event arrives; the next
    // one starts after white space and at most one ',' or ':' (the text up to
    // here has parsed, so nothing else can lie between).
    std::size_t NextStart() const {
      std::size_t i = last_end_;
      auto skip_space = [&] {
        while (i < text_.size() &&
               (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r')) {
          ++i;
        }
      };
      skip_space();
      if (i < text_.size() && (text_[i] == ',' || text_[i] == ':')) {
        ++i;
        skip_space();
      }
      return i;
    }
    bool Token() {
      starts_.push_back(NextStart());
      last_end_ = stream_.Tell();
      return true;
    }
    bool Open() {
      const std::size_t at = NextStart();
      if (++depth_ > kMaxDepth) {
        too_deep_ = true;
        too_deep_at_ = at;
        return false;
      }
      starts_.push_back(at);
      last_end_ = stream_.Tell();
      return true;
    }
    bool Close() {
      --depth_;
      last_end_ = stream_.Tell();
      return true;
    }

    absl::string_view text_;
    const rapidjson::MemoryStream& stream_;
    rapidjson::Document& doc_;
    std::vector<std::size_t> starts_;
    std::size_t last_end_ = 0;
    int depth_ = 0;
    bool too_deep_ = false;
    std::size_t too_deep_at_ = 0;
    bool number_too_big_ = false;
    std::size_t number_too_big_at_ = 0;
  };

  absl::Status ErrorAt(std::size_t offset, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(origin_, ":", LineColumn(text_, offset), ": ", what));
  }

  // Walk() pairs the values and keys under `v` with the recorded starts (the
  // events came in this same order) and rejects repeated keys.
  absl::Status Walk(const JsonValue& v, const std::vector<std::size_t>& starts, std::size_t& next);

  absl::string_view text_;
  std::string origin_;
  rapidjson::Document doc_;
  absl::flat_hash_map<const JsonValue*, std::size_t> offsets_;
};

absl::Status LocatedJson::Parse() {
  rapidjson::MemoryStream stream(text_.data(), text_.size());
  Recorder recorder(text_, stream, doc_);
  rapidjson::ParseResult result;
  // Populate() hands the generator doc_ itself as the handler; the recorder
  // already forwards to it.
  auto generate = [&](rapidjson::Document&) {
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(stream, recorder);
    return !result.IsError();
  };
  doc_.Populate(generate);
  if (recorder.too_deep()) {
    return ErrorAt(recorder.too_deep_at(),
                   absl::StrCat("nested deeper than ", kMaxDepth, " levels"));
  }
  if (recorder.number_too_big()) {
    return ErrorAt(recorder.number_too_big_at(),
                   rapidjson::GetParseError_En(rapidjson::kParseErrorNumberTooBig));
  }
  if (result.IsError()) return ErrorAt(result.Offset(), rapidjson::GetParseError_En(result.Code()));
  // RapidJSON's streams read a NUL byte as the end of the text.
  if (stream.Tell() != text_.size()) return ErrorAt(stream.Tell(), "a NUL byte in the text");
  std::size_t next = 0;
  return Walk(doc_, recorder.starts(), next);
}

absl::Status LocatedJson::Walk(const JsonValue& v, const std::vector<std::size_t>& starts,
                               std::size_t& next) {
  if (next < starts.size()) offsets_[&v] = starts[next];
  ++next;
  if (v.IsObject()) {
    absl::flat_hash_set<absl::string_view> keys;
    for (const auto& m : v.GetObject()) {
      if (next < starts.size()) offsets_[&m.name] = starts[next];
      ++next;
      const absl::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (!keys.insert(key).second) {
        return Error(m.name, "", absl::StrCat("duplicate key \"", key, "\""));
      }
      PM_RETURN_IF_ERROR(Walk(m.value, starts, next));
    }
  } else if (v.IsArray()) {
    for (const JsonValue& e : v.GetArray()) PM_RETURN_IF_ERROR(Walk(e, starts, next));
  }
  return absl::OkStatus();
}

const JsonValue* Find(const JsonValue& object, absl::string_view key) {
  if (!object.IsObject()) return nullptr;
  const JsonValue name(rapidjson::StringRef(key.data(), key.size()));
  const auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string StringOf(const JsonValue& v) { return std::string(v.GetString(), v.GetStringLength()); }

const char* TypeName(const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kNumberType: return "number";
    case rapidjson::kStringType: return "string";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kObjectType: return "object";
  }
  return "?";
}

std::string Quoted(const JsonValue& v) {
  if (v.IsString()) return absl::StrCat("\"", StringOf(v), "\"");
  if (v.IsNumber()) return absl::StrFormat("%g", v.GetDouble());
  return TypeName(v);
}

// Member `key` of `row` as a string; absent: `fallback` (nullptr: required).
absl::StatusOr<std::string> StringField(const LocatedJson& w, const JsonValue& row,
                                        absl::string_view field, absl::string_view key,
                                        const char* fallback) {
  const JsonValue* v = Find(row, key);
  if (v == nullptr) {
    if (fallback != nullptr) return std::string(fallback);
    return w.Error(row, absl::StrCat(field, ".", key), "required field is missing");
  }
  if (!v->IsString()) {
    return w.Error(*v, absl::StrCat(field, ".", key),
                   absl::StrCat("expected a string, got ", Quoted(*v)));
  }
  return StringOf(*v);
}

// Member `key` of `row` as a finite number >= 0.
absl::StatusOr<double> NonNegativeField(const LocatedJson& w, const JsonValue& row,
                                        absl::string_view field, absl::string_view key) {
  const JsonValue* v = Find(row, key);
  if (v == nullptr) {
    return w.Error(row, absl::StrCat(field, ".", key), "required field is missing");
  }
  if (!v->IsNumber() || !std::isfinite(v->GetDouble()) || v->GetDouble() < 0) {
    return w.Error(*v, absl::StrCat(field, ".", key),
                   absl::StrCat("expected a finite number >= 0, got ", Quoted(*v)));
  }
  return v->GetDouble();
}

absl::StatusOr<Duration> UnitOf(const LocatedJson& w, const JsonValue& row,
                                absl::string_view field) {
  PM_ASSIGN_OR_RETURN(const std::string unit, StringField(w, row, field, "time_unit", nullptr));
  if (unit == "ns") return Nanoseconds(1);
  if (unit == "us") return Microseconds(1);
  if (unit == "ms") return Milliseconds(1);
  if (unit == "s") return Seconds(1);
  return w.Error(*Find(row, "time_unit"), absl::StrCat(field, ".time_unit"),
                 absl::StrCat("expected one of ns, us, ms, s, got \"", unit, "\""));
}

// WholeNumber() is a JSON number as int64_t (a double truncated toward zero),
// or nullopt when it is not finite or outside int64_t's range (a cast would
// be undefined; found by //fuzz:benchmark_json_fuzzer at 5.6e36).
std::optional<int64_t> WholeNumber(const JsonValue& v) {
  if (v.IsInt64()) return v.GetInt64();
  const double d = v.GetDouble();
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!(d >= -kTwo63 && d < kTwo63)) return std::nullopt;
  return static_cast<int64_t>(d);
}

absl::Status AddRow(const LocatedJson& w, const JsonValue& row, int index, BenchmarkFile* file) {
  const std::string field = absl::StrCat("benchmarks[", index, "]");
  if (!row.IsObject()) {
    return w.Error(row, field, absl::StrCat("expected an object, got ", Quoted(row)));
  }
  PM_ASSIGN_OR_RETURN(const std::string name, StringField(w, row, field, "name", nullptr));
  PM_ASSIGN_OR_RETURN(const std::string run_name,
                      StringField(w, row, field, "run_name", name.c_str()));
  PM_ASSIGN_OR_RETURN(const std::string run_type,
                      StringField(w, row, field, "run_type", "iteration"));
  if (run_type != "iteration" && run_type != "aggregate") {
    return w.Error(*Find(row, "run_type"), absl::StrCat(field, ".run_type"),
                   absl::StrCat("expected \"iteration\" or \"aggregate\", got \"", run_type,
                                "\""));
  }

  BenchmarkSeries* s = nullptr;
  for (BenchmarkSeries& x : file->series) {
    if (x.run_name == run_name) s = &x;
  }
  if (s == nullptr) {
    file->series.emplace_back();
    s = &file->series.back();
    s->run_name = run_name;
  }
  const JsonValue* family = Find(row, "family_index");
  const JsonValue* instance = Find(row, "per_family_instance_index");
  if (family != nullptr && instance != nullptr && family->IsNumber() && instance->IsNumber()) {
    for (const auto& [name, v, out] :
         {std::tuple{"family_index", family, &s->family_index},
          std::tuple{"per_family_instance_index", instance, &s->instance_index}}) {
      const std::optional<int64_t> n = WholeNumber(*v);
      if (!n.has_value()) {
        return w.Error(*v, absl::StrCat(field, ".", name),
                       absl::StrCat("expected a number in int64 range, got ", Quoted(*v)));
      }
      *out = *n;
    }
  }
  if (const JsonValue* reps = Find(row, "repetitions"); reps != nullptr) {
    if (!reps->IsNumber() || !(reps->GetDouble() >= 0)) {
      return w.Error(*reps, absl::StrCat(field, ".repetitions"),
                     absl::StrCat("expected a number >= 0, got ", Quoted(*reps)));
    }
    const std::optional<int64_t> n = WholeNumber(*reps);
    if (!n.has_value()) {
      return w.Error(*reps, absl::StrCat(field, ".repetitions"),
                     absl::StrCat("expected a number in int64 range, got ", Quoted(*reps)));
    }
    s->repetitions = std::max(s->repetitions, *n);
  }
  if (const JsonValue* err = Find(row, "error_occurred");
      err != nullptr && err->IsBool() && err->GetBool()) {
    PM_ASSIGN_OR_RETURN(s->error, StringField(w, row, field, "error_message", "(no message)"));
    return absl::OkStatus();
  }

  PM_ASSIGN_OR_RETURN(const Duration unit, UnitOf(w, row, field));
  PM_ASSIGN_OR_RETURN(const double real, NonNegativeField(w, row, field, "real_time"));
  PM_ASSIGN_OR_RETURN(const double cpu, NonNegativeField(w, row, field, "cpu_time"));
  const Duration real_time = real * unit;
  const Duration cpu_time = cpu * unit;

  if (run_type == "iteration") {
    s->real_times.push_back(real_time);
    s->cpu_times.push_back(cpu_time);
    return absl::OkStatus();
  }
  PM_ASSIGN_OR_RETURN(const std::string aggregate,
                      StringField(w, row, field, "aggregate_name", nullptr));
  PM_ASSIGN_OR_RETURN(const std::string agg_unit,
                      StringField(w, row, field, "aggregate_unit", "time"));
  if (agg_unit != "time") return absl::OkStatus();  // cv is a ratio, not a time
  auto set = [&](Aggregates& a, Duration t) {
    if (aggregate == "median") {
      a.has_median = true;
      a.median = t;
    } else if (aggregate == "mean") {
      a.has_mean = true;
      a.mean = t;
    } else if (aggregate == "stddev") {
      a.has_stddev = true;
      a.stddev = t;
    }  // others (user statistics, BigO) carry nothing this reader uses
  };
  set(s->real_aggregates, real_time);
  set(s->cpu_aggregates, cpu_time);
  if (aggregate == "median") {
    static constexpr const char* kLibraryFields[] = {
        "family_index", "per_family_instance_index", "repetitions", "repetition_index",
        "threads",      "iterations",                "real_time",   "cpu_time"};
    s->median_counters.clear();
    for (const auto& m : row.GetObject()) {
      if (!m.value.IsNumber()) continue;
      const std::string key = StringOf(m.name);
      bool library = false;
      for (const char* f : kLibraryFields) library = library || key == f;
      if (!library) s->median_counters.emplace_back(key, m.value.GetDouble());
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
      for (Duration x : times)
        deviations.push_back(x > out.typical ? x - out.typical : out.typical - x);
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
  LocatedJson w(text, origin);
  PM_RETURN_IF_ERROR(w.Parse());
  const JsonValue& root = w.root();
  if (!root.IsObject()) {
    return w.Error(root, "(top level)", absl::StrCat("expected an object, got ", Quoted(root)));
  }
  BenchmarkFile file;
  file.origin = std::string(origin);
  if (const JsonValue* context = Find(root, "context"); context != nullptr) {
    if (!context->IsObject()) {
      return w.Error(*context, "context",
                     absl::StrCat("expected an object, got ", Quoted(*context)));
    }
    for (const auto& m : context->GetObject()) {
      const JsonValue& value = m.value;
      if (value.IsString()) {
        file.context.emplace_back(StringOf(m.name), StringOf(value));
      } else if (value.IsNumber()) {
        file.context.emplace_back(StringOf(m.name), absl::StrFormat("%g", value.GetDouble()));
      } else if (value.IsBool()) {
        file.context.emplace_back(StringOf(m.name), value.GetBool() ? "true" : "false");
      }
    }
    if (const JsonValue* kt = Find(*context, "kernel_time"); kt != nullptr) {
      if (kt->IsString() && StringOf(*kt) == "cpu_time") {
        file.kernel_time = TimeKind::kCpu;
      } else if (!(kt->IsString() && StringOf(*kt) == "real_time")) {
        return w.Error(*kt, "context.kernel_time",
                       absl::StrCat("expected \"real_time\" or \"cpu_time\", got ", Quoted(*kt)));
      }
    }
  }
  const JsonValue* rows = Find(root, "benchmarks");
  if (rows == nullptr) return w.Error(root, "benchmarks", "required field is missing");
  if (!rows->IsArray()) {
    return w.Error(*rows, "benchmarks", absl::StrCat("expected an array, got ", Quoted(*rows)));
  }
  for (rapidjson::SizeType i = 0; i < rows->Size(); ++i) {
    PM_RETURN_IF_ERROR(AddRow(w, (*rows)[i], static_cast<int>(i), &file));
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
  PM_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return ParseBenchmarkJson(text, path);
}

}  // namespace perfmodel::bench
