#include "sim/arrivals.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <tuple>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace perfmodel::sim {

LengthLaw Fixed(int64_t tokens) {
  return [tokens](std::mt19937_64&) { return tokens; };
}

GammaSource::GammaSource(Frequency rate, double cv, int64_t count, LengthLaw input,
                         LengthLaw output, uint64_t seed)
    : rng_(seed),
      gap_(1.0 / (cv * cv), cv * cv / ToHertz(rate)),
      input_(std::move(input)),
      output_(std::move(output)),
      count_(count),
      mean_interval_(Seconds(1.0 / ToHertz(rate))) {}

std::optional<Request> GammaSource::Next() {
  if (issued_ >= count_) return std::nullopt;
  ++issued_;
  now_ += Seconds(gap_(rng_));
  Request r;
  r.arrival = now_;
  r.input_tokens = input_(rng_);
  r.output_tokens = output_(rng_);
  return r;
}

namespace {

struct TraceRow final {
  double seconds = 0.0;
  int64_t input = 0;
  int64_t output = 0;
};

absl::Status LineError(const std::string& path, int64_t line, absl::string_view field,
                       absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", field, ": ", what));
}

// ParseRow() reads one data line of the trace.
absl::StatusOr<TraceRow> ParseRow(const std::string& path, int64_t line, absl::string_view text,
                                  int time_col, int in_col, int out_col, bool datetime,
                                  absl::string_view time_name, absl::string_view in_name,
                                  absl::string_view out_name) {
  if (absl::StrContains(text, '"')) {
    return LineError(path, line, "line", "quoted fields are not supported in a trace");
  }
  const std::vector<absl::string_view> cells = absl::StrSplit(text, ',');
  const int need = std::max({time_col, in_col, out_col});
  if (static_cast<int>(cells.size()) <= need) {
    return LineError(path, line, "line",
                     absl::StrCat("has ", cells.size(), " fields, the header names ", need + 1));
  }
  TraceRow row;
  const absl::string_view t = absl::StripAsciiWhitespace(cells[static_cast<size_t>(time_col)]);
  if (datetime) {
    absl::Time at;
    std::string err;
    if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S", t, absl::UTCTimeZone(), &at, &err)) {
      return LineError(path, line, time_name,
                       absl::StrCat("'", t, "' is not a date and time (YYYY-MM-DD HH:MM:SS.f)"));
    }
    row.seconds = absl::ToDoubleSeconds(at - absl::UnixEpoch());
  } else if (!absl::SimpleAtod(t, &row.seconds) || !std::isfinite(row.seconds)) {
    return LineError(path, line, time_name, absl::StrCat("'", t, "' is not a number of seconds"));
  }
  for (auto [col, name, into] : {std::tuple{in_col, in_name, &row.input},
                                 std::tuple{out_col, out_name, &row.output}}) {
    const absl::string_view v = absl::StripAsciiWhitespace(cells[static_cast<size_t>(col)]);
    if (!absl::SimpleAtoi(v, into)) {
      return LineError(path, line, name, absl::StrCat("'", v, "' is not a whole number"));
    }
    if (*into < 1) {
      return LineError(path, line, name, absl::StrCat("must be >= 1 token, got ", *into));
    }
  }
  return row;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TraceSource>> TraceSource::Open(const std::string& path,
                                                               int64_t max_context_tokens) {
  auto in = std::make_unique<std::ifstream>(path);
  if (!*in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the trace"));
  return Read(std::move(in), path, max_context_tokens);
}

absl::StatusOr<std::unique_ptr<TraceSource>> TraceSource::FromText(std::string text,
                                                                   const std::string& origin,
                                                                   int64_t max_context_tokens) {
  return Read(std::make_unique<std::istringstream>(std::move(text)), origin, max_context_tokens);
}

absl::StatusOr<std::unique_ptr<TraceSource>> TraceSource::Read(std::unique_ptr<std::istream> stream,
                                                               const std::string& path,
                                                               int64_t max_context_tokens) {
  std::unique_ptr<TraceSource> s(new TraceSource());
  s->path_ = path;
  std::istream& in = *stream;
  std::string header;
  if (!std::getline(in, header)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty trace (no header row)"));
  }
  if (!header.empty() && header.back() == '\r') header.pop_back();
  const std::vector<std::string> names = absl::StrSplit(header, ',');
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    const std::string n = std::string(absl::StripAsciiWhitespace(names[static_cast<size_t>(i)]));
    if (n == "TIMESTAMP") {
      s->time_column_ = i;
      s->datetime_ = true;
    } else if (n == "arrival_s") {
      s->time_column_ = i;
    } else if (n == "ContextTokens" || n == "input_tokens") {
      s->input_column_ = i;
    } else if (n == "GeneratedTokens" || n == "output_tokens") {
      s->output_column_ = i;
    }
  }
  if (s->time_column_ < 0 || s->input_column_ < 0 || s->output_column_ < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":1: header: needs TIMESTAMP,ContextTokens,GeneratedTokens (the Azure traces) or "
              "arrival_s,input_tokens,output_tokens; got '",
        header, "'"));
  }
  const std::string time_name = names[static_cast<size_t>(s->time_column_)];
  const std::string in_name = names[static_cast<size_t>(s->input_column_)];
  const std::string out_name = names[static_cast<size_t>(s->output_column_)];
  // One validating pass: nothing simulated from a trace that is bad anywhere.
  std::string text;
  int64_t line = 1;
  double previous = -std::numeric_limits<double>::infinity();
  double last = 0.0;
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    absl::StatusOr<TraceRow> row =
        ParseRow(path, line, text, s->time_column_, s->input_column_, s->output_column_,
                 s->datetime_, time_name, in_name, out_name);
    if (!row.ok()) return row.status();
    if (row->seconds < previous) {
      return LineError(path, line, time_name,
                       "earlier than the line before: a trace must be sorted by arrival");
    }
    if (max_context_tokens > 0 && row->input + row->output > max_context_tokens) {
      return LineError(path, line, in_name,
                       absl::StrCat(row->input, " input + ", row->output,
                                    " output tokens exceed the model's context of ",
                                    max_context_tokens));
    }
    if (s->count_ == 0) s->first_ = row->seconds;
    previous = row->seconds;
    last = row->seconds;
    ++s->count_;
  }
  if (s->count_ == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the trace has no requests"));
  }
  s->mean_interval_ =
      s->count_ > 1 ? Seconds((last - s->first_) / static_cast<double>(s->count_ - 1)) : Duration();
  // Streamed from the start again by Next().
  in.clear();
  in.seekg(0);
  std::getline(in, header);
  s->in_ = std::move(stream);
  return s;
}

std::optional<Request> TraceSource::Next() {
  std::string text;
  while (std::getline(*in_, text)) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    // Validated by Open(): a failure here means the file changed under us.
    absl::StatusOr<TraceRow> row = ParseRow(path_, 0, text, time_column_, input_column_,
                                            output_column_, datetime_, "", "", "");
    if (!row.ok()) return std::nullopt;
    return Request{Seconds(row->seconds - first_), row->input, row->output};
  }
  return std::nullopt;
}

}  // namespace perfmodel::sim
