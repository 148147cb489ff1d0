#include "sim/sim.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <queue>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace perfmodel::sim {
namespace {

using Slot = int32_t;
const Duration kNever = Seconds(std::numeric_limits<double>::infinity());

// One request in flight.
struct Live final {
  Duration arrival, first_token, last_token;
  int64_t input = 0, output = 0;
  int64_t emitted = 0;   // output tokens emitted so far
  int64_t context = 0;   // KV tokens it holds once prefilled (prompt + emitted)
  int64_t prompt = 0;    // tokens its next prefill makes its context
  int64_t cached = 0;    // of them found in the prefix cache
  int64_t done = 0;      // of the rest, computed so far
  int64_t reserved = 0;  // KV tokens reserved on its rank
  int64_t index = 0;     // arrival order
  int32_t rank = -1;     // pool-wide rank
  int32_t preemptions = 0;
  bool measured = false;
};

struct Rank final {
  std::deque<Slot> waiting;  // for prefill (the front may be partly prefilled)
  std::deque<Slot> ready;    // KV cache in place, for a decode slot
  std::vector<Slot> running;
  int64_t prefilling = 0;     // admitted to prefill, not finished
  int64_t kv = 0;             // KV tokens reserved
  int64_t sum_context = 0;    // Σ context of `running`
  int64_t queued_tokens = 0;  // tokens of `waiting` not yet reserved, and of `ready`
};

struct Instance final {
  int64_t first_rank = 0;
  Duration busy_until = kNever;
  bool prefill_forward = false;
  Duration last_decode_end = kNever;  // its last decode forward's end
  std::vector<std::pair<Slot, int64_t>> chunks;  // the prefill forward's (request, new tokens)
};

struct PoolState final {
  StepPredictor* predictor = nullptr;
  int64_t ranks_per_instance = 1;
  int64_t capacity = 0;         // KV tokens per rank
  int64_t tokens_per_step = 1;  // query tokens per decode request (1 + drafts)
  bool prefills = false, decodes = false;
  std::vector<Rank> ranks;
  std::vector<Instance> instances;
  int64_t round_robin = 0;
  int64_t gpus = 0;
};

// A transfer of a prefilled request's KV cache to the D pool.
struct Transfer final {
  Duration at;
  Slot slot;
  bool operator>(const Transfer& o) const { return at > o.at || (at == o.at && slot > o.slot); }
};

struct Chunks;

class Engine final {
 public:
  Engine(const Config& c, RequestSource& source) : c_(c), source_(source) {}

  absl::Status Init(const Pool& decode, const std::optional<Pool>& prefill);
  absl::StatusOr<Result> Run();

 private:
  void InitPool(PoolState& p, const Pool& pool, bool prefills, bool decodes);
  absl::Status Arrive(const Request& r, Duration now);
  int64_t Route(PoolState& p) const;
  void Enqueue(PoolState& p, Slot s, bool needs_prefill);
  void TryStart(PoolState& p, Instance& inst, Duration now);
  bool StartPrefill(PoolState& p, Instance& inst, Duration now);
  void FormChunks(PoolState& p, Instance& inst, Rank& r, int64_t budget, Chunks& out);
  bool StartDecode(PoolState& p, Instance& inst, Duration now, bool mixed);
  void EndChunks(PoolState& p, Instance& inst, Duration now);
  void EndDecode(PoolState& p, Instance& inst, Duration now);
  void Preempt(Rank& rank, Slot s);
  void Emit(Live& l, int64_t tokens, Duration now);
  void Finish(PoolState& p, Slot s, Duration now);
  void Sample(Duration now);
  void FlushItl();
  int64_t Draw();
  Slot NewSlot();

  const Config& c_;
  RequestSource& source_;
  Mode mode_ = Mode::kAggregated;
  PoolState decode_, prefill_;
  bool disaggregated_ = false;
  std::vector<Live> live_;
  std::vector<Slot> free_;
  std::priority_queue<Transfer, std::vector<Transfer>, std::greater<>> transfers_;
  Result r_;
  absl::Status error_;  // the first error of a closed loop's arrival
  // Acceptance: draft k is accepted while u < thresholds_[k - 1].
  std::vector<double> thresholds_;
  uint64_t rng_state_ = 0;
  // Arrivals and the measured window.
  int64_t total_ = 0, arrived_ = 0, measured_lo_ = 0, measured_hi_ = 0;
  int64_t output_tokens_ = 0, window_out_start_ = 0, window_out_end_ = 0;
  int64_t window_input_ = 0;
  Duration window_start_, window_end_;
  int64_t met_ = 0;
  double batch_time_ = 0.0, decode_time_ = 0.0;
  Duration next_sample_, sample_every_;
  // Inter-token gaps of one decode step, coalesced (most requests share one).
  Duration itl_gap_;
  int64_t itl_weight_ = 0;
};

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void Engine::InitPool(PoolState& p, const Pool& pool, bool prefills, bool decodes) {
  p.predictor = pool.predictor;
  p.ranks_per_instance = pool.predictor->deployment().parallel.attention_dp;
  p.capacity = static_cast<int64_t>(std::floor(ToTokens(pool.predictor->KvCapacity())));
  p.tokens_per_step = pool.predictor->workload().TokensPerRequestPerStep();
  p.prefills = prefills;
  p.decodes = decodes;
  p.ranks.resize(static_cast<std::size_t>(pool.instances * p.ranks_per_instance));
  p.instances.resize(static_cast<std::size_t>(pool.instances));
  for (int64_t i = 0; i < pool.instances; ++i) {
    p.instances[static_cast<std::size_t>(i)].first_rank = i * p.ranks_per_instance;
  }
  p.gpus = pool.instances * pool.predictor->deployment().gpus;
}

absl::Status Engine::Init(const Pool& decode, const std::optional<Pool>& prefill) {
  mode_ = c_.mode;
  disaggregated_ = mode_ == Mode::kDisaggregated;
  InitPool(decode_, decode, !disaggregated_, true);
  if (disaggregated_) InitPool(prefill_, *prefill, true, false);
  const WorkloadSpec& w = decode.predictor->workload();
  const MtpAcceptance a = c_.acceptance.positions > 0
                              ? c_.acceptance
                              : UniformAcceptance(w.mtp_draft_tokens, w.accepted_tokens_per_step);
  double all = 1.0;
  for (int64_t k = 0; k < w.mtp_draft_tokens; ++k) {
    all *= static_cast<std::size_t>(k) < a.positions ? a.per_position[static_cast<std::size_t>(k)]
                                                     : 0.0;
    thresholds_.push_back(all);
  }
  rng_state_ = c_.seed;
  total_ = source_.Count();
  measured_lo_ = static_cast<int64_t>(std::floor(c_.trim * static_cast<double>(total_)));
  measured_hi_ = total_ - measured_lo_;
  if (measured_hi_ <= measured_lo_) {
    measured_lo_ = 0;
    measured_hi_ = total_;
  }
  const Duration span = source_.MeanInterval() * static_cast<double>(total_);
  sample_every_ = span > Duration::Zero() && c_.concurrency == 0
                      ? span / static_cast<double>(Result::kMaxSamples / 2)
                      : Milliseconds(10);
  r_.gpus = decode_.gpus + (disaggregated_ ? prefill_.gpus : 0);
  return absl::OkStatus();
}

int64_t Engine::Draw() {
  int64_t k = 0;
  if (thresholds_.empty()) return 0;
  const double u = static_cast<double>(SplitMix64(rng_state_) >> 11) * 0x1.0p-53;
  while (k < static_cast<int64_t>(thresholds_.size()) &&
         u < thresholds_[static_cast<std::size_t>(k)]) {
    ++k;
  }
  return k;
}

Slot Engine::NewSlot() {
  if (!free_.empty()) {
    const Slot s = free_.back();
    free_.pop_back();
    live_[static_cast<std::size_t>(s)] = Live{};
    return s;
  }
  live_.emplace_back();
  return static_cast<Slot>(live_.size() - 1);
}

int64_t Engine::Route(PoolState& p) const {
  const int64_t n = static_cast<int64_t>(p.ranks.size());
  if (c_.routing == Routing::kRoundRobin) return p.round_robin % n;
  int64_t best = 0;
  int64_t best_load = std::numeric_limits<int64_t>::max();
  for (int64_t i = 0; i < n; ++i) {
    const Rank& r = p.ranks[static_cast<std::size_t>(i)];
    const int64_t load =
        c_.routing == Routing::kLeastLoaded
            ? r.kv + r.queued_tokens
            : static_cast<int64_t>(r.waiting.size() + r.ready.size() + r.running.size()) +
                  r.prefilling;
    if (load < best_load) {
      best_load = load;
      best = i;
    }
  }
  return best;
}

void Engine::Enqueue(PoolState& p, Slot s, bool needs_prefill) {
  Live& l = live_[static_cast<std::size_t>(s)];
  const int64_t rank = Route(p);
  ++p.round_robin;
  l.rank = static_cast<int32_t>(rank);
  Rank& r = p.ranks[static_cast<std::size_t>(rank)];
  if (needs_prefill) {
    r.waiting.push_back(s);
    r.queued_tokens += l.prompt;
  } else {
    r.ready.push_back(s);
    r.queued_tokens += l.context;
  }
}

absl::Status Engine::Arrive(const Request& req, Duration now) {
  const int64_t index = arrived_++;
  const int64_t max_context = decode_.predictor->model().max_context_tokens;
  if (max_context > 0 && req.input_tokens + req.output_tokens > max_context) {
    return absl::InvalidArgumentError(
        absl::StrCat("request ", index + 1, ": ", req.input_tokens, " input + ", req.output_tokens,
                     " output tokens exceed the model's context of ", max_context));
  }
  if (req.input_tokens < 1 || req.output_tokens < 1) {
    return absl::InvalidArgumentError(absl::StrCat("request ", index + 1,
                                                   ": needs >= 1 input and output token, got ",
                                                   req.input_tokens, " and ", req.output_tokens));
  }
  for (const PoolState* p : {&decode_, disaggregated_ ? &prefill_ : nullptr}) {
    if (p == nullptr) continue;
    const int64_t need = req.input_tokens + (p->decodes ? req.output_tokens : 0);
    if (need > p->capacity) {
      return absl::ResourceExhaustedError(
          absl::StrCat("request ", index + 1, ": needs ", need,
                       " KV-cache tokens on one rank; a rank holds ", p->capacity));
    }
  }
  const Slot s = NewSlot();
  Live& l = live_[static_cast<std::size_t>(s)];
  l.arrival = now;
  l.input = req.input_tokens;
  l.output = req.output_tokens;
  l.index = index;
  l.measured = index >= measured_lo_ && index < measured_hi_;
  if (l.measured) window_input_ += l.input;
  if (index == measured_lo_) {
    window_start_ = now;
    window_out_start_ = output_tokens_;
  }
  if (index == measured_hi_ - 1) {
    window_end_ = now;
    window_out_end_ = output_tokens_;
  }
  if (mode_ == Mode::kDecodeOnly) {
    l.prompt = l.context = l.input;
    Enqueue(decode_, s, false);
    return absl::OkStatus();
  }
  l.prompt = l.input;
  l.cached = std::min(
      static_cast<int64_t>(std::floor(c_.prefix_cache_hit * static_cast<double>(l.input))),
      l.input - 1);
  Enqueue(disaggregated_ ? prefill_ : decode_, s, true);
  return absl::OkStatus();
}

void Engine::TryStart(PoolState& p, Instance& inst, Duration now) {
  if (inst.busy_until != kNever) return;
  // Mixed: prefill chunks ride in the decode forwards; a prefill forward
  // only when nothing decodes.
  if (c_.mixed_chunks && p.prefills && p.decodes && StartDecode(p, inst, now, true)) return;
  if (p.prefills && StartPrefill(p, inst, now)) return;
  if (p.decodes) StartDecode(p, inst, now, false);
}

// The rank with the most new tokens sets a forward's chunks: its sequences,
// new tokens and Σ causal pairs; and how many ranks have chunks.
struct Chunks final {
  int64_t worst_tokens = 0, worst_seqs = 0, busy_ranks = 0, total_tokens = 0;
  double worst_pairs = 0.0;

  // Uniform() is the worst rank's chunks as one uniform shape with the same
  // sequences, new tokens and Σ pairs: p = (pairs/S − n(n+1)/2) / n.
  ChunkLoad Uniform() const {
    const double seqs = static_cast<double>(worst_seqs);
    const double mean_new = static_cast<double>(worst_tokens) / seqs;
    const double cached =
        std::max(0.0, (worst_pairs / seqs - mean_new * (mean_new + 1.0) / 2.0) / mean_new);
    return ChunkLoad{.sequences = worst_seqs,
                     .new_tokens = std::max<int64_t>(1, std::llround(mean_new)),
                     .cached_tokens = std::llround(cached),
                     .total_new_tokens = total_tokens,
                     .last = true};
  }
};

void Engine::FormChunks(PoolState& p, Instance& inst, Rank& r, int64_t budget, Chunks& out) {
  int64_t tokens = 0, seqs = 0;
  double pairs = 0.0;
  std::size_t at = 0;
  while (at < r.waiting.size() && budget > 0) {
    const Slot s = r.waiting[at];
    Live& l = live_[static_cast<std::size_t>(s)];
    if (l.reserved == 0) {
      const int64_t requests = static_cast<int64_t>(r.running.size()) + r.prefilling;
      const int64_t growth = static_cast<int64_t>(r.running.size()) * p.tokens_per_step;
      if (requests >= c_.max_batch || r.kv + l.prompt + growth > p.capacity) break;
      l.reserved = l.prompt;
      r.kv += l.prompt;
      r.queued_tokens -= l.prompt;
      ++r.prefilling;
    }
    const int64_t remaining = l.prompt - l.cached - l.done;
    const int64_t chunk = std::min(remaining, budget);
    budget -= chunk;
    const double n = static_cast<double>(chunk);
    const double before = static_cast<double>(l.cached + l.done);
    pairs += n * before + n * (n + 1.0) / 2.0;
    tokens += chunk;
    ++seqs;
    inst.chunks.emplace_back(s, chunk);
    if (chunk < remaining) break;  // its next chunk in a later forward
    ++at;
  }
  // The chunks that end their prompts leave the queue now (EndChunks()
  // moves them on); a partly prefilled prompt stays at the front.
  for (std::size_t k = 0; k < at; ++k) r.waiting.pop_front();
  if (seqs > 0) ++out.busy_ranks;
  out.total_tokens += tokens;
  if (tokens > out.worst_tokens || (tokens == out.worst_tokens && pairs > out.worst_pairs)) {
    out.worst_tokens = tokens;
    out.worst_seqs = seqs;
    out.worst_pairs = pairs;
  }
}

bool Engine::StartPrefill(PoolState& p, Instance& inst, Duration now) {
  inst.chunks.clear();
  Chunks chunks;
  for (int64_t i = 0; i < p.ranks_per_instance; ++i) {
    FormChunks(p, inst, p.ranks[static_cast<std::size_t>(inst.first_rank + i)], c_.token_budget,
               chunks);
  }
  if (inst.chunks.empty()) return false;
  const ChunkLoad u = chunks.Uniform();
  const Duration t =
      p.predictor->PrefillStep(u.sequences, u.new_tokens, u.cached_tokens, chunks.busy_ranks);
  inst.prefill_forward = true;
  inst.busy_until = now + t;
  ++r_.prefill_forwards;
  return true;
}

void Engine::Preempt(Rank& rank, Slot s) {
  Live& l = live_[static_cast<std::size_t>(s)];
  rank.kv -= l.reserved;
  rank.sum_context -= l.context;
  l.reserved = 0;
  l.context = 0;
  l.prompt = l.input + l.emitted;
  l.cached = std::min(
      static_cast<int64_t>(std::floor(c_.prefix_cache_hit * static_cast<double>(l.input))),
      l.prompt - 1);
  l.done = 0;
  ++l.preemptions;
  ++r_.preemptions;
  if (disaggregated_) {
    Enqueue(prefill_, s, true);
  } else {
    rank.waiting.push_front(s);
    rank.queued_tokens += l.prompt;
  }
}

bool Engine::StartDecode(PoolState& p, Instance& inst, Duration now, bool mixed) {
  int64_t busiest = 0, total = 0, sum = 0, slowest = 0;
  inst.chunks.clear();
  Chunks chunks;
  for (int64_t i = 0; i < p.ranks_per_instance; ++i) {
    Rank& r = p.ranks[static_cast<std::size_t>(inst.first_rank + i)];
    while (!r.ready.empty()) {
      Live& l = live_[static_cast<std::size_t>(r.ready.front())];
      const int64_t requests = static_cast<int64_t>(r.running.size()) + r.prefilling;
      const int64_t growth = (static_cast<int64_t>(r.running.size()) + 1) * p.tokens_per_step;
      if (requests >= c_.max_batch || r.kv + l.context + growth > p.capacity) break;
      l.reserved = l.context;
      r.kv += l.context;
      r.queued_tokens -= l.context;
      r.sum_context += l.context;
      r.running.push_back(r.ready.front());
      r.ready.pop_front();
    }
    // The step's own tokens must fit: preempt the latest admitted first.
    while (!r.running.empty() &&
           r.kv + static_cast<int64_t>(r.running.size()) * p.tokens_per_step > p.capacity) {
      const Slot s = r.running.back();
      r.running.pop_back();
      Preempt(r, s);
    }
    const int64_t n = static_cast<int64_t>(r.running.size());
    if (mixed) {
      // The forward's token budget left after the rank's decode tokens.
      FormChunks(p, inst, r, c_.token_budget - n * p.tokens_per_step, chunks);
    }
    busiest = std::max(busiest, n);
    total += n;
    sum += r.sum_context;
    slowest = std::max(slowest, r.sum_context);
  }
  if (busiest == 0) {
    if (inst.chunks.empty()) return false;
    // Nothing decodes: the chunks alone are a prefill forward.
    const ChunkLoad u = chunks.Uniform();
    inst.prefill_forward = true;
    inst.busy_until = now + p.predictor->PrefillStep(u.sequences, u.new_tokens, u.cached_tokens,
                                                     chunks.busy_ranks);
    ++r_.prefill_forwards;
    return true;
  }
  const RankLoad load{
      busiest, TokenCount(static_cast<double>(sum) / static_cast<double>(p.ranks_per_instance)),
      TokenCount(static_cast<double>(slowest)), total};
  const Duration t = inst.chunks.empty() ? p.predictor->DecodeStep(load)
                                         : p.predictor->MixedStep(load, chunks.Uniform());
  if (!inst.chunks.empty()) ++r_.mixed_forwards;
  inst.prefill_forward = false;
  inst.busy_until = now + t;
  ++r_.decode_forwards;
  batch_time_ += ToSeconds(t) * static_cast<double>(total);
  decode_time_ += ToSeconds(t) * static_cast<double>(p.ranks_per_instance);
  return true;
}

void Engine::Emit(Live& l, int64_t tokens, Duration now) {
  if (l.emitted == 0) {
    l.first_token = now;
    if (l.measured) r_.ttft.Add(now - l.arrival);
  } else if (l.measured) {
    const Duration gap = now - l.last_token;
    if (itl_weight_ > 0 && gap != itl_gap_) {
      r_.itl.Add(itl_gap_, itl_weight_);
      itl_weight_ = 0;
    }
    itl_gap_ = gap;
    ++itl_weight_;
  }
  l.emitted += tokens;
  l.last_token = now;
  output_tokens_ += tokens;
}

void Engine::Finish(PoolState& p, Slot s, Duration now) {
  Live& l = live_[static_cast<std::size_t>(s)];
  Rank& rank = p.ranks[static_cast<std::size_t>(l.rank)];
  rank.kv -= l.reserved;
  ++r_.requests;
  r_.end = now;
  if (l.measured) {
    ++r_.measured;
    const Duration ttft = l.first_token - l.arrival;
    const Duration tpot =
        l.output > 1 ? (l.last_token - l.first_token) / static_cast<double>(l.output - 1)
                     : Duration::Zero();
    if (l.output > 1) r_.tpot.Add(tpot);
    r_.e2e.Add(now - l.arrival);
    const bool ttft_ok = c_.ttft_target == Duration::Zero() || ttft <= c_.ttft_target;
    const bool tpot_ok = c_.tpot_target == Duration::Zero() || tpot <= c_.tpot_target;
    if (ttft_ok && tpot_ok) ++met_;
  }
  if (c_.keep_requests) {
    r_.request_records.push_back(
        RequestRecord{l.arrival, l.first_token, now, l.input, l.output, l.preemptions});
  }
  free_.push_back(s);
  if (c_.concurrency > 0 && error_.ok()) {
    // Closed loop: the completion issues the next request.
    if (std::optional<Request> next = source_.Next()) error_ = Arrive(*next, now);
  }
  if (c_.progress && (r_.requests & 4095) == 0) {
    c_.progress(static_cast<double>(r_.requests) / static_cast<double>(total_));
  }
}

void Engine::EndChunks(PoolState& p, Instance& inst, Duration now) {
  for (const auto& [s, chunk] : inst.chunks) {
    Live& l = live_[static_cast<std::size_t>(s)];
    l.done += chunk;
    if (l.done < l.prompt - l.cached) continue;
    Rank& rank = p.ranks[static_cast<std::size_t>(l.rank)];
    --rank.prefilling;
    l.context = l.prompt;
    Emit(l, 1, now);  // a prefill samples the next token (the first, or after a recompute)
    if (l.emitted >= l.output) {
      Finish(p, s, now);
      continue;
    }
    if (disaggregated_) {
      transfers_.push(Transfer{now + p.predictor->KvTransfer(TokenCount(static_cast<double>(l.prompt))), s});
      continue;
    }
    rank.sum_context += l.context;
    rank.running.push_back(s);
  }
  inst.chunks.clear();
  FlushItl();
}

void Engine::EndDecode(PoolState& p, Instance& inst, Duration now) {
  // The hot loop of a decode pool (every running request, every step): a
  // request that was in the last decode forward too (the common case) has
  // its inter-token gap in common with the others, counted once per step.
  const Duration previous = inst.last_decode_end;
  int64_t common = 0;
  for (int64_t i = 0; i < p.ranks_per_instance; ++i) {
    Rank& r = p.ranks[static_cast<std::size_t>(inst.first_rank + i)];
    int64_t grown = 0;
    std::size_t k = 0;
    while (k < r.running.size()) {
      const Slot s = r.running[k];
      Live& l = live_[static_cast<std::size_t>(s)];
      const int64_t tokens = std::min<int64_t>(1 + Draw(), l.output - l.emitted);
      if (l.emitted > 0 && l.last_token == previous) {
        common += l.measured ? 1 : 0;
        l.emitted += tokens;
        l.last_token = now;
      } else {
        Emit(l, tokens, now);
        output_tokens_ -= tokens;  // counted with `grown` below
      }
      l.context += tokens;
      l.reserved += tokens;
      grown += tokens;
      if (l.emitted >= l.output) {
        // Settled now rather than with `grown`: its KV is released next.
        grown -= tokens;
        r.kv += tokens;
        output_tokens_ += tokens;
        r.sum_context -= l.context - tokens;
        r.running[k] = r.running.back();
        r.running.pop_back();
        Finish(p, s, now);
        continue;
      }
      ++k;
    }
    r.kv += grown;
    r.sum_context += grown;
    output_tokens_ += grown;
  }
  FlushItl();
  if (common > 0) r_.itl.Add(now - previous, common);
  inst.last_decode_end = now;
  // A mixed forward's chunks: the prompts they end join the running set
  // now, for the next forward.
  if (!inst.chunks.empty()) EndChunks(p, inst, now);
}

void Engine::FlushItl() {
  if (itl_weight_ > 0) r_.itl.Add(itl_gap_, itl_weight_);
  itl_weight_ = 0;
}

void Engine::Sample(Duration now) {
  while (now >= next_sample_) {
    OccupancySample o;
    o.at = next_sample_;
    int64_t kv = 0;
    for (const Rank& r : decode_.ranks) {
      o.queued += static_cast<int64_t>(r.waiting.size() + r.ready.size());
      o.running += static_cast<int64_t>(r.running.size());
      kv += r.kv;
    }
    o.decode_kv = static_cast<double>(kv) /
                  static_cast<double>(decode_.capacity * static_cast<int64_t>(decode_.ranks.size()));
    if (disaggregated_) {
      int64_t pkv = 0;
      for (const Rank& r : prefill_.ranks) {
        o.queued += static_cast<int64_t>(r.waiting.size());
        pkv += r.kv;
      }
      o.prefill_kv = static_cast<double>(pkv) / static_cast<double>(
                                                     prefill_.capacity *
                                                     static_cast<int64_t>(prefill_.ranks.size()));
    }
    if (r_.occupancy.size() == Result::kMaxSamples) {
      // Keep every other sample and sample half as often: bounded memory
      // over any length of run.
      std::size_t j = 0;
      for (std::size_t i = 0; i < r_.occupancy.size(); i += 2) r_.occupancy[j++] = r_.occupancy[i];
      r_.occupancy.resize(j);
      sample_every_ *= 2.0;
    }
    r_.occupancy.push_back(o);
    next_sample_ += sample_every_;
  }
}

absl::StatusOr<Result> Engine::Run() {
  std::optional<Request> next;
  if (c_.concurrency > 0) {
    for (int64_t i = 0; i < c_.concurrency; ++i) {
      std::optional<Request> q = source_.Next();
      if (!q) break;
      if (absl::Status st = Arrive(*q, Duration::Zero()); !st.ok()) return st;
    }
  } else {
    next = source_.Next();
  }
  std::vector<PoolState*> pools = {&decode_};
  if (disaggregated_) pools.push_back(&prefill_);
  Duration now;
  for (PoolState* p : pools) {
    for (Instance& inst : p->instances) TryStart(*p, inst, now);
  }
  while (error_.ok()) {
    const Duration arrival = next ? next->arrival : kNever;
    const Duration transfer = transfers_.empty() ? kNever : transfers_.top().at;
    PoolState* step_pool = nullptr;
    Instance* step = nullptr;
    for (PoolState* p : pools) {
      for (Instance& inst : p->instances) {
        if (step == nullptr || inst.busy_until < step->busy_until) {
          step = &inst;
          step_pool = p;
        }
      }
    }
    const Duration step_end = step->busy_until;
    if (arrival == kNever && transfer == kNever && step_end == kNever) break;
    if (arrival <= transfer && arrival <= step_end) {
      now = arrival;
      if (absl::Status st = Arrive(*next, now); !st.ok()) return st;
      next = source_.Next();
    } else if (transfer <= step_end) {
      now = transfer;
      const Slot s = transfers_.top().slot;
      transfers_.pop();
      Live& l = live_[static_cast<std::size_t>(s)];
      Rank& from = prefill_.ranks[static_cast<std::size_t>(l.rank)];
      from.kv -= l.reserved;
      l.reserved = 0;
      Enqueue(decode_, s, false);
    } else {
      now = step_end;
      step->busy_until = kNever;
      if (step->prefill_forward) {
        EndChunks(*step_pool, *step, now);
      } else {
        EndDecode(*step_pool, *step, now);
      }
      Sample(now);
    }
    for (PoolState* p : pools) {
      for (Instance& inst : p->instances) TryStart(*p, inst, now);
    }
  }
  if (!error_.ok()) return error_;
  if (c_.concurrency > 0 || window_end_ <= window_start_) {
    // Closed loop (or one measured arrival): the window is the run.
    window_start_ = Duration::Zero();
    window_end_ = r_.end;
    window_out_start_ = 0;
    window_out_end_ = output_tokens_;
  }
  r_.window = window_end_ - window_start_;
  if (r_.window > Duration::Zero()) {
    const double seconds = ToSeconds(r_.window);
    const double gpus = static_cast<double>(std::max<int64_t>(r_.gpus, 1));
    r_.output_tps_per_gpu =
        TokensPerSec(static_cast<double>(window_out_end_ - window_out_start_) / seconds / gpus);
    r_.input_tps_per_gpu = TokensPerSec(static_cast<double>(window_input_) / seconds / gpus);
    r_.request_rate = Hertz(static_cast<double>(measured_hi_ - measured_lo_) / seconds);
    r_.goodput = Hertz(static_cast<double>(met_) / seconds);
  }
  r_.goodput_share =
      r_.measured > 0 ? static_cast<double>(met_) / static_cast<double>(r_.measured) : 0.0;
  r_.mean_decode_batch = decode_time_ > 0.0 ? batch_time_ / decode_time_ : 0.0;
  return std::move(r_);
}

}  // namespace

MtpAcceptance UniformAcceptance(int64_t drafts, double accepted_tokens) {
  MtpAcceptance a;
  if (drafts <= 0) return a;
  const int64_t positions = std::min<int64_t>(drafts, MtpAcceptance::kMaxPositions);
  // E(p) = 1 + p + ... + p^drafts rises with p: bisect for E(p) = accepted.
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2.0;
    MtpAcceptance m;
    m.positions = static_cast<std::size_t>(positions);
    for (int64_t k = 0; k < positions; ++k) m.per_position[static_cast<std::size_t>(k)] = mid;
    (m.ExpectedTokens(drafts) < accepted_tokens ? lo : hi) = mid;
  }
  a.positions = static_cast<std::size_t>(positions);
  for (int64_t k = 0; k < positions; ++k) a.per_position[static_cast<std::size_t>(k)] = lo;
  return a;
}

absl::Status Validate(const Config& c, const Pool& decode, const std::optional<Pool>& prefill) {
  auto bad = [](absl::string_view field, auto&&... what) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", what...));
  };
  if (decode.predictor == nullptr) return bad("decode", "no predictor");
  if (decode.instances < 1) return bad("instances", "must be >= 1, got ", decode.instances);
  if (c.mode == Mode::kDisaggregated) {
    if (!prefill.has_value() || prefill->predictor == nullptr) {
      return bad("prefill", "disaggregated serving needs a prefill pool");
    }
    if (prefill->instances < 1) {
      return bad("prefill_instances", "must be >= 1, got ", prefill->instances);
    }
  }
  if (c.max_batch < 1) return bad("max_batch", "must be >= 1, got ", c.max_batch);
  if (c.token_budget < 1) return bad("token_budget", "must be >= 1, got ", c.token_budget);
  if (!(c.prefix_cache_hit >= 0.0 && c.prefix_cache_hit < 1.0)) {
    return bad("prefix_cache_hit", "must be in [0, 1), got ", c.prefix_cache_hit);
  }
  if (!(c.trim >= 0.0 && c.trim < 0.5)) return bad("trim", "must be in [0, 0.5), got ", c.trim);
  if (c.concurrency < 0) return bad("concurrency", "must be >= 0, got ", c.concurrency);
  for (std::size_t k = 0; k < c.acceptance.positions; ++k) {
    const double p = c.acceptance.per_position[k];
    if (!(p >= 0.0 && p <= 1.0)) {
      return bad("acceptance", "position ", k + 1, " must be in [0, 1], got ", p);
    }
  }
  if (c.ttft_target < Duration::Zero()) return bad("ttft_target", "must be >= 0");
  if (c.tpot_target < Duration::Zero()) return bad("tpot_target", "must be >= 0");
  for (const Pool* p : {&decode, prefill.has_value() ? &*prefill : nullptr}) {
    if (p == nullptr || p->predictor == nullptr) continue;
    if (p->predictor->KvCapacity() <= Tokens()) {
      return absl::ResourceExhaustedError(
          "the deployment leaves no HBM for the KV cache (weights and reserve fill it)");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Result> Simulate(const Config& config, const Pool& decode,
                                const std::optional<Pool>& prefill, RequestSource& source) {
  if (absl::Status s = Validate(config, decode, prefill); !s.ok()) return s;
  Engine e(config, source);
  if (absl::Status s = e.Init(decode, prefill); !s.ok()) return s;
  return e.Run();
}

}  // namespace perfmodel::sim
