#include "report/xml_check.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace perfmodel {
namespace {

class Parser final {
 public:
  explicit Parser(absl::string_view doc) : doc_(doc) {}

  absl::StatusOr<std::vector<XmlElement>> Run() {
    int roots = 0;
    std::vector<size_t> open;  // indices into elements_ of the open elements
    while (pos_ < doc_.size()) {
      if (Starts("<?")) {
        if (absl::Status s = Skip("?>", "processing instruction"); !s.ok()) return s;
      } else if (Starts("<!--")) {
        const size_t start = pos_;
        if (absl::Status s = Skip("-->", "comment"); !s.ok()) return s;
        if (doc_.substr(start + 4, pos_ - start - 7).find("--") != absl::string_view::npos) {
          return Error(start, "'--' inside a comment");
        }
      } else if (Starts("<!")) {
        return Error(pos_, "DOCTYPE, CDATA and other declarations are not supported");
      } else if (Starts("</")) {
        const size_t at = pos_;
        pos_ += 2;
        const std::string name = Name();
        if (name.empty()) return Error(at, "end tag without a name");
        SkipSpace();
        if (!Starts(">")) return Error(pos_, absl::StrCat("'>' expected to end </", name));
        ++pos_;
        if (open.empty()) return Error(at, absl::StrCat("</", name, "> closes nothing"));
        const std::string& top = elements_[open.back()].name;
        if (top != name) return Error(at, absl::StrCat("</", name, "> closes <", top, ">"));
        open.pop_back();
      } else if (Starts("<")) {
        const size_t at = pos_;
        ++pos_;
        XmlElement e;
        e.name = Name();
        if (e.name.empty()) return Error(at, "'<' not followed by a tag name");
        e.depth = static_cast<int>(open.size());
        if (open.empty() && ++roots > 1) return Error(at, "a second root element");
        bool self_closing = false;
        for (;;) {
          const bool spaced = SkipSpace();
          if (Starts("/>")) {
            pos_ += 2;
            self_closing = true;
            break;
          }
          if (Starts(">")) {
            ++pos_;
            break;
          }
          if (pos_ >= doc_.size()) return Error(at, absl::StrCat("<", e.name, " is not closed"));
          if (!spaced) return Error(pos_, "space expected before an attribute");
          const size_t attr_at = pos_;
          const std::string key = Name();
          if (key.empty()) return Error(pos_, absl::StrCat("bad character in <", e.name, ">"));
          SkipSpace();
          if (!Starts("=")) return Error(pos_, absl::StrCat("'=' expected after ", key));
          ++pos_;
          SkipSpace();
          if (pos_ >= doc_.size() || (doc_[pos_] != '"' && doc_[pos_] != '\'')) {
            return Error(pos_, absl::StrCat("attribute ", key, " is not quoted"));
          }
          const char quote = doc_[pos_++];
          const size_t end = doc_.find(quote, pos_);
          if (end == absl::string_view::npos) {
            return Error(attr_at, absl::StrCat("attribute ", key, " is not closed"));
          }
          const absl::string_view raw = doc_.substr(pos_, end - pos_);
          if (raw.find('<') != absl::string_view::npos) {
            return Error(pos_, absl::StrCat("'<' in the value of ", key));
          }
          absl::StatusOr<std::string> value = Unescape(raw, pos_);
          if (!value.ok()) return value.status();
          if (!e.attributes.emplace(key, *value).second) {
            return Error(attr_at, absl::StrCat("attribute ", key, " repeated"));
          }
          pos_ = end + 1;
        }
        elements_.push_back(std::move(e));
        if (!self_closing) open.push_back(elements_.size() - 1);
      } else {
        const size_t start = pos_;
        const size_t end = std::min(doc_.find('<', pos_), doc_.size());
        const absl::string_view raw = doc_.substr(start, end - start);
        pos_ = end;
        if (open.empty()) {
          if (!absl::StripAsciiWhitespace(raw).empty()) {
            return Error(start, "text outside the root element");
          }
          continue;
        }
        absl::StatusOr<std::string> text = Unescape(raw, start);
        if (!text.ok()) return text.status();
        elements_[open.back()].text += *text;
      }
    }
    if (!open.empty()) {
      return Error(doc_.size(), absl::StrCat("<", elements_[open.back()].name, "> is not closed"));
    }
    if (roots == 0) return Error(0, "no root element");
    return std::move(elements_);
  }

 private:
  bool Starts(absl::string_view s) const { return doc_.substr(pos_, s.size()) == s; }

  // SkipSpace() skips XML white space; true when there was some.
  bool SkipSpace() {
    const size_t start = pos_;
    while (pos_ < doc_.size() && (doc_[pos_] == ' ' || doc_[pos_] == '\t' ||
                                  doc_[pos_] == '\n' || doc_[pos_] == '\r')) {
      ++pos_;
    }
    return pos_ > start;
  }

  absl::Status Skip(absl::string_view terminator, absl::string_view what) {
    const size_t end = doc_.find(terminator, pos_);
    if (end == absl::string_view::npos) return Error(pos_, absl::StrCat(what, " is not closed"));
    pos_ = end + terminator.size();
    return absl::OkStatus();
  }

  // Name() reads an XML name (ASCII subset), or returns "".
  std::string Name() {
    const size_t start = pos_;
    auto first = [](char c) { return absl::ascii_isalpha(c) || c == '_' || c == ':'; };
    auto rest = [&](char c) { return first(c) || absl::ascii_isdigit(c) || c == '-' || c == '.'; };
    if (pos_ < doc_.size() && first(doc_[pos_])) {
      ++pos_;
      while (pos_ < doc_.size() && rest(doc_[pos_])) ++pos_;
    }
    return std::string(doc_.substr(start, pos_ - start));
  }

  absl::StatusOr<std::string> Unescape(absl::string_view raw, size_t at) const {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      const size_t semi = raw.find(';', i);
      if (semi == absl::string_view::npos) return Error(at + i, "'&' without ';'");
      const absl::string_view ref = raw.substr(i + 1, semi - i - 1);
      if (ref == "amp") {
        out += '&';
      } else if (ref == "lt") {
        out += '<';
      } else if (ref == "gt") {
        out += '>';
      } else if (ref == "quot") {
        out += '"';
      } else if (ref == "apos") {
        out += '\'';
      } else if (!ref.empty() && ref[0] == '#') {
        uint32_t code = 0;
        const bool hex = ref.size() > 1 && ref[1] == 'x';
        const bool ok = hex ? absl::SimpleHexAtoi(ref.substr(2), &code)
                            : absl::SimpleAtoi(ref.substr(1), &code);
        if (!ok || code == 0 || code > 0x10FFFF) {
          return Error(at + i, absl::StrCat("bad character reference &", ref, ";"));
        }
        out += '?';  // the checker only needs to know it is valid
      } else {
        return Error(at + i, absl::StrCat("unknown entity &", ref, ";"));
      }
      i = semi;
    }
    return out;
  }

  absl::Status Error(size_t at, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("offset ", at, ": ", what));
  }

  absl::string_view doc_;
  size_t pos_ = 0;
  std::vector<XmlElement> elements_;
};

}  // namespace

absl::StatusOr<std::vector<XmlElement>> ParseXml(absl::string_view doc) {
  return Parser(doc).Run();
}

}  // namespace perfmodel
