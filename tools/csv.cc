#include "tools/csv.h"

#include "absl/strings/str_cat.h"

namespace perfmodel {

int CsvTable::Column(absl::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsvRecords(absl::string_view text,
                                                                      absl::string_view origin,
                                                                      std::vector<int>* lines) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  int line = 1;
  int record_line = 1;
  bool in_quotes = false;
  bool quoted_field = false;  // the current field began with a quote
  bool any = false;           // the current record has content
  auto end_field = [&] {
    record.push_back(field);
    field.clear();
    quoted_field = false;
  };
  auto end_record = [&] {
    end_field();
    records.push_back(record);
    if (lines != nullptr) lines->push_back(record_line);
    record.clear();
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (in_quotes) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (ch == '\n') ++line;
        field.push_back(ch);
      }
      continue;
    }
    switch (ch) {
      case '"':
        if (!field.empty() || quoted_field) {
          return absl::InvalidArgumentError(
              absl::StrCat(origin, ":", line, ": quote inside an unquoted field"));
        }
        in_quotes = true;
        quoted_field = true;
        any = true;
        break;
      case ',':
        end_field();
        any = true;
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') break;  // CRLF: the \n ends it
        [[fallthrough]];
      case '\n':
        if (any || !field.empty()) {
          end_record();
        } else {
          record.clear();  // a blank line
        }
        ++line;
        record_line = line;
        break;
      default:
        if (quoted_field) {
          return absl::InvalidArgumentError(
              absl::StrCat(origin, ":", line, ": text after a closing quote"));
        }
        field.push_back(ch);
        any = true;
    }
  }
  if (in_quotes) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ":", record_line, ": unterminated quoted field"));
  }
  if (any || !field.empty()) end_record();
  return records;
}

absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, absl::string_view origin) {
  std::vector<int> lines;
  absl::StatusOr<std::vector<std::vector<std::string>>> records =
      ParseCsvRecords(text, origin, &lines);
  if (!records.ok()) return records.status();
  if (records->empty()) return absl::InvalidArgumentError(absl::StrCat(origin, ": empty file"));
  CsvTable t;
  t.header = std::move((*records)[0]);
  for (std::size_t i = 1; i < records->size(); ++i) {
    if ((*records)[i].size() != t.header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(origin, ":", lines[i], ": ",
                                                     (*records)[i].size(), " fields, the header has ",
                                                     t.header.size()));
    }
    t.rows.push_back(std::move((*records)[i]));
    t.line.push_back(lines[i]);
  }
  return t;
}

}  // namespace perfmodel
