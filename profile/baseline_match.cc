#include "profile/baseline_match.h"

#include <set>
#include <utility>

namespace perfmodel {

std::vector<OpMatch> MatchBaseline(const pb::Baseline& baseline, const StepResult& step) {
  std::vector<OpMatch> out;
  std::set<std::pair<std::string, std::string>> matched;
  bool whole_mtp = false, has_head = false;
  for (const pb::OpTime& o : baseline.ops()) {
    whole_mtp |= o.op() == "mtp" && o.layer_kind() == "mtp";
    has_head |= o.layer_kind() == "head";
  }
  // A baseline that lists the layers and one MTP figure but no LM head (the
  // seed's: forward = layers + "MTP 2 ms") holds the head inside that figure.
  const bool tail = whole_mtp && !has_head;
  for (const pb::OpTime& o : baseline.ops()) {
    OpMatch m;
    m.op = o.op();
    m.part = o.layer_kind();
    m.count = o.count();
    m.has_baseline = true;
    m.baseline = Microseconds(o.time_us());
    m.kernels = o.kernels();
    if (o.op() == "mtp" && o.layer_kind() == "mtp") {
      const Duration total =
          step.PartTotal(Part::kMtp) + (tail ? step.PartTotal(Part::kHead) : Duration::Zero());
      if (step.PartCount(Part::kMtp) > 0) {
        m.has_simulated = true;
        m.simulated = total / static_cast<double>(o.count());
      }
    } else {
      for (std::size_t i = 0; i < step.row_count; ++i) {
        const OpRow& r = step.rows[i];
        if (r.op == o.op() && PartName(r.part) == o.layer_kind()) {
          m.has_simulated = true;
          m.simulated = r.visible;
          m.count = r.count;
          break;
        }
      }
    }
    matched.insert({m.op, m.part});
    out.push_back(m);
  }
  for (std::size_t i = 0; i < step.row_count; ++i) {
    const OpRow& r = step.rows[i];
    if (whole_mtp && r.part == Part::kMtp) continue;
    if (tail && r.part == Part::kHead) continue;
    const std::pair<std::string, std::string> key{std::string(r.op), std::string(PartName(r.part))};
    if (matched.count(key) > 0) continue;
    OpMatch m;
    m.op = key.first;
    m.part = key.second;
    m.count = r.count;
    m.has_simulated = true;
    m.simulated = r.visible;
    out.push_back(m);
  }
  return out;
}

}  // namespace perfmodel
