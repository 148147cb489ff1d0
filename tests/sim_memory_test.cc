// The simulator's memory stays bounded in the number of requests: its
// statistics stream (sim/histogram.h, the decimated occupancy samples) and
// only the requests in flight are held. Counted by this binary's operator
// new: the peak of live heap bytes over a run of 10^6 requests is that of a
// run of 10^4 (both at the same load, so the same requests in flight).

#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <optional>

#include "deployments/llama3_1_70b_tp8_spec.h"
#include "gtest/gtest.h"
#include "hw/h200_sxm_spec.h"
#include "models/llama3_1_70b_spec.h"
#include "perfmodel/perfmodel.h"
#include "sim/sim.h"
#include "workloads/llama3_1_70b_tp8_spec.h"

namespace {
std::atomic<int64_t> g_live{0};
std::atomic<int64_t> g_peak{0};

void Count(int64_t delta) {
  const int64_t now = g_live.fetch_add(delta, std::memory_order_relaxed) + delta;
  int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}
}  // namespace

// The replacements pair malloc with free by design (see perfmodel_api_test).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    Count(static_cast<int64_t>(malloc_usable_size(p)));
    return p;
  }
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  if (p != nullptr) Count(-static_cast<int64_t>(malloc_usable_size(p)));
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
#pragma GCC diagnostic pop

namespace perfmodel {
namespace {

// Peak live heap bytes during a run of `requests` short requests at a
// steady load (a few tens in flight).
int64_t PeakBytes(int64_t requests) {
  StepPredictor p(specs::kLlama31_70b, specs::kH200Sxm, specs::kLlama70bTp8,
                  specs::kLlama70bTp8Workload);
  sim::Config c{.mode = sim::Mode::kDecodeOnly};
  sim::PoissonSource src(Hertz(2000), requests, sim::Fixed(64), sim::Fixed(4), 1);
  const int64_t before = g_live.load();
  g_peak.store(before);
  absl::StatusOr<sim::Result> r = sim::Simulate(c, sim::Pool{&p, 1}, std::nullopt, src);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->requests, requests);
  return g_peak.load() - before;
}

TEST(SimMemory, BoundedInTheNumberOfRequests) {
  const int64_t small = PeakBytes(10'000);
  const int64_t large = PeakBytes(1'000'000);
  EXPECT_GT(small, 0);
  // The same in-flight set and fixed-size statistics: within a few pages.
  EXPECT_LE(large, small + 64 * 1024) << "10^4: " << small << " B, 10^6: " << large << " B";
}

}  // namespace
}  // namespace perfmodel
