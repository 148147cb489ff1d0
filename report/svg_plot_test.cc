// Tests for report/svg_plot.h (tick choice, escaping, the document's structure,
// parsed by report/xml_check.h) and for the XML checker itself.

#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"
#include "report/xml_check.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<const XmlElement*> WithClass(const std::vector<XmlElement>& e,
                                         absl::string_view cls) {
  std::vector<const XmlElement*> out;
  for (const XmlElement& x : e) {
    auto it = x.attributes.find("class");
    if (it != x.attributes.end() && it->second == cls) out.push_back(&x);
  }
  return out;
}

// Points() reads a polyline's points attribute.
std::vector<std::pair<double, double>> Points(const XmlElement& polyline) {
  std::vector<std::pair<double, double>> out;
  for (absl::string_view p : absl::StrSplit(polyline.attributes.at("points"), ' ',
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

TEST(RenderTest, IsWellFormedStandaloneSvgWithEveryPart) {
  const std::string doc = svg::Render(TwoPanels());
  absl::StatusOr<std::vector<XmlElement>> e = ParseXml(doc);
  ASSERT_THAT(e, IsOk()) << doc;
  ASSERT_FALSE(e->empty());
  EXPECT_EQ((*e)[0].name, "svg");
  EXPECT_EQ((*e)[0].attributes.at("xmlns"), "http://www.w3.org/2000/svg");
  EXPECT_THAT(doc, ::testing::StartsWith("<?xml version=\"1.0\""));

  ASSERT_EQ(WithClass(*e, "title").size(), 1u);
  EXPECT_EQ(WithClass(*e, "title")[0]->text, "Sweep <A & B>");
  ASSERT_EQ(WithClass(*e, "series-user").size(), 1u);
  ASSERT_EQ(WithClass(*e, "series-machine").size(), 1u);
  EXPECT_EQ(WithClass(*e, "series-user")[0]->name, "polyline");
  EXPECT_EQ(WithClass(*e, "sla").size(), 1u);
  EXPECT_EQ(WithClass(*e, "sla")[0]->name, "line");
  ASSERT_EQ(WithClass(*e, "max-concurrency").size(), 1u);
  EXPECT_EQ(WithClass(*e, "max-concurrency")[0]->name, "circle");
  std::vector<std::string> labels;
  for (const XmlElement* x : WithClass(*e, "axis-label")) labels.push_back(x->text);
  EXPECT_THAT(labels, ::testing::UnorderedElementsAre("tokens/s per user",
                                                      "tokens/s per machine", "batch"));
  std::vector<std::string> legend;
  for (const XmlElement* x : WithClass(*e, "legend-text")) legend.push_back(x->text);
  EXPECT_THAT(legend, ::testing::ElementsAre("per user", "SLA 60", "max", "per machine"));

  // The NaN point is skipped; x grows left to right, y (higher value) upwards.
  const auto user = Points(*WithClass(*e, "series-user")[0]);
  ASSERT_EQ(user.size(), 5u);
  for (size_t i = 1; i < user.size(); ++i) {
    EXPECT_GT(user[i].first, user[i - 1].first);
    EXPECT_GT(user[i].second, user[i - 1].second);  // values fall, so pixels grow
  }
  // The marker sits on the series' point at x = 32; the SLA line below it.
  const XmlElement& marker = *WithClass(*e, "max-concurrency")[0];
  double cx = 0, cy = 0, sla_y = 0;
  ASSERT_TRUE(absl::SimpleAtod(marker.attributes.at("cx"), &cx));
  ASSERT_TRUE(absl::SimpleAtod(marker.attributes.at("cy"), &cy));
  ASSERT_TRUE(absl::SimpleAtod(WithClass(*e, "sla")[0]->attributes.at("y1"), &sla_y));
  EXPECT_NEAR(cx, user[3].first, 0.11);
  EXPECT_NEAR(cy, user[3].second, 0.11);
  EXPECT_GT(sla_y, cy);

  // A log2 axis: tick labels at powers of two, 1 .. 256, in each panel.
  std::vector<std::string> ticks;
  for (const XmlElement* x : WithClass(*e, "tick-label")) ticks.push_back(x->text);
  for (const char* t : {"1", "2", "4", "8", "16", "32", "64", "128", "256"}) {
    EXPECT_EQ(std::count(ticks.begin(), ticks.end(), t) >= 2, true) << t;
  }
}

TEST(RenderTest, EmptyFigureIsStillValid) {
  EXPECT_THAT(ParseXml(svg::Render(svg::Figure{.title = "nothing"})), IsOk());
  svg::Figure f{.title = "no points"};
  f.panels.push_back(svg::Panel{.y_label = "y"});
  EXPECT_THAT(ParseXml(svg::Render(f)), IsOk());
}

TEST(ParseXmlTest, ReadsElementsAttributesAndText) {
  absl::StatusOr<std::vector<XmlElement>> e = ParseXml(
      "<?xml version=\"1.0\"?>\n<!-- c -->\n<svg xmlns=\"u\"><g><text x='1'>a &amp; b&#x41;</text>"
      "</g><line/></svg>\n");
  ASSERT_THAT(e, IsOk());
  ASSERT_EQ(e->size(), 4u);
  EXPECT_EQ((*e)[2].name, "text");
  EXPECT_EQ((*e)[2].text, "a & b?");
  EXPECT_EQ((*e)[2].attributes.at("x"), "1");
  EXPECT_EQ((*e)[2].depth, 2);
  EXPECT_EQ((*e)[3].depth, 1);
}

TEST(ParseXmlTest, RejectsMalformedDocuments) {
  const auto bad = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ParseXml("<a><b></a></b>"), StatusIs(bad, HasSubstr("offset 6: </a> closes <b>")));
  EXPECT_THAT(ParseXml("<a x=1/>"), StatusIs(bad, HasSubstr("attribute x is not quoted")));
  EXPECT_THAT(ParseXml("<a x=\"1\" x=\"2\"/>"), StatusIs(bad, HasSubstr("x repeated")));
  EXPECT_THAT(ParseXml("<a x=\"<\"/>"), StatusIs(bad, HasSubstr("'<' in the value of x")));
  EXPECT_THAT(ParseXml("<a>&nbsp;</a>"), StatusIs(bad, HasSubstr("unknown entity &nbsp;")));
  EXPECT_THAT(ParseXml("<a>x & y</a>"), StatusIs(bad, HasSubstr("'&' without ';'")));
  EXPECT_THAT(ParseXml("<a/><b/>"), StatusIs(bad, HasSubstr("a second root element")));
  EXPECT_THAT(ParseXml("<a/>text"), StatusIs(bad, HasSubstr("text outside the root")));
  EXPECT_THAT(ParseXml("<a><b>"), StatusIs(bad, HasSubstr("<b> is not closed")));
  EXPECT_THAT(ParseXml("<a"), StatusIs(bad, HasSubstr("<a is not closed")));
  EXPECT_THAT(ParseXml("<a x=\"1\"y=\"2\"/>"), StatusIs(bad, HasSubstr("space expected")));
  EXPECT_THAT(ParseXml("<!-- a -- b --><a/>"), StatusIs(bad, HasSubstr("'--' inside")));
  EXPECT_THAT(ParseXml(""), StatusIs(bad, HasSubstr("no root element")));
  EXPECT_THAT(ParseXml("</a>"), StatusIs(bad, HasSubstr("</a> closes nothing")));
}

}  // namespace
}  // namespace perfmodel
