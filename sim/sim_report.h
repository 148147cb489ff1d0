// File: sim/sim_report.h
// -----------------------------------------------------------------------------
//
// A simulation's result as the tools print it (report/render.h) and plot it
// (report/svg_plot.h):
//   SimDocument(): record "setup" (what was simulated, as the caller
//     describes it), record "summary" (requests, window, throughput per GPU,
//     goodput, mean decode batch, preemptions, forwards), table "latency"
//     (metric, samples, mean_ms, p50_ms, p90_ms, p99_ms, max_ms for ttft,
//     tpot, itl and e2e).
//   LatencySvg(): the TTFT, TPOT and inter-token latency CDFs.
//   OccupancySvg() / OccupancyCsv(): queued and running requests and the KV
//     caches' use over simulated time.
//   RequestsCsv(): one row per request (Config::keep_requests).

#ifndef SIM_SIM_REPORT_H_
#define SIM_SIM_REPORT_H_

#include <string>

#include "report/render.h"
#include "sim/sim.h"

namespace perfmodel::sim {

render::Document SimDocument(const render::Record& setup, const Result& r);
std::string LatencySvg(const std::string& title, const Result& r);
std::string OccupancySvg(const std::string& title, const Result& r);
std::string OccupancyCsv(const Result& r);
std::string RequestsCsv(const Result& r);

}  // namespace perfmodel::sim

#endif  // SIM_SIM_REPORT_H_
