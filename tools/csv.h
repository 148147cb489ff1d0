// File: tools/csv.h
// -----------------------------------------------------------------------------
//
// A small RFC 4180 CSV reader for the files perfmodel imports (the calibration
// table, nsys reports): quoted fields may hold commas, quotes ("") and
// newlines; CRLF and LF both end a record. Errors name the origin and line.
//
//   absl::StatusOr<CsvTable> t = ParseCsv("a,b\n1,\"x, y\"\n", "f.csv");
//   t->header        // {"a", "b"}
//   t->rows[0][1]    // "x, y"
//   t->line[0]       // 2: the line the first data row starts on
//   t->Column("b")   // 1 (or -1 when absent)

#ifndef TOOLS_CSV_H_
#define TOOLS_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace perfmodel {

struct CsvTable final {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> line;  // 1-based line where each row starts

  // Column() is the index of the header cell equal to `name`, or -1.
  int Column(absl::string_view name) const;
};

// ParseCsv() reads `text`; the first record is the header. Every row must have
// as many fields as the header. An unterminated quote, a stray quote inside an
// unquoted field, a short or long row, or no header is InvalidArgument naming
// `origin` and the line.
[[nodiscard]] absl::StatusOr<CsvTable> ParseCsv(absl::string_view text, absl::string_view origin);

// ParseCsvRecords() is the same without the header and width checks.
[[nodiscard]] absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsvRecords(
    absl::string_view text, absl::string_view origin, std::vector<int>* lines);

}  // namespace perfmodel

#endif  // TOOLS_CSV_H_
