// The simulator against the analytic sweep: at steady state (a closed loop
// holding `batch` requests on one DP rank, fixed prompt and output lengths,
// so the contexts spread uniformly over [prompt, prompt + output]) its mean
// TPOT is the sweep's at that batch with the same context law
// (--decode_growth = the output length), within 2 %.

#include <cstdio>
#include <optional>

#include "gtest/gtest.h"
#include "loader/setup.h"
#include "perfmodel/perfmodel.h"
#include "sim/sim.h"
#include "workload/sweep.h"

namespace perfmodel {
namespace {

TEST(SimAgainstSweep, SteadyStateTpotWithinTwoPercent) {
  absl::StatusOr<perfmodel::Setup> setup =
      LoadSetup({.deployment = "deployments/deepseek_v3_tp8_ep4x2.textproto"});
  ASSERT_TRUE(setup.ok()) << setup.status();
  ASSERT_EQ(setup->deployment.parallel.attention_dp, 1);  // no rank imbalance to model
  const int64_t prompt = 2048, output = 1024;
  for (const int64_t batch : {8, 32}) {
    SweepOptions o{.batch_min = batch, .batch_max = batch, .tpot_ms = 1000.0,
                   .context = ContextDistribution::Fixed(prompt).value(),
                   .context_label = "fixed", .decode_growth = output};
    absl::StatusOr<SweepConfig> config = MakeSweepConfig(o, *setup);
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<SweepResult> sweep = RunSweep(*setup, *config);
    ASSERT_TRUE(sweep.ok()) << sweep.status();
    ASSERT_EQ(sweep->rows.front().batch, batch);
    const Duration analytic = sweep->rows.front().tpot;

    StepPredictor p(setup->model, setup->hardware.spec, setup->deployment, setup->workload);
    sim::Config c{.mode = sim::Mode::kDecodeOnly, .concurrency = batch, .trim = 0.2};
    sim::GammaSource src(Hertz(1), 1.0, 40 * batch, sim::Fixed(prompt), sim::Fixed(output), 1);
    absl::StatusOr<sim::Result> r = sim::Simulate(c, sim::Pool{&p, 1}, std::nullopt, src);
    ASSERT_TRUE(r.ok()) << r.status();
    std::printf("batch %ld: simulated TPOT %.4f ms, sweep %.4f ms\n", static_cast<long>(batch),
                ToMilliseconds(r->tpot.Mean()), ToMilliseconds(analytic));
    EXPECT_NEAR(ToMilliseconds(r->tpot.Mean()) / ToMilliseconds(analytic), 1.0, 0.02)
        << "batch " << batch << ": simulated " << ToMilliseconds(r->tpot.Mean())
        << " ms, sweep " << ToMilliseconds(analytic) << " ms";
    EXPECT_NEAR(r->mean_decode_batch, static_cast<double>(batch), 0.05 * batch);
  }
}

}  // namespace
}  // namespace perfmodel
