#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace perfmodel::svg {
namespace {

// Layout, in pixels.
constexpr double kTitleHeight = 56.0;
constexpr double kBottomPad = 24.0;
constexpr double kLeft = 84.0;          // y tick labels and the y axis label
constexpr double kRight = 260.0;        // the legend
constexpr double kPanelTop = 14.0;      // inside a panel, above its plot area
constexpr double kPanelBottom = 52.0;   // x tick labels and the x axis label

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

// TickLabel() prints a tick value without trailing zeros ("0.5", "250", "1e+06").
std::string TickLabel(double v) {
  if (std::abs(v) < 1e-12) return "0";
  return absl::StrFormat("%g", v);
}

struct Range final {
  double lo = 0.0;
  double hi = 1.0;
};

// An axis maps data to pixels [p0, p1].
struct Axis final {
  bool log2 = false;
  Range range;
  double p0 = 0.0;
  double p1 = 1.0;
  std::vector<double> ticks;

  double Map(double v) const {
    const double a = log2 ? std::log2(range.lo) : range.lo;
    const double b = log2 ? std::log2(range.hi) : range.hi;
    const double x = log2 ? std::log2(v) : v;
    return p0 + (x - a) / (b - a) * (p1 - p0);
  }
};

bool Usable(double x, double y, bool x_log2) {
  return std::isfinite(x) && std::isfinite(y) && (!x_log2 || x > 0.0);
}

Axis XAxis(const Figure& f) {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  auto see = [&](double x, double y) {
    if (!Usable(x, y, f.x_log2)) return;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  };
  for (const Panel& p : f.panels) {
    for (const Series& s : p.series) {
      for (const auto& [x, y] : s.points) see(x, y);
    }
    for (const Marker& m : p.markers) see(m.x, m.y);
  }
  Axis a;
  a.log2 = f.x_log2;
  if (!(lo <= hi)) {  // no points
    lo = f.x_log2 ? 1.0 : 0.0;
    hi = f.x_log2 ? 2.0 : 1.0;
  }
  if (f.x_log2) {
    double l = std::exp2(std::floor(std::log2(lo)));
    double h = std::exp2(std::ceil(std::log2(hi)));
    if (h <= l) h = 2.0 * l;
    a.range = {l, h};
    const int decades = static_cast<int>(std::lround(std::log2(h / l)));
    const int every = decades > 12 ? (decades + 11) / 12 : 1;
    for (int i = 0; i <= decades; i += every) a.ticks.push_back(l * std::exp2(i));
  } else {
    a.ticks = NiceTicks(lo, hi, 8);
    a.range = {a.ticks.front(), a.ticks.back()};
  }
  return a;
}

Axis YAxis(const Panel& p, bool x_log2) {
  double hi = 0.0;
  for (const Series& s : p.series) {
    for (const auto& [x, y] : s.points) {
      if (Usable(x, y, x_log2)) hi = std::max(hi, y);
    }
  }
  for (const HLine& h : p.hlines) {
    if (std::isfinite(h.y)) hi = std::max(hi, h.y);
  }
  for (const Marker& m : p.markers) {
    if (Usable(m.x, m.y, x_log2)) hi = std::max(hi, m.y);
  }
  Axis a;
  a.ticks = NiceTicks(0.0, hi > 0.0 ? hi * 1.05 : 1.0, 6);
  a.range = {a.ticks.front(), a.ticks.back()};
  return a;
}

void Text(std::string& out, double x, double y, absl::string_view cls, absl::string_view anchor,
          absl::string_view text, absl::string_view extra = "") {
  absl::StrAppend(&out, "<text class=\"", cls, "\" x=\"", Num(x), "\" y=\"", Num(y),
                  "\" text-anchor=\"", anchor, "\"", extra, ">", EscapeXml(text), "</text>\n");
}

void Line(std::string& out, double x1, double y1, double x2, double y2, absl::string_view cls,
          absl::string_view stroke, absl::string_view extra = "") {
  absl::StrAppend(&out, "<line class=\"", EscapeXml(cls), "\" x1=\"", Num(x1), "\" y1=\"",
                  Num(y1), "\" x2=\"", Num(x2), "\" y2=\"", Num(y2), "\" stroke=\"",
                  EscapeXml(stroke), "\"", extra, "/>\n");
}

void Circle(std::string& out, double x, double y, double r, absl::string_view cls,
            absl::string_view fill, absl::string_view extra = "") {
  absl::StrAppend(&out, "<circle class=\"", EscapeXml(cls), "\" cx=\"", Num(x), "\" cy=\"",
                  Num(y), "\" r=\"", Num(r), "\" fill=\"", EscapeXml(fill), "\"", extra, "/>\n");
}

void RenderPanel(std::string& out, const Figure& f, const Panel& p, const Axis& x_in, double top,
                 bool last) {
  Axis x = x_in;
  x.p0 = kLeft;
  x.p1 = f.width - kRight;
  Axis y = YAxis(p, f.x_log2);
  y.p0 = top + f.panel_height - kPanelBottom;  // y grows downwards
  y.p1 = top + kPanelTop;
  absl::StrAppend(&out, "<g class=\"panel\">\n");
  absl::StrAppend(&out, "<rect class=\"plot-area\" x=\"", Num(x.p0), "\" y=\"", Num(y.p1),
                  "\" width=\"", Num(x.p1 - x.p0), "\" height=\"", Num(y.p0 - y.p1),
                  "\" fill=\"#fafafa\" stroke=\"none\"/>\n");
  // Grid, ticks and tick labels.
  for (double t : y.ticks) {
    const double py = y.Map(t);
    Line(out, x.p0, py, x.p1, py, "grid", "#dddddd");
    Line(out, x.p0 - 5, py, x.p0, py, "tick", "#000000");
    Text(out, x.p0 - 8, py + 4, "tick-label", "end", TickLabel(t));
  }
  for (double t : x.ticks) {
    const double px = x.Map(t);
    Line(out, px, y.p1, px, y.p0, "grid", "#eeeeee");
    Line(out, px, y.p0, px, y.p0 + 5, "tick", "#000000");
    Text(out, px, y.p0 + 18, "tick-label", "middle", TickLabel(t));
  }
  Line(out, x.p0, y.p0, x.p1, y.p0, "axis", "#000000");
  Line(out, x.p0, y.p0, x.p0, y.p1, "axis", "#000000");
  const double label_y = (y.p0 + y.p1) / 2;
  Text(out, kLeft - 56, label_y, "axis-label", "middle", p.y_label,
       absl::StrCat(" transform=\"rotate(-90 ", Num(kLeft - 56), " ", Num(label_y), ")\""));
  if (last) {
    Text(out, (x.p0 + x.p1) / 2, y.p0 + 40, "axis-label", "middle", f.x_label);
  }

  // Data.
  for (const HLine& h : p.hlines) {
    if (!std::isfinite(h.y)) continue;
    Line(out, x.p0, y.Map(h.y), x.p1, y.Map(h.y), h.css_class, h.color,
         " stroke-width=\"1.5\" stroke-dasharray=\"6 4\"");
  }
  for (const Series& s : p.series) {
    if (s.scatter) {
      for (const auto& [px, py] : s.points) {
        if (!Usable(px, py, f.x_log2)) continue;
        Circle(out, x.Map(px), y.Map(py), 2.5, s.css_class, s.color, "");
      }
      continue;
    }
    std::string pts;
    for (const auto& [px, py] : s.points) {
      if (!Usable(px, py, f.x_log2)) continue;
      absl::StrAppend(&pts, pts.empty() ? "" : " ", Num(x.Map(px)), ",", Num(y.Map(py)));
    }
    absl::StrAppend(&out, "<polyline class=\"", EscapeXml(s.css_class), "\" fill=\"none\" stroke=\"",
                    EscapeXml(s.color), "\" stroke-width=\"2\" points=\"", pts, "\"/>\n");
  }
  for (const Marker& m : p.markers) {
    if (!Usable(m.x, m.y, f.x_log2)) continue;
    const double mx = x.Map(m.x), my = y.Map(m.y);
    Circle(out, mx, my, 6, m.css_class, "none",
           absl::StrCat(" stroke=\"", EscapeXml(m.color), "\" stroke-width=\"2\""));
    const bool left = mx > (x.p0 + x.p1) / 2;
    Text(out, left ? mx - 10 : mx + 10, my - 10, "marker-label", left ? "end" : "start", m.name);
  }

  // Legend, right of the plot area.
  const double lx = x.p1 + 16;
  double ly = y.p1 + 12;
  absl::StrAppend(&out, "<g class=\"legend\">\n");
  for (const Series& s : p.series) {
    Line(out, lx, ly - 4, lx + 24, ly - 4, "legend-line", s.color, " stroke-width=\"2\"");
    Text(out, lx + 30, ly, "legend-text", "start", s.name);
    ly += 20;
  }
  for (const HLine& h : p.hlines) {
    Line(out, lx, ly - 4, lx + 24, ly - 4, "legend-line", h.color,
         " stroke-width=\"1.5\" stroke-dasharray=\"6 4\"");
    Text(out, lx + 30, ly, "legend-text", "start", h.name);
    ly += 20;
  }
  for (const Marker& m : p.markers) {
    Circle(out, lx + 12, ly - 4, 5, "legend-marker", "none",
           absl::StrCat(" stroke=\"", EscapeXml(m.color), "\" stroke-width=\"2\""));
    Text(out, lx + 30, ly, "legend-text", "start", m.name);
    ly += 20;
  }
  absl::StrAppend(&out, "</g>\n</g>\n");
}

}  // namespace

std::string EscapeXml(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<double> NiceTicks(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0.0, 1.0};
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = std::abs(lo) > 0.0 ? std::abs(lo) * 0.5 : 1.0;
    lo -= pad;
    hi += pad;
  }
  max_ticks = std::max(max_ticks, 2);
  const double raw = (hi - lo) / (max_ticks - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude * 20.0;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    const double s = m * magnitude;
    if (std::ceil(hi / s) - std::floor(lo / s) + 1 <= max_ticks) {
      step = s;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(lo / step);
  const double last = std::ceil(hi / step);
  for (double k = first; k <= last + 0.5; k += 1.0) ticks.push_back(k * step);
  if (ticks.size() < 2) ticks.push_back(ticks.back() + step);
  return ticks;
}

std::string Render(const Figure& f) {
  const double height =
      kTitleHeight + static_cast<double>(f.panels.size()) * f.panel_height + kBottomPad;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  absl::StrAppend(&out,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"", f.width,
                  "\" height=\"", Num(height), "\" viewBox=\"0 0 ", f.width, " ", Num(height),
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n");
  absl::StrAppend(&out, "<title>", EscapeXml(f.title), "</title>\n");
  absl::StrAppend(&out, "<rect class=\"background\" x=\"0\" y=\"0\" width=\"", f.width,
                  "\" height=\"", Num(height), "\" fill=\"#ffffff\"/>\n");
  Text(out, f.width / 2.0, 24, "title", "middle", f.title, " font-size=\"16\" font-weight=\"bold\"");
  if (!f.subtitle.empty()) Text(out, f.width / 2.0, 44, "subtitle", "middle", f.subtitle);
  const Axis x = XAxis(f);
  for (std::size_t i = 0; i < f.panels.size(); ++i) {
    RenderPanel(out, f, f.panels[i], x, kTitleHeight + static_cast<double>(i) * f.panel_height,
                i + 1 == f.panels.size());
  }
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

}  // namespace perfmodel::svg
