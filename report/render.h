// File: report/render.h
// -----------------------------------------------------------------------------
//
// The one output renderer of perfmodel's tools. A tool builds a `Document`, a
// sequence of sections, each either a `Record` (ordered key -> value pairs, for
// one result such as an SLA row) or a `Table` (named columns, rows, optional
// footer rows such as totals), and renders it as text for people, Markdown for
// reports, CSV for spreadsheets or JSON for scripts. Every number carries its
// unit in its key or column name (`tpot_ms`, `time_us`); a non-integer number
// is a `Value::Number(v, decimals)`, so the tool, not the renderer, chooses how
// many decimals are meaningful, and every format prints the same rounding.
//
//   Record r{.name = "decode", .title = "Decode SLA"};
//   r.Add("tpot_ms", Value::Number(12.3913, 2), "time per output token")
//       .Add("dp", 8);
//   Document doc;
//   doc.Add(r);
//   Render(doc, Format::kJson);  // == "{\n  \"tpot_ms\": 12.39,\n  \"dp\": 8\n}\n"
//   Render(doc, Format::kCsv);   // == "tpot_ms,dp\n12.39,8\n"
//   Render(doc, Format::kText);
//   // Decode SLA
//   //   tpot_ms  12.39  time per output token
//   //   dp           8
//
// Shapes per format:
//   - text: a heading (the title) and aligned columns; numbers right-aligned;
//     table footers below a rule.
//   - markdown: a `## title` heading, then a pipe table (records as a
//     key | value [| note] table); footer cells in bold.
//   - csv: RFC 4180 quoting, "\n" line ends; one block per section (a record is
//     a header row of keys and one row of values; a table's footer rows follow
//     its rows), blocks separated by one blank line; titles and notes are left
//     out, so a one-section document is plain CSV.
//   - json: a one-section document is that section alone: a record is one flat
//     object, a table without footer an array of row objects. Otherwise the
//     document is an object keyed by section name; a table's footer rows go
//     under "<name>_footer". Numbers are JSON numbers (as rounded), empty cells
//     and non-finite numbers are null.
//
// Rendering never fails: rows shorter than the columns are padded with empty
// cells, extra cells are dropped, and missing or repeated section names are made
// unique ("section_2", "x_2"); CheckDocument() reports such mistakes so tests
// can catch them.

#ifndef REPORT_RENDER_H_
#define REPORT_RENDER_H_

#include <concepts>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace perfmodel::render {

// The output formats, as named by --format.
enum class Format { kText, kMarkdown, kCsv, kJson };

// FormatName() is the flag spelling of `f`: "text", "markdown", "csv", "json".
absl::string_view FormatName(Format f);

// ParseFormat() reads a flag spelling (exact, lower case). An unknown name gives
// InvalidArgument naming the value and the allowed ones, e.g.
// `unknown format "xml"; expected one of text, markdown, csv, json`.
[[nodiscard]] absl::StatusOr<Format> ParseFormat(absl::string_view name);

// Abseil flag support, so a tool can declare ABSL_FLAG(Format, format, ...).
bool AbslParseFlag(absl::string_view text, Format* f, std::string* error);
std::string AbslUnparseFlag(Format f);

// A number printed with a fixed number of decimals (clamped to 0..17).
struct Fixed final {
  double value = 0.0;
  int decimals = 0;
};

// Value is one cell or field value: empty, text, a whole number, or a number
// with fixed decimals.
// There is deliberately no constructor from double: say how many decimals.
class Value final {
 public:
  // An empty value: blank in text/markdown/CSV, null in JSON.
  Value() = default;
  Value(std::string s) : v_(std::move(s)) {}  // NOLINT: implicit by design
  Value(const char* s) : v_(std::string(s)) {}  // NOLINT
  Value(absl::string_view s) : v_(std::string(s)) {}  // NOLINT
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>)
  Value(I i) : v_(static_cast<int64_t>(i)) {}  // NOLINT
  Value(double) = delete;
  Value(float) = delete;

  // Value::Number() is `v` printed with `decimals` decimals.
  static Value Number(double v, int decimals) { return Value(Fixed{v, decimals}); }

  bool empty() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_number() const {
    return std::holds_alternative<int64_t>(v_) || std::holds_alternative<Fixed>(v_);
  }
  const std::variant<std::monostate, std::string, int64_t, Fixed>& get() const { return v_; }

 private:
  explicit Value(Fixed f) : v_(f) {}
  std::variant<std::monostate, std::string, int64_t, Fixed> v_;
};

// One key -> value pair of a Record; `note` is an explanation for people (text
// and markdown only).
struct Field final {
  std::string key;
  Value value = {};
  std::string note = {};
};

// Record is one result: ordered fields. `name` is its key in a multi-section
// JSON document; `title` is the heading in text and markdown (none if empty).
struct Record final {
  std::string name = {};
  std::string title = {};
  std::vector<Field> fields = {};

  // Add() appends a field and returns *this for chaining.
  Record& Add(std::string key, Value value, std::string note = "") {
    fields.push_back(Field{std::move(key), std::move(value), std::move(note)});
    return *this;
  }
};

// Table is rows of cells under named columns (each name carries its unit, e.g.
// "time_us"); `footer` rows (totals) are rendered after the rows.
struct Table final {
  std::string name = {};
  std::string title = {};
  std::vector<std::string> columns = {};
  std::vector<std::vector<Value>> rows = {};
  std::vector<std::vector<Value>> footer = {};
};

using Section = std::variant<Record, Table>;

// Document is what a tool prints: sections in order.
struct Document final {
  std::vector<Section> sections = {};

  Document& Add(Record r) {
    sections.emplace_back(std::move(r));
    return *this;
  }
  Document& Add(Table t) {
    sections.emplace_back(std::move(t));
    return *this;
  }
};

// CheckDocument() returns InvalidArgument for what Render() silently repairs:
// a row or footer row whose cell count differs from the columns, an empty or
// repeated column name or record key, and, with several sections, an empty or
// repeated section name. The message names the section and the row or key.
[[nodiscard]] absl::Status CheckDocument(const Document& doc);

// Render() renders `doc` in format `f`; the result ends in a newline unless the
// document is empty (then "" for text, markdown and CSV, "{}\n" for JSON).
std::string Render(const Document& doc, Format f);

}  // namespace perfmodel::render

#endif  // REPORT_RENDER_H_
