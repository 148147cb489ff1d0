// File: report/xml_check.h
// -----------------------------------------------------------------------------
//
// A small XML well-formedness checker for tests of generated documents (the
// SVG plots): it accepts the subset of XML 1.0 that a generator writes (an
// optional <?xml ...?> prolog, processing instructions, comments, elements
// with quoted attributes, text, the five predefined entities and numeric
// character references; no DOCTYPE, no CDATA) and returns the elements in
// document order, so a test can look for the ones it expects.
//
//   absl::StatusOr<std::vector<XmlElement>> e =
//       ParseXml("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a &amp; b</text></svg>");
//   // (*e)[0].name == "svg", (*e)[0].attributes.at("xmlns") == "http://www.w3.org/2000/svg"
//   // (*e)[1].name == "text", (*e)[1].text == "a & b", (*e)[1].depth == 1
//   ParseXml("<a><b></a></b>");  // InvalidArgument "offset 6: </a> closes <b>"
//
// Errors are InvalidArgument giving the byte offset and what was wrong: an
// unclosed or mismatched tag, an unquoted or repeated attribute, a raw '<' in
// an attribute value, an unknown entity, text outside the root element, more
// than one root element, or none.

#ifndef REPORT_XML_CHECK_H_
#define REPORT_XML_CHECK_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace perfmodel {

struct XmlElement final {
  std::string name;
  std::map<std::string, std::string> attributes;  // values with entities resolved
  std::string text;  // the element's own character data, entities resolved
  int depth = 0;     // 0 for the root
};

// ParseXml() checks `doc` and returns its elements in document order.
[[nodiscard]] absl::StatusOr<std::vector<XmlElement>> ParseXml(absl::string_view doc);

}  // namespace perfmodel

#endif  // REPORT_XML_CHECK_H_
