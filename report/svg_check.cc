#include "report/svg_check.h"

#include <cstddef>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace perfmodel {
namespace {

std::string LineColumn(absl::string_view text, std::ptrdiff_t offset) {
  std::size_t line = 1, column = 1;
  for (std::ptrdiff_t i = 0; i < offset && static_cast<std::size_t>(i) < text.size(); ++i) {
    if (text[static_cast<std::size_t>(i)] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat(line, ":", column);
}

// RepeatedAttribute() is the first element under `node` (itself included)
// that repeats an attribute name, with the name; a null node if none does.
std::pair<pugi::xml_node, std::string> RepeatedAttribute(pugi::xml_node node) {
  absl::flat_hash_set<std::string> names;
  for (pugi::xml_attribute a : node.attributes()) {
    if (!names.insert(a.name()).second) return {node, a.name()};
  }
  for (pugi::xml_node child : node.children()) {
    if (auto found = RepeatedAttribute(child); found.first) return found;
  }
  return {pugi::xml_node(), ""};
}

}  // namespace

absl::Status ParseSvg(absl::string_view text, pugi::xml_document& doc) {
  // parse_fragment keeps text outside the root (pugixml drops it otherwise),
  // so that it can be rejected below.
  constexpr unsigned kOptions =
      pugi::parse_default | pugi::parse_declaration | pugi::parse_fragment;
  const pugi::xml_parse_result r =
      doc.load_buffer(text.data(), text.size(), kOptions, pugi::encoding_utf8);
  if (!r) {
    return absl::InvalidArgumentError(
        absl::StrCat(LineColumn(text, r.offset), ": ", r.description()));
  }
  int roots = 0;
  for (pugi::xml_node n : doc.children()) {
    if (n.type() == pugi::node_element) ++roots;
    if (n.type() == pugi::node_pcdata && !absl::StripAsciiWhitespace(n.value()).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(LineColumn(text, n.offset_debug()),
                                                     ": text outside the root element: '",
                                                     n.value(), "'"));
    }
  }
  if (roots != 1) {
    return absl::InvalidArgumentError(absl::StrCat("1:1: ", roots, " root elements, want one"));
  }
  if (const auto [node, name] = RepeatedAttribute(doc.document_element()); node) {
    return absl::InvalidArgumentError(absl::StrCat(LineColumn(text, node.offset_debug()), ": <",
                                                   node.name(), "> repeats attribute ", name));
  }
  const pugi::xml_node svg = doc.document_element();
  if (std::string(svg.name()) != "svg" ||
      std::string(svg.attribute("xmlns").value()) != "http://www.w3.org/2000/svg") {
    return absl::InvalidArgumentError(
        absl::StrCat(LineColumn(text, svg.offset_debug()), ": the root is <", svg.name(),
                     " xmlns=\"", svg.attribute("xmlns").value(), "\">, want SVG's <svg>"));
  }
  return absl::OkStatus();
}

std::vector<pugi::xml_node> ElementsWithClass(const pugi::xml_document& doc,
                                              absl::string_view css_class) {
  std::vector<pugi::xml_node> out;
  struct Walker final : pugi::xml_tree_walker {
    absl::string_view want;
    std::vector<pugi::xml_node>* out;
    bool for_each(pugi::xml_node& n) override {
      if (n.type() == pugi::node_element &&
          absl::string_view(n.attribute("class").value()) == want) {
        out->push_back(n);
      }
      return true;
    }
  } walker;
  walker.want = css_class;
  walker.out = &out;
  pugi::xml_node root = doc.root();  // a handle: traverse() is not const
  root.traverse(walker);
  return out;
}

}  // namespace perfmodel
