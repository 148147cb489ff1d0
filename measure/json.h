// File: measure/json.h
// -----------------------------------------------------------------------------
//
// A small, strict JSON reader for the files Google Benchmark writes (and for
// benchmarks/gpu/measure_kernels.py, which writes the same layout), so that the
// project needs no JSON library. It reads RFC 8259 JSON plus the three bare
// words Google Benchmark prints for non-finite numbers: NaN, Infinity and
// -Infinity. Objects keep their keys in file order; a repeated key is an error.
// Every error names the origin, the byte offset and the line and column:
//
//   absl::StatusOr<JsonValue> v = ParseJson(R"({"a": [1, 2.5e3, "x"]})", "t.json");
//   v->Find("a")->array()[1].number()      // == 2500
//   ParseJson("{\"a\": tru}", "t.json")    // InvalidArgument:
//   // t.json: offset 6 (line 1, column 7): expected a value, got 't'
//
// Nesting is limited to 64 levels, which Google Benchmark never comes near.

#ifndef MEASURE_JSON_H_
#define MEASURE_JSON_H_

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace perfmodel::bench {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, JsonValue>;

  JsonValue() = default;  // null
  static JsonValue Bool(bool b, std::size_t offset);
  static JsonValue Number(double d, std::size_t offset);
  static JsonValue String(std::string s, std::size_t offset);
  static JsonValue Array(std::vector<JsonValue> items, std::size_t offset);
  static JsonValue Object(std::vector<Member> members, std::size_t offset);
  static JsonValue Null(std::size_t offset);

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors return false / 0 / empty for a value of another type.
  bool boolean() const { return bool_; }
  double number() const { return number_; }
  const std::string& string() const { return string_; }
  const std::vector<JsonValue>& array() const { return items_; }
  const std::vector<Member>& object() const { return members_; }

  // Find() returns the member named `key` of an object, or nullptr when the
  // key is absent or this is not an object.
  const JsonValue* Find(absl::string_view key) const;

  // offset() is the byte offset of the value's first character in the text.
  std::size_t offset() const { return offset_; }

  // TypeName() is "null", "boolean", "number", "string", "array" or "object".
  static const char* TypeName(Type t);

 private:
  Type type_ = Type::kNull;
  std::size_t offset_ = 0;
  bool bool_ = false;
  double number_ = 0.0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<Member> members_;
};

// ParseJson() parses `text` as one JSON value (surrounding white space
// allowed); `origin` (a path) prefixes every error message.
[[nodiscard]] absl::StatusOr<JsonValue> ParseJson(absl::string_view text,
                                                  absl::string_view origin);

// JsonPosition() describes byte `offset` of `text` as
// "offset N (line L, column C)", 1-based line and column, for error messages
// about values found later (e.g. "a number where a string belongs").
std::string JsonPosition(absl::string_view text, std::size_t offset);

}  // namespace perfmodel::bench

#endif  // MEASURE_JSON_H_
