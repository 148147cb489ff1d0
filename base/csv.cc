#include "base/csv.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace perfmodel {
namespace {

absl::Status LineError(absl::string_view origin, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(origin, ":", line, ": ", what));
}

bool IsBlank(const CsvRecord& r) { return r.fields.size() == 1 && r.fields[0].empty(); }

}  // namespace

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text,
                                                absl::string_view origin) {
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRecord> out;
  const std::size_t n = text.size();
  std::size_t i = 0;
  int line = 1;
  while (i < n) {
    CsvRecord rec;
    rec.line = line;
    bool done = false;
    while (!done) {
      std::string field;
      if (i < n && text[i] == '"') {
        const int opened = line;
        ++i;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        if (!closed) return LineError(origin, opened, "a quoted field opened here never closes");
        rec.fields.push_back(std::move(field));
        if (i < n && text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
        if (i >= n) {
          done = true;
        } else if (text[i] == ',') {
          ++i;
        } else if (text[i] == '\n') {
          ++i;
          ++line;
          done = true;
        } else {
          return LineError(origin, line, "text after a closing double quote");
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n') field += text[i++];
        if (!field.empty() && field.back() == '\r') field.pop_back();
        rec.fields.push_back(std::move(field));
        if (i < n && text[i] == ',') {
          ++i;
        } else {
          if (i < n) {
            ++i;
            ++line;
          }
          done = true;
        }
      }
    }
    if (!IsBlank(rec)) out.push_back(std::move(rec));
  }
  return out;
}

int CsvTable::Column(absl::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<CsvTable> ParseCsvTable(absl::string_view text, absl::string_view origin) {
  PM_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(text, origin));
  if (records.empty()) return absl::InvalidArgumentError(absl::StrCat(origin, ": empty file"));
  CsvTable t;
  t.header = std::move(records[0].fields);
  for (std::size_t i = 1; i < records.size(); ++i) {
    CsvRecord& r = records[i];
    if (r.fields.size() != t.header.size()) {
      return LineError(origin, r.line,
                       absl::StrCat(r.fields.size(), " fields, the header has ", t.header.size()));
    }
    t.rows.push_back(std::move(r));
  }
  return t;
}

}  // namespace perfmodel
