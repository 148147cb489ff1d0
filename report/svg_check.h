// File: report/svg_check.h
// -----------------------------------------------------------------------------
//
// For tests of generated SVG (report/svg_plot.h, the sweep's plot): parses the
// document with pugixml and adds the checks pugixml leaves out, so that a test
// can then look for the elements it expects.
//
//   pugi::xml_document doc;
//   ASSERT_THAT(ParseSvg(svg::Render(figure), doc), IsOk());
//   doc.document_element().attribute("xmlns").value()  // "http://www.w3.org/2000/svg"
//   ElementsWithClass(doc, "axis-label")[0].child_value()  // its text, entities resolved
//   ParseSvg("<svg xmlns=\"...\">\n<g></svg>", doc)  // "2:6: Start-end tags mismatch"

#ifndef REPORT_SVG_CHECK_H_
#define REPORT_SVG_CHECK_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pugixml.hpp"

namespace perfmodel {

// ParseSvg() parses `text` into `doc` (the <?xml?> declaration kept). Errors
// are InvalidArgument "LINE:COLUMN: what": pugixml's syntax errors (a
// mismatched or unclosed tag, a bad attribute), and what pugixml accepts but
// XML does not: no root element or more than one, text outside the root, an
// element repeating an attribute. The root must be <svg> in the SVG namespace.
[[nodiscard]] absl::Status ParseSvg(absl::string_view text, pugi::xml_document& doc);

// ElementsWithClass() is every element whose class attribute is `css_class`,
// in document order.
std::vector<pugi::xml_node> ElementsWithClass(const pugi::xml_document& doc,
                                              absl::string_view css_class);

}  // namespace perfmodel

#endif  // REPORT_SVG_CHECK_H_
