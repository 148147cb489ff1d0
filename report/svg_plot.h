// File: report/svg_plot.h
// -----------------------------------------------------------------------------
//
// A small hand-written SVG line chart, with no dependencies: one or more
// panels stacked over a shared x axis, each with its own y axis (starting at
// zero), line series, horizontal reference lines (an SLA) and marked points,
// axis ticks and labels, a title and a legend per panel. The output is a
// standalone SVG 1.1 document (with xmlns) that a browser opens as is.
//
//   svg::Figure f{.title = "Decode throughput", .x_label = "batch per DP rank",
//                 .x_log2 = true};
//   svg::Panel& p = f.panels.emplace_back();
//   p.y_label = "tokens/s per user";
//   p.series.push_back({.name = "per user", .css_class = "series-user",
//                       .color = "#1f77b4", .points = {{1, 120}, {32, 66}}});
//   p.hlines.push_back({.name = "SLA 60 tokens/s", .css_class = "sla",
//                       .color = "#d62728", .y = 60});
//   p.markers.push_back({.name = "max concurrency", .css_class = "max-concurrency",
//                        .color = "#000000", .x = 32, .y = 66});
//   std::string svg = svg::Render(f);  // "<?xml version=\"1.0\" ...<svg xmlns=..."
//
// Elements carry the given CSS classes, so a test (or a stylesheet) can find
// them: each series is one <polyline class=css_class> (a scatter series one
// <circle class=css_class> per point), each reference line a
// <line class=css_class>, each marker a <circle class=css_class>; axis labels
// are <text class="axis-label">, tick labels <text class="tick-label">, the
// title <text class="title"> (and <text class="subtitle">). Non-finite points are skipped. Text is
// XML-escaped.

#ifndef REPORT_SVG_PLOT_H_
#define REPORT_SVG_PLOT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace perfmodel::svg {

struct Series final {
  std::string name = {};       // legend text
  std::string css_class = {};  // class of its <polyline>
  std::string color = {};      // any SVG colour, e.g. "#1f77b4"
  std::vector<std::pair<double, double>> points = {};  // (x, y), in x order
  // Drawn as one small <circle class=css_class> per point instead of a line
  // (points then need no order).
  bool scatter = false;
};

// A horizontal line across the panel at y.
struct HLine final {
  std::string name = {};
  std::string css_class = {};
  std::string color = {};
  double y = 0.0;
};

// A marked point with its name written beside it.
struct Marker final {
  std::string name = {};
  std::string css_class = {};
  std::string color = {};
  double x = 0.0;
  double y = 0.0;
};

struct Panel final {
  std::string y_label = {};
  std::vector<Series> series = {};
  std::vector<HLine> hlines = {};
  std::vector<Marker> markers = {};
};

struct Figure final {
  std::string title = {};
  std::string subtitle = {};  // a smaller second line under the title
  std::string x_label = {};
  // x on a log2 scale with ticks at powers of two (for batch sweeps); else
  // linear with 1-2-5 ticks. A log2 axis needs x > 0 (other points skipped).
  bool x_log2 = false;
  std::vector<Panel> panels = {};
  int width = 900;         // pixels
  int panel_height = 280;  // pixels per panel
};

// Render() is the figure as an SVG document. An empty figure (no panels or
// no finite points) is still a valid document with its title.
std::string Render(const Figure& figure);

// NiceTicks() is 2..max_ticks round values (1, 2 or 5 x 10^k apart) covering
// [lo, hi], the first <= lo and the last >= hi; lo == hi is widened.
std::vector<double> NiceTicks(double lo, double hi, int max_ticks);

// EscapeXml() escapes & < > " ' for text and attribute values.
std::string EscapeXml(absl::string_view s);

}  // namespace perfmodel::svg

#endif  // REPORT_SVG_PLOT_H_
