#include "sim/sim_report.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "report/svg_plot.h"

namespace perfmodel::sim {
namespace {

using render::Value;

Value Ms(Duration d) { return Value::Number(ToMilliseconds(d), 3); }

void AddLatency(render::Table& t, const char* name, const Histogram& h) {
  t.rows.push_back({name, h.count(), Ms(h.Mean()), Ms(h.Quantile(0.5)), Ms(h.Quantile(0.9)),
                    Ms(h.Quantile(0.99)), Ms(h.Max())});
}

svg::Series CdfSeries(std::string name, std::string css, std::string color, const Histogram& h) {
  svg::Series s{.name = std::move(name), .css_class = std::move(css), .color = std::move(color)};
  for (const auto& [seconds, share] : h.Cdf()) s.points.emplace_back(seconds * 1e3, share);
  return s;
}

}  // namespace

render::Document SimDocument(const render::Record& setup, const Result& r) {
  render::Document doc;
  doc.Add(setup);
  render::Record s{.name = "summary", .title = "Simulated serving"};
  s.Add("requests", r.requests, "completed")
      .Add("measured", r.measured, "in the statistics (warm-up and drain trimmed)")
      .Add("gpus", r.gpus, "every pool's")
      .Add("simulated_s", Value::Number(ToSeconds(r.end), 3), "to the last completion")
      .Add("window_s", Value::Number(ToSeconds(r.window), 3),
           "first to last measured arrival (closed loop: the whole run)")
      .Add("request_rate", Value::Number(ToHertz(r.request_rate), 3), "measured arrivals per s")
      .Add("output_tps_per_gpu", Value::Number(ToTokensPerSecond(r.output_tps_per_gpu), 1),
           "output tokens in the window / window / GPUs")
      .Add("input_tps_per_gpu", Value::Number(ToTokensPerSecond(r.input_tps_per_gpu), 1),
           "prompt tokens of the window's arrivals / window / GPUs")
      .Add("goodput_rps", Value::Number(ToHertz(r.goodput), 3),
           "measured requests meeting the TTFT and TPOT targets, per s")
      .Add("goodput_share", Value::Number(r.goodput_share, 4), "of the measured requests")
      .Add("mean_decode_batch", Value::Number(r.mean_decode_batch, 2),
           "running requests per DP rank, time-weighted over decode forwards")
      .Add("preemptions", r.preemptions, "KV cache full: dropped and recomputed")
      .Add("prefill_forwards", r.prefill_forwards)
      .Add("decode_forwards", r.decode_forwards)
      .Add("mixed_forwards", r.mixed_forwards, "decode forwards carrying prefill chunks");
  doc.Add(std::move(s));
  render::Table t{.name = "latency",
                  .title = "Latency (measured requests; itl: per emission)",
                  .columns = {"metric", "samples", "mean_ms", "p50_ms", "p90_ms", "p99_ms",
                              "max_ms"}};
  AddLatency(t, "ttft", r.ttft);
  AddLatency(t, "tpot", r.tpot);
  AddLatency(t, "itl", r.itl);
  AddLatency(t, "e2e", r.e2e);
  doc.Add(std::move(t));
  return doc;
}

std::string LatencySvg(const std::string& title, const Result& r) {
  svg::Figure f{.title = "Latency CDFs", .subtitle = title, .x_label = "latency (ms)"};
  svg::Panel& p = f.panels.emplace_back();
  p.y_label = "share of samples at or below";
  p.series.push_back(CdfSeries("TTFT", "series-ttft", "#1f77b4", r.ttft));
  p.series.push_back(CdfSeries("TPOT", "series-tpot", "#ff7f0e", r.tpot));
  p.series.push_back(CdfSeries("inter-token", "series-itl", "#2ca02c", r.itl));
  return svg::Render(f);
}

std::string OccupancySvg(const std::string& title, const Result& r) {
  svg::Figure f{
      .title = "Queue and KV cache over time", .subtitle = title, .x_label = "simulated time (s)"};
  svg::Series queued{.name = "queued", .css_class = "series-queued", .color = "#d62728"};
  svg::Series running{.name = "running", .css_class = "series-running", .color = "#1f77b4"};
  svg::Series decode{.name = "decode pool", .css_class = "series-decode-kv", .color = "#2ca02c"};
  svg::Series prefill{.name = "prefill pool", .css_class = "series-prefill-kv",
                      .color = "#9467bd"};
  bool has_prefill = false;
  for (const OccupancySample& o : r.occupancy) {
    const double t = ToSeconds(o.at);
    queued.points.emplace_back(t, static_cast<double>(o.queued));
    running.points.emplace_back(t, static_cast<double>(o.running));
    decode.points.emplace_back(t, o.decode_kv);
    prefill.points.emplace_back(t, o.prefill_kv);
    has_prefill = has_prefill || o.prefill_kv > 0.0;
  }
  f.panels.push_back(
      svg::Panel{.y_label = "requests", .series = {std::move(queued), std::move(running)}});
  svg::Panel kv{.y_label = "KV cache in use (share)"};
  kv.series.push_back(std::move(decode));
  if (has_prefill) kv.series.push_back(std::move(prefill));
  f.panels.push_back(std::move(kv));
  return svg::Render(f);
}

std::string OccupancyCsv(const Result& r) {
  render::Table t{.name = "occupancy",
                  .columns = {"time_s", "queued", "running", "decode_kv_share",
                              "prefill_kv_share"}};
  for (const OccupancySample& o : r.occupancy) {
    t.rows.push_back({Value::Number(ToSeconds(o.at), 6), o.queued, o.running,
                      Value::Number(o.decode_kv, 4), Value::Number(o.prefill_kv, 4)});
  }
  render::Document d;
  d.Add(std::move(t));
  return render::Render(d, render::Format::kCsv);
}

std::string RequestsCsv(const Result& r) {
  render::Table t{.name = "requests",
                  .columns = {"arrival_s", "ttft_ms", "e2e_ms", "input_tokens", "output_tokens",
                              "preemptions"}};
  for (const RequestRecord& q : r.request_records) {
    t.rows.push_back({Value::Number(ToSeconds(q.arrival), 6), Ms(q.first_token - q.arrival),
                      Ms(q.finish - q.arrival), q.input_tokens, q.output_tokens,
                      q.preemptions});
  }
  render::Document d;
  d.Add(std::move(t));
  return render::Render(d, render::Format::kCsv);
}

}  // namespace perfmodel::sim
