// File: loader/textproto_errors.h
// -----------------------------------------------------------------------------
//
// Collects protobuf's text-format parse errors as "origin:line:col: message"
// (1-based), for every loader of textprotos.
//
//   TextprotoErrors errors("models/x.textproto");
//   google::protobuf::TextFormat::Parser parser;
//   parser.RecordErrorsTo(&errors);
//   if (!parser.ParseFromString(text, &msg)) return absl::InvalidArgumentError(errors.Joined());
//   // "models/x.textproto:5:13: Expected ":", found "7168"."

#ifndef LOADER_TEXTPROTO_ERRORS_H_
#define LOADER_TEXTPROTO_ERRORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace perfmodel {

class TextprotoErrors final : public google::protobuf::io::ErrorCollector {
 public:
  explicit TextprotoErrors(absl::string_view origin) : origin_(origin) {}
  void AddError(int line, int column, const std::string& message) override {
    errors_.push_back(absl::StrCat(origin_, ":", line + 1, ":", column + 1, ": ", message));
  }
  // Warnings (e.g. deprecated fields) are errors too: nothing half-understood loads.
  void AddWarning(int line, int column, const std::string& message) override {
    AddError(line, column, message);
  }
  // Joined() is every message, one per line.
  std::string Joined() const { return absl::StrJoin(errors_, "\n"); }

 private:
  std::string origin_;
  std::vector<std::string> errors_;
};

// ParseTextproto() parses `text` as a `Message`; errors are InvalidArgument,
// every parser message joined, each "origin:line:col: message".
template <typename Message>
absl::StatusOr<Message> ParseTextproto(absl::string_view text, absl::string_view origin) {
  Message msg;
  TextprotoErrors errors(origin);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &msg)) {
    return absl::InvalidArgumentError(errors.Joined());
  }
  return msg;
}

}  // namespace perfmodel

#endif  // LOADER_TEXTPROTO_ERRORS_H_
