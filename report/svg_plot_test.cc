// Tests for report/svg_plot.h (tick choice, escaping, the document's structure,
// parsed by pugixml through report/svg_check.h) and for that check itself.

#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"
#include "pugixml.hpp"
#include "report/svg_check.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;

// Points() reads a polyline's points attribute.
std::vector<std::pair<double, double>> Points(const pugi::xml_node& polyline) {
  std::vector<std::pair<double, double>> out;
  for (absl::string_view p : absl::StrSplit(polyline.attribute("points").value(), ' ',
                                            absl::SkipEmpty())) {
    std::vector<absl::string_view> xy = absl::StrSplit(p, ',');
    double x = 0, y = 0;
    EXPECT_EQ(xy.size(), 2u);
    EXPECT_TRUE(absl::SimpleAtod(xy[0], &x) && absl::SimpleAtod(xy[1], &y)) << p;
    out.push_back({x, y});
  }
  return out;
}

svg::Figure TwoPanels() {
  svg::Figure f{.title = "Sweep <A & B>", .subtitle = "sub", .x_label = "batch", .x_log2 = true};
  svg::Panel a{.y_label = "tokens/s per user"};
  a.series.push_back({.name = "per user", .css_class = "series-user", .color = "#1f77b4",
                      .points = {{1, 150}, {2, 140}, {4, 120}, {32, 66},
                                 {48, std::numeric_limits<double>::quiet_NaN()}, {256, 12}}});
  a.hlines.push_back({.name = "SLA 60", .css_class = "sla", .color = "#d62728", .y = 60});
  a.markers.push_back(
      {.name = "max", .css_class = "max-concurrency", .color = "#000", .x = 32, .y = 66});
  svg::Panel b{.y_label = "tokens/s per machine"};
  b.series.push_back({.name = "per machine", .css_class = "series-machine", .color = "#2ca02c",
                      .points = {{1, 1200}, {32, 17000}, {256, 24000}}});
  f.panels = {a, b};
  return f;
}

TEST(NiceTicksTest, CoverTheRangeWithRoundEvenSteps) {
  for (auto [lo, hi] : std::vector<std::pair<double, double>>{
           {0, 69.8}, {0, 1}, {0, 24000}, {1, 256}, {-3, 7}, {0.001, 0.0042}, {5, 5}}) {
    const std::vector<double> t = svg::NiceTicks(lo, hi, 6);
    ASSERT_GE(t.size(), 2u) << lo << " " << hi;
    EXPECT_LE(t.size(), 7u) << lo << " " << hi;
    EXPECT_LE(t.front(), lo);
    EXPECT_GE(t.back(), hi);
    const double step = t[1] - t[0];
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
    EXPECT_TRUE(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 ||
                std::abs(mantissa - 5) < 1e-9)
        << step;
    for (size_t i = 1; i < t.size(); ++i) EXPECT_NEAR(t[i] - t[i - 1], step, 1e-9 * step);
  }
}

TEST(EscapeXmlTest, EscapesMarkup) {
  EXPECT_EQ(svg::EscapeXml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
}

// Texts() is the text of each element in `nodes`.
std::vector<std::string> Texts(const std::vector<pugi::xml_node>& nodes) {
  std::vector<std::string> out;
  for (const pugi::xml_node& n : nodes) out.push_back(n.child_value());
  return out;
}

double Number(const pugi::xml_node& n, const char* attribute) {
  double v = 0;
  EXPECT_TRUE(absl::SimpleAtod(n.attribute(attribute).value(), &v))
      << n.name() << " " << attribute << "=" << n.attribute(attribute).value();
  return v;
}

TEST(RenderTest, IsWellFormedStandaloneSvgWithEveryPart) {
  const std::string svg = svg::Render(TwoPanels());
  pugi::xml_document doc;
  ASSERT_THAT(ParseSvg(svg, doc), IsOk()) << svg;
  EXPECT_THAT(svg, ::testing::StartsWith("<?xml version=\"1.0\""));
  EXPECT_EQ(doc.first_child().type(), pugi::node_declaration);

  ASSERT_EQ(ElementsWithClass(doc, "title").size(), 1u);
  EXPECT_EQ(Texts(ElementsWithClass(doc, "title"))[0], "Sweep <A & B>");  // escaped, read back
  ASSERT_EQ(ElementsWithClass(doc, "series-user").size(), 1u);
  ASSERT_EQ(ElementsWithClass(doc, "series-machine").size(), 1u);
  EXPECT_STREQ(ElementsWithClass(doc, "series-user")[0].name(), "polyline");
  ASSERT_EQ(ElementsWithClass(doc, "sla").size(), 1u);
  EXPECT_STREQ(ElementsWithClass(doc, "sla")[0].name(), "line");
  ASSERT_EQ(ElementsWithClass(doc, "max-concurrency").size(), 1u);
  EXPECT_STREQ(ElementsWithClass(doc, "max-concurrency")[0].name(), "circle");
  EXPECT_THAT(Texts(ElementsWithClass(doc, "axis-label")),
              ::testing::UnorderedElementsAre("tokens/s per user", "tokens/s per machine",
                                              "batch"));
  EXPECT_THAT(Texts(ElementsWithClass(doc, "legend-text")),
              ::testing::ElementsAre("per user", "SLA 60", "max", "per machine"));

  // The NaN point is skipped; x grows left to right, y (higher value) upwards.
  const auto user = Points(ElementsWithClass(doc, "series-user")[0]);
  ASSERT_EQ(user.size(), 5u);
  for (size_t i = 1; i < user.size(); ++i) {
    EXPECT_GT(user[i].first, user[i - 1].first);
    EXPECT_GT(user[i].second, user[i - 1].second);  // values fall, so pixels grow
  }
  // The marker sits on the series' point at x = 32; the SLA line below it.
  const pugi::xml_node marker = ElementsWithClass(doc, "max-concurrency")[0];
  const double cx = Number(marker, "cx"), cy = Number(marker, "cy");
  const double sla_y = Number(ElementsWithClass(doc, "sla")[0], "y1");
  EXPECT_NEAR(cx, user[3].first, 0.11);
  EXPECT_NEAR(cy, user[3].second, 0.11);
  EXPECT_GT(sla_y, cy);

  // A log2 axis: tick labels at powers of two, 1 .. 256, in each panel.
  const std::vector<std::string> ticks = Texts(ElementsWithClass(doc, "tick-label"));
  for (const char* t : {"1", "2", "4", "8", "16", "32", "64", "128", "256"}) {
    EXPECT_EQ(std::count(ticks.begin(), ticks.end(), t) >= 2, true) << t;
  }
}

TEST(RenderTest, EmptyFigureIsStillValid) {
  pugi::xml_document doc;
  EXPECT_THAT(ParseSvg(svg::Render(svg::Figure{.title = "nothing"}), doc), IsOk());
  svg::Figure f{.title = "no points"};
  f.panels.push_back(svg::Panel{.y_label = "y"});
  EXPECT_THAT(ParseSvg(svg::Render(f), doc), IsOk());
}

TEST(ParseSvgTest, RejectsWhatIsNotOneWellFormedSvgDocument) {
  const auto bad = absl::StatusCode::kInvalidArgument;
  pugi::xml_document doc;
  const std::string svg = svg::Render(TwoPanels());
  EXPECT_THAT(ParseSvg(svg.substr(0, svg.rfind("</svg>")), doc),  // not closed
              StatusIs(bad, HasSubstr("Start-end tags mismatch")));
  constexpr char kNs[] = "xmlns=\"http://www.w3.org/2000/svg\"";
  EXPECT_THAT(ParseSvg(absl::StrCat("<svg ", kNs, ">\n<g></svg>"), doc),
              StatusIs(bad, Eq("2:6: Start-end tags mismatch")));
  EXPECT_THAT(ParseSvg(absl::StrCat("<svg ", kNs, "/><svg ", kNs, "/>"), doc),
              StatusIs(bad, HasSubstr("2 root elements")));
  EXPECT_THAT(ParseSvg(absl::StrCat("<svg ", kNs, "/>text"), doc),
              StatusIs(bad, HasSubstr("text outside the root element")));
  EXPECT_THAT(ParseSvg(absl::StrCat("<svg ", kNs, "><line x1=\"1\" x1=\"2\"/></svg>"), doc),
              StatusIs(bad, HasSubstr("<line> repeats attribute x1")));
  EXPECT_THAT(ParseSvg("<svg/>", doc), StatusIs(bad, HasSubstr("want SVG's <svg>")));
  EXPECT_THAT(ParseSvg("", doc), StatusIs(bad, HasSubstr("0 root elements")));
}

}  // namespace
}  // namespace perfmodel
