#include "measure/json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace perfmodel::bench {

JsonValue JsonValue::Bool(bool b, std::size_t offset) {
  JsonValue v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  v.offset_ = offset;
  return v;
}
JsonValue JsonValue::Number(double d, std::size_t offset) {
  JsonValue v;
  v.type_ = Type::kNumber;
  v.number_ = d;
  v.offset_ = offset;
  return v;
}
JsonValue JsonValue::String(std::string s, std::size_t offset) {
  JsonValue v;
  v.type_ = Type::kString;
  v.string_ = std::move(s);
  v.offset_ = offset;
  return v;
}
JsonValue JsonValue::Array(std::vector<JsonValue> items, std::size_t offset) {
  JsonValue v;
  v.type_ = Type::kArray;
  v.items_ = std::move(items);
  v.offset_ = offset;
  return v;
}
JsonValue JsonValue::Object(std::vector<Member> members, std::size_t offset) {
  JsonValue v;
  v.type_ = Type::kObject;
  v.members_ = std::move(members);
  v.offset_ = offset;
  return v;
}
JsonValue JsonValue::Null(std::size_t offset) {
  JsonValue v;
  v.offset_ = offset;
  return v;
}

const JsonValue* JsonValue::Find(absl::string_view key) const {
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

const char* JsonValue::TypeName(Type t) {
  switch (t) {
    case Type::kNull: return "null";
    case Type::kBool: return "boolean";
    case Type::kNumber: return "number";
    case Type::kString: return "string";
    case Type::kArray: return "array";
    case Type::kObject: return "object";
  }
  return "?";
}

std::string JsonPosition(absl::string_view text, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat("offset ", offset, " (line ", line, ", column ", column, ")");
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(absl::string_view text, absl::string_view origin) : text_(text), origin_(origin) {}

  absl::StatusOr<JsonValue> ParseDocument() {
    SkipSpace();
    absl::StatusOr<JsonValue> v = ParseValue(0);
    if (!v.ok()) return v;
    SkipSpace();
    if (pos_ != text_.size()) return Error("expected the end of the text after the value");
    return v;
  }

 private:
  absl::Status Error(absl::string_view what) const { return ErrorAt(pos_, what); }
  absl::Status ErrorAt(std::size_t at, absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(origin_, ": ", JsonPosition(text_, at), ": ", what));
  }
  std::string Got() const {
    if (pos_ >= text_.size()) return "the end of the text";
    const unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c < 0x20 || c >= 0x7f) return absl::StrFormat("byte 0x%02x", c);
    return absl::StrCat("'", text_.substr(pos_, 1), "'");
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Consume(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  absl::StatusOr<JsonValue> ParseValue(int depth) {
    if (pos_ >= text_.size()) return Error("expected a value, got the end of the text");
    const std::size_t start = pos_;
    const char c = text_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= kMaxDepth) {
        return Error(absl::StrCat("nested deeper than ", kMaxDepth, " levels"));
      }
      return c == '{' ? ParseObject(depth + 1) : ParseArray(depth + 1);
    }
    if (c == '"') {
      absl::StatusOr<std::string> s = ParseString();
      if (!s.ok()) return s.status();
      return JsonValue::String(*std::move(s), start);
    }
    if (Consume("true")) return JsonValue::Bool(true, start);
    if (Consume("false")) return JsonValue::Bool(false, start);
    if (Consume("null")) return JsonValue::Null(start);
    // Google Benchmark's spelling of non-finite doubles.
    if (Consume("NaN")) return JsonValue::Number(std::numeric_limits<double>::quiet_NaN(), start);
    if (Consume("Infinity")) {
      return JsonValue::Number(std::numeric_limits<double>::infinity(), start);
    }
    if (Consume("-Infinity")) {
      return JsonValue::Number(-std::numeric_limits<double>::infinity(), start);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
    return Error(absl::StrCat("expected a value, got ", Got()));
  }

  absl::StatusOr<JsonValue> ParseObject(int depth) {
    const std::size_t start = pos_++;
    std::vector<JsonValue::Member> members;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return JsonValue::Object(std::move(members), start);
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        return Error(absl::StrCat("expected a string key in the object, got ", Got()));
      }
      const std::size_t key_at = pos_;
      absl::StatusOr<std::string> key = ParseString();
      if (!key.ok()) return key.status();
      for (const JsonValue::Member& m : members) {
        if (m.first == *key) return ErrorAt(key_at, absl::StrCat("duplicate key \"", *key, "\""));
      }
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        return Error(absl::StrCat("expected ':' after the key \"", *key, "\", got ", Got()));
      }
      ++pos_;
      SkipSpace();
      absl::StatusOr<JsonValue> value = ParseValue(depth);
      if (!value.ok()) return value.status();
      members.emplace_back(*std::move(key), *std::move(value));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return JsonValue::Object(std::move(members), start);
      }
      return Error(absl::StrCat("expected ',' or '}' in the object, got ", Got()));
    }
  }

  absl::StatusOr<JsonValue> ParseArray(int depth) {
    const std::size_t start = pos_++;
    std::vector<JsonValue> items;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return JsonValue::Array(std::move(items), start);
    }
    while (true) {
      SkipSpace();
      absl::StatusOr<JsonValue> value = ParseValue(depth);
      if (!value.ok()) return value.status();
      items.push_back(*std::move(value));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return JsonValue::Array(std::move(items), start);
      }
      return Error(absl::StrCat("expected ',' or ']' in the array, got ", Got()));
    }
  }

  // Number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  absl::StatusOr<JsonValue> ParseNumber() {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return Error(absl::StrCat("expected a digit in the number, got ", Got()));
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) {
        return Error(absl::StrCat("expected a digit after '.' in the number, got ", Got()));
      }
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) {
        return Error(absl::StrCat("expected a digit in the exponent, got ", Got()));
      }
    }
    double value = 0.0;
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    const std::from_chars_result r = std::from_chars(first, last, value);
    if (r.ec == std::errc::result_out_of_range) {
      // Overflow is infinite; underflow is zero, which is what the digits mean.
      const bool huge = std::abs(std::strtod(std::string(first, last).c_str(), nullptr)) > 1.0;
      const bool negative = *first == '-';
      value = huge ? (negative ? -1 : 1) * std::numeric_limits<double>::infinity()
                   : (negative ? -0.0 : 0.0);
    } else if (r.ec != std::errc() || r.ptr != last) {
      return ErrorAt(start, "malformed number");
    }
    return JsonValue::Number(value, start);
  }

  absl::StatusOr<uint32_t> ParseHex4() {
    if (pos_ + 4 > text_.size()) return Error("expected 4 hex digits after \\u");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return ErrorAt(pos_ + i, "expected 4 hex digits after \\u");
      }
    }
    pos_ += 4;
    return v;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  absl::StatusOr<std::string> ParseString() {
    const std::size_t start = pos_++;  // the opening quote
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return ErrorAt(start, "unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Error(absl::StrCat("control character ", Got(), " in a string (escape it)"));
      }
      if (c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) return ErrorAt(start, "unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          absl::StatusOr<uint32_t> cp = ParseHex4();
          if (!cp.ok()) return cp.status();
          if (*cp >= 0xd800 && *cp < 0xdc00) {  // a high surrogate needs its low half
            if (!Consume("\\u")) return Error("expected a low surrogate \\uDC00-\\uDFFF");
            absl::StatusOr<uint32_t> low = ParseHex4();
            if (!low.ok()) return low.status();
            if (*low < 0xdc00 || *low >= 0xe000) {
              return Error("expected a low surrogate \\uDC00-\\uDFFF");
            }
            *cp = 0x10000 + ((*cp - 0xd800) << 10) + (*low - 0xdc00);
          } else if (*cp >= 0xdc00 && *cp < 0xe000) {
            return Error("unpaired low surrogate");
          }
          AppendUtf8(*cp, &out);
          break;
        }
        default:
          return ErrorAt(pos_ - 2, absl::StrCat("unknown escape '\\", text_.substr(pos_ - 1, 1),
                                                "' in a string"));
      }
    }
  }

  absl::string_view text_;
  std::string origin_;
  std::size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<JsonValue> ParseJson(absl::string_view text, absl::string_view origin) {
  return Parser(text, origin).ParseDocument();
}

}  // namespace perfmodel::bench
