// Typed flags and flag-combination checks; see cli/flags.h.

#include "cli/flags.h"

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/paths.h"
#include "cli/enum_flag.h"

namespace perfmodel {
namespace {

// A unit of a quantity flag: its spelling and its size in base units.
struct Unit final {
  absl::string_view name;
  double base;
};

// Largest first: unparsing takes the first that fits.
constexpr std::array<Unit, 4> kDurationUnits = {{
    {"s", 1.0},
    {"ms", 1e-3},
    {"us", 1e-6},
    {"ns", 1e-9},
}};

constexpr std::array<Unit, 10> kByteUnits = {{
    {"TiB", 1024.0 * 1024.0 * 1024.0 * 1024.0},
    {"TB", 1e12},
    {"GiB", 1024.0 * 1024.0 * 1024.0},
    {"GB", 1e9},
    {"MiB", 1024.0 * 1024.0},
    {"MB", 1e6},
    {"KiB", 1024.0},
    {"kB", 1e3},
    {"KB", 1e3},
    {"B", 1.0},
}};

// Names of `units` for an error, smallest first: "ns, us, ms, s".
template <std::size_t N>
std::string UnitList(const std::array<Unit, N>& units) {
  std::vector<std::string> names;
  for (auto it = units.rbegin(); it != units.rend(); ++it) names.emplace_back(it->name);
  return absl::StrJoin(names, ", ");
}

// ParseQuantity() reads "<number><unit>" (spaces between allowed) into base
// units; `what` ("duration", "byte size") and `example` word the errors.
template <std::size_t N>
bool ParseQuantity(absl::string_view text, const std::array<Unit, N>& units, absl::string_view what,
                   absl::string_view example, double* out, std::string* error) {
  const absl::string_view t = absl::StripAsciiWhitespace(text);
  size_t split = t.size();
  while (split > 0 && absl::ascii_isalpha(static_cast<unsigned char>(t[split - 1]))) --split;
  const absl::string_view number = absl::StripAsciiWhitespace(t.substr(0, split));
  const absl::string_view unit = t.substr(split);
  if (unit.empty()) {
    *error = absl::StrCat("'", text, "' has no unit; expected a number and one of ",
                          UnitList(units), " (e.g. ", example, ")");
    return false;
  }
  const Unit* found = nullptr;
  for (const Unit& u : units) {
    if (u.name == unit) found = &u;
  }
  if (found == nullptr) {
    *error =
        absl::StrCat("'", text, "': unknown unit '", unit, "'; expected one of ", UnitList(units));
    return false;
  }
  double v = 0.0;
  if (number.empty() || !absl::SimpleAtod(number, &v) || !std::isfinite(v)) {
    *error = absl::StrCat("'", text, "': '", number, "' is not a finite number");
    return false;
  }
  if (v < 0) {
    *error = absl::StrCat("'", text, "': a ", what, " must be >= 0");
    return false;
  }
  *out = v * found->base;
  return true;
}

// ShortestText() is the shortest %g text of `v` (6 to 17 digits) that
// `check` accepts (the caller checks it reads back exactly).
template <typename Check>
std::string ShortestText(double v, Check check) {
  for (int digits = 6; digits <= 17; ++digits) {
    std::string s = absl::StrFormat("%.*g", digits, v);
    if (check(s)) return s;
  }
  return absl::StrFormat("%.17g", v);
}

// UnparseQuantity() writes `base` (in base units) in the first of `units`
// that `fits` accepts, as short as reads back exactly; else in the last
// resort unit `fallback` with 17 digits.
template <std::size_t N, typename Fits>
std::string UnparseQuantity(double base, const std::array<Unit, N>& units, Fits fits,
                            absl::string_view fallback) {
  for (const Unit& u : units) {
    if (!fits(base, u)) continue;
    const double v = base / u.base;
    std::string s = ShortestText(v, [&](const std::string& text) {
      double back = 0.0;
      return absl::SimpleAtod(text, &back) && back * u.base == base;
    });
    double back = 0.0;
    if (absl::SimpleAtod(s, &back) && back * u.base == base) return absl::StrCat(s, u.name);
  }
  return absl::StrCat(absl::StrFormat("%.17g", base), fallback);
}

// Context specs.

std::string ContextError(absl::string_view spec, absl::string_view what) {
  return absl::StrCat("'", spec, "': ", what);
}

bool ParseLength(absl::string_view spec, absl::string_view field, absl::string_view text,
                 int64_t* out, std::string* error) {
  if (absl::SimpleAtoi(text, out)) return true;
  *error =
      ContextError(spec, absl::StrCat(field, ": '", text, "' is not a whole number of tokens"));
  return false;
}

bool ParseReal(absl::string_view spec, absl::string_view field, absl::string_view text, double* out,
               std::string* error) {
  if (absl::SimpleAtod(text, out) && std::isfinite(*out)) return true;
  *error = ContextError(spec, absl::StrCat(field, ": '", text, "' is not a finite number"));
  return false;
}

// AnalyticFromSpec() builds the law of a spec that is not a file.
absl::StatusOr<ContextDistribution> AnalyticFromSpec(const ContextSpec& s) {
  switch (s.kind) {
    case ContextSpec::Kind::kFixed:
      return ContextDistribution::Fixed(s.tokens);
    case ContextSpec::Kind::kUniform:
      return ContextDistribution::Uniform(s.lo, s.hi);
    case ContextSpec::Kind::kNormal:
      return ContextDistribution::Normal(TokenCount(s.mean), TokenCount(s.spread));
    case ContextSpec::Kind::kLogNormal:
      return ContextDistribution::LogNormal(TokenCount(s.mean), s.spread);
    case ContextSpec::Kind::kFile:
      break;
  }
  return absl::InvalidArgumentError("file: not an analytic law");
}

std::string Real(double v) {
  return ShortestText(v, [v](const std::string& text) {
    double back = 0.0;
    return absl::SimpleAtod(text, &back) && back == v;
  });
}

}  // namespace

bool AbslParseFlag(absl::string_view text, Duration* d, std::string* error) {
  double seconds = 0.0;
  if (!ParseQuantity(text, kDurationUnits, "duration", "1.3ms", &seconds, error)) return false;
  *d = Seconds(seconds);
  return true;
}

std::string AbslUnparseFlag(Duration d) {
  const double s = ToSeconds(d);
  if (s == 0.0) return "0s";
  return UnparseQuantity(
      s, kDurationUnits,
      [](double base, const Unit& u) { return std::abs(base) >= u.base || u.name == "ns"; }, "s");
}

bool AbslParseFlag(absl::string_view text, Bytes* b, std::string* error) {
  double bytes = 0.0;
  if (!ParseQuantity(text, kByteUnits, "byte size", "80GiB", &bytes, error)) return false;
  *b = ByteCount(bytes);
  return true;
}

std::string AbslUnparseFlag(Bytes b) {
  const double v = ToBytes(b);
  if (v == 0.0) return "0B";
  return UnparseQuantity(
      v, kByteUnits,
      [](double base, const Unit& u) {
        if (u.name == "KB") return false;  // kB is the spelling written
        const double n = base / u.base;
        return u.name == "B" || (std::abs(n) >= 1 && n == std::floor(n));
      },
      "B");
}

bool AbslParseFlag(absl::string_view text, DType* d, std::string* error) {
  if (DTypeFromName(std::string_view(text.data(), text.size()), *d)) return true;
  *error = absl::StrCat("unknown dtype '", text, "'; expected one of ",
                        EnumNameList(kDTypes, [](const DTypeInfo& i) { return i.name; }));
  return false;
}
std::string AbslUnparseFlag(DType d) { return UnparseEnumFlag(d, DTypeName); }

bool AbslParseFlag(absl::string_view text, Overlap* o, std::string* error) {
  return ParseEnumFlag(text, kOverlaps, OverlapName, "overlap", o, error);
}
std::string AbslUnparseFlag(Overlap o) { return UnparseEnumFlag(o, OverlapName); }

bool AbslParseFlag(absl::string_view text, Phase* p, std::string* error) {
  return ParseEnumFlag(text, kPhases, PhaseName, "phase", p, error);
}
std::string AbslUnparseFlag(Phase p) { return UnparseEnumFlag(p, PhaseName); }

bool AbslParseFlag(absl::string_view text, EpKernels* k, std::string* error) {
  return ParseEnumFlag(text, kEpKernels, EpKernelsName, "EP kernel family", k, error);
}
std::string AbslUnparseFlag(EpKernels k) { return UnparseEnumFlag(k, EpKernelsName); }

bool AbslParseFlag(absl::string_view text, Transport* t, std::string* error) {
  return ParseEnumFlag(text, kTransports, TransportName, "transport", t, error);
}
std::string AbslUnparseFlag(Transport t) { return UnparseEnumFlag(t, TransportName); }

bool AbslParseFlag(absl::string_view text, ContextSpec* spec, std::string* error) {
  const size_t colon = text.find(':');
  const absl::string_view kind = text.substr(0, colon);
  const absl::string_view rest =
      colon == absl::string_view::npos ? absl::string_view() : text.substr(colon + 1);
  const std::vector<absl::string_view> args = colon == absl::string_view::npos
                                                  ? std::vector<absl::string_view>{}
                                                  : absl::StrSplit(rest, ':');
  auto expected = [&](absl::string_view form) {
    *error = ContextError(text, absl::StrCat("expected ", form));
    return false;
  };
  ContextSpec s;
  s.text = std::string(text);
  if (kind == "fixed") {
    s.kind = ContextSpec::Kind::kFixed;
    if (args.size() != 1) return expected("fixed:N");
    if (!ParseLength(text, "N", args[0], &s.tokens, error)) return false;
  } else if (kind == "uniform") {
    s.kind = ContextSpec::Kind::kUniform;
    if (args.size() != 2) return expected("uniform:LO:HI");
    if (!ParseLength(text, "LO", args[0], &s.lo, error)) return false;
    if (!ParseLength(text, "HI", args[1], &s.hi, error)) return false;
  } else if (kind == "normal") {
    s.kind = ContextSpec::Kind::kNormal;
    if (args.size() != 2) return expected("normal:MEAN:STD");
    if (!ParseReal(text, "MEAN", args[0], &s.mean, error)) return false;
    if (!ParseReal(text, "STD", args[1], &s.spread, error)) return false;
  } else if (kind == "lognormal") {
    s.kind = ContextSpec::Kind::kLogNormal;
    if (args.size() != 2) return expected("lognormal:MEAN:SIGMA");
    if (!ParseReal(text, "MEAN", args[0], &s.mean, error)) return false;
    if (!ParseReal(text, "SIGMA", args[1], &s.spread, error)) return false;
  } else if (kind == "file") {
    s.kind = ContextSpec::Kind::kFile;
    if (rest.empty()) return expected("file:PATH");
    s.path = std::string(rest);
  } else {
    *error = ContextError(text, absl::StrCat("unknown distribution '", kind,
                                             "'; expected fixed:N, uniform:LO:HI, normal:MEAN:STD, "
                                             "lognormal:MEAN:SIGMA or file:PATH"));
    return false;
  }
  if (s.kind != ContextSpec::Kind::kFile) {
    // The factories check the parameters and name the bad one.
    if (absl::StatusOr<ContextDistribution> d = AnalyticFromSpec(s); !d.ok()) {
      *error = ContextError(text, d.status().message());
      return false;
    }
  }
  *spec = std::move(s);
  return true;
}

std::string AbslUnparseFlag(const ContextSpec& s) {
  if (!s.text.empty()) return s.text;
  switch (s.kind) {
    case ContextSpec::Kind::kFixed:
      return absl::StrCat("fixed:", s.tokens);
    case ContextSpec::Kind::kUniform:
      return absl::StrCat("uniform:", s.lo, ":", s.hi);
    case ContextSpec::Kind::kNormal:
      return absl::StrCat("normal:", Real(s.mean), ":", Real(s.spread));
    case ContextSpec::Kind::kLogNormal:
      return absl::StrCat("lognormal:", Real(s.mean), ":", Real(s.spread));
    case ContextSpec::Kind::kFile:
      return absl::StrCat("file:", s.path);
  }
  return "";
}

absl::StatusOr<ContextDistribution> ContextFromSpec(const ContextSpec& spec) {
  if (spec.kind == ContextSpec::Kind::kFile) return LoadEmpiricalLengths(ResolveInput(spec.path));
  return AnalyticFromSpec(spec);
}

// --- How flags combine. -------------------------------------------------------

absl::StatusOr<absl::string_view> AtMostOneFlag(std::initializer_list<GivenFlag> flags) {
  absl::string_view first;
  for (const GivenFlag& f : flags) {
    if (!f.given) continue;
    if (!first.empty()) {
      std::vector<std::string> all;
      for (const GivenFlag& g : flags) all.push_back(absl::StrCat("--", g.name));
      return absl::InvalidArgumentError(absl::StrCat("--", f.name, ": conflicts with --", first,
                                                     "; give one of ", absl::StrJoin(all, ", ")));
    }
    first = f.name;
  }
  return first;
}

absl::Status RequireFlag(GivenFlag flag, absl::string_view with) {
  if (flag.given) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag.name, ": required with --", with));
}

absl::Status RequiredFlag(GivenFlag flag, absl::string_view why) {
  if (flag.given) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag.name, ": required", why.empty() ? "" : " ", why));
}

absl::Status OnlyWith(GivenFlag flag, GivenFlag with) {
  if (!flag.given || with.given) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag.name, ": applies to --", with.name, " only"));
}

absl::StatusOr<std::optional<Duration>> DurationFlag(absl::string_view name,
                                                     std::optional<Duration> value,
                                                     absl::string_view ms_name,
                                                     std::optional<double> ms) {
  if (value.has_value() && ms.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", ms_name, ": conflicts with --", name, "; give one"));
  }
  if (value.has_value()) return value;
  if (!ms.has_value()) return std::nullopt;
  if (!(*ms >= 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat("--", ms_name, ": must be >= 0, got ", *ms));
  }
  if (!std::isfinite(*ms)) {
    return absl::InvalidArgumentError(absl::StrCat("--", ms_name, ": must be finite, got ", *ms));
  }
  return Milliseconds(*ms);
}

absl::Status WithFlag(absl::string_view flag, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("--", flag, ": ", s.message()));
}

}  // namespace perfmodel
