// File: base/csv.h
// -----------------------------------------------------------------------------
//
// The one CSV reader of perfmodel's importers (the calibration table, nsys
// reports): RFC 4180 fields, where a field in double quotes may hold commas,
// newlines and doubled quotes (""). LF and CRLF line ends and a UTF-8
// byte-order mark are accepted; blank lines are skipped; a quote inside an
// unquoted field is kept as text. Errors name the origin and the line.
//
//   absl::StatusOr<std::vector<CsvRecord>> r = ParseCsv("a,b\n1,\"x, y\"\n", "f.csv");
//   (*r)[1].fields[1]   // "x, y"
//   (*r)[1].line        // 2
//   absl::StatusOr<CsvTable> t = ParseCsvTable(text, "f.csv");   // header + rows
//   t->Column("b")      // 1 (or -1 when absent)

#ifndef BASE_CSV_H_
#define BASE_CSV_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace perfmodel {

// One CSV record and the (1-based) line it starts on.
struct CsvRecord final {
  int line = 0;
  std::vector<std::string> fields;
};

// ParseCsv() splits `text` into records. Errors: a quoted field that never
// closes, or text right after a closing quote (InvalidArgument
// "origin:line: ...").
[[nodiscard]] absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text,
                                                             absl::string_view origin);

// A CSV whose first record is its header.
struct CsvTable final {
  std::vector<std::string> header;
  std::vector<CsvRecord> rows;

  // Column() is the index of the header cell equal to `name`, or -1.
  int Column(absl::string_view name) const;
};

// ParseCsvTable() is ParseCsv() with the first record as the header; every
// row must have as many fields as the header, and an empty text is an error
// (both name the origin and line).
[[nodiscard]] absl::StatusOr<CsvTable> ParseCsvTable(absl::string_view text,
                                                     absl::string_view origin);

}  // namespace perfmodel

#endif  // BASE_CSV_H_
