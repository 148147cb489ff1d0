// Renders report/render.h documents as text, Markdown, CSV and JSON.

#include "report/render.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace perfmodel::render {
namespace {

constexpr absl::string_view kAllowedFormats = "text, markdown, csv, json";

// FormatFixed() prints `f` with its decimals; "inf", "-inf" or "nan" when not
// finite, and never "-0.00".
std::string FormatFixed(const Fixed& f) {
  if (std::isnan(f.value)) return "nan";
  if (std::isinf(f.value)) return f.value > 0 ? "inf" : "-inf";
  const int decimals = std::clamp(f.decimals, 0, 17);
  std::string s = absl::StrFormat("%.*f", decimals, f.value);
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

// Plain() is the value as printed in text, markdown and CSV (before escaping).
std::string Plain(const Value& v) {
  struct Visitor {
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(int64_t i) const { return absl::StrCat(i); }
    std::string operator()(const Fixed& f) const { return FormatFixed(f); }
  };
  return std::visit(Visitor{}, v.get());
}

// DisplayWidth() counts UTF-8 code points, a fair guess of terminal columns.
size_t DisplayWidth(absl::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string Pad(absl::string_view s, size_t width, bool right) {
  const size_t w = DisplayWidth(s);
  const std::string fill(width > w ? width - w : 0, ' ');
  return right ? absl::StrCat(fill, s) : absl::StrCat(s, fill);
}

void RightTrim(std::string& s) {
  s.erase(s.find_last_not_of(' ') + 1);
}

// Row() returns `row` padded or cut to exactly `n` cells.
std::vector<Value> Row(const std::vector<Value>& row, size_t n) {
  std::vector<Value> r(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(std::min(n, row.size())));
  r.resize(n);
  return r;
}

// A column is right-aligned when it holds numbers and nothing but numbers.
std::vector<bool> NumericColumns(const Table& t) {
  std::vector<bool> numeric(t.columns.size(), false);
  std::vector<bool> text(t.columns.size(), false);
  for (const auto* rows : {&t.rows, &t.footer}) {
    for (const std::vector<Value>& row : *rows) {
      for (size_t c = 0; c < std::min(row.size(), t.columns.size()); ++c) {
        if (row[c].is_number()) numeric[c] = true;
        else if (!row[c].empty()) text[c] = true;
      }
    }
  }
  for (size_t c = 0; c < numeric.size(); ++c) numeric[c] = numeric[c] && !text[c];
  return numeric;
}

// ---- text -------------------------------------------------------------------

std::string TextEscape(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out;
}

std::string TextRecord(const Record& r) {
  std::string out;
  const std::string indent = r.title.empty() ? "" : "  ";
  if (!r.title.empty()) absl::StrAppend(&out, TextEscape(r.title), "\n");
  size_t key_width = 0;
  size_t value_width = 0;
  for (const Field& f : r.fields) {
    key_width = std::max(key_width, DisplayWidth(TextEscape(f.key)));
    value_width = std::max(value_width, DisplayWidth(TextEscape(Plain(f.value))));
  }
  for (const Field& f : r.fields) {
    std::string line = absl::StrCat(indent, Pad(TextEscape(f.key), key_width, false), "  ",
                                    Pad(TextEscape(Plain(f.value)), value_width, true));
    if (!f.note.empty()) absl::StrAppend(&line, "  ", TextEscape(f.note));
    RightTrim(line);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string TextTable(const Table& t) {
  const size_t n = t.columns.size();
  const std::vector<bool> numeric = NumericColumns(t);
  std::vector<size_t> width(n, 0);
  auto cells = [&](const std::vector<Value>& row) {
    std::vector<std::string> s;
    for (const Value& v : Row(row, n)) s.push_back(TextEscape(Plain(v)));
    return s;
  };
  std::vector<std::string> header;
  for (const std::string& c : t.columns) header.push_back(TextEscape(c));
  std::vector<std::vector<std::string>> body;
  std::vector<std::vector<std::string>> footer;
  for (const auto& row : t.rows) body.push_back(cells(row));
  for (const auto& row : t.footer) footer.push_back(cells(row));
  for (const auto* rows : {&body, &footer}) {
    for (const auto& row : *rows) {
      for (size_t c = 0; c < n; ++c) width[c] = std::max(width[c], DisplayWidth(row[c]));
    }
  }
  for (size_t c = 0; c < n; ++c) width[c] = std::max(width[c], DisplayWidth(header[c]));

  auto line = [&](const std::vector<std::string>& row) {
    std::vector<std::string> padded;
    for (size_t c = 0; c < n; ++c) padded.push_back(Pad(row[c], width[c], numeric[c]));
    std::string s = absl::StrJoin(padded, "  ");
    RightTrim(s);
    return absl::StrCat(s, "\n");
  };
  std::vector<std::string> dashes;
  for (size_t c = 0; c < n; ++c) dashes.push_back(std::string(width[c], '-'));
  const std::string rule = line(dashes);

  std::string out;
  if (!t.title.empty()) absl::StrAppend(&out, TextEscape(t.title), "\n");
  absl::StrAppend(&out, line(header), rule);
  for (const auto& row : body) absl::StrAppend(&out, line(row));
  if (!footer.empty()) {
    absl::StrAppend(&out, rule);
    for (const auto& row : footer) absl::StrAppend(&out, line(row));
  }
  return out;
}

// ---- markdown ---------------------------------------------------------------

std::string MarkdownEscape(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') out += "\\\\";
    else if (c == '|') out += "\\|";
    else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    else if (c == '\n' || c == '\r') out += "<br>";
    else out += c;
  }
  return out;
}

std::string MarkdownRow(const std::vector<std::string>& cells) {
  return absl::StrCat("| ", absl::StrJoin(cells, " | "), " |\n");
}

std::string MarkdownTitle(absl::string_view title) {
  if (title.empty()) return "";
  std::string t = MarkdownEscape(title);
  return absl::StrCat("## ", t, "\n\n");
}

std::string MarkdownRecord(const Record& r) {
  const bool notes = std::any_of(r.fields.begin(), r.fields.end(),
                                 [](const Field& f) { return !f.note.empty(); });
  std::string out = MarkdownTitle(r.title);
  if (notes) {
    absl::StrAppend(&out, MarkdownRow({"key", "value", "note"}), MarkdownRow({":--", "--:", ":--"}));
  } else {
    absl::StrAppend(&out, MarkdownRow({"key", "value"}), MarkdownRow({":--", "--:"}));
  }
  for (const Field& f : r.fields) {
    std::vector<std::string> cells = {MarkdownEscape(f.key), MarkdownEscape(Plain(f.value))};
    if (notes) cells.push_back(MarkdownEscape(f.note));
    absl::StrAppend(&out, MarkdownRow(cells));
  }
  return out;
}

std::string MarkdownTable(const Table& t) {
  const size_t n = t.columns.size();
  const std::vector<bool> numeric = NumericColumns(t);
  std::string out = MarkdownTitle(t.title);
  std::vector<std::string> header;
  std::vector<std::string> align;
  for (size_t c = 0; c < n; ++c) {
    header.push_back(MarkdownEscape(t.columns[c]));
    align.push_back(numeric[c] ? "--:" : ":--");
  }
  absl::StrAppend(&out, MarkdownRow(header), MarkdownRow(align));
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const Value& v : Row(row, n)) cells.push_back(MarkdownEscape(Plain(v)));
    absl::StrAppend(&out, MarkdownRow(cells));
  }
  for (const auto& row : t.footer) {
    std::vector<std::string> cells;
    for (const Value& v : Row(row, n)) {
      const std::string s = MarkdownEscape(Plain(v));
      cells.push_back(s.empty() ? s : absl::StrCat("**", s, "**"));
    }
    absl::StrAppend(&out, MarkdownRow(cells));
  }
  return out;
}

// ---- CSV --------------------------------------------------------------------

// CsvField() quotes per RFC 4180: a field holding a comma, a double quote, CR or
// LF is enclosed in double quotes, and its double quotes are doubled.
std::string CsvField(absl::string_view s) {
  if (s.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::vector<std::string> quoted;
  for (const std::string& f : fields) quoted.push_back(CsvField(f));
  return absl::StrCat(absl::StrJoin(quoted, ","), "\n");
}

std::string CsvRecord(const Record& r) {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  for (const Field& f : r.fields) {
    keys.push_back(f.key);
    values.push_back(Plain(f.value));
  }
  return absl::StrCat(CsvLine(keys), CsvLine(values));
}

std::string CsvTable(const Table& t) {
  std::string out = CsvLine(t.columns);
  for (const auto* rows : {&t.rows, &t.footer}) {
    for (const auto& row : *rows) {
      std::vector<std::string> cells;
      for (const Value& v : Row(row, t.columns.size())) cells.push_back(Plain(v));
      absl::StrAppend(&out, CsvLine(cells));
    }
  }
  return out;
}

// ---- JSON -------------------------------------------------------------------

// RapidJSON writes the JSON: string escaping, the document's layout (a
// PrettyWriter indenting by two), and each row object. The numbers are written
// as pre-formatted raw number text, so that JSON prints the same rounding as
// the other formats.
using JsonBuffer = rapidjson::StringBuffer;

// WriteJson() writes `v` with `w` (a Writer or PrettyWriter): empty and
// non-finite numbers as null, text as a string, numbers as Plain() prints them.
template <typename Writer>
void WriteJson(Writer& w, const Value& v) {
  struct Visitor {
    Writer& w;
    void operator()(std::monostate) const { w.Null(); }
    void operator()(const std::string& s) const {
      w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    }
    void operator()(int64_t i) const { w.Int64(i); }
    void operator()(const Fixed& f) const {
      if (!std::isfinite(f.value)) {
        w.Null();
        return;
      }
      const std::string text = FormatFixed(f);
      w.RawValue(text.data(), text.size(), rapidjson::kNumberType);
    }
  };
  std::visit(Visitor{w}, v.get());
}

// JsonToken() is `v` alone as JSON text: a quoted, escaped string, "12.39" or "null".
std::string JsonToken(const Value& v) {
  JsonBuffer buffer;
  rapidjson::Writer<JsonBuffer> w(buffer);
  WriteJson(w, v);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// WriteRows() writes `rows` as an array with one row object per line; each
// row is compact with a space after ':' and ',' ({"op": "gemm", "time_us": 1.5}),
// which neither of RapidJSON's writers lays out, so its tokens are joined here.
void WriteRows(rapidjson::PrettyWriter<JsonBuffer>& w, const std::vector<std::string>& columns,
               const std::vector<std::vector<Value>>& rows) {
  w.StartArray();
  for (const auto& row : rows) {
    const std::vector<Value> cells = Row(row, columns.size());
    std::vector<std::string> members;
    for (size_t c = 0; c < columns.size(); ++c) {
      members.push_back(absl::StrCat(JsonToken(columns[c]), ": ", JsonToken(cells[c])));
    }
    const std::string object = absl::StrCat("{", absl::StrJoin(members, ", "), "}");
    w.RawValue(object.data(), object.size(), rapidjson::kObjectType);
  }
  w.EndArray();
}

void WriteRecord(rapidjson::PrettyWriter<JsonBuffer>& w, const Record& r) {
  w.StartObject();
  for (const Field& f : r.fields) {
    w.Key(f.key.data(), static_cast<rapidjson::SizeType>(f.key.size()));
    WriteJson(w, f.value);
  }
  w.EndObject();
}

const std::string& SectionName(const Section& s) {
  return std::visit([](const auto& x) -> const std::string& { return x.name; }, s);
}

std::string RenderJson(const Document& doc) {
  JsonBuffer buffer;
  rapidjson::PrettyWriter<JsonBuffer> w(buffer);
  w.SetIndent(' ', 2);
  const Table* lone_table =
      doc.sections.size() == 1 ? std::get_if<Table>(&doc.sections[0]) : nullptr;
  const Record* lone_record =
      doc.sections.size() == 1 ? std::get_if<Record>(&doc.sections[0]) : nullptr;
  if (lone_record != nullptr) {
    WriteRecord(w, *lone_record);
  } else if (lone_table != nullptr && lone_table->footer.empty()) {
    WriteRows(w, lone_table->columns, lone_table->rows);
  } else {
    // Keyed by section name; names made non-empty and unique in order.
    absl::flat_hash_set<std::string> used;
    auto key = [&](const std::string& name) {
      std::string unique = name;
      for (int k = 2; used.contains(unique); ++k) unique = absl::StrCat(name, "_", k);
      used.insert(unique);
      w.Key(unique.data(), static_cast<rapidjson::SizeType>(unique.size()));
    };
    w.StartObject();
    for (size_t i = 0; i < doc.sections.size(); ++i) {
      const Section& s = doc.sections[i];
      std::string name = SectionName(s);
      if (name.empty()) name = absl::StrCat("section_", i + 1);
      if (const Record* r = std::get_if<Record>(&s)) {
        key(name);
        WriteRecord(w, *r);
      } else {
        const Table& t = std::get<Table>(s);
        key(name);
        WriteRows(w, t.columns, t.rows);
        if (!t.footer.empty()) {
          key(absl::StrCat(name, "_footer"));
          WriteRows(w, t.columns, t.footer);
        }
      }
    }
    w.EndObject();
  }
  return absl::StrCat(absl::string_view(buffer.GetString(), buffer.GetSize()), "\n");
}

// ---- checks -----------------------------------------------------------------

absl::Status CheckNames(absl::string_view what, absl::string_view where,
                        const std::vector<std::string>& names) {
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", what, " ", i + 1, " is empty"));
    }
    if (!seen.insert(names[i]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", what, " \"", names[i], "\" appears twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view FormatName(Format f) {
  switch (f) {
    case Format::kText: return "text";
    case Format::kMarkdown: return "markdown";
    case Format::kCsv: return "csv";
    case Format::kJson: return "json";
  }
  return "text";
}

absl::StatusOr<Format> ParseFormat(absl::string_view name) {
  for (Format f : {Format::kText, Format::kMarkdown, Format::kCsv, Format::kJson}) {
    if (name == FormatName(f)) return f;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown format \"", std::string(name),
                                                 "\"; expected one of ", kAllowedFormats));
}

bool AbslParseFlag(absl::string_view text, Format* f, std::string* error) {
  absl::StatusOr<Format> parsed = ParseFormat(text);
  if (!parsed.ok()) {
    *error = std::string(parsed.status().message());
    return false;
  }
  *f = *parsed;
  return true;
}

std::string AbslUnparseFlag(Format f) { return std::string(FormatName(f)); }

absl::Status CheckDocument(const Document& doc) {
  std::vector<std::string> section_names;
  for (size_t i = 0; i < doc.sections.size(); ++i) {
    const Section& s = doc.sections[i];
    const std::string& name = SectionName(s);
    section_names.push_back(name);
    const std::string where =
        name.empty() ? absl::StrCat("section ", i + 1) : absl::StrCat("section \"", name, "\"");
    if (const Record* r = std::get_if<Record>(&s)) {
      std::vector<std::string> keys;
      for (const Field& f : r->fields) keys.push_back(f.key);
      if (absl::Status st = CheckNames("key", where, keys); !st.ok()) return st;
      continue;
    }
    const Table& t = std::get<Table>(s);
    if (absl::Status st = CheckNames("column", where, t.columns); !st.ok()) return st;
    for (const auto& [rows, label] : {std::pair{&t.rows, "row"}, std::pair{&t.footer, "footer row"}}) {
      for (size_t r = 0; r < rows->size(); ++r) {
        if ((*rows)[r].size() != t.columns.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": ", label, " ", r + 1, " has ", (*rows)[r].size(),
                           " cells for ", t.columns.size(), " columns"));
        }
      }
    }
  }
  if (doc.sections.size() > 1) {
    return CheckNames("section name", "document", section_names);
  }
  return absl::OkStatus();
}

std::string Render(const Document& doc, Format f) {
  if (f == Format::kJson) return RenderJson(doc);
  std::vector<std::string> blocks;
  for (const Section& s : doc.sections) {
    const Record* r = std::get_if<Record>(&s);
    const Table* t = std::get_if<Table>(&s);
    switch (f) {
      case Format::kText: blocks.push_back(r ? TextRecord(*r) : TextTable(*t)); break;
      case Format::kMarkdown: blocks.push_back(r ? MarkdownRecord(*r) : MarkdownTable(*t)); break;
      case Format::kCsv: blocks.push_back(r ? CsvRecord(*r) : CsvTable(*t)); break;
      case Format::kJson: break;
    }
  }
  // Every block ends in "\n"; one more makes the blank line between sections.
  return absl::StrJoin(blocks, "\n");
}

}  // namespace perfmodel::render
